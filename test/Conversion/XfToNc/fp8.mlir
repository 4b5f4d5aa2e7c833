// RUN: muir-opt %s -split-input-file --muir-lower-xf-to-nc="target=small" | FileCheck %s

// fp8 matmul: DMA transposes move only 2- and 4-byte elements, so A^T is
// gathered element by element (K on partitions, one A row per free element:
// element stride 24 = K) instead. B stays row-major (K tiles of 16 and 8
// rows, resident for both row tiles); fp8 operands accumulate in fp32 PSUM
// and the evacuation rounds to the bf16 result.
// CHECK-LABEL: nc.kernel @matmul_fp8
// CHECK-NOT: transpose}
// CHECK: nc.dma <sbuf[0, 16] at [[B0:[0-9]+]] dims [40] strides [1] : f8E4M3FN>, <hbm @arg1[16 x 40] at 0 dims [40] strides [1] : f8E4M3FN>
// CHECK-NEXT: nc.dma <sbuf[0, 8] at [[B1:[0-9]+]] dims [40] {{.*}}, <hbm @arg1[8 x 40] at 640 dims [40]
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[A0:[0-9]+]] dims [16] strides [1] : f8E4M3FN>, <hbm @arg0[16 x 1] at 0 dims [16] strides [24] : f8E4M3FN>{{( \{queue = #nc.queue<dma[0-9]>\})?$}}
// CHECK-NEXT: nc.dma <sbuf[0, 8] at [[A1:[0-9]+]] dims [16] strides [1] : f8E4M3FN>, <hbm @arg0[8 x 1] at 16 dims [16] strides [24] : f8E4M3FN>
// CHECK-NEXT: nc.matmul <psum[0, 16] at [[P:[0-9]+]] dims [40] strides [1] : f32>, <sbuf[0, 16] at [[A0]] dims [16] {{.*}} : f8E4M3FN>, <sbuf[0, 16] at [[B0]] dims [40] {{.*}} : f8E4M3FN>{{$}}
// CHECK-NEXT: nc.matmul <psum[0, 16] at [[P]] dims [40] {{.*}}, <sbuf[0, 8] at [[A1]] dims [16] {{.*}}, <sbuf[0, 8] at [[B1]] dims [40] {{.*}} {accumulate}
// The second row tile (rows 16..19: 4 columns of A^T) is gathered the same way.
// CHECK-NEXT: nc.dma <sbuf[0, 16] {{.*}} dims [4] {{.*}}, <hbm @arg0[16 x 1] at 384 dims [4] strides [24] : f8E4M3FN>
// CHECK-NEXT: nc.dma <sbuf[0, 8] {{.*}} dims [4] {{.*}}, <hbm @arg0[8 x 1] at 400 dims [4] strides [24] : f8E4M3FN>
// CHECK-NEXT: nc.tensor_copy <sbuf[0, 16] at [[O:[0-9]+]] dims [40] strides [1] : bf16>, <psum[0, 16] at [[P]] dims [40] strides [1] : f32>
// CHECK-NEXT: nc.dma <hbm @out0[16 x 40] at 0 dims [40] strides [1] : bf16>, <sbuf[0, 16] at [[O]]
// CHECK-COUNT-2: nc.matmul <psum[0, 4]
// CHECK-NOT: nc.matmul
func.func @matmul_fp8(%a: tensor<20x24xf8E4M3FN>, %b: tensor<24x40xf8E4M3FN>) -> tensor<20x40xbf16> {
  %0 = xf.matmul %a, %b : (tensor<20x24xf8E4M3FN>, tensor<24x40xf8E4M3FN>) -> tensor<20x40xbf16>
  return %0 : tensor<20x40xbf16>
}

// -----

// A transposed fp8 B ([N, K] in HBM) is likewise gathered into [K, N] by a
// strided DMA (element stride 16 = K), not a transposing one.
// CHECK-LABEL: nc.kernel @matmul_fp8_transposed_rhs
// CHECK-NOT: transpose}
// CHECK: nc.dma <sbuf[0, 16] at [[B:[0-9]+]] dims [24] strides [1] : f8E5M2>, <hbm @arg1[16 x 1] at 0 dims [24] strides [16] : f8E5M2>
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[A:[0-9]+]] dims [16] strides [1] : f8E5M2>, <hbm @arg0[16 x 1] at 0 dims [16] strides [16] : f8E5M2>
// CHECK-NEXT: nc.matmul <psum[0, 16] {{.*}} dims [24] {{.*}}, <sbuf[0, 16] at [[A]] dims [16] {{.*}}, <sbuf[0, 16] at [[B]] dims [24]
func.func @matmul_fp8_transposed_rhs(%a: tensor<16x16xf8E5M2>, %b: tensor<24x16xf8E5M2>) -> tensor<16x24xf32> {
  %0 = xf.matmul %a, %b {transpose_rhs = true} : (tensor<16x16xf8E5M2>, tensor<24x16xf8E5M2>) -> tensor<16x24xf32>
  return %0 : tensor<16x24xf32>
}

// -----

// fp8 causal attention: K^T and Q^T are gathered by strided DMAs (no DMA
// transpose for 1-byte types), and since -3e38 is not an fp8 value the
// mask is not added by matmul (no identity or mask tile): each diagonal
// block's scores are scaled into an fp32 SBUF copy, keys past each query are
// replaced by -3e38 with affine_select (base = query offset of the tile:
// 0, then 16), and the row max and exp read that copy with scale 1. P, P^T
// and the output are fp8: the PE transpose writes P^T to PSUM in P's own
// type (bit-exact), and the output is O divided by the row sum.
// CHECK-LABEL: nc.kernel @attention_fp8_causal
// CHECK-NOT: nc.iota
// CHECK-NOT: transpose}
// CHECK: nc.dma <sbuf[0, 16] at [[KT:[0-9]+]] dims [16] strides [1] : f8E4M3FN>, <hbm @arg1[16 x 1] at 0 dims [16] strides [16] : f8E4M3FN>
// CHECK-NEXT: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [8] strides [1] : f8E4M3FN>, <hbm @arg1[16 x 1] at 256 dims [8] strides [16] : f8E4M3FN>
// CHECK: nc.dma <sbuf[0, 16] at [[Q0:[0-9]+]] dims [16] strides [1] : f8E4M3FN>, <hbm @arg0[16 x 1] at 0 dims [16] strides [16] : f8E4M3FN>
// CHECK: nc.matmul <psum[0, 16] at [[S0:[0-9]+]] dims [16] {{.*}}, <sbuf[0, 16] at [[Q0]] dims [16] {{.*}}, <sbuf[0, 16] at [[KT]] dims [16] {{.*}} : f8E4M3FN>{{$}}
// CHECK-NEXT: nc.matmul <psum[0, 8] at [[S1:[0-9]+]] dims [24] {{.*}}, <sbuf[0, 16] at [[KT]] dims [24] {{.*}} : f8E4M3FN>{{$}}
// CHECK-NEXT: nc.activation identity <sbuf[0, 16] at [[C0:[0-9]+]] dims [16] strides [1] : f32>, <psum[0, 16] at [[S0]] dims [16] {{.*}} {scale = 2.500000e-01 : f32}
// CHECK-NEXT: nc.affine_select <sbuf[0, 16] at [[C0]] dims [16] {{.*}}, <sbuf[0, 16] at [[C0]] dims [16] {{.*}} {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: -1>, fill = -3.000000e+38 : f32}
// CHECK-NEXT: nc.tensor_reduce max <sbuf[0, 16] at [[NM:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 16] at [[C0]] dims [16]
// CHECK-NEXT: nc.tensor_scalar mul <sbuf[0, 16] at [[NM]] {{.*}} {imm0 = -1.000000e+00 : f32, queue = #nc.queue<pool>}
// CHECK-NEXT: nc.activation exp <sbuf[0, 16] at [[C0]] dims [16] strides [1] : f8E4M3FN>, <sbuf[0, 16] at [[C0]] dims [16] strides [1] : f32> {accum = {{.*}}, bias = #nc.ap<sbuf[0, 16] at [[NM]] dims [1] {{.*}}>}
// CHECK-NEXT: nc.activation identity <sbuf[0, 8] at [[C1:[0-9]+]] dims [24] strides [1] : f32>, <psum[0, 8] at [[S1]] dims [24] {{.*}} {scale = 2.500000e-01 : f32}
// CHECK-NEXT: nc.affine_select <sbuf[0, 8] at [[C1]] dims [24] {{.*}} {base = 16 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: -1>, fill = -3.000000e+38 : f32}
// CHECK: nc.transpose <psum[0, 16] at [[S0]] dims [16] strides [1] : f8E4M3FN>, <sbuf[0, 16] at [[C0]] dims [16] strides [1] : f8E4M3FN>
// CHECK-NEXT: nc.tensor_copy <sbuf[0, 16] {{.*}} : f8E4M3FN>, <psum[0, 16] at [[S0]] dims [16] strides [1] : f8E4M3FN>
// CHECK: nc.tensor_scalar div <sbuf[0, 16] at [[OT:[0-9]+]] dims [16] strides [1] : f8E4M3FN>, <psum[0, 16]
// CHECK-NEXT: nc.dma <hbm @out0[16 x 16] at 0 dims [16] strides [1] : f8E4M3FN>, <sbuf[0, 16] at [[OT]]
func.func @attention_fp8_causal(%q: tensor<1x1x24x16xf8E4M3FN>, %k: tensor<1x1x24x16xf8E4M3FN>, %v: tensor<1x1x24x16xf8E4M3FN>) -> tensor<1x1x24x16xf8E4M3FN> {
  %0 = xf.attention %q, %k, %v {causal = true} : (tensor<1x1x24x16xf8E4M3FN>, tensor<1x1x24x16xf8E4M3FN>, tensor<1x1x24x16xf8E4M3FN>) -> tensor<1x1x24x16xf8E4M3FN>
  return %0 : tensor<1x1x24x16xf8E4M3FN>
}

// -----

// A cast to fp8 is a copy whose write rounds (f32 tile in, f8E5M2 tile out);
// 2048 contiguous elements spread over all 16 partitions (128 per row),
// copies alternating between the Vector and Scalar engines.
// CHECK-LABEL: nc.kernel @cast_to_fp8
// CHECK: nc.dma <sbuf[0, 16] at [[X:[0-9]+]] dims {{\[}}[[N:[0-9]+]]] strides [1] : f32>, <hbm @arg0[16 x 128] at 0 dims {{\[}}[[N]]] strides [1] : f32>
// CHECK-NEXT: nc.tensor_copy <sbuf[0, 16] at [[O:[0-9]+]] dims {{\[}}[[N]]] strides [1] : f8E5M2>, <sbuf[0, 16] at [[X]] dims {{\[}}[[N]]] strides [1] : f32>{{$}}
// CHECK-NEXT: nc.dma <hbm @out0[16 x 128] at 0 dims {{\[}}[[N]]] strides [1] : f8E5M2>, <sbuf[0, 16] at [[O]]
// CHECK: nc.tensor_copy <sbuf[0, 16] {{.*}} : f8E5M2>, <sbuf[0, 16] {{.*}} : f32> {queue = #nc.queue<act>}
func.func @cast_to_fp8(%x: tensor<16x128xf32>) -> tensor<16x128xf8E5M2> {
  %0 = xf.cast %x : tensor<16x128xf32> to tensor<16x128xf8E5M2>
  return %0 : tensor<16x128xf8E5M2>
}
