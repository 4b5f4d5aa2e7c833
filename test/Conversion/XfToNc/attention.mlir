// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-lower-xf-to-nc="target=small" | FileCheck %s

// One head, 8 queries x 8 keys, head dim 16, f32: the flash-attention
// pipeline once. K^T arrives by a transposing DMA (D = 16 on partitions), V
// row-major (keys on partitions), then Q^T. S = Q K^T lands in a PSUM
// bank; the row max is read straight from PSUM (Vector), scaled by
// -1/sqrt(16) on Scalar, and one Scalar exp computes P = exp(0.25 S - max)
// from PSUM together with its row sum. P^T goes through the PE array into
// the same bank, is copied to SBUF, and is the stationary operand of P V,
// which accumulates in a second bank. One division by the sum normalises
// the output as it leaves PSUM; the copy and the division each go to
// whichever of the Vector and Scalar engines has less work so far by the
// cost model (here the copy to Vector, which has only the row max, and the
// division to Scalar, whose exp was cheaper than Vector's max and copy).
// CHECK-LABEL: nc.kernel @attention_single_block
// CHECK: nc.dma <sbuf[0, 16] at [[KT:[0-9]+]] dims [8] strides [1] : f32>, <hbm @arg1[8 x 16] at 0 dims [16] strides [1] : f32> {transpose}
// CHECK-NEXT: nc.dma <sbuf[0, 8] at [[V:[0-9]+]] dims [16] strides [1] : f32>, <hbm @arg2[8 x 16] at 0 dims [16] strides [1] : f32>
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[QT:[0-9]+]] dims [8] strides [1] : f32>, <hbm @arg0[8 x 16] at 0 dims [16] strides [1] : f32> {{{.*}}transpose}
// CHECK-NEXT: nc.matmul <psum[0, 8] at [[S:[0-9]+]] dims [8] strides [1] : f32>, <sbuf[0, 16] at [[QT]] dims [8] {{.*}}, <sbuf[0, 16] at [[KT]] dims [8] {{.*}} : f32>{{$}}
// CHECK-NEXT: nc.tensor_reduce max <sbuf[0, 8] at [[NM:[0-9]+]] dims [1] {{.*}}, <psum[0, 8] at [[S]] dims [8] {{.*}} {queue = #nc.queue<dve>}
// CHECK-NEXT: nc.tensor_scalar mul <sbuf[0, 8] at [[NM]] {{.*}} {imm0 = -2.500000e-01 : f32, queue = #nc.queue<pool>}
// CHECK-NEXT: nc.activation exp <sbuf[0, 8] at [[P:[0-9]+]] dims [8] strides [1] : f32>, <psum[0, 8] at [[S]] dims [8] {{.*}} {accum = #nc.ap<sbuf[0, 8] at [[L:[0-9]+]] dims [1] {{.*}}>, bias = #nc.ap<sbuf[0, 8] at [[NM]] dims [1] {{.*}}>, scale = 2.500000e-01 : f32}
// CHECK-NEXT: nc.transpose <psum[0, 8] at [[S]] dims [8] {{.*}}, <sbuf[0, 8] at [[P]] dims [8]
// CHECK-NEXT: nc.tensor_copy <sbuf[0, 8] at [[PT:[0-9]+]] dims [8] {{.*}}, <psum[0, 8] at [[S]] dims [8] {{.*}} {queue = #nc.queue<dve>}
// CHECK-NEXT: nc.matmul <psum[0, 8] at [[O:[0-9]+]] dims [16] {{.*}}, <sbuf[0, 8] at [[PT]] dims [8] {{.*}}, <sbuf[0, 8] at [[V]] dims [16] {{.*}} : f32>{{$}}
// CHECK-NEXT: nc.tensor_scalar div <sbuf[0, 8] at [[OT:[0-9]+]] dims [16] {{.*}}, <psum[0, 8] at [[O]] dims [16] {{.*}} {queue = #nc.queue<act>, scalar0 = #nc.ap<sbuf[0, 8] at [[L]] dims [1]
// CHECK-NEXT: nc.dma <hbm @out0[8 x 16] at 0 dims [16] strides [1] : f32>, <sbuf[0, 8] at [[OT]] dims [16]
// CHECK-NOT: {{^ *}}nc.
func.func @attention_single_block(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  %0 = xf.attention %q, %k, %v : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32>
  return %0 : tensor<1x1x8x16xf32>
}

