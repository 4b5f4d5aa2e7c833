// RUN: muir-opt %s | muir-opt | FileCheck %s
// RUN: muir-opt %s --mlir-print-op-generic | muir-opt | FileCheck %s

// Round trip of every xf op, in every element type somewhere.

// CHECK-LABEL: func.func @elementwise_binary
func.func @elementwise_binary(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  // CHECK: xf.add %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %0 = xf.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: xf.sub
  %1 = xf.sub %0, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: xf.mul
  %2 = xf.mul %1, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: xf.div
  %3 = xf.div %2, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: xf.max
  %4 = xf.max %3, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK-NEXT: xf.min %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %5 = xf.min %4, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %5 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @broadcast_both_sides
// CHECK: xf.add %{{.*}}, %{{.*}} : (tensor<4x1x3xbf16>, tensor<5x1xbf16>) -> tensor<4x5x3xbf16>
func.func @broadcast_both_sides(%a: tensor<4x1x3xbf16>, %b: tensor<5x1xbf16>) -> tensor<4x5x3xbf16> {
  %0 = xf.add %a, %b : (tensor<4x1x3xbf16>, tensor<5x1xbf16>) -> tensor<4x5x3xbf16>
  return %0 : tensor<4x5x3xbf16>
}

// CHECK-LABEL: func.func @elementwise_unary
func.func @elementwise_unary(%x: tensor<8xf16>) -> tensor<8xf16> {
  // CHECK: xf.neg %{{.*}} : tensor<8xf16>
  %0 = xf.neg %x : tensor<8xf16>
  // CHECK-NEXT: xf.exp
  %1 = xf.exp %0 : tensor<8xf16>
  // CHECK-NEXT: xf.log
  %2 = xf.log %1 : tensor<8xf16>
  // CHECK-NEXT: xf.tanh
  %3 = xf.tanh %2 : tensor<8xf16>
  // CHECK-NEXT: xf.sqrt
  %4 = xf.sqrt %3 : tensor<8xf16>
  // CHECK-NEXT: xf.rsqrt
  %5 = xf.rsqrt %4 : tensor<8xf16>
  // CHECK-NEXT: xf.sigmoid
  %6 = xf.sigmoid %5 : tensor<8xf16>
  // CHECK-NEXT: xf.relu
  %7 = xf.relu %6 : tensor<8xf16>
  // CHECK-NEXT: xf.silu
  %8 = xf.silu %7 : tensor<8xf16>
  // CHECK-NEXT: xf.gelu %{{.*}} : tensor<8xf16>
  %9 = xf.gelu %8 : tensor<8xf16>
  // CHECK-NEXT: xf.gelu %{{.*}} approximate = tanh : tensor<8xf16>
  %10 = xf.gelu %9 approximate = tanh : tensor<8xf16>
  return %10 : tensor<8xf16>
}

// CHECK-LABEL: func.func @casts
func.func @casts(%x: tensor<4xf32>, %i: tensor<4xi32>) -> (tensor<4xf8E4M3FN>, tensor<4xf8E5M2>, tensor<4xbf16>) {
  // CHECK: xf.cast %{{.*}} : tensor<4xf32> to tensor<4xf8E4M3FN>
  %0 = xf.cast %x : tensor<4xf32> to tensor<4xf8E4M3FN>
  // CHECK-NEXT: xf.cast %{{.*}} : tensor<4xf8E4M3FN> to tensor<4xf8E5M2>
  %1 = xf.cast %0 : tensor<4xf8E4M3FN> to tensor<4xf8E5M2>
  // CHECK-NEXT: xf.cast %{{.*}} : tensor<4xi32> to tensor<4xbf16>
  %2 = xf.cast %i : tensor<4xi32> to tensor<4xbf16>
  return %0, %1, %2 : tensor<4xf8E4M3FN>, tensor<4xf8E5M2>, tensor<4xbf16>
}

// CHECK-LABEL: func.func @matmuls
func.func @matmuls(%a: tensor<8x16xbf16>, %b: tensor<32x16xbf16>, %c: tensor<16x8xbf16>,
                   %x: tensor<2x1x4x5xf32>, %y: tensor<3x5x6xf32>) -> (tensor<8x32xf32>, tensor<16x16xbf16>, tensor<2x3x4x6xf32>) {
  // CHECK: xf.matmul %{{.*}}, %{{.*}} {acc_type = f32, transpose_rhs = true} : (tensor<8x16xbf16>, tensor<32x16xbf16>) -> tensor<8x32xf32>
  %0 = xf.matmul %a, %b {transpose_rhs = true, acc_type = f32} : (tensor<8x16xbf16>, tensor<32x16xbf16>) -> tensor<8x32xf32>
  // CHECK-NEXT: xf.matmul %{{.*}}, %{{.*}} {transpose_lhs = true} : (tensor<8x16xbf16>, tensor<8x16xbf16>) -> tensor<16x16xbf16>
  %1 = xf.matmul %a, %a {transpose_lhs = true} : (tensor<8x16xbf16>, tensor<8x16xbf16>) -> tensor<16x16xbf16>
  // CHECK-NEXT: xf.batch_matmul %{{.*}}, %{{.*}} : (tensor<2x1x4x5xf32>, tensor<3x5x6xf32>) -> tensor<2x3x4x6xf32>
  %2 = xf.batch_matmul %x, %y : (tensor<2x1x4x5xf32>, tensor<3x5x6xf32>) -> tensor<2x3x4x6xf32>
  return %0, %1, %2 : tensor<8x32xf32>, tensor<16x16xbf16>, tensor<2x3x4x6xf32>
}

// CHECK-LABEL: func.func @normalisation
func.func @normalisation(%x: tensor<2x5x8xf32>, %w: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>) {
  // CHECK: xf.softmax %{{.*}} {axis = 1 : i64} : tensor<2x5x8xf32>
  %0 = xf.softmax %x {axis = 1} : tensor<2x5x8xf32>
  // CHECK-NEXT: xf.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {eps = 1.000000e-03 : f32}
  %1 = xf.layer_norm %x, %w, %b {eps = 1.0e-3 : f32} : (tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x5x8xf32>
  // CHECK-NEXT: xf.rms_norm %{{.*}}, %{{.*}} : (tensor<2x5x8xf32>, tensor<8xf32>) -> tensor<2x5x8xf32>
  %2 = xf.rms_norm %x, %w : (tensor<2x5x8xf32>, tensor<8xf32>) -> tensor<2x5x8xf32>
  return %0, %1, %2 : tensor<2x5x8xf32>, tensor<2x5x8xf32>, tensor<2x5x8xf32>
}

// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<2x5x8xf32>) -> (tensor<5xf32>, tensor<2x1x8xf32>, tensor<2x5xf32>) {
  // CHECK: xf.reduce_sum %{{.*}} {axes = array<i64: 0, -1>} : (tensor<2x5x8xf32>) -> tensor<5xf32>
  %0 = xf.reduce_sum %x {axes = array<i64: 0, -1>} : (tensor<2x5x8xf32>) -> tensor<5xf32>
  // CHECK-NEXT: xf.reduce_max %{{.*}} {axes = array<i64: 1>, keep_dims = true} : (tensor<2x5x8xf32>) -> tensor<2x1x8xf32>
  %1 = xf.reduce_max %x {axes = array<i64: 1>, keep_dims = true} : (tensor<2x5x8xf32>) -> tensor<2x1x8xf32>
  // CHECK-NEXT: xf.reduce_mean %{{.*}} {axes = array<i64: 2>} : (tensor<2x5x8xf32>) -> tensor<2x5xf32>
  %2 = xf.reduce_mean %x {axes = array<i64: 2>} : (tensor<2x5x8xf32>) -> tensor<2x5xf32>
  return %0, %1, %2 : tensor<5xf32>, tensor<2x1x8xf32>, tensor<2x5xf32>
}

// CHECK-LABEL: func.func @data_movement
func.func @data_movement(%x: tensor<2x3x4xf32>, %y: tensor<2x1x4xf32>, %t: tensor<10x4xbf16>, %i: tensor<2x3xi64>)
    -> (tensor<4x2x3xf32>, tensor<6x4xf32>, tensor<2x3x4xf32>, tensor<2x4x4xf32>, tensor<2x2x2xf32>, tensor<2x3x4xbf16>) {
  // CHECK: xf.transpose %{{.*}} {permutation = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  %0 = xf.transpose %x {permutation = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  // CHECK-NEXT: xf.reshape %{{.*}} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %1 = xf.reshape %x : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  // CHECK-NEXT: xf.broadcast_to %{{.*}} : (tensor<2x1x4xf32>) -> tensor<2x3x4xf32>
  %2 = xf.broadcast_to %y : (tensor<2x1x4xf32>) -> tensor<2x3x4xf32>
  // CHECK-NEXT: xf.concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x1x4xf32>) -> tensor<2x4x4xf32>
  %3 = xf.concat %x, %y {axis = 1} : (tensor<2x3x4xf32>, tensor<2x1x4xf32>) -> tensor<2x4x4xf32>
  // CHECK-NEXT: xf.slice %{{.*}} {offsets = array<i64: 0, 1, 0>, sizes = array<i64: 2, 2, 2>, strides = array<i64: 1, 1, 2>} : (tensor<2x3x4xf32>) -> tensor<2x2x2xf32>
  %4 = xf.slice %x {offsets = array<i64: 0, 1, 0>, sizes = array<i64: 2, 2, 2>, strides = array<i64: 1, 1, 2>} : (tensor<2x3x4xf32>) -> tensor<2x2x2xf32>
  // CHECK-NEXT: xf.gather %{{.*}}[%{{.*}}] : (tensor<10x4xbf16>, tensor<2x3xi64>) -> tensor<2x3x4xbf16>
  %5 = xf.gather %t[%i] : (tensor<10x4xbf16>, tensor<2x3xi64>) -> tensor<2x3x4xbf16>
  return %0, %1, %2, %3, %4, %5 : tensor<4x2x3xf32>, tensor<6x4xf32>, tensor<2x3x4xf32>, tensor<2x4x4xf32>, tensor<2x2x2xf32>, tensor<2x3x4xbf16>
}

// CHECK-LABEL: func.func @transformer_ops
func.func @transformer_ops(%x: tensor<1x4x6x8xbf16>, %c: tensor<6x8xbf16>, %s: tensor<6x8xbf16>,
                           %k: tensor<1x2x10x8xbf16>, %v: tensor<1x2x10x4xbf16>) -> (tensor<1x4x6x8xbf16>, tensor<1x4x6x4xbf16>) {
  // CHECK: xf.rope %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x4x6x8xbf16>, tensor<6x8xbf16>, tensor<6x8xbf16>) -> tensor<1x4x6x8xbf16>
  %0 = xf.rope %x, %c, %s : (tensor<1x4x6x8xbf16>, tensor<6x8xbf16>, tensor<6x8xbf16>) -> tensor<1x4x6x8xbf16>
  // CHECK-NEXT: xf.attention %{{.*}}, %{{.*}}, %{{.*}} {causal = true, scale = 2.500000e-01 : f32} : (tensor<1x4x6x8xbf16>, tensor<1x2x10x8xbf16>, tensor<1x2x10x4xbf16>) -> tensor<1x4x6x4xbf16>
  %1 = xf.attention %0, %k, %v {causal = true, scale = 0.25 : f32} : (tensor<1x4x6x8xbf16>, tensor<1x2x10x8xbf16>, tensor<1x2x10x4xbf16>) -> tensor<1x4x6x4xbf16>
  return %0, %1 : tensor<1x4x6x8xbf16>, tensor<1x4x6x4xbf16>
}

// CHECK-LABEL: func.func @attention_key_bias
func.func @attention_key_bias(%q: tensor<2x4x6x8xf32>, %k: tensor<2x2x10x8xf32>, %v: tensor<2x2x10x4xf32>, %m: tensor<2x10xf32>) -> tensor<2x4x6x4xf32> {
  // CHECK: xf.attention %{{.*}}, %{{.*}}, %{{.*}} key_bias %{{.*}} {causal = true} : (tensor<2x4x6x8xf32>, tensor<2x2x10x8xf32>, tensor<2x2x10x4xf32>, tensor<2x10xf32>) -> tensor<2x4x6x4xf32>
  %0 = xf.attention %q, %k, %v key_bias %m {causal = true} : (tensor<2x4x6x8xf32>, tensor<2x2x10x8xf32>, tensor<2x2x10x4xf32>, tensor<2x10xf32>) -> tensor<2x4x6x4xf32>
  return %0 : tensor<2x4x6x4xf32>
}

// CHECK-LABEL: func.func @constants
func.func @constants() -> (tensor<2x2xf32>, tensor<3xbf16>, tensor<2xf16>) {
  // CHECK: xf.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
  %0 = xf.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  // CHECK-NEXT: xf.constant dense<5.000000e-01> : tensor<3xbf16>
  %1 = xf.constant dense<0.5> : tensor<3xbf16>
  // CHECK-NEXT: xf.constant dense_resource<weights> : tensor<2xf16>
  %2 = xf.constant dense_resource<weights> : tensor<2xf16>
  return %0, %1, %2 : tensor<2x2xf32>, tensor<3xbf16>, tensor<2xf16>
}

// The blob stays in the resource section, not inline.
// CHECK: dialect_resources
// CHECK: weights: "0x02000000003C0040"
{-#
  dialect_resources: {
    builtin: {
      weights: "0x02000000003C0040"
    }
  }
#-}
