// The collective-communication queues (small-mc: 20 per chip over 4 cores,
// dma4 .. dma8 after the cores' dma0 .. dma3) run collectives only: program
// validation (binaries, --no-verify) says so as the verifier does
// (test/Dialect/Nc/collectives-invalid.mlir). The multi-core lowering puts
// every collective on the first of them (test/Conversion/XfToNc/collectives.mlir).
// RUN: not muir-sim %s --no-verify --kernel=dma_on_cc_queue --cores=2 --timing-only 2>&1 | FileCheck %s --check-prefix=CCQUEUE
// CCQUEUE: muir-sim: instruction #0 (dma) runs on queue dma4, a collective queue of target 'small-mc': only collectives run there
// RUN: not muir-sim %s --no-verify --kernel=beyond_cc_queues --cores=2 --timing-only 2>&1 | FileCheck %s --check-prefix=NOQUEUE
// NOQUEUE: muir-sim: instruction #0 (all_reduce) runs on queue dma9, which target 'small-mc' does not have
// RUN: muir-sim %s --no-verify --kernel=on_cc_queue --cores=2 --timing-only --report | FileCheck %s --check-prefix=ONCC
// RUN: not muir-opt %s 2>&1 | FileCheck %s --check-prefix=VERIFY
// VERIFY: 'nc.dma' op runs on queue 'dma4', a collective-communication queue of target 'small-mc': only collectives run there
// ONCC: collectives 1
nc.kernel @dma_on_cc_queue target = "small-mc" {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.dma #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> {queue = #nc.queue<dma4>}
}
nc.kernel @beyond_cc_queues target = "small-mc" {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.all_reduce add #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64> {queue = #nc.queue<dma9>}
}
nc.kernel @on_cc_queue target = "small-mc" {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.all_reduce add #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64> {queue = #nc.queue<dma8>}
}
