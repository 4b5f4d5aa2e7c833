// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" | FileCheck %s
// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small disable=horizontal" | FileCheck %s --check-prefix=OFF

// Q, K and V projections of one input: one multi_matmul kernel at the first
// product's place, yielding the three products in order; the products'
// users read its results. Widths need not be equal or tile multiples.
// CHECK-LABEL: func.func @qkv
// CHECK: %[[K:.*]]:3 = xf.kernel "k0" multi_matmul : tensor<64x48xbf16>, tensor<64x40xbf16>, tensor<64x24xbf16> {
// CHECK-NEXT: %[[Q:.*]] = xf.matmul %arg0, %arg1
// CHECK-NEXT: %[[KK:.*]] = xf.matmul %arg0, %arg2
// CHECK-NEXT: %[[V:.*]] = xf.matmul %arg0, %arg3
// CHECK-NEXT: xf.yield %[[Q]], %[[KK]], %[[V]]
// CHECK: xf.kernel "k1" softmax
// CHECK-NEXT: xf.softmax %[[K]]#0
// CHECK: return %{{.*}}, %[[K]]#1, %[[K]]#2
// OFF-LABEL: func.func @qkv
// OFF-NOT: multi_matmul
// OFF-COUNT-3: xf.kernel "k{{[0-9]}}" matmul
func.func @qkv(%x: tensor<64x32xbf16>, %wq: tensor<32x48xbf16>, %wk: tensor<32x40xbf16>, %wv: tensor<32x24xbf16>) -> (tensor<64x48xbf16>, tensor<64x40xbf16>, tensor<64x24xbf16>) {
  %q = xf.matmul %x, %wq : (tensor<64x32xbf16>, tensor<32x48xbf16>) -> tensor<64x48xbf16>
  %t = xf.softmax %q {axis = -1} : tensor<64x48xbf16>
  %k = xf.matmul %x, %wk : (tensor<64x32xbf16>, tensor<32x40xbf16>) -> tensor<64x40xbf16>
  %v = xf.matmul %x, %wv : (tensor<64x32xbf16>, tensor<32x24xbf16>) -> tensor<64x24xbf16>
  return %t, %k, %v : tensor<64x48xbf16>, tensor<64x40xbf16>, tensor<64x24xbf16>
}

// -----

// Transposed weights (torch's Linear layout) fuse alike; a product with the
// other layout, another left operand, or a weight computed after the first
// product (it could not move up) stays a kernel of its own.
// CHECK-LABEL: func.func @mixed
// CHECK: xf.kernel "k0" multi_matmul : tensor<64x48xf32>, tensor<64x40xf32> {
// CHECK-NEXT: xf.matmul %arg0, %arg2 {transpose_rhs = true}
// CHECK-NEXT: xf.matmul %arg0, %arg3 {transpose_rhs = true}
// CHECK-NEXT: xf.yield
// CHECK: xf.kernel "k1" matmul : tensor<64x24xf32>
// CHECK: xf.kernel "k2" elementwise
// CHECK: xf.kernel "k3" matmul : tensor<64x40xf32>
// CHECK: xf.kernel "k4" matmul : tensor<64x40xf32>
// CHECK-NOT: multi_matmul
func.func @mixed(%x: tensor<64x32xf32>, %y: tensor<64x32xf32>, %w1: tensor<48x32xf32>, %w2: tensor<40x32xf32>, %w3: tensor<32x24xf32>, %w4: tensor<40x32xf32>) -> (tensor<64x48xf32>, tensor<64x40xf32>, tensor<64x24xf32>, tensor<64x40xf32>, tensor<64x40xf32>) {
  %a = xf.matmul %x, %w1 {transpose_rhs = true} : (tensor<64x32xf32>, tensor<48x32xf32>) -> tensor<64x48xf32>
  %b = xf.matmul %x, %w2 {transpose_rhs = true} : (tensor<64x32xf32>, tensor<40x32xf32>) -> tensor<64x40xf32>
  %c = xf.matmul %x, %w3 : (tensor<64x32xf32>, tensor<32x24xf32>) -> tensor<64x24xf32>
  %w5 = xf.neg %w4 : tensor<40x32xf32>
  %d = xf.matmul %x, %w5 {transpose_rhs = true} : (tensor<64x32xf32>, tensor<40x32xf32>) -> tensor<64x40xf32>
  %e = xf.matmul %y, %w2 {transpose_rhs = true} : (tensor<64x32xf32>, tensor<40x32xf32>) -> tensor<64x40xf32>
  return %a, %b, %c, %d, %e : tensor<64x48xf32>, tensor<64x40xf32>, tensor<64x24xf32>, tensor<64x40xf32>, tensor<64x40xf32>
}

// -----

// Not where it does not pay: one row tile (decode) reads A once per
// product anyway, and a product already fused with its epilogue (the
// residual add) keeps its own kernel.
// CHECK-LABEL: func.func @no_gain
// CHECK-NOT: multi_matmul
// CHECK: return
func.func @no_gain(%x: tensor<1x32xbf16>, %wq: tensor<32x48xbf16>, %wk: tensor<32x40xbf16>, %h: tensor<64x32xbf16>, %w1: tensor<32x32xbf16>, %w2: tensor<32x32xbf16>) -> (tensor<1x48xbf16>, tensor<1x40xbf16>, tensor<64x32xbf16>, tensor<64x32xbf16>) {
  %q = xf.matmul %x, %wq : (tensor<1x32xbf16>, tensor<32x48xbf16>) -> tensor<1x48xbf16>
  %k = xf.matmul %x, %wk : (tensor<1x32xbf16>, tensor<32x40xbf16>) -> tensor<1x40xbf16>
  %a = xf.matmul %h, %w1 : (tensor<64x32xbf16>, tensor<32x32xbf16>) -> tensor<64x32xbf16>
  %b = xf.matmul %h, %w2 : (tensor<64x32xbf16>, tensor<32x32xbf16>) -> tensor<64x32xbf16>
  %r = xf.add %b, %h : (tensor<64x32xbf16>, tensor<64x32xbf16>) -> tensor<64x32xbf16>
  return %q, %k, %a, %r : tensor<1x48xbf16>, tensor<1x40xbf16>, tensor<64x32xbf16>, tensor<64x32xbf16>
}
