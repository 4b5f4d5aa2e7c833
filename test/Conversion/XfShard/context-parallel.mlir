// Context parallelism (a 2-D mesh): on small-mc (2 chips of 4 cores) a mesh
// of 8 spans two chips, so by default each chip is a block that takes its
// half of the sequence, with tensor and sequence parallelism over its own
// 4 cores; attention exchanges heads for whole sequences across the chips
// (xf.all_to_all over the mesh's columns: ranks r and 4 + r) and gathers
// the one key/value head each rank holds.
// RUN: muir-opt %s --muir-xf-shard="cores=8 target=small-mc" | FileCheck %s
// The explicit option, without a target, gives the same split.
// RUN: muir-opt %s --muir-xf-shard="cores=8 context-parallel=2" | FileCheck %s
// CHECK: module attributes {xf.context_parallel = 2 : i64, xf.mesh = 8 : i64}
// Rows: block (chip) b holds rows [16 b, 16 b + 16), then 4 rows per core;
// rope tables: the block's rows, on every core of it; weights: split over
// the block's 4 cores (the driver slices with rank mod 4).
// CHECK: func.func @main(%arg0: tensor<4x64xf32> {xf.shard = {dim = 0 : i64, groups = 1 : i64, parts = 4 : i64, seq_dim = 0 : i64}}, %arg1: tensor<16x8xf32> {xf.shard = {seq_dim = 0 : i64}}, %arg2: tensor<16x8xf32> {xf.shard = {seq_dim = 0 : i64}}, %arg3: tensor<64xf32> {xf.shard = "replicated"}, %arg4: tensor<64x16xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 4 : i64}}
// CHECK-SAME: -> (tensor<32x64xf32> {xf.shard = "replicated"})
// Tensor-parallel collectives stay on a chip: one group per block.
// CHECK: xf.all_gather %{{.*}} {replica_groups = dense<{{\[\[}}0, 1, 2, 3], [4, 5, 6, 7]]> : tensor<2x4xi64>} : (tensor<4x64xf32>) -> tensor<16x64xf32>
// CHECK: %[[Q:.*]] = xf.rope %{{.*}} : (tensor<1x2x16x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<1x2x16x8xf32>
// CHECK: %[[K:.*]] = xf.rope %{{.*}} : (tensor<1x1x16x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<1x1x16x8xf32>
// Query heads: block j of the rank's two heads to block j.
// CHECK: %[[QF:.*]] = xf.reshape %[[Q]] : (tensor<1x2x16x8xf32>) -> tensor<2x128xf32>
// CHECK-NEXT: %[[QX:.*]] = xf.all_to_all %[[QF]] {replica_groups = dense<{{\[\[}}0, 4], [1, 5], [2, 6], [3, 7]]> : tensor<4x2xi64>} : (tensor<2x128xf32>) -> tensor<2x128xf32>
// CHECK-NEXT: %[[QH:.*]] = xf.reshape %[[QX]] : (tensor<2x128xf32>) -> tensor<1x1x32x8xf32>
// One key/value head per rank: gathered over the column.
// CHECK: %[[KF:.*]] = xf.reshape %[[K]] : (tensor<1x1x16x8xf32>) -> tensor<16x8xf32>
// CHECK-NEXT: %[[KG:.*]] = xf.all_gather %[[KF]] {replica_groups = dense<{{\[\[}}0, 4], [1, 5], [2, 6], [3, 7]]> : tensor<4x2xi64>} : (tensor<16x8xf32>) -> tensor<32x8xf32>
// CHECK-NEXT: %[[KH:.*]] = xf.reshape %[[KG]] : (tensor<32x8xf32>) -> tensor<1x1x32x8xf32>
// CHECK: %[[A:.*]] = xf.attention %[[QH]], %[[KH]], %{{.*}} {causal = true} : (tensor<1x1x32x8xf32>, tensor<1x1x32x8xf32>, tensor<1x1x32x8xf32>) -> tensor<1x1x32x8xf32>
// And back: the rank's heads for its block's rows.
// CHECK-NEXT: %[[AF:.*]] = xf.reshape %[[A]] : (tensor<1x1x32x8xf32>) -> tensor<2x128xf32>
// CHECK-NEXT: %[[AX:.*]] = xf.all_to_all %[[AF]] {replica_groups = dense<{{\[\[}}0, 4], [1, 5], [2, 6], [3, 7]]> : tensor<4x2xi64>}
// CHECK-NEXT: xf.reshape %[[AX]] : (tensor<2x128xf32>) -> tensor<1x2x16x8xf32>
// CHECK: xf.reduce_scatter %{{.*}} {replica_groups = dense<{{\[\[}}0, 1, 2, 3], [4, 5, 6, 7]]> : tensor<2x4xi64>} : (tensor<16x64xf32>) -> tensor<4x64xf32>
// The result: gathered on the chip, then over the chips.
// CHECK: xf.reduce_scatter
// CHECK-NEXT: xf.add
// CHECK: %[[R1:.*]] = xf.all_gather %{{.*}} {replica_groups = dense<{{\[\[}}0, 1, 2, 3], [4, 5, 6, 7]]> : tensor<2x4xi64>} : (tensor<4x64xf32>) -> tensor<16x64xf32>
// CHECK-NEXT: %[[R2:.*]] = xf.all_gather %[[R1]] {replica_groups = dense<{{\[\[}}0, 4], [1, 5], [2, 6], [3, 7]]> : tensor<4x2xi64>} : (tensor<16x64xf32>) -> tensor<32x64xf32>
// CHECK-NEXT: return %[[R2]] : tensor<32x64xf32>

