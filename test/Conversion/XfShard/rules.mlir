// RUN: muir-opt %s -split-input-file --muir-xf-shard="cores=4" | FileCheck %s

// SwiGLU MLP: gate and up column-parallel, down row-parallel, one all_reduce.
// CHECK-LABEL: func.func @mlp_swiglu(
// CHECK-SAME: %arg0: tensor<8x16xf32> {xf.shard = "replicated"}
// CHECK-SAME: %arg1: tensor<16x8xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 4 : i64}}
// CHECK-SAME: %arg2: tensor<16x8xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 4 : i64}}
// CHECK-SAME: %arg3: tensor<8x16xf32> {xf.shard = {dim = 0 : i64, groups = 1 : i64, parts = 4 : i64}}
// CHECK: %[[G:.*]] = xf.matmul %arg0, %arg1
// CHECK: xf.silu %[[G]] : tensor<8x8xf32>
// CHECK: %[[D:.*]] = xf.matmul %{{.*}}, %arg3 : (tensor<8x8xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
// CHECK-NEXT: %[[R:.*]] = xf.all_reduce %[[D]]
// CHECK-NEXT: return %[[R]]
func.func @mlp_swiglu(%x: tensor<8x16xf32>, %wg: tensor<16x32xf32>, %wu: tensor<16x32xf32>, %wd: tensor<32x16xf32>) -> tensor<8x16xf32> {
  %g = xf.matmul %x, %wg : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
  %s = xf.silu %g : tensor<8x32xf32>
  %u = xf.matmul %x, %wu : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
  %h = xf.mul %s, %u : (tensor<8x32xf32>, tensor<8x32xf32>) -> tensor<8x32xf32>
  %d = xf.matmul %h, %wd : (tensor<8x32xf32>, tensor<32x16xf32>) -> tensor<8x16xf32>
  return %d : tensor<8x16xf32>
}

// -----

// A column-parallel result returned as is: gathered along its columns
// (whole local tensors, then the rank index moved into place).
// CHECK-LABEL: func.func @column_result(
// CHECK-SAME: %arg1: tensor<16x4xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 4 : i64}}
// CHECK: %[[M:.*]] = xf.matmul %arg0, %arg1 : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
// CHECK-NEXT: %[[F:.*]] = xf.reshape %[[M]] : (tensor<8x4xf32>) -> tensor<1x32xf32>
// CHECK-NEXT: %[[A:.*]] = xf.all_gather %[[F]] {replica_groups = dense<{{\[\[}}0, 1, 2, 3]]> : tensor<1x4xi64>} : (tensor<1x32xf32>) -> tensor<4x32xf32>
// CHECK-NEXT: %[[P:.*]] = xf.reshape %[[A]] : (tensor<4x32xf32>) -> tensor<4x8x1x4xf32>
// CHECK-NEXT: %[[T:.*]] = xf.transpose %[[P]] {permutation = array<i64: 1, 2, 0, 3>} : (tensor<4x8x1x4xf32>) -> tensor<8x1x4x4xf32>
// CHECK-NEXT: %[[G:.*]] = xf.reshape %[[T]] : (tensor<8x1x4x4xf32>) -> tensor<8x16xf32>
// CHECK-NEXT: return %[[G]]
func.func @column_result(%x: tensor<8x16xf32>, %w: tensor<16x16xf32>) -> tensor<8x16xf32> {
  %0 = xf.matmul %x, %w : (tensor<8x16xf32>, tensor<16x16xf32>) -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

// Annotations: a weight forced replicated stays whole (the product is then
// replicated, no collective); rows of the activation split (dim 0) flow
// through the matmul and the norm and are gathered at the end.
// CHECK-LABEL: func.func @annotated(
// CHECK-SAME: %arg0: tensor<2x16xf32> {xf.shard = {dim = 0 : i64, groups = 1 : i64, parts = 4 : i64}}
// CHECK-SAME: %arg1: tensor<16x16xf32> {xf.shard = "replicated"}
// CHECK-SAME: %arg2: tensor<16xf32> {xf.shard = "replicated"}
// CHECK: xf.matmul %arg0, %arg1 : (tensor<2x16xf32>, tensor<16x16xf32>) -> tensor<2x16xf32>
// CHECK: xf.rms_norm {{.*}} -> tensor<2x16xf32>
// CHECK: xf.all_gather {{.*}} : (tensor<2x16xf32>) -> tensor<8x16xf32>
func.func @annotated(%x: tensor<8x16xf32> {xf.shard = {dim = 0 : i64}}, %w: tensor<16x16xf32> {xf.shard = "replicated"}, %n: tensor<16xf32>) -> tensor<8x16xf32> {
  %0 = xf.matmul %x, %w : (tensor<8x16xf32>, tensor<16x16xf32>) -> tensor<8x16xf32>
  %1 = xf.rms_norm %0, %n : (tensor<8x16xf32>, tensor<16xf32>) -> tensor<8x16xf32>
  return %1 : tensor<8x16xf32>
}

// -----

// Decode with a KV cache: the caches are split by KV heads like the new
// keys and values they are concatenated with.
// CHECK-LABEL: func.func @kv_cache(
// CHECK-SAME: %arg1: tensor<1x1x32x8xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 4 : i64}}
// CHECK-SAME: %arg2: tensor<1x1x32x8xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 4 : i64}}
// CHECK: xf.concat %arg1, {{.*}} : (tensor<1x1x32x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x1x33x8xf32>
// CHECK: xf.attention {{.*}} -> tensor<1x2x1x8xf32>
func.func @kv_cache(%x: tensor<1x64xf32>, %kc: tensor<1x4x32x8xf32>, %vc: tensor<1x4x32x8xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>, %wo: tensor<64x64xf32>) -> tensor<1x64xf32> {
  %q0 = xf.matmul %x, %wq : (tensor<1x64xf32>, tensor<64x64xf32>) -> tensor<1x64xf32>
  %q1 = xf.reshape %q0 : (tensor<1x64xf32>) -> tensor<1x1x8x8xf32>
  %q = xf.transpose %q1 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x1x8x8xf32>) -> tensor<1x8x1x8xf32>
  %k0 = xf.matmul %x, %wk : (tensor<1x64xf32>, tensor<64x32xf32>) -> tensor<1x32xf32>
  %k1 = xf.reshape %k0 : (tensor<1x32xf32>) -> tensor<1x1x4x8xf32>
  %k = xf.transpose %k1 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x1x4x8xf32>) -> tensor<1x4x1x8xf32>
  %v0 = xf.matmul %x, %wv : (tensor<1x64xf32>, tensor<64x32xf32>) -> tensor<1x32xf32>
  %v1 = xf.reshape %v0 : (tensor<1x32xf32>) -> tensor<1x1x4x8xf32>
  %v = xf.transpose %v1 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x1x4x8xf32>) -> tensor<1x4x1x8xf32>
  %ka = xf.concat %kc, %k {axis = 2 : i64} : (tensor<1x4x32x8xf32>, tensor<1x4x1x8xf32>) -> tensor<1x4x33x8xf32>
  %va = xf.concat %vc, %v {axis = 2 : i64} : (tensor<1x4x32x8xf32>, tensor<1x4x1x8xf32>) -> tensor<1x4x33x8xf32>
  %a = xf.attention %q, %ka, %va {causal = true} : (tensor<1x8x1x8xf32>, tensor<1x4x33x8xf32>, tensor<1x4x33x8xf32>) -> tensor<1x8x1x8xf32>
  %a1 = xf.transpose %a {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x1x8xf32>) -> tensor<1x1x8x8xf32>
  %a2 = xf.reshape %a1 : (tensor<1x1x8x8xf32>) -> tensor<1x64xf32>
  %o = xf.matmul %a2, %wo : (tensor<1x64xf32>, tensor<64x64xf32>) -> tensor<1x64xf32>
  return %o : tensor<1x64xf32>
}