// -----

// Causal, 24 queries x 24 keys on the 16-row array: two query tiles (16 and
// 8 rows). The first only reaches keys 0..15 (blocks past the diagonal are
// skipped), the second all 24. The mask goes in by matmul: an identity tile
// (iota 1, then two affine_selects keep p >= k and k >= p) and one mask tile
// for diagonal offset 0 (iota 0, affine_select -3e38 where k > p) are built
// once; every diagonal chunk accumulates identity^T x mask into its scores,
// so softmax still reads PSUM. The second tile's row max runs on GpSimd.
// CHECK-LABEL: nc.kernel @attention_causal_two_query_tiles
// CHECK: nc.iota <sbuf[0, 16] at [[ID:[0-9]+]] dims [16] {{.*}} {base = 1 : i64, channel_multiplier = 0 : i64
// CHECK-NEXT: nc.affine_select <sbuf[0, 16] at [[ID]] {{.*}} {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: -1>, fill = 0.000000e+00 : f32}
// CHECK-NEXT: nc.affine_select <sbuf[0, 16] at [[ID]] {{.*}} {base = 0 : i64, channel_multiplier = -1 : i64, coefficients = array<i64: 1>, fill = 0.000000e+00 : f32}
// CHECK-NEXT: nc.iota <sbuf[0, 16] at [[MASK:[0-9]+]] dims [16] {{.*}} {base = 0 : i64, channel_multiplier = 0 : i64
// CHECK-NEXT: nc.affine_select <sbuf[0, 16] at [[MASK]] {{.*}} {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: -1>, fill = -3.000000e+38 : f32}
// CHECK-NOT: nc.iota
// CHECK-NOT: nc.affine_select
// K^T in two key chunks (16 + 8 keys side by side), V in two partition tiles.
// CHECK: nc.dma <sbuf[0, 16] at [[KT:[0-9]+]] dims [16] {{.*}}, <hbm @arg1[16 x 16] at 0 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [8] {{.*}}, <hbm @arg1[8 x 16] at 256 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[V0:[0-9]+]] dims [16] {{.*}}, <hbm @arg2[16 x 16] at 0 dims [16]
// CHECK-NEXT: nc.dma <sbuf[0, 8] at [[V1:[0-9]+]] dims [16] {{.*}}, <hbm @arg2[8 x 16] at 256 dims [16]
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[Q0:[0-9]+]] dims [16] {{.*}}, <hbm @arg0[16 x 16] at 0 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[Q1:[0-9]+]] dims [8] {{.*}}, <hbm @arg0[8 x 16] at 256 dims [16] {{.*}}transpose}
// Query tile 0: 16 keys, its single chunk masked at offset 0.
// CHECK-NEXT: nc.matmul <psum[0, 16] at [[S0:[0-9]+]] dims [16] {{.*}}, <sbuf[0, 16] at [[Q0]] dims [16] {{.*}}, <sbuf[0, 16] at [[KT]] dims [16]
// CHECK-NEXT: nc.matmul <psum[0, 16] at [[S0]] dims [16] {{.*}}, <sbuf[0, 16] at [[ID]] dims [16] {{.*}}, <sbuf[0, 16] at [[MASK]] dims [16] {{.*}} {accumulate}
// Query tile 1 (queries 16..23): 24 keys; only the second chunk (keys
// 16..23, 64 bytes into the bank) reaches past a query.
// CHECK-NEXT: nc.matmul <psum[0, 8] at [[S1:[0-9]+]] dims [24] {{.*}}, <sbuf[0, 16] at [[Q1]] dims [8] {{.*}}, <sbuf[0, 16] at [[KT]] dims [24]
// CHECK-NEXT: nc.matmul <psum[0, 8] at {{[0-9]+}} dims [8] {{.*}}, <sbuf[0, 8] at [[ID]] dims [8] {{.*}}, <sbuf[0, 8] at [[MASK]] dims [8] {{.*}} {accumulate}
// CHECK-NEXT: nc.tensor_reduce max {{.*}}, <psum[0, 16] at [[S0]] dims [16] {{.*}} {queue = #nc.queue<dve>}
// (The second tile's row max would go to GpSimd, which cannot read PSUM:
// the Vector engine takes it too.)
// CHECK: nc.tensor_reduce max {{.*}}, <psum[0, 8] at [[S1]] dims [24] {{.*}} {queue = #nc.queue<dve>}
// P^T of tile 1: one transpose per key chunk; P V accumulates over the two
// chunks against V's two partition tiles.
// CHECK: nc.transpose <psum[0, 16] at [[S1]] dims [8]
// CHECK-NEXT: nc.transpose <psum[0, 8] at {{[0-9]+}} dims [8]
// CHECK: nc.matmul <psum[0, 16] at {{[0-9]+}} dims [16] {{.*}}, <sbuf[0, 16] at [[V0]] dims [16]
// CHECK-NEXT: nc.matmul <psum[0, 8] at [[O1:[0-9]+]] dims [16] {{.*}}, <sbuf[0, 16] at [[V0]] dims [16] {{.*}} : f32>{{$}}
// CHECK-NEXT: nc.matmul <psum[0, 8] at [[O1]] dims [16] {{.*}}, <sbuf[0, 8] at [[V1]] dims [16] {{.*}} {accumulate}
// CHECK: nc.dma <hbm @out0[16 x 16] at 0 dims [16]
// CHECK: nc.dma <hbm @out0[8 x 16] at 256 dims [16]
// CHECK-NOT: nc.matmul
func.func @attention_causal_two_query_tiles(%q: tensor<1x1x24x16xf32>, %k: tensor<1x1x24x16xf32>, %v: tensor<1x1x24x16xf32>) -> tensor<1x1x24x16xf32> {
  %0 = xf.attention %q, %k, %v {causal = true} : (tensor<1x1x24x16xf32>, tensor<1x1x24x16xf32>, tensor<1x1x24x16xf32>) -> tensor<1x1x24x16xf32>
  return %0 : tensor<1x1x24x16xf32>
}

