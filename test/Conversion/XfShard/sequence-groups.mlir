// RUN: muir-opt %s --muir-xf-shard="cores=2" | FileCheck %s
// RUN: muir-opt %s --muir-xf-shard="cores=2" | FileCheck %s --check-prefix=DEAD
// RUN: sed "s/, xf.sequence_chunks = 2 : i64//" %s | muir-opt --muir-xf-shard="cores=2 target=small-mc" | FileCheck %s --check-prefix=AUTO
// RUN: muir-opt %s --muir-xf-shard="cores=2" --muir-xf-fuse="target=small-mc" --muir-lower-xf-to-nc="target=small-mc" --muir-nc-allocate | FileCheck %s --check-prefix=NC
// RUN: muir-run %s --backend=sim --target=small-mc --cores=2 --check | FileCheck %s --check-prefix=EXEC
// RUN: muir-run %s --backend=sim --target=small-mc --cores=4 --check | FileCheck %s --check-prefix=EXEC
// RUN: sed "s/, xf.sequence_chunks = 2 : i64//" %s | not muir-opt --muir-xf-shard="cores=2 sequence-chunks=-1" 2>&1 | FileCheck %s --check-prefix=BAD

// Sequence parallelism in two row groups (the module's xf.sequence_chunks
// or the pass's sequence-chunks): rank r holds rows [16 g + 8 r, + 8) of
// each group g, so each group's gather is a contiguous block of the global
// rows: two gathers of the rank's two row blocks, joined in order, feed the
// column-parallel products, and the row-parallel O and down products run
// per group (a slice of their input's rows each), each group's partial sum
// reduce-scattered on its own: the first group's collective overlaps the
// second group's work.
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %arg0: tensor<16x64xf32> {xf.shard = {dim = 0 : i64, groups = 2 : i64, parts = 2 : i64}}
// CHECK: %[[N:.*]] = xf.rms_norm %arg0
// CHECK-NEXT: %[[R0:.*]] = xf.slice %[[N]] {offsets = array<i64: 0, 0>, sizes = array<i64: 8, 64>
// CHECK-NEXT: %[[G0:.*]] = xf.all_gather %[[R0]] {{.*}} -> tensor<16x64xf32>
// CHECK-NEXT: %[[R1:.*]] = xf.slice %[[N]] {offsets = array<i64: 8, 0>, sizes = array<i64: 8, 64>
// CHECK-NEXT: %[[G1:.*]] = xf.all_gather %[[R1]] {{.*}} -> tensor<16x64xf32>
// CHECK-NEXT: %[[G:.*]] = xf.concat %[[G0]], %[[G1]] {axis = 0 : i64} {{.*}} -> tensor<32x64xf32>
// CHECK-NEXT: xf.matmul %[[G]], %arg4
// CHECK: %[[A0:.*]] = xf.slice %[[A:.*]] {offsets = array<i64: 0, 0>, sizes = array<i64: 16, 32>
// CHECK-NEXT: %[[O0:.*]] = xf.matmul %[[A0]], %arg7 : (tensor<16x32xf32>, tensor<32x64xf32>) -> tensor<16x64xf32>
// CHECK-NEXT: %[[S0:.*]] = xf.reduce_scatter %[[O0]] {{.*}} -> tensor<8x64xf32>
// CHECK-NEXT: %[[A1:.*]] = xf.slice %[[A]] {offsets = array<i64: 16, 0>, sizes = array<i64: 16, 32>
// CHECK-NEXT: %[[O1:.*]] = xf.matmul %[[A1]], %arg7
// CHECK-NEXT: %[[S1:.*]] = xf.reduce_scatter %[[O1]]
// The residual add and the next norm run per group too (the residual
// stream's rows of group 0 a view), so group 0's next gather follows its
// own reduce-scatter, not the whole stream's; no concat of the stream.
// CHECK-NEXT: %[[X0:.*]] = xf.slice %arg0 {offsets = array<i64: 0, 0>, sizes = array<i64: 8, 64>
// CHECK-NEXT: %[[H0:.*]] = xf.add %[[X0]], %[[S0]] : (tensor<8x64xf32>, tensor<8x64xf32>)
// CHECK-NEXT: %[[X1:.*]] = xf.slice %arg0 {offsets = array<i64: 8, 0>
// CHECK-NEXT: %[[H1:.*]] = xf.add %[[X1]], %[[S1]]
// CHECK-NEXT: %[[M0:.*]] = xf.rms_norm %[[H0]], %arg8 {{.*}} -> tensor<8x64xf32>
// CHECK-NEXT: %[[M1:.*]] = xf.rms_norm %[[H1]], %arg8
// CHECK-NEXT: xf.all_gather %[[M0]] {{.*}} : (tensor<8x64xf32>) -> tensor<16x64xf32>
// CHECK-NEXT: xf.all_gather %[[M1]]
// CHECK-COUNT-2: xf.reduce_scatter
// CHECK: %[[Y0:.*]] = xf.add %[[H0]], %{{.*}} : (tensor<8x64xf32>, tensor<8x64xf32>)
// CHECK-NEXT: %[[Y1:.*]] = xf.add %[[H1]]
// CHECK-NEXT: xf.all_gather %[[Y0]] {{.*}} : (tensor<8x64xf32>) -> tensor<16x64xf32>
// CHECK-NEXT: xf.all_gather %[[Y1]]
// CHECK: return
// The whole-row O and down products are gone (not left for a later pass).
// DEAD-LABEL: func.func @main
// DEAD-NOT: xf.matmul {{.*}}, %arg7 : (tensor<32x32xf32>
// DEAD-NOT: xf.matmul {{.*}}, %arg11 : (tensor<32x64xf32>
// The automatic choice: two groups when each rank's rows of a group fill a
// PE row tile (small-mc: 16 rows; here 8 a group), else one.
// AUTO: %arg0: tensor<16x64xf32> {xf.shard = {dim = 0 : i64, groups = 1 : i64, parts = 2 : i64}}
// After lowering, the row slices are views and each gather writes its block
// of one tensor in place: no copy kernel.
// NC-LABEL: nc.kernel @main
// NC: nc.all_gather <hbm @[[T:t[0-9]+]][16 x 64] at 0 {{.*}}, <hbm @[[N:t[0-9]+]][16 x 32] at 0
// NC-NEXT: nc.all_gather <hbm @[[T]][16 x 64] at 1024 {{.*}}, <hbm @[[N]][16 x 32] at 512
// NC: nc.reduce_scatter add <hbm @t{{[0-9]+}}[16 x 32] at 0
// NC: nc.reduce_scatter add <hbm @t{{[0-9]+}}[16 x 32] at 0
// The result: each group's rows gathered straight into the output tensor.
// NC: nc.all_gather <hbm @out0[16 x 64] at 0
// NC-NEXT: nc.all_gather <hbm @out0[16 x 64] at 1024
// EXEC: collectives=10
// EXEC: check #0: vs reference {{.*}} OK
// BAD: muir-xf-shard: sequence chunks must be at least 1 (0: automatic), got -1

