// RUN: muir-opt %s -split-input-file --pass-pipeline='builtin.module(nc.kernel(muir-nc-schedule{assign-dma-queues=false}))' | FileCheck %s
// (Queues as emitted: the claims below are about loops as units; the DMA
// queue pool is nc-schedule-dma-queues.mlir's.)

// muir-nc-schedule moves an nc.loop as one unit. An independent activation
// and an independent load (queue dma, ahead of the loop's dma3) written
// after the loop start first; a load of a row the loop's last iteration
// stores stays after the loop (the loop's dependencies are those of every
// iteration: by its first iteration's tiles alone it would go first too).
// CHECK-LABEL: nc.kernel @unit
// CHECK:      nc.activation exp
// CHECK-NEXT: nc.dma {{.*}}at 16384 {{.*}}@x
// CHECK-NEXT: nc.loop 4 steps [0, 1, 0, 16384, 2, 0, 0, 16384] {
// CHECK-NEXT:   nc.dma
// CHECK-NEXT:   nc.tensor_scalar
// CHECK-NEXT:   nc.dma
// CHECK-NEXT: {{^ *}}}
// CHECK-NEXT: nc.dma {{.*}}@y[128 x 128] at 49152
nc.kernel @unit target = "trn2" {
  nc.tensor input @x : tensor<512x128xf32> at 0
  nc.tensor output @y : tensor<512x128xf32> at 262144
  nc.loop 4 steps [0, 1, 0, 16384, 2, 0, 0, 16384] {
    nc.dma #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : f32>, #nc.ap<hbm @x[128 x 128] at 0 dims [128] strides [1] : f32> {queue = #nc.queue<dma3>}
    nc.tensor_scalar mul #nc.ap<sbuf[0, 128] at 512 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : f32> {imm0 = 2.0 : f32, queue = #nc.queue<dve>}
    nc.dma #nc.ap<hbm @y[128 x 128] at 0 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 512 dims [128] strides [1] : f32> {queue = #nc.queue<dma1>}
  }
  nc.dma #nc.ap<sbuf[0, 128] at 4096 dims [128] strides [1] : f32>, #nc.ap<hbm @y[128 x 128] at 49152 dims [128] strides [1] : f32>
  nc.dma #nc.ap<sbuf[0, 128] at 16384 dims [128] strides [1] : f32>, #nc.ap<hbm @x[128 x 128] at 0 dims [128] strides [1] : f32>
  nc.activation exp #nc.ap<sbuf[0, 128] at 8192 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 8704 dims [128] strides [1] : f32>
}

// -----

// A body is list-scheduled as one iteration: its store (queue dma1) and
// its independent load (queue dma) swap, and the steps table follows the
// instructions to their new positions.
// CHECK-LABEL: nc.kernel @body
// CHECK:      nc.loop 3 steps [0, 1, 0, 16384, 1, 0, 0, 16384] {
// CHECK-NEXT:   nc.dma {{.*}}, <hbm @x
// CHECK-NEXT:   nc.dma <hbm @y
nc.kernel @body target = "trn2" {
  nc.tensor input @x : tensor<384x128xf32> at 0
  nc.tensor output @y : tensor<384x128xf32> at 196608
  nc.loop 3 steps [0, 0, 0, 16384, 1, 1, 0, 16384] {
    nc.dma #nc.ap<hbm @y[128 x 128] at 0 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 512 dims [128] strides [1] : f32> {queue = #nc.queue<dma1>}
    nc.dma #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : f32>, #nc.ap<hbm @x[128 x 128] at 0 dims [128] strides [1] : f32>
  }
}

// -----

// A loop too long for the iteration-by-iteration estimates (more than 2^23
// instances) is still scheduled: its body list-scheduled, not pipelined.
// CHECK-LABEL: nc.kernel @huge
// CHECK:      nc.loop 100000000 {
// CHECK-NEXT:   nc.dma <sbuf
// CHECK-NEXT:   nc.dma <hbm
nc.kernel @huge target = "trn2" {
  nc.tensor input @x : tensor<128x128xf32> at 0
  nc.tensor output @y : tensor<128x128xf32> at 65536
  nc.loop 100000000 {
    nc.dma #nc.ap<hbm @y[128 x 128] at 0 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 512 dims [128] strides [1] : f32> {queue = #nc.queue<dma1>}
    nc.dma #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : f32>, #nc.ap<hbm @x[128 x 128] at 0 dims [128] strides [1] : f32>
  }
}