// -----

// Grouped-query attention, 4 query heads over 2 key/value heads (bf16): K^T
// and V of each key/value head load exactly once, and both query heads of
// its group read the same buffers. Head 1's K/V is prefetched into the
// second buffer set before head 0's queries run.
// CHECK-LABEL: nc.kernel @attention_gqa
// CHECK: nc.dma <sbuf[0, 16] at [[K0:[0-9]+]] dims [8] {{.*}} : bf16>, <hbm @arg1[8 x 16] at 0 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.dma <sbuf[0, 8] at [[V0:[0-9]+]] dims [16] {{.*}}, <hbm @arg2[8 x 16] at 0 dims [16]
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[K1:[0-9]+]] dims [8] {{.*}}, <hbm @arg1[8 x 16] at 128 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.dma <sbuf[0, 8] at [[V1:[0-9]+]] dims [16] {{.*}}, <hbm @arg2[8 x 16] at 128 dims [16]
// Query heads 0 and 1 (rows at 0 and 128) against key/value head 0.
// CHECK-NEXT: nc.dma {{.*}}, <hbm @arg0[8 x 16] at 0 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.dma {{.*}}, <hbm @arg0[8 x 16] at 128 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.matmul <psum[0, 8] {{.*}}, <sbuf[0, 16] at [[K0]] dims [8]
// CHECK-NEXT: nc.matmul <psum[0, 8] {{.*}}, <sbuf[0, 16] at [[K0]] dims [8]
// CHECK-NOT: at [[K1]]
// CHECK: nc.matmul <psum[0, 8] {{.*}}, <sbuf[0, 8] at [[V0]] dims [16]
// CHECK-NEXT: nc.matmul <psum[0, 8] {{.*}}, <sbuf[0, 8] at [[V0]] dims [16]
// CHECK: nc.dma <hbm @out0[8 x 16] at 0 dims [16]
// CHECK: nc.dma <hbm @out0[8 x 16] at 128 dims [16]
// Query heads 2 and 3 against key/value head 1; no K/V load in between.
// CHECK-NOT: @arg1
// CHECK-NOT: @arg2
// CHECK: nc.dma {{.*}}, <hbm @arg0[8 x 16] at 256 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.dma {{.*}}, <hbm @arg0[8 x 16] at 384 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.matmul <psum[0, 8] {{.*}}, <sbuf[0, 16] at [[K1]] dims [8]
// CHECK-NEXT: nc.matmul <psum[0, 8] {{.*}}, <sbuf[0, 16] at [[K1]] dims [8]
// CHECK: nc.matmul <psum[0, 8] {{.*}}, <sbuf[0, 8] at [[V1]] dims [16]
// CHECK-NEXT: nc.matmul <psum[0, 8] {{.*}}, <sbuf[0, 8] at [[V1]] dims [16]
// CHECK: nc.dma <hbm @out0[8 x 16] at 256 dims [16]
// CHECK: nc.dma <hbm @out0[8 x 16] at 384 dims [16]
// CHECK-NOT: nc.dma
func.func @attention_gqa(%q: tensor<1x4x8x16xbf16>, %k: tensor<1x2x8x16xbf16>, %v: tensor<1x2x8x16xbf16>) -> tensor<1x4x8x16xbf16> {
  %0 = xf.attention %q, %k, %v : (tensor<1x4x8x16xbf16>, tensor<1x2x8x16xbf16>, tensor<1x2x8x16xbf16>) -> tensor<1x4x8x16xbf16>
  return %0 : tensor<1x4x8x16xbf16>
}

