// RUN: muir-opt %s --muir-xf-shard="cores=2 sequence-parallel=false" | FileCheck %s
// (Tensor parallelism alone: sequence-parallel=false; sequence parallelism
// is the default, test/Conversion/XfShard/sequence-parallel.mlir.)

// A pre-LN GPT-2 block (4 heads of 8, width 32, FFN 64) over 2 cores:
// the fused QKV weight and bias split on the output dimension in 3 groups
// (each rank holds its Q, K and V heads), the slices cut the local Q/K/V
// (16 of 48 columns each), attention on 2 local heads, O and the FFN down
// projection row-parallel with one all_reduce each before the bias and
// residual adds; norms and residuals replicated.

// CHECK: module attributes {xf.mesh = 2 : i64}
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %arg0: tensor<16x32xf32> {xf.shard = "replicated"}
// CHECK-SAME: %arg3: tensor<32x48xf32> {xf.shard = {dim = 1 : i64, groups = 3 : i64, parts = 2 : i64}}
// CHECK-SAME: %arg4: tensor<48xf32> {xf.shard = {dim = 0 : i64, groups = 3 : i64, parts = 2 : i64}}
// CHECK-SAME: %arg5: tensor<16x32xf32> {xf.shard = {dim = 0 : i64, groups = 1 : i64, parts = 2 : i64}}
// CHECK-SAME: %arg6: tensor<32xf32> {xf.shard = "replicated"}
// CHECK-SAME: %arg9: tensor<32x32xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 2 : i64}}
// CHECK-SAME: %arg10: tensor<32xf32> {xf.shard = {dim = 0 : i64, groups = 1 : i64, parts = 2 : i64}}
// CHECK-SAME: %arg11: tensor<32x32xf32> {xf.shard = {dim = 0 : i64, groups = 1 : i64, parts = 2 : i64}}
// CHECK-SAME: -> (tensor<16x32xf32> {xf.shard = "replicated"}) attributes {xf.sharded}
// CHECK: xf.layer_norm %arg0
// CHECK: xf.matmul {{.*}} -> tensor<16x48xf32>
// CHECK: xf.slice {{.*}} {offsets = array<i64: 0, 0>, sizes = array<i64: 16, 16>
// CHECK: xf.slice {{.*}} {offsets = array<i64: 0, 16>, sizes = array<i64: 16, 16>
// CHECK: xf.slice {{.*}} {offsets = array<i64: 0, 32>, sizes = array<i64: 16, 16>
// CHECK: xf.attention {{.*}} -> tensor<1x2x16x8xf32>
// CHECK: %[[O:.*]] = xf.matmul {{.*}} -> tensor<16x32xf32>
// CHECK-NEXT: %[[R:.*]] = xf.all_reduce %[[O]] {replica_groups = dense<{{\[\[}}0, 1]]> : tensor<1x2xi64>}
// CHECK-NEXT: xf.add %[[R]], %arg6
// CHECK: xf.gelu {{.*}} : tensor<16x32xf32>
// CHECK: %[[D:.*]] = xf.matmul {{.*}} -> tensor<16x32xf32>
// CHECK-NEXT: xf.all_reduce %[[D]]
// CHECK-NOT: xf.all_
// CHECK: return
func.func @main(%x: tensor<16x32xf32>, %ln1_w: tensor<32xf32>, %ln1_b: tensor<32xf32>, %w_qkv: tensor<32x96xf32>, %b_qkv: tensor<96xf32>, %w_o: tensor<32x32xf32>, %b_o: tensor<32xf32>, %ln2_w: tensor<32xf32>, %ln2_b: tensor<32xf32>, %w_fc: tensor<32x64xf32>, %b_fc: tensor<64xf32>, %w_proj: tensor<64x32xf32>, %b_proj: tensor<32xf32>) -> (tensor<16x32xf32>) {
  %v1 = xf.layer_norm %x, %ln1_w, %ln1_b {eps = 1.000000e-05 : f32} : (tensor<16x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<16x32xf32>
  %v2 = xf.matmul %v1, %w_qkv : (tensor<16x32xf32>, tensor<32x96xf32>) -> tensor<16x96xf32>
  %v3 = xf.add %v2, %b_qkv : (tensor<16x96xf32>, tensor<96xf32>) -> tensor<16x96xf32>
  %v4 = xf.slice %v3 {offsets = array<i64: 0, 0>, sizes = array<i64: 16, 32>, strides = array<i64: 1, 1>} : (tensor<16x96xf32>) -> tensor<16x32xf32>
  %v5 = xf.reshape %v4 : (tensor<16x32xf32>) -> tensor<1x16x4x8xf32>
  %v6 = xf.transpose %v5 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x16x4x8xf32>) -> tensor<1x4x16x8xf32>
  %v7 = xf.slice %v3 {offsets = array<i64: 0, 32>, sizes = array<i64: 16, 32>, strides = array<i64: 1, 1>} : (tensor<16x96xf32>) -> tensor<16x32xf32>
  %v8 = xf.reshape %v7 : (tensor<16x32xf32>) -> tensor<1x16x4x8xf32>
  %v9 = xf.transpose %v8 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x16x4x8xf32>) -> tensor<1x4x16x8xf32>
  %v10 = xf.slice %v3 {offsets = array<i64: 0, 64>, sizes = array<i64: 16, 32>, strides = array<i64: 1, 1>} : (tensor<16x96xf32>) -> tensor<16x32xf32>
  %v11 = xf.reshape %v10 : (tensor<16x32xf32>) -> tensor<1x16x4x8xf32>
  %v12 = xf.transpose %v11 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x16x4x8xf32>) -> tensor<1x4x16x8xf32>
  %v13 = xf.attention %v6, %v9, %v12 {causal = true} : (tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>) -> tensor<1x4x16x8xf32>
  %v14 = xf.transpose %v13 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x4x16x8xf32>) -> tensor<1x16x4x8xf32>
  %v15 = xf.reshape %v14 : (tensor<1x16x4x8xf32>) -> tensor<16x32xf32>
  %v16 = xf.matmul %v15, %w_o : (tensor<16x32xf32>, tensor<32x32xf32>) -> tensor<16x32xf32>
  %v17 = xf.add %v16, %b_o : (tensor<16x32xf32>, tensor<32xf32>) -> tensor<16x32xf32>
  %v18 = xf.add %x, %v17 : (tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<16x32xf32>
  %v19 = xf.layer_norm %v18, %ln2_w, %ln2_b {eps = 1.000000e-05 : f32} : (tensor<16x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<16x32xf32>
  %v20 = xf.matmul %v19, %w_fc : (tensor<16x32xf32>, tensor<32x64xf32>) -> tensor<16x64xf32>
  %v21 = xf.add %v20, %b_fc : (tensor<16x64xf32>, tensor<64xf32>) -> tensor<16x64xf32>
  %v22 = xf.gelu %v21 approximate = tanh : tensor<16x64xf32>
  %v23 = xf.matmul %v22, %w_proj : (tensor<16x64xf32>, tensor<64x32xf32>) -> tensor<16x32xf32>
  %v24 = xf.add %v23, %b_proj : (tensor<16x32xf32>, tensor<32xf32>) -> tensor<16x32xf32>
  %v25 = xf.add %v18, %v24 : (tensor<16x32xf32>, tensor<16x32xf32>) -> tensor<16x32xf32>
  return %v25 : tensor<16x32xf32>
}

