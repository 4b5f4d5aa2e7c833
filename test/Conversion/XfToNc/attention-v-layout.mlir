// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" | FileCheck %s --check-prefix=PLAN
// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" --muir-lower-xf-to-nc="target=small" | FileCheck %s
// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small overrides=k0.v_interleave=1" --muir-lower-xf-to-nc="target=small" | FileCheck %s --check-prefix=IL
// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small overrides=k0.v_interleave=0" --muir-lower-xf-to-nc="target=small" | FileCheck %s --check-prefix=ROW

// The V layout is a plan decision (`v_interleave`): interleaved when moving
// Q, K, V and O takes longer than the PE's products (DMA-bound, as decode),
// one key per partition row otherwise.
//
// 16 queries x 80 keys, f32 on the small target: DMA-bound, so V of the
// whole key block (64 keys = R = 4 chunks of 16) is loaded interleaved:
// partition p holds keys 4p .. 4p+3, so each partition reads 4 contiguous
// rows (one DMA, [4, 8] per partition) instead of one row per chunk. Chunk r
// is then keys {4p + r}: its P^T is the transpose of every 4th score column
// (stride 4), and P V contracts chunk r with V columns r*8 .. r*8+7. The
// last, partial block (16 keys) keeps the row-per-key layout.
// PLAN-LABEL: func.func @attention_interleaved_v
// PLAN: config {dma_piece_bytes = {{[0-9]+}} : i64, key_block = 64 : i64, kv_heads_per_set = 1 : i64, kv_sets = {{[12]}} : i64, tiles_in_flight = {{[0-9]+}} : i64, v_interleave = 1 : i64}
// CHECK-LABEL: nc.kernel @attention_interleaved_v
// CHECK: nc.dma <sbuf[0, 16] at [[V:[0-9]+]] dims [32] strides [1] : f32>, <hbm @arg2[16 x 32] at 0 dims [4, 8] strides [8, 1] : f32>
// CHECK-NEXT: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [8] strides [1] : f32>, <hbm @arg2[16 x 8] at 512 dims [8] strides [1] : f32>
// CHECK: nc.transpose <psum[0, 16] at [[S:[0-9]+]] dims [16] strides [1] : f32>, <sbuf[0, 16] at [[P:[0-9]+]] dims [16] strides [4] : f32>
// CHECK-NEXT: nc.transpose <psum[0, 16] at {{[0-9]+}} dims [16] strides [1] : f32>, <sbuf[0, 16] at {{[0-9]+}} dims [16] strides [4] : f32>
// CHECK-NEXT: nc.transpose {{.*}} strides [4] : f32>
// CHECK-NEXT: nc.transpose {{.*}} strides [4] : f32>
// CHECK-NEXT: nc.tensor_copy <sbuf[0, 16] at [[PT:[0-9]+]] dims [64] strides [1] : f32>, <psum[0, 16] at [[S]] dims [64]
// CHECK-NEXT: nc.matmul <psum[0, 16] at [[O:[0-9]+]] dims [8] {{.*}}, <sbuf[0, 16] at [[PT]] dims [16] {{.*}}, <sbuf[0, 16] at [[V]] dims [8]
// CHECK-COUNT-3: nc.matmul <psum[0, 16] at [[O]] dims [8] {{.*}} {accumulate}
// CHECK: nc.transpose <psum[0, 16] at {{[0-9]+}} dims [16] strides [1] : f32>, <sbuf[0, 16] at {{[0-9]+}} dims [16] strides [1] : f32>
// Forced off: one V row per key, five chunk loads, P^T without strides.
// ROW-LABEL: nc.kernel @attention_interleaved_v
// ROW-COUNT-5: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [8] strides [1] : f32>, <hbm @arg2[16 x 8] at {{[0-9]+}} dims [8] strides [1] : f32>
// ROW-NOT: strides [4]
// ROW: nc.kernel
func.func @attention_interleaved_v(%q: tensor<1x1x16x8xf32>, %k: tensor<1x1x80x8xf32>, %v: tensor<1x1x80x8xf32>) -> tensor<1x1x16x8xf32> {
  %0 = xf.attention %q, %k, %v : (tensor<1x1x16x8xf32>, tensor<1x1x80x8xf32>, tensor<1x1x80x8xf32>) -> tensor<1x1x16x8xf32>
  return %0 : tensor<1x1x16x8xf32>
}

// -----

// Causal, 32 queries x 64 keys: the PE bounds it, so by default V is one
// key per row. Forced interleaved (IL), the first query tile sees keys
// 0..47 of the interleaved block, so each of its chunks uses partitions
// 0..11 (keys 4p + r < 48) for the transposes, the copies and P V; the
// second tile sees the whole block.
// PLAN-LABEL: func.func @attention_interleaved_causal
// PLAN: v_interleave = 0 : i64}
// CHECK-LABEL: nc.kernel @attention_interleaved_causal
// CHECK-COUNT-4: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [8] strides [1] : f32>, <hbm @arg2[16 x 8] at {{[0-9]+}} dims [8] strides [1] : f32>
// CHECK-NOT: strides [4]
// IL-LABEL: nc.kernel @attention_interleaved_causal
// IL: nc.dma <sbuf[0, 16] at [[V:[0-9]+]] dims [32] strides [1] : f32>, <hbm @arg2[16 x 32] at 0 dims [4, 8] strides [8, 1] : f32>
// IL-COUNT-4: nc.transpose <psum[0, 12] at {{[0-9]+}} dims [16] strides [1] : f32>, <sbuf[0, 16] at {{[0-9]+}} dims [12] strides [4] : f32>
// IL-COUNT-4: nc.tensor_copy <sbuf[0, 12]
// IL-COUNT-4: nc.transpose <psum[0, 16] at {{[0-9]+}} dims [16] strides [1] : f32>, <sbuf[0, 16] at {{[0-9]+}} dims [16] strides [4] : f32>
// IL: nc.matmul <psum[0, 16] at {{[0-9]+}} dims [8] {{.*}}, <sbuf[0, 12] at {{[0-9]+}} dims [16] {{.*}}, <sbuf[0, 12] at [[V]] dims [8]
func.func @attention_interleaved_causal(%q: tensor<1x1x32x8xf32>, %k: tensor<1x1x64x8xf32>, %v: tensor<1x1x64x8xf32>) -> tensor<1x1x32x8xf32> {
  %0 = xf.attention %q, %k, %v {causal = true} : (tensor<1x1x32x8xf32>, tensor<1x1x64x8xf32>, tensor<1x1x64x8xf32>) -> tensor<1x1x32x8xf32>
  return %0 : tensor<1x1x32x8xf32>
}
