// RUN: muir-opt %s -split-input-file --muir-xf-fuse | FileCheck %s
// RUN: muir-opt %s -split-input-file --muir-xf-fuse="disable=elementwise,residual,epilogue" | FileCheck %s --check-prefix=OFF

// An elementwise chain: bias add and gelu in one kernel; a function result
// is never fused away.
// CHECK-LABEL: func.func @chain
// CHECK: %[[K:.*]] = xf.kernel "k0" elementwise : tensor<4x8xf32> {
// CHECK-NEXT: %[[A:.*]] = xf.add %arg0, %arg1
// CHECK-NEXT: %[[G:.*]] = xf.gelu %[[A]]
// CHECK-NEXT: xf.yield %[[G]]
// CHECK: return %[[K]]
// OFF-LABEL: func.func @chain
// OFF: xf.kernel "k0" elementwise
// OFF-NEXT: xf.add
// OFF-NEXT: xf.yield
// OFF: xf.kernel "k1" elementwise
// OFF-NEXT: xf.gelu
func.func @chain(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %0 = xf.add %x, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %1 = xf.gelu %0 : tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

// A value used twice stays in memory: two kernels.
// CHECK-LABEL: func.func @two_uses
// CHECK: %[[E:.*]] = xf.kernel "k0" elementwise
// CHECK-NEXT: xf.exp %arg0
// CHECK: xf.kernel "k1" elementwise
// CHECK-NEXT: xf.mul %[[E]], %[[E]]
func.func @two_uses(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = xf.exp %x : tensor<4x8xf32>
  %1 = xf.mul %0, %0 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

// Residual: the add happens in the matmul's evacuation; the kernel is a
// matmul kernel whose root is the add.
// CHECK-LABEL: func.func @residual
// CHECK: xf.kernel "k0" matmul : tensor<128x256xf32> {
// CHECK-NEXT: %[[M:.*]] = xf.matmul %arg0, %arg1
// CHECK-NEXT: %[[R:.*]] = xf.add %arg2, %[[M]]
// CHECK-NEXT: xf.yield %[[R]]
// OFF-LABEL: func.func @residual
// OFF: xf.kernel "k0" matmul
// OFF-NEXT: xf.matmul
// OFF-NEXT: xf.yield
// OFF: xf.kernel "k1" elementwise
func.func @residual(%a: tensor<128x64xf32>, %w: tensor<64x256xf32>,
                    %r: tensor<128x256xf32>) -> tensor<128x256xf32> {
  %0 = xf.matmul %a, %w : (tensor<128x64xf32>, tensor<64x256xf32>) -> tensor<128x256xf32>
  %1 = xf.add %r, %0 : (tensor<128x256xf32>, tensor<128x256xf32>) -> tensor<128x256xf32>
  return %1 : tensor<128x256xf32>
}

// -----

// Epilogue: bias add, GELU and a residual add run on each accumulator tile
// of the matmul; the bias is a broadcast operand.
// CHECK-LABEL: func.func @epilogue
// CHECK: xf.kernel "k0" matmul : tensor<128x256xf32> {
// CHECK-NEXT: %[[M:.*]] = xf.matmul %arg0, %arg1
// CHECK-NEXT: %[[B:.*]] = xf.add %[[M]], %arg2
// CHECK-NEXT: %[[G:.*]] = xf.gelu %[[B]]
// CHECK-NEXT: %[[R:.*]] = xf.add %arg3, %[[G]]
// CHECK-NEXT: xf.yield %[[R]]
// CHECK-NOT: xf.kernel
// OFF-LABEL: func.func @epilogue
// OFF: xf.kernel "k0" matmul
// OFF-NEXT: xf.matmul
// OFF-NEXT: xf.yield
func.func @epilogue(%a: tensor<128x64xf32>, %w: tensor<64x256xf32>,
                    %b: tensor<256xf32>, %r: tensor<128x256xf32>) -> tensor<128x256xf32> {
  %0 = xf.matmul %a, %w : (tensor<128x64xf32>, tensor<64x256xf32>) -> tensor<128x256xf32>
  %1 = xf.add %0, %b : (tensor<128x256xf32>, tensor<256xf32>) -> tensor<128x256xf32>
  %2 = xf.gelu %1 : tensor<128x256xf32>
  %3 = xf.add %r, %2 : (tensor<128x256xf32>, tensor<128x256xf32>) -> tensor<128x256xf32>
  return %3 : tensor<128x256xf32>
}

// -----

// Gated product (SwiGLU): both matmuls and the tree in one kernel.
// CHECK-LABEL: func.func @swiglu
// CHECK: xf.kernel "k0" gated_matmul : tensor<128x256xbf16> {
// CHECK-NEXT: xf.matmul %arg0, %arg1
// CHECK-NEXT: xf.silu
// CHECK-NEXT: xf.matmul %arg0, %arg2
// CHECK-NEXT: xf.mul
// CHECK-NEXT: xf.yield
// CHECK-NOT: xf.kernel
func.func @swiglu(%a: tensor<128x64xbf16>, %wg: tensor<64x256xbf16>,
                  %wu: tensor<64x256xbf16>) -> tensor<128x256xbf16> {
  %g = xf.matmul %a, %wg : (tensor<128x64xbf16>, tensor<64x256xbf16>) -> tensor<128x256xbf16>
  %s = xf.silu %g : tensor<128x256xbf16>
  %u = xf.matmul %a, %wu : (tensor<128x64xbf16>, tensor<64x256xbf16>) -> tensor<128x256xbf16>
  %y = xf.mul %s, %u : (tensor<128x256xbf16>, tensor<128x256xbf16>) -> tensor<128x256xbf16>
  return %y : tensor<128x256xbf16>
}

// -----

// Attention with its head transposes (views) and a KV-cache concat read in
// place; constants and reshapes stay outside kernels.
// CHECK-LABEL: func.func @attention
// CHECK: %[[C:.*]] = xf.constant
// CHECK: %[[R:.*]] = xf.reshape
// CHECK: xf.kernel "k0" attention : tensor<1x4x2x16xf32> {
// CHECK-NEXT: xf.transpose %[[R]]
// CHECK-NEXT: xf.concat
// CHECK-NEXT: xf.attention
// CHECK-NEXT: xf.transpose
// CHECK-NEXT: xf.yield
// CHECK-NOT: xf.kernel
func.func @attention(%q: tensor<4x2x16xf32>, %kc: tensor<1x2x6x16xf32>,
                     %kn: tensor<1x2x4x16xf32>, %v: tensor<1x2x10x16xf32>)
    -> tensor<1x4x2x16xf32> {
  %c = xf.constant dense<1.0> : tensor<1x2x10x16xf32>
  %qr = xf.reshape %q : (tensor<4x2x16xf32>) -> tensor<1x4x2x16xf32>
  %qt = xf.transpose %qr {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x16xf32>) -> tensor<1x2x4x16xf32>
  %k = xf.concat %kc, %kn {axis = 2 : i64} : (tensor<1x2x6x16xf32>, tensor<1x2x4x16xf32>) -> tensor<1x2x10x16xf32>
  %o = xf.attention %qt, %k, %c {causal = true} : (tensor<1x2x4x16xf32>, tensor<1x2x10x16xf32>, tensor<1x2x10x16xf32>) -> tensor<1x2x4x16xf32>
  %ot = xf.transpose %o {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x16xf32>) -> tensor<1x4x2x16xf32>
  return %ot : tensor<1x4x2x16xf32>
}

// -----

// Not fused: a transpose that moves the head dimension (attention reads
// views only with the head dimension contiguous) is a copy of its own.
// CHECK-LABEL: func.func @moved_head_dim
// CHECK: xf.kernel "k0" data_movement
// CHECK-NEXT: xf.transpose
// CHECK: xf.kernel "k1" attention
// CHECK-NEXT: xf.attention
func.func @moved_head_dim(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x4x16xf32>)
    -> tensor<1x2x4x16xf32> {
  %qt = xf.transpose %q {permutation = array<i64: 0, 1, 3, 2>} : (tensor<1x2x16x4xf32>) -> tensor<1x2x4x16xf32>
  %o = xf.attention %qt, %k, %k : (tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32>
  return %o : tensor<1x2x4x16xf32>
}
