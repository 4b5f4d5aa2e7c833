// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-lower-xf-to-nc="target=small" | FileCheck %s

// bias + gelu and the residual add: one kernel, intermediates on chip.
// CHECK-LABEL: nc.kernel @bias_gelu_residual
// CHECK-NOT: nc.tensor scratch
// CHECK: nc.tensor output @out0 : tensor<16x8xf32>
// CHECK-NOT: nc.tensor scratch
// CHECK: nc.tensor_tensor add
// CHECK-NEXT: nc.activation gelu_tanh
// CHECK-NEXT: nc.tensor_tensor add
// CHECK-NEXT: nc.dma <hbm @out0
func.func @bias_gelu_residual(%x: tensor<16x8xf32>, %b: tensor<8xf32>, %r: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %0 = xf.add %x, %b : (tensor<16x8xf32>, tensor<8xf32>) -> tensor<16x8xf32>
  %1 = xf.gelu %0 approximate = tanh : tensor<16x8xf32>
  %2 = xf.add %1, %r : (tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<16x8xf32>
  return %2 : tensor<16x8xf32>
}

// -----

// An intermediate with a second use, or that is a result, stays in HBM.
// CHECK-LABEL: nc.kernel @shared_intermediate
// CHECK: nc.tensor scratch @t0 : tensor<4x4xf32>
func.func @shared_intermediate(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %0 = xf.exp %x : tensor<4x4xf32>
  %1 = xf.mul %0, %0 : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %1 : tensor<4x4xf32>
}

// -----

// matmul + residual: the residual is added as the accumulator leaves PSUM.
// CHECK-LABEL: nc.kernel @matmul_residual
// CHECK-NOT: nc.tensor scratch
// CHECK: nc.matmul
// CHECK: nc.dma <sbuf{{.*}}<hbm @arg2
// CHECK-NEXT: nc.tensor_tensor add <sbuf[0, 16] {{.*}}, <psum[0, 16] {{.*}}, <sbuf[0, 16]
// CHECK-NOT: nc.tensor_copy
func.func @matmul_residual(%a: tensor<16x8xf32>, %w: tensor<8x8xf32>, %r: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %0 = xf.matmul %a, %w : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  %1 = xf.add %r, %0 : (tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<16x8xf32>
  return %1 : tensor<16x8xf32>
}
