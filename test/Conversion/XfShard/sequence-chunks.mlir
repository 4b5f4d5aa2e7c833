// RUN: muir-opt %s --muir-xf-shard="cores=2" | FileCheck %s
// RUN: muir-run %s --backend=sim --target=small-mc --cores=2 --check | FileCheck %s --check-prefix=EXEC
// RUN: muir-run %s --backend=sim --target=small-mc --cores=4 --check | FileCheck %s --check-prefix=EXEC

// A Llama block over two sequence chunks (chunked prefill: the second
// chunk's attention reads the first chunk's keys and values), sequence
// parallel: every weight serves both chunks' products. A column-parallel
// weight already split by the first chunk's product still has the second
// chunk's rows all-gathered before its product (the weight is never
// gathered); per chunk: all-gather, reduce-scatter, all-gather,
// reduce-scatter, and each chunk's result gathered at the end.
// CHECK-LABEL: func.func @main(
// CHECK-NOT: xf.all_gather %arg
// CHECK-COUNT-2: xf.all_gather {{.*}} : (tensor<8x64xf32>) -> tensor<16x64xf32>
// CHECK-COUNT-2: xf.reduce_scatter {{.*}} : (tensor<16x64xf32>) -> tensor<8x64xf32>
// CHECK-NOT: xf.all_reduce
// CHECK: return
// EXEC: collectives=10
// EXEC: check #0: vs reference {{.*}} OK
// EXEC: check #1: vs reference {{.*}} OK

