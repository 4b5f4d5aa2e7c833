// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-lower-xf-to-nc="target=small" | FileCheck %s

// SwiGLU: silu(x Wg) * (x Wu) is one kernel. Each A^T tile is the
// stationary operand of both products (gate and up accumulate in their own
// PSUM banks); the epilogue rounds both accumulators to bf16, applies silu
// and multiplies, so neither product is ever written to HBM.
// CHECK-LABEL: nc.kernel @swiglu
// CHECK-NOT: nc.tensor scratch
// CHECK: nc.matmul <psum[0, 16] at [[G:[0-9]+]] dims [64] {{.*}}, <sbuf[0, 16] at [[AT:[0-9]+]] dims [16] {{.*}}, <sbuf
// CHECK-NEXT: nc.matmul <psum[0, 16] at [[U:[0-9]+]] dims [64] {{.*}}, <sbuf[0, 16] at [[AT]] dims [16]
// CHECK: nc.tensor_copy <sbuf[0, 16] at [[GT:[0-9]+]] dims [64] {{.*}} : bf16>, <psum[0, 16] at [[G]] dims [64]
// CHECK: nc.tensor_copy <sbuf[0, 16] at [[UT:[0-9]+]] dims [64] {{.*}} : bf16>, <psum[0, 16] at [[U]] dims [64]
// CHECK: nc.activation silu <sbuf[0, 16] at [[ST:[0-9]+]] dims [64] {{.*}}, <sbuf[0, 16] at [[GT]] dims [64]
// CHECK: nc.tensor_tensor mul <sbuf{{.*}}, <sbuf[0, 16] at [[ST]] dims [64] {{.*}}, <sbuf[0, 16] at [[UT]] dims [64]
// CHECK: nc.dma <hbm @out0
func.func @swiglu(%x: tensor<32x32xbf16>, %wg: tensor<32x64xbf16>, %wu: tensor<32x64xbf16>) -> tensor<32x64xbf16> {
  %g = xf.matmul %x, %wg : (tensor<32x32xbf16>, tensor<32x64xbf16>) -> tensor<32x64xbf16>
  %u = xf.matmul %x, %wu : (tensor<32x32xbf16>, tensor<32x64xbf16>) -> tensor<32x64xbf16>
  %s = xf.silu %g : tensor<32x64xbf16>
  %m = xf.mul %s, %u : (tensor<32x64xbf16>, tensor<32x64xbf16>) -> tensor<32x64xbf16>
  return %m : tensor<32x64xbf16>
}

// -----

// Different A operands: not a gated product. The up product goes through
// HBM; the gate product's kernel runs silu and the multiply as its
// epilogue (reading the up product's tiles).
// CHECK-LABEL: nc.kernel @not_gated
// CHECK-COUNT-1: nc.tensor scratch
// CHECK-NOT: nc.tensor scratch
// CHECK: nc.activation silu
// CHECK: nc.tensor_tensor mul
func.func @not_gated(%x: tensor<32x32xbf16>, %y: tensor<32x32xbf16>, %wg: tensor<32x64xbf16>, %wu: tensor<32x64xbf16>) -> tensor<32x64xbf16> {
  %g = xf.matmul %x, %wg : (tensor<32x32xbf16>, tensor<32x64xbf16>) -> tensor<32x64xbf16>
  %u = xf.matmul %y, %wu : (tensor<32x32xbf16>, tensor<32x64xbf16>) -> tensor<32x64xbf16>
  %s = xf.silu %g : tensor<32x64xbf16>
  %m = xf.mul %s, %u : (tensor<32x64xbf16>, tensor<32x64xbf16>) -> tensor<32x64xbf16>
  return %m : tensor<32x64xbf16>
}