// -----

// What the rules do not cover runs replicated: a weight whose output
// dimension 4 cores do not divide, and a softmax over the split dimension.
// CHECK-LABEL: func.func @fallbacks(
// CHECK-SAME: %arg1: tensor<16x5xf32> {xf.shard = "replicated"}
// CHECK-SAME: %arg2: tensor<16x8xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 4 : i64}}
// CHECK: xf.matmul %arg0, %arg1 : (tensor<8x16xf32>, tensor<16x5xf32>) -> tensor<8x5xf32>
// CHECK: xf.matmul %arg0, %arg2 : (tensor<8x16xf32>, tensor<16x8xf32>) -> tensor<8x8xf32>
// CHECK: xf.all_gather
// CHECK: %[[G:.*]] = xf.reshape {{.*}} -> tensor<8x32xf32>
// CHECK-NEXT: xf.softmax %[[G]] {axis = 1 : i64} : tensor<8x32xf32>
func.func @fallbacks(%x: tensor<8x16xf32>, %w: tensor<16x5xf32>, %w2: tensor<16x32xf32>) -> (tensor<8x5xf32>, tensor<8x32xf32>) {
  %0 = xf.matmul %x, %w : (tensor<8x16xf32>, tensor<16x5xf32>) -> tensor<8x5xf32>
  %1 = xf.matmul %x, %w2 : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
  %2 = xf.softmax %1 {axis = 1 : i64} : tensor<8x32xf32>
  return %0, %2 : tensor<8x5xf32>, tensor<8x32xf32>
}

// -----

// An output dimension of 6 on 4 cores splits in 2 pieces, each held by 2
// ranks (rank r has piece r / 2); it is gathered within the groups of ranks
// holding distinct pieces.
// CHECK-LABEL: func.func @fewer_parts(
// CHECK-SAME: %arg1: tensor<16x3xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 2 : i64}}
// CHECK: xf.all_gather {{.*}} {replica_groups = dense<{{\[\[}}0, 2], [1, 3]]> : tensor<2x2xi64>} : (tensor<1x24xf32>) -> tensor<2x24xf32>
func.func @fewer_parts(%x: tensor<8x16xf32>, %w: tensor<16x6xf32>) -> tensor<8x6xf32> {
  %0 = xf.matmul %x, %w : (tensor<8x16xf32>, tensor<16x6xf32>) -> tensor<8x6xf32>
  return %0 : tensor<8x6xf32>
}