// -----

// Key bias (padding mask) with scale 0.3, bf16: 1/scale = 3.3333 is split
// into hi = 3.328125 and lo = 0.0052185 (each exact in bf16), written to
// partitions 0 and 1 of a [2, 8] stationary tile (iota of the integer part,
// then a tensor_scalar add of the rest). Each batch's bias row is loaded to
// both partitions (zero partition stride), and one 2-row matmul adds
// (hi + lo) * bias = bias / scale to the scores in PSUM, so the exp's scale
// turns it back into the bias.
// CHECK-LABEL: nc.kernel @attention_key_bias
// CHECK: nc.iota <sbuf[0, 1] at [[INV:[0-9]+]] dims [8] {{.*}} : bf16> {base = 3 : i64, channel_multiplier = 0 : i64
// CHECK-NEXT: nc.tensor_scalar add <sbuf[0, 1] at [[INV]] {{.*}} {imm0 = 3.281250e-01 : f32}
// CHECK-NEXT: nc.iota <sbuf[1, 1] at [[INV]] dims [8] {{.*}} : bf16> {base = 0 : i64
// CHECK-NEXT: nc.tensor_scalar add <sbuf[1, 1] at [[INV]] {{.*}} {imm0 = 0.00521850586 : f32}
// CHECK: nc.dma <sbuf[0, 2] at [[B0:[0-9]+]] dims [8] {{.*}} : bf16>, <hbm @arg3[2 x 0] at 0 dims [8] strides [1] : bf16>
// CHECK: nc.dma <sbuf[0, 2] at [[B1:[0-9]+]] dims [8] {{.*}} : bf16>, <hbm @arg3[2 x 0] at 8 dims [8] strides [1] : bf16>
// CHECK: nc.matmul <psum[0, 8] at [[S:[0-9]+]] dims [8] {{.*}}, <sbuf[0, 16] {{.*}} : bf16>{{$}}
// CHECK-NEXT: nc.matmul <psum[0, 8] at [[S]] dims [8] {{.*}}, <sbuf[0, 2] at [[INV]] dims [8] {{.*}}, <sbuf[0, 2] at [[B0]] dims [8] {{.*}} {accumulate}
// CHECK-NEXT: nc.tensor_reduce max {{.*}}, <psum[0, 8] at [[S]] dims [8]
// CHECK: nc.activation exp {{.*}} scale = 3.000000e-01 : f32}
// CHECK: nc.dma <hbm @out0[8 x 16] at 0 dims [16]
// The second batch adds its own bias row.
// CHECK: nc.matmul <psum[0, 8] at [[S]] dims [8] {{.*}}, <sbuf[0, 2] at [[INV]] dims [8] {{.*}}, <sbuf[0, 2] at [[B1]] dims [8] {{.*}} {accumulate}
// CHECK: nc.dma <hbm @out0[8 x 16] at 128 dims [16]
func.func @attention_key_bias(%q: tensor<2x1x8x16xbf16>, %k: tensor<2x1x8x16xbf16>, %v: tensor<2x1x8x16xbf16>, %m: tensor<2x8xbf16>) -> tensor<2x1x8x16xbf16> {
  %0 = xf.attention %q, %k, %v key_bias %m {scale = 0.3 : f32} : (tensor<2x1x8x16xbf16>, tensor<2x1x8x16xbf16>, tensor<2x1x8x16xbf16>, tensor<2x8xbf16>) -> tensor<2x1x8x16xbf16>
  return %0 : tensor<2x1x8x16xbf16>
}