module attributes {xf.sequence_parallel} {
func.func @main(%x0: tensor<16x64xf32>, %x1: tensor<16x64xf32>, %cos0: tensor<16x8xf32>, %cos1: tensor<16x8xf32>, %sin0: tensor<16x8xf32>, %sin1: tensor<16x8xf32>, %attn_norm: tensor<64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x16xf32>, %wv: tensor<64x16xf32>, %wo: tensor<64x64xf32>, %mlp_norm: tensor<64xf32>, %w_gate: tensor<64x128xf32>, %w_up: tensor<64x128xf32>, %w_down: tensor<128x64xf32>) -> (tensor<16x64xf32>, tensor<16x64xf32>) {
  %v1 = xf.rms_norm %x0, %attn_norm {eps = 1.000000e-06 : f32} : (tensor<16x64xf32>, tensor<64xf32>) -> tensor<16x64xf32>
  %v2 = xf.matmul %v1, %wq : (tensor<16x64xf32>, tensor<64x64xf32>) -> tensor<16x64xf32>
  %v3 = xf.reshape %v2 : (tensor<16x64xf32>) -> tensor<1x16x8x8xf32>
  %v4 = xf.transpose %v3 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x16x8x8xf32>) -> tensor<1x8x16x8xf32>
  %v5 = xf.rope %v4, %cos0, %sin0 : (tensor<1x8x16x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<1x8x16x8xf32>
  %v6 = xf.matmul %v1, %wk : (tensor<16x64xf32>, tensor<64x16xf32>) -> tensor<16x16xf32>
  %v7 = xf.reshape %v6 : (tensor<16x16xf32>) -> tensor<1x16x2x8xf32>
  %v8 = xf.transpose %v7 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x16x2x8xf32>) -> tensor<1x2x16x8xf32>
  %v9 = xf.rope %v8, %cos0, %sin0 : (tensor<1x2x16x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<1x2x16x8xf32>
  %v10 = xf.matmul %v1, %wv : (tensor<16x64xf32>, tensor<64x16xf32>) -> tensor<16x16xf32>
  %v11 = xf.reshape %v10 : (tensor<16x16xf32>) -> tensor<1x16x2x8xf32>
  %v12 = xf.transpose %v11 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x16x2x8xf32>) -> tensor<1x2x16x8xf32>
  %v13 = xf.attention %v5, %v9, %v12 {causal = true} : (tensor<1x8x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x8x16x8xf32>
  %v14 = xf.transpose %v13 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x16x8xf32>) -> tensor<1x16x8x8xf32>
  %v15 = xf.reshape %v14 : (tensor<1x16x8x8xf32>) -> tensor<16x64xf32>
  %v16 = xf.matmul %v15, %wo : (tensor<16x64xf32>, tensor<64x64xf32>) -> tensor<16x64xf32>
  %v17 = xf.rms_norm %x1, %attn_norm {eps = 1.000000e-06 : f32} : (tensor<16x64xf32>, tensor<64xf32>) -> tensor<16x64xf32>
  %v18 = xf.matmul %v17, %wq : (tensor<16x64xf32>, tensor<64x64xf32>) -> tensor<16x64xf32>
  %v19 = xf.reshape %v18 : (tensor<16x64xf32>) -> tensor<1x16x8x8xf32>
  %v20 = xf.transpose %v19 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x16x8x8xf32>) -> tensor<1x8x16x8xf32>
  %v21 = xf.rope %v20, %cos1, %sin1 : (tensor<1x8x16x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<1x8x16x8xf32>
  %v22 = xf.matmul %v17, %wk : (tensor<16x64xf32>, tensor<64x16xf32>) -> tensor<16x16xf32>
  %v23 = xf.reshape %v22 : (tensor<16x16xf32>) -> tensor<1x16x2x8xf32>
  %v24 = xf.transpose %v23 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x16x2x8xf32>) -> tensor<1x2x16x8xf32>
  %v25 = xf.rope %v24, %cos1, %sin1 : (tensor<1x2x16x8xf32>, tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<1x2x16x8xf32>
  %v26 = xf.matmul %v17, %wv : (tensor<16x64xf32>, tensor<64x16xf32>) -> tensor<16x16xf32>
  %v27 = xf.reshape %v26 : (tensor<16x16xf32>) -> tensor<1x16x2x8xf32>
  %v28 = xf.transpose %v27 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x16x2x8xf32>) -> tensor<1x2x16x8xf32>
  %v29 = xf.concat %v9, %v25 {axis = 2 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x32x8xf32>
  %v30 = xf.concat %v12, %v28 {axis = 2 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x32x8xf32>
  %v31 = xf.attention %v21, %v29, %v30 {causal = true} : (tensor<1x8x16x8xf32>, tensor<1x2x32x8xf32>, tensor<1x2x32x8xf32>) -> tensor<1x8x16x8xf32>
  %v32 = xf.transpose %v31 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x16x8xf32>) -> tensor<1x16x8x8xf32>
  %v33 = xf.reshape %v32 : (tensor<1x16x8x8xf32>) -> tensor<16x64xf32>
  %v34 = xf.matmul %v33, %wo : (tensor<16x64xf32>, tensor<64x64xf32>) -> tensor<16x64xf32>
  %v35 = xf.add %x0, %v16 : (tensor<16x64xf32>, tensor<16x64xf32>) -> tensor<16x64xf32>
  %v36 = xf.rms_norm %v35, %mlp_norm {eps = 1.000000e-06 : f32} : (tensor<16x64xf32>, tensor<64xf32>) -> tensor<16x64xf32>
  %v37 = xf.matmul %v36, %w_gate : (tensor<16x64xf32>, tensor<64x128xf32>) -> tensor<16x128xf32>
  %v38 = xf.silu %v37 : tensor<16x128xf32>
  %v39 = xf.matmul %v36, %w_up : (tensor<16x64xf32>, tensor<64x128xf32>) -> tensor<16x128xf32>
  %v40 = xf.mul %v38, %v39 : (tensor<16x128xf32>, tensor<16x128xf32>) -> tensor<16x128xf32>
  %v41 = xf.matmul %v40, %w_down : (tensor<16x128xf32>, tensor<128x64xf32>) -> tensor<16x64xf32>
  %v42 = xf.add %v35, %v41 : (tensor<16x64xf32>, tensor<16x64xf32>) -> tensor<16x64xf32>
  %v43 = xf.add %x1, %v34 : (tensor<16x64xf32>, tensor<16x64xf32>) -> tensor<16x64xf32>
  %v44 = xf.rms_norm %v43, %mlp_norm {eps = 1.000000e-06 : f32} : (tensor<16x64xf32>, tensor<64xf32>) -> tensor<16x64xf32>
  %v45 = xf.matmul %v44, %w_gate : (tensor<16x64xf32>, tensor<64x128xf32>) -> tensor<16x128xf32>
  %v46 = xf.silu %v45 : tensor<16x128xf32>
  %v47 = xf.matmul %v44, %w_up : (tensor<16x64xf32>, tensor<64x128xf32>) -> tensor<16x128xf32>
  %v48 = xf.mul %v46, %v47 : (tensor<16x128xf32>, tensor<16x128xf32>) -> tensor<16x128xf32>
  %v49 = xf.matmul %v48, %w_down : (tensor<16x128xf32>, tensor<128x64xf32>) -> tensor<16x64xf32>
  %v50 = xf.add %v43, %v49 : (tensor<16x64xf32>, tensor<16x64xf32>) -> tensor<16x64xf32>
  return %v42, %v50 : tensor<16x64xf32>, tensor<16x64xf32>
}
}

