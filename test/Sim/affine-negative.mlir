// iota and affine_select with negative base and channel multiplier (the
// signed I64 attributes must reach the simulator as signed values).
// RUN: muir-sim %s --print | FileCheck %s

// iota -3 - 2p + i over [2, 4]:
// CHECK-LABEL: @io : 2x4xi32
// CHECK-NEXT: [0] -3 -2 -1 0
// CHECK-NEXT: [1] -5 -4 -3 -2
// select keeps 1 where -1 - p + i >= 0, else -7:
// CHECK-LABEL: @sel : 2x4xf32
// CHECK-NEXT: [0] -7 1 1 1
// CHECK-NEXT: [1] -7 -7 1 1
nc.kernel @affine_negative target = "small" semaphores = 1 {
  nc.tensor output @io : tensor<2x4xi32> at 0
  nc.tensor output @sel : tensor<2x4xf32> at 64
  nc.iota #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : i32> {base = -3, channel_multiplier = -2, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.iota #nc.ap<sbuf[0, 2] at 64 dims [4] strides [1] : f32> {base = 1, channel_multiplier = 0, coefficients = array<i64: 0>}
  nc.affine_select #nc.ap<sbuf[0, 2] at 64 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 64 dims [4] strides [1] : f32> {fill = -7.0 : f32, base = -1, channel_multiplier = -1, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.dma #nc.ap<hbm @io[2 x 4] at 0 dims [4] strides [1] : i32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : i32> {wait = array<i64: 0, 2>}
  nc.dma #nc.ap<hbm @sel[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 64 dims [4] strides [1] : f32> {wait = array<i64: 0, 2>}
}