module attributes {xf.sequence_parallel, xf.sequence_chunks = 2 : i64} {
func.func @main(%x: tensor<32x64xf32>, %cos: tensor<32x16xf32>, %sin: tensor<32x16xf32>, %attn_norm: tensor<64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>, %wv: tensor<64x64xf32>, %wo: tensor<64x64xf32>, %mlp_norm: tensor<64xf32>, %w_gate: tensor<64x128xf32>, %w_up: tensor<64x128xf32>, %w_down: tensor<128x64xf32>) -> (tensor<32x64xf32>) {
  %v1 = xf.rms_norm %x, %attn_norm {eps = 1.000000e-06 : f32} : (tensor<32x64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v2 = xf.matmul %v1, %wq : (tensor<32x64xf32>, tensor<64x64xf32>) -> tensor<32x64xf32>
  %v3 = xf.reshape %v2 : (tensor<32x64xf32>) -> tensor<1x32x4x16xf32>
  %v4 = xf.transpose %v3 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x4x16xf32>) -> tensor<1x4x32x16xf32>
  %v5 = xf.rope %v4, %cos, %sin : (tensor<1x4x32x16xf32>, tensor<32x16xf32>, tensor<32x16xf32>) -> tensor<1x4x32x16xf32>
  %v6 = xf.matmul %v1, %wk : (tensor<32x64xf32>, tensor<64x64xf32>) -> tensor<32x64xf32>
  %v7 = xf.reshape %v6 : (tensor<32x64xf32>) -> tensor<1x32x4x16xf32>
  %v8 = xf.transpose %v7 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x4x16xf32>) -> tensor<1x4x32x16xf32>
  %v9 = xf.rope %v8, %cos, %sin : (tensor<1x4x32x16xf32>, tensor<32x16xf32>, tensor<32x16xf32>) -> tensor<1x4x32x16xf32>
  %v10 = xf.matmul %v1, %wv : (tensor<32x64xf32>, tensor<64x64xf32>) -> tensor<32x64xf32>
  %v11 = xf.reshape %v10 : (tensor<32x64xf32>) -> tensor<1x32x4x16xf32>
  %v12 = xf.transpose %v11 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x4x16xf32>) -> tensor<1x4x32x16xf32>
  %v13 = xf.attention %v5, %v9, %v12 {causal = true} : (tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>) -> tensor<1x4x32x16xf32>
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

}
