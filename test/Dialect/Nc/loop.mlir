// RUN: muir-opt %s -split-input-file | muir-opt -split-input-file | FileCheck %s
// RUN: muir-opt %s -split-input-file --mlir-print-op-generic | muir-opt -split-input-file | FileCheck %s

// nc.loop: a counted loop whose body instructions advance their tiles and
// wait counts by constant steps; the form round-trips through text.

// CHECK-LABEL: nc.kernel @copy_in_chunks
nc.kernel @copy_in_chunks target = "trn2" semaphores = 1 {
  nc.tensor input @x : tensor<128x2048xf32> at 0
  nc.tensor output @y : tensor<128x2048xf32> at 1048576
  // CHECK: nc.loop 4 steps [0, 0, 0, 2048, 0, 1, 0, 512, 1, 0, 0, 512, 1, 1, 0, 2048] wait_steps [1, 0, 1] {
  // CHECK-NEXT: nc.dma <sbuf[0, 128] at 0 {{.*}} {signal = array<i64: 0>}
  // CHECK-NEXT: nc.dma <hbm @y{{.*}} {queue = #nc.queue<dma1>, wait = array<i64: 0, 1>}
  // CHECK-NEXT: }
  nc.loop 4 steps [0, 0, 0, 2048, 0, 1, 0, 512, 1, 0, 0, 512, 1, 1, 0, 2048] wait_steps [1, 0, 1] {
    nc.dma #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<hbm @x[128 x 2048] at 0 dims [512] strides [1] : f32> {signal = array<i64: 0>}
    nc.dma #nc.ap<hbm @y[128 x 2048] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32> {queue = #nc.queue<dma1>, wait = array<i64: 0, 1>}
  }
}

// -----

// A loop without steps repeats its body unchanged; partitions may step.
// CHECK-LABEL: nc.kernel @plain_and_partition_steps
nc.kernel @plain_and_partition_steps target = "trn2" {
  // CHECK: nc.loop 3 {
  nc.loop 3 {
    nc.tensor_copy #nc.ap<sbuf[0, 32] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 32] at 64 dims [4] strides [1] : f32>
  }
  // CHECK: nc.loop 4 steps [0, 0, 32, 0] {
  nc.loop 4 steps [0, 0, 32, 0] {
    nc.iota #nc.ap<sbuf[0, 32] at 0 dims [4] strides [1] : i32> {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: 1>}
  }
}