// -----

// Decode with a KV cache: the concats are read in place (no scratch
// tensor). K^T key chunk 0 is keys 0..15 of the cache; chunk 1 is cache keys
// 16..19 plus the new key at column 20. V's second partition tile gets the
// cache rows on partitions 0..3 and the new row on partition 4. One query
// per head sees every key, so the causal flag needs no mask at all. Both
// query heads (one group) share K^T and V.
// CHECK-LABEL: nc.kernel @attention_kv_cache_decode
// CHECK-NOT: nc.tensor scratch
// CHECK-NOT: nc.iota
// CHECK: nc.dma <sbuf[0, 16] at [[KT:[0-9]+]] dims [16] {{.*}}, <hbm @arg1[16 x 16] at 0 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [4] {{.*}}, <hbm @arg1[4 x 16] at 256 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [1] {{.*}}, <hbm @arg3[1 x 16] at 0 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[V0:[0-9]+]] dims [16] {{.*}}, <hbm @arg2[16 x 16] at 0 dims [16]
// CHECK-NEXT: nc.dma <sbuf[0, 4] at [[V1:[0-9]+]] dims [16] {{.*}}, <hbm @arg2[4 x 16] at 256 dims [16]
// CHECK-NEXT: nc.dma <sbuf[4, 1] at [[V1]] dims [16] {{.*}}, <hbm @arg4[1 x 16] at 0 dims [16]
// CHECK-NOT: nc.affine_select
// CHECK: nc.matmul <psum[0, 1] {{.*}} dims [21] {{.*}}, <sbuf[0, 16] at [[KT]] dims [21]
// CHECK-NEXT: nc.matmul <psum[0, 1] {{.*}} dims [21] {{.*}}, <sbuf[0, 16] at [[KT]] dims [21]
// CHECK-NOT: {accumulate}
// CHECK: nc.matmul <psum[0, 1] at [[O:[0-9]+]] dims [16] {{.*}}, <sbuf[0, 16] at [[V0]] dims [16]
// CHECK-NEXT: nc.matmul <psum[0, 1] at [[O]] dims [16] {{.*}}, <sbuf[0, 5] {{.*}}, <sbuf[0, 5] at [[V1]] dims [16] {{.*}} {accumulate}
// CHECK-NOT: nc.tensor scratch
func.func @attention_kv_cache_decode(%q: tensor<1x2x1x16xf32>, %kc: tensor<1x1x20x16xf32>, %vc: tensor<1x1x20x16xf32>,
                                     %kn: tensor<1x1x1x16xf32>, %vn: tensor<1x1x1x16xf32>) -> tensor<1x2x1x16xf32> {
  %k = xf.concat %kc, %kn {axis = 2 : i64} : (tensor<1x1x20x16xf32>, tensor<1x1x1x16xf32>) -> tensor<1x1x21x16xf32>
  %v = xf.concat %vc, %vn {axis = 2 : i64} : (tensor<1x1x20x16xf32>, tensor<1x1x1x16xf32>) -> tensor<1x1x21x16xf32>
  %0 = xf.attention %q, %k, %v {causal = true} : (tensor<1x2x1x16xf32>, tensor<1x1x21x16xf32>, tensor<1x1x21x16xf32>) -> tensor<1x2x1x16xf32>
  return %0 : tensor<1x2x1x16xf32>
}

