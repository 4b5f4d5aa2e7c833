// RUN: muir-opt %s --muir-xf-shard="cores=2 sequence-parallel=true" | FileCheck %s
// RUN: muir-run %s --backend=sim --target=small-mc --cores=2 --check | FileCheck %s --check-prefix=EXEC
// RUN: muir-run %s --backend=sim --target=small-mc --cores=4 --check | FileCheck %s --check-prefix=EXEC
// Sequence parallelism is the default: without the attribute too; `=
// false` (or sequence-parallel=false) keeps tensor parallelism alone; any
// other value is an error.
// RUN: sed "s/module attributes {xf.sequence_parallel} {/module {/" %s | muir-opt --muir-xf-shard="cores=2" | FileCheck %s
// RUN: sed "s/{xf.sequence_parallel}/{xf.sequence_parallel = false}/" %s | muir-opt --muir-xf-shard="cores=2" | FileCheck %s --check-prefix=TP
// RUN: sed "s/{xf.sequence_parallel}/{xf.sequence_parallel = 1 : i64}/" %s | not muir-opt --muir-xf-shard="cores=2" 2>&1 | FileCheck %s --check-prefix=BAD
// TP: %arg0: tensor<32x64xf32> {xf.shard = "replicated"}
// TP-COUNT-2: xf.all_reduce
// TP-NOT: xf.reduce_scatter
// BAD: muir-xf-shard: xf.sequence_parallel must be a unit or bool attribute, got 1 : i64

// Sequence parallelism on a Llama block (the module attribute asks for it,
// as sequence-parallel=true does): the residual stream enters split by rows
// (16 of 32 per rank), the norms run on local rows, rows are all-gathered
// before the column-parallel Q/K/V and gate/up products, the O and down
// partial sums are reduce-scattered back to rows for the residual adds, and
// the result is gathered at the end.

// CHECK-LABEL: func.func @main(
// CHECK-SAME: %arg0: tensor<16x64xf32> {xf.shard = {dim = 0 : i64, groups = 1 : i64, parts = 2 : i64}}
// CHECK: %[[N1:.*]] = xf.rms_norm %arg0, %arg3 {{.*}} -> tensor<16x64xf32>
// CHECK-NEXT: %[[G1:.*]] = xf.all_gather %[[N1]] {replica_groups = dense<{{\[\[}}0, 1]]> : tensor<1x2xi64>} : (tensor<16x64xf32>) -> tensor<32x64xf32>
// CHECK: xf.matmul %[[G1]], %arg4
// CHECK: %[[O:.*]] = xf.matmul %{{.*}}, %arg7 : (tensor<32x32xf32>, tensor<32x64xf32>) -> tensor<32x64xf32>
// CHECK-NEXT: %[[S1:.*]] = xf.reduce_scatter %[[O]] {replica_groups = dense<{{\[\[}}0, 1]]> : tensor<1x2xi64>} : (tensor<32x64xf32>) -> tensor<16x64xf32>
// CHECK-NEXT: %[[X1:.*]] = xf.add %arg0, %[[S1]] : (tensor<16x64xf32>, tensor<16x64xf32>) -> tensor<16x64xf32>
// CHECK-NEXT: %[[N2:.*]] = xf.rms_norm %[[X1]]
// CHECK-NEXT: xf.all_gather %[[N2]]
// CHECK: %[[D:.*]] = xf.matmul %{{.*}}, %arg11
// CHECK-NEXT: %[[S2:.*]] = xf.reduce_scatter %[[D]]
// CHECK-NEXT: %[[Y:.*]] = xf.add %[[X1]], %[[S2]]
// CHECK-NEXT: %[[R:.*]] = xf.all_gather %[[Y]] {{.*}} : (tensor<16x64xf32>) -> tensor<32x64xf32>
// CHECK-NEXT: return %[[R]]
// CHECK-NOT: xf.all_reduce

// EXEC: sim: target=small-mc cores={{[24]}} {{.*}} collectives=5
// EXEC: check #0: vs reference {{.*}} OK

module attributes {xf.sequence_parallel} {
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
