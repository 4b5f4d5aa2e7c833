// RUN: muir-opt %s --muir-xf-shard="cores=2 sequence-parallel=false" | FileCheck %s

// A Llama block with grouped-query attention (4 query heads, 2 KV heads of
// 16, width 64, FFN 128) over 2 cores: Q, K, V, gate and up column-parallel
// (2 query heads and 1 KV head per rank), O and down row-parallel with one
// all_reduce each; RMS norms, rope tables and residuals replicated.

// Over 4 cores, more than the 2 KV heads: each KV head (its K and V weight
// columns) is held by the 2 ranks of its query group (parts = 2); one query
// head per rank.
// RUN: muir-opt %s --muir-xf-shard="cores=4 sequence-parallel=false" | FileCheck %s --check-prefix=REPKV
// REPKV-LABEL: func.func @main(
// REPKV-SAME: %arg4: tensor<64x16xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 4 : i64}}
// REPKV-SAME: %arg5: tensor<64x16xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 2 : i64}}
// REPKV-SAME: %arg6: tensor<64x16xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 2 : i64}}
// REPKV-SAME: %arg7: tensor<16x64xf32> {xf.shard = {dim = 0 : i64, groups = 1 : i64, parts = 4 : i64}}
// REPKV: xf.attention {{.*}} : (tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) -> tensor<1x1x32x16xf32>
// REPKV-COUNT-2: xf.all_reduce {{.*}} {replica_groups = dense<{{\[\[}}0, 1, 2, 3]]> : tensor<1x4xi64>}
// REPKV-NOT: xf.all_

// CHECK: module attributes {xf.mesh = 2 : i64}
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %arg0: tensor<32x64xf32> {xf.shard = "replicated"}
// CHECK-SAME: %arg1: tensor<32x16xf32> {xf.shard = "replicated"}
// CHECK-SAME: %arg2: tensor<32x16xf32> {xf.shard = "replicated"}
// CHECK-SAME: %arg3: tensor<64xf32> {xf.shard = "replicated"}
// CHECK-SAME: %arg4: tensor<64x32xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 2 : i64}}
// CHECK-SAME: %arg5: tensor<64x16xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 2 : i64}}
// CHECK-SAME: %arg6: tensor<64x16xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 2 : i64}}
// CHECK-SAME: %arg7: tensor<32x64xf32> {xf.shard = {dim = 0 : i64, groups = 1 : i64, parts = 2 : i64}}
// CHECK-SAME: %arg8: tensor<64xf32> {xf.shard = "replicated"}
// CHECK-SAME: %arg9: tensor<64x64xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 2 : i64}}
// CHECK-SAME: %arg10: tensor<64x64xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 2 : i64}}
// CHECK-SAME: %arg11: tensor<64x64xf32> {xf.shard = {dim = 0 : i64, groups = 1 : i64, parts = 2 : i64}}
// CHECK: xf.rope {{.*}} -> tensor<1x2x32x16xf32>
// CHECK: xf.rope {{.*}} -> tensor<1x1x32x16xf32>
// CHECK: xf.attention {{.*}} : (tensor<1x2x32x16xf32>, tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) -> tensor<1x2x32x16xf32>
// CHECK: %[[O:.*]] = xf.matmul {{.*}} -> tensor<32x64xf32>
// CHECK-NEXT: %[[R:.*]] = xf.all_reduce %[[O]]
// CHECK-NEXT: xf.add %arg0, %[[R]]
// CHECK: xf.rms_norm
// CHECK: %[[D:.*]] = xf.matmul %{{.*}}, %arg11
// CHECK-NEXT: xf.all_reduce %[[D]]
// CHECK-NOT: xf.all_
// CHECK: return
func.func @main(%x: tensor<32x64xf32>, %cos: tensor<32x16xf32>, %sin: tensor<32x16xf32>, %attn_norm: tensor<64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>, %mlp_norm: tensor<64xf32>, %w_gate: tensor<64x128xf32>, %w_up: tensor<64x128xf32>, %w_down: tensor<128x64xf32>) -> (tensor<32x64xf32>) {
  %v1 = xf.rms_norm %x, %attn_norm {eps = 1.000000e-06 : f32} : (tensor<32x64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v2 = xf.matmul %v1, %wq : (tensor<32x64xf32>, tensor<64x64xf32>) -> tensor<32x64xf32>
  %v3 = xf.reshape %v2 : (tensor<32x64xf32>) -> tensor<1x32x4x16xf32>
  %v4 = xf.transpose %v3 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x4x16xf32>) -> tensor<1x4x32x16xf32>
  %v5 = xf.rope %v4, %cos, %sin : (tensor<1x4x32x16xf32>, tensor<32x16xf32>, tensor<32x16xf32>) -> tensor<1x4x32x16xf32>
  %v6 = xf.matmul %v1, %wk : (tensor<32x64xf32>, tensor<64x32xf32>) -> tensor<32x32xf32>
  %v7 = xf.reshape %v6 : (tensor<32x32xf32>) -> tensor<1x32x2x16xf32>
  %v8 = xf.transpose %v7 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x2x16xf32>) -> tensor<1x2x32x16xf32>
  %v9 = xf.rope %v8, %cos, %sin : (tensor<1x2x32x16xf32>, tensor<32x16xf32>, tensor<32x16xf32>) -> tensor<1x2x32x16xf32>
  %v10 = xf.matmul %v1, %wv : (tensor<32x64xf32>, tensor<64x32xf32>) -> tensor<32x32xf32>
  %v11 = xf.reshape %v10 : (tensor<32x32xf32>) -> tensor<1x32x2x16xf32>
  %v12 = xf.transpose %v11 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x2x16xf32>) -> tensor<1x2x32x16xf32>
  %v13 = xf.attention %v5, %v9, %v12 {causal = true} : (tensor<1x4x32x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) -> tensor<1x4x32x16xf32>
  %v14 = xf.transpose %v13 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x4x32x16xf32>) -> tensor<1x32x4x16xf32>
  %v15 = xf.reshape %v14 : (tensor<1x32x4x16xf32>) -> tensor<32x64xf32>
  %v16 = xf.matmul %v15, %wo : (tensor<32x64xf32>, tensor<64x64xf32>) -> tensor<32x64xf32>
  %v17 = xf.add %x, %v16 : (tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<32x64xf32>
  %v18 = xf.rms_norm %v17, %mlp_norm {eps = 1.000000e-06 : f32} : (tensor<32x64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v19 = xf.matmul %v18, %w_gate : (tensor<32x64xf32>, tensor<64x128xf32>) -> tensor<32x128xf32>
  %v20 = xf.silu %v19 : tensor<32x128xf32>
  %v21 = xf.matmul %v18, %w_up : (tensor<32x64xf32>, tensor<64x128xf32>) -> tensor<32x128xf32>
  %v22 = xf.mul %v20, %v21 : (tensor<32x128xf32>, tensor<32x128xf32>) -> tensor<32x128xf32>
  %v23 = xf.matmul %v22, %w_down : (tensor<32x128xf32>, tensor<128x64xf32>) -> tensor<32x64xf32>
  %v24 = xf.add %v17, %v23 : (tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<32x64xf32>
  return %v24 : tensor<32x64xf32>
}