// Results left split (split-results): no gather at the end; the result's
// xf.shard says how to assemble it.
// RUN: muir-opt %s --muir-xf-shard="cores=8 target=small-mc split-results=true" | FileCheck %s --check-prefix=SPLIT
// SPLIT: -> (tensor<4x64xf32> {xf.shard = {dim = 0 : i64, groups = 1 : i64, parts = 4 : i64, seq_dim = 0 : i64}})
// SPLIT-NOT: xf.all_gather %{{.*}} -> tensor<32x64xf32>
// SPLIT: return %{{.*}} : tensor<4x64xf32>

// context-parallel=1 (or xf.context_parallel = 1): one axis over all 8
// cores, as before.
// RUN: muir-opt %s --muir-xf-shard="cores=8 target=small-mc context-parallel=1" | FileCheck %s --check-prefix=ONE
// ONE: module attributes {xf.mesh = 8 : i64}
// ONE-NOT: all_to_all
// ONE: xf.all_gather %{{.*}} {replica_groups = dense<{{\[\[}}0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi64>}

// Numerics: the sharded block on 8 and 2 cores (blocks of 4 and of 1),
// with results gathered or left split and assembled by the runner, against
// the reference backend's run of the unsharded block.
// RUN: muir-run %s --backend=sim --target=small-mc --cores=8 --check | FileCheck %s --check-prefix=RUN8
// RUN8: sim: target=small-mc cores=8
// RUN8: nl chip0->chip1
// RUN8: check #0: vs reference {{.*}} OK
// RUN: sed 's/^func.func/module attributes {xf.split_results} {\nfunc.func/; $a }' %s | muir-run - --backend=sim --target=small-mc --cores=8 --check | FileCheck %s --check-prefix=RUN8
// Row groups inside each block too (two groups, results left split: the
// result's xf.shard has groups = 2 and seq_dim).
// RUN: sed 's/^func.func/module attributes {xf.sequence_chunks = 2 : i64, xf.split_results} {\nfunc.func/; $a }' %s | muir-run - --backend=sim --target=small-mc --cores=8 --check | FileCheck %s --check-prefix=RUN8
// RUN: sed 's/^func.func/module attributes {xf.context_parallel = 2 : i64} {\nfunc.func/; $a }' %s | muir-run - --backend=sim --target=small-mc --cores=2 --check | FileCheck %s --check-prefix=RUN2
// muir-run's own flags: 2 blocks of 2 cores on one chip, results left
// split: 2 blocks x 4 (gathers and reduce-scatters) + 2 columns x 4 (Q, K, V,
// output) collectives.
// RUN: muir-run %s --backend=sim --target=small-mc --cores=4 --context-parallel=2 --split-results --check | FileCheck %s --check-prefix=FLAGS
// FLAGS: sim: target=small-mc cores=4 {{.*}} collectives=16
// FLAGS: check #0: vs reference {{.*}} OK
// RUN2: sim: target=small-mc cores=2
// RUN2: check #0: vs reference {{.*}} OK

func.func @main(%x: tensor<32x64xf32>, %cos: tensor<32x8xf32>, %sin: tensor<32x8xf32>, %attn_norm: tensor<64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x16xf32>, %wv: tensor<64x16xf32>, %wo: tensor<64x64xf32>, %mlp_norm: tensor<64xf32>, %w_gate: tensor<64x128xf32>, %w_up: tensor<64x128xf32>, %w_down: tensor<128x64xf32>) -> (tensor<32x64xf32>) {
  %v1 = xf.rms_norm %x, %attn_norm {eps = 1.000000e-06 : f32} : (tensor<32x64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v2 = xf.matmul %v1, %wq : (tensor<32x64xf32>, tensor<64x64xf32>) -> tensor<32x64xf32>
  %v3 = xf.reshape %v2 : (tensor<32x64xf32>) -> tensor<1x32x8x8xf32>
  %v4 = xf.transpose %v3 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x8x8xf32>) -> tensor<1x8x32x8xf32>
  %v5 = xf.rope %v4, %cos, %sin : (tensor<1x8x32x8xf32>, tensor<32x8xf32>, tensor<32x8xf32>) -> tensor<1x8x32x8xf32>
  %v6 = xf.matmul %v1, %wk : (tensor<32x64xf32>, tensor<64x16xf32>) -> tensor<32x16xf32>
  %v7 = xf.reshape %v6 : (tensor<32x16xf32>) -> tensor<1x32x2x8xf32>
  %v8 = xf.transpose %v7 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x2x8xf32>) -> tensor<1x2x32x8xf32>
  %v9 = xf.rope %v8, %cos, %sin : (tensor<1x2x32x8xf32>, tensor<32x8xf32>, tensor<32x8xf32>) -> tensor<1x2x32x8xf32>
  %v10 = xf.matmul %v1, %wv : (tensor<32x64xf32>, tensor<64x16xf32>) -> tensor<32x16xf32>
  %v11 = xf.reshape %v10 : (tensor<32x16xf32>) -> tensor<1x32x2x8xf32>
  %v12 = xf.transpose %v11 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x2x8xf32>) -> tensor<1x2x32x8xf32>
  %v13 = xf.attention %v5, %v9, %v12 {causal = true} : (tensor<1x8x32x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>) -> tensor<1x8x32x8xf32>
  %v14 = xf.transpose %v13 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x32x8xf32>) -> tensor<1x32x8x8xf32>
  %v15 = xf.reshape %v14 : (tensor<1x32x8x8xf32>) -> tensor<32x64xf32>
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