// -----

// Key bias with scale 0.25: 1/scale = 4 is exact in bf16 (lo = 0), so the
// bias is added by a one-row matmul; a second, zero row would turn a -inf
// padding bias into 0 * -inf = NaN.
// CHECK-LABEL: nc.kernel @attention_key_bias_exact_scale
// CHECK: nc.iota <sbuf[0, 1] at [[INV:[0-9]+]] dims [8] {{.*}} : bf16> {base = 4 : i64, channel_multiplier = 0 : i64
// CHECK: nc.dma <sbuf[0, 2] at [[B:[0-9]+]] dims [8] {{.*}} : bf16>, <hbm @arg3[2 x 0] at 0 dims [8]
// CHECK: nc.matmul <psum[0, 8] at [[S:[0-9]+]] dims [8] {{.*}}, <sbuf[0, 16] {{.*}} : bf16>{{$}}
// CHECK-NEXT: nc.matmul <psum[0, 8] at [[S]] dims [8] {{.*}}, <sbuf[0, 1] at [[INV]] dims [8] {{.*}}, <sbuf[0, 1] at [[B]] dims [8] {{.*}} {accumulate}
// CHECK-NOT: <sbuf[0, 2] at [[INV]]
func.func @attention_key_bias_exact_scale(%q: tensor<1x1x8x16xbf16>, %k: tensor<1x1x8x16xbf16>, %v: tensor<1x1x8x16xbf16>, %m: tensor<1x8xbf16>) -> tensor<1x1x8x16xbf16> {
  %0 = xf.attention %q, %k, %v key_bias %m {scale = 0.25 : f32} : (tensor<1x1x8x16xbf16>, tensor<1x1x8x16xbf16>, tensor<1x1x8x16xbf16>, tensor<1x8xbf16>) -> tensor<1x1x8x16xbf16>
  return %0 : tensor<1x1x8x16xbf16>
}

// -----

// Causal f16: -3e38 is -inf in f16, so no mask tile and no identity x mask
// matmul (zeros times -inf would be NaN); each diagonal block is masked by
// affine_select on its fp32 scaled copy instead, as for 1-byte types.
// CHECK-LABEL: nc.kernel @causal_attention_f16
// CHECK-NOT: nc.iota
// CHECK: nc.matmul <psum[0, 16] at {{[0-9]+}} dims [16] {{.*}} : f16>{{$}}
// CHECK-NOT: {accumulate}
// CHECK: nc.affine_select <sbuf[0, 16] at [[C0:[0-9]+]] dims [16] {{.*}} : f32>, <sbuf[0, 16] at [[C0]] dims [16] {{.*}} {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: -1>, fill = -3.000000e+38 : f32}
// CHECK: nc.affine_select <sbuf[0, 8] at {{[0-9]+}} dims [24] {{.*}} {base = 16 : i64
func.func @causal_attention_f16(%q: tensor<1x1x24x16xf16>, %k: tensor<1x1x24x16xf16>, %v: tensor<1x1x24x16xf16>) -> tensor<1x1x24x16xf16> {
  %0 = xf.attention %q, %k, %v {causal = true} : (tensor<1x1x24x16xf16>, tensor<1x1x24x16xf16>, tensor<1x1x24x16xf16>) -> tensor<1x1x24x16xf16>
  return %0 : tensor<1x1x24x16xf16>
}
