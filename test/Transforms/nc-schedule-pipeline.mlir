// RUN: muir-opt %s --pass-pipeline='builtin.module(nc.kernel(muir-nc-schedule))' | FileCheck %s
// RUN: muir-opt %s --pass-pipeline='builtin.module(nc.kernel(muir-nc-schedule,muir-nc-insert-sync))' -o %t.on.mlir
// RUN: muir-opt %s --pass-pipeline='builtin.module(nc.kernel(muir-nc-schedule{pipeline=false},muir-nc-insert-sync))' -o %t.off.mlir
// RUN: FileCheck %s --check-prefix=OFF < %t.off.mlir
// RUN: muir-sim %t.on.mlir --seed=1 --report-json=%t.on.json --output=y=%t.on.npy
// RUN: muir-sim %t.off.mlir --seed=1 --report-json=%t.off.json --output=y=%t.off.npy
// RUN: cmp %t.on.npy %t.off.npy
// RUN: muir-opt %s --pass-pipeline='builtin.module(nc.kernel(muir-nc-schedule{unroll-slow-loops=true}))' | FileCheck %s --check-prefix=FREE
// RUN: %python -c "import json, sys; on, off = (json.load(open(f))['seconds'] for f in sys.argv[1:]); sys.exit(0 if on < 0.97 * off else 1)" %t.on.json %t.off.json

// muir-nc-schedule software-pipelines a loop body by one stage when its
// estimate of an iteration's time falls: here each tile's load and store
// share one DMA queue, so in the loop as written the next tile's load
// waits behind this tile's store, which waits for its long exp. Moving the
// loads one iteration ahead gives a prologue (the first load), a loop of
// N - 1 iterations (the rest of tile k with the loads of tile k + 1,
// list-scheduled together) and an epilogue (the rest of the last
// iteration). The values are the same (cmp above, hazard checker on); the
// time falls.

// CHECK:      nc.dma {{.*}}@z
// CHECK-NEXT: nc.dma <sbuf[0, 128] at 0 {{.*}}@x[128 x 16] at 0 {{.*}}
// CHECK-NEXT: nc.loop 7 steps
// CHECK:      nc.dma <sbuf[0, 128] at 0 {{.*}}@x[128 x 16] at 4096 {{.*}}
// CHECK:      {{^ *}}}
// CHECK-NEXT: nc.dma <sbuf[0, 128] at 32768 {{.*}}@x[128 x 16] at 30720 {{.*}}
// CHECK:      nc.dma <hbm @y[128 x 16] at 30720
// OFF: nc.loop 8 steps
// With unroll-slow-loops=true the loop is first weighed against its
// iterations list-scheduled freely (which also puts each next load ahead
// of the stores): slower by that estimate, it is written out.
// FREE-NOT: nc.loop
nc.kernel @pipe target = "trn2" {
  nc.tensor input @x : tensor<2048x16xf32> at 0
  nc.tensor input @z : tensor<128x32768xf32> at 131072
  nc.tensor output @y : tensor<2048x16xf32> at 16908288
  // Every byte the exps read is written once (the loads write 16 of them).
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [32768] strides [1] : f32>, #nc.ap<hbm @z[128 x 32768] at 0 dims [32768] strides [1] : f32> {queue = #nc.queue<dma3>}
  nc.loop 8 steps [0, 1, 0, 4096, 2, 0, 0, 4096, 3, 1, 0, 4096, 5, 0, 0, 4096] {
    nc.dma #nc.ap<sbuf[0, 128] at 0 dims [16] strides [1] : f32>, #nc.ap<hbm @x[128 x 16] at 0 dims [16] strides [1] : f32>
    nc.activation exp #nc.ap<sbuf[0, 128] at 65536 dims [8192] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [8192] strides [1] : f32>
    nc.dma #nc.ap<hbm @y[128 x 16] at 0 dims [16] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 65536 dims [16] strides [1] : f32>
    nc.dma #nc.ap<sbuf[0, 128] at 32768 dims [16] strides [1] : f32>, #nc.ap<hbm @x[128 x 16] at 2048 dims [16] strides [1] : f32>
    nc.activation exp #nc.ap<sbuf[0, 128] at 98304 dims [8192] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 32768 dims [8192] strides [1] : f32>
    nc.dma #nc.ap<hbm @y[128 x 16] at 2048 dims [16] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 98304 dims [16] strides [1] : f32>
  }
}
