// By default context parallelism takes the most blocks of chips that the
// split allows. 32 cores of a Trn2 instance are 4 chips of 8; with 16
// key/value heads, 4 blocks would leave each rank 2 key/value heads that 4
// blocks cannot share, so the mesh is 2 blocks of 2 chips (16 ranks of
// tensor parallelism each, one key/value head per rank, gathered).
// RUN: muir-opt %s --muir-xf-shard="cores=32 target=trn2-instance" | FileCheck %s
// CHECK: module attributes {xf.context_parallel = 2 : i64, xf.mesh = 32 : i64}
// CHECK: xf.all_gather %{{.*}} {replica_groups = dense<{{\[\[}}0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], [16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]]> : tensor<2x16xi64>}
// CHECK: xf.all_to_all %{{.*}} {replica_groups = dense<{{\[\[}}0, 16], [1, 17],
// CHECK: xf.all_gather %{{.*}} {replica_groups = dense<{{\[\[}}0, 16], [1, 17],
// RUN: muir-run %s --backend=sim --target=trn2-instance --cores=32 --check | FileCheck %s --check-prefix=RUN32
// RUN32: sim: target=trn2-instance cores=32
// RUN32: check #0: vs reference {{.*}} OK
func.func @main(%x: tensor<64x256xf32>, %cos: tensor<64x8xf32>, %sin: tensor<64x8xf32>, %attn_norm: tensor<256xf32>, %wq: tensor<256x256xf32>, %wk: tensor<256x128xf32>, %wv: tensor<256x128xf32>, %wo: tensor<256x256xf32>, %mlp_norm: tensor<256xf32>, %w_gate: tensor<256x256xf32>, %w_up: tensor<256x256xf32>, %w_down: tensor<256x256xf32>) -> (tensor<64x256xf32>) {
  %v1 = xf.rms_norm %x, %attn_norm {eps = 1.000000e-06 : f32} : (tensor<64x256xf32>, tensor<256xf32>) -> tensor<64x256xf32>
  %v2 = xf.matmul %v1, %wq : (tensor<64x256xf32>, tensor<256x256xf32>) -> tensor<64x256xf32>
  %v3 = xf.reshape %v2 : (tensor<64x256xf32>) -> tensor<1x64x32x8xf32>
  %v4 = xf.transpose %v3 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x32x8xf32>) -> tensor<1x32x64x8xf32>
  %v5 = xf.rope %v4, %cos, %sin : (tensor<1x32x64x8xf32>, tensor<64x8xf32>, tensor<64x8xf32>) -> tensor<1x32x64x8xf32>
  %v6 = xf.matmul %v1, %wk : (tensor<64x256xf32>, tensor<256x128xf32>) -> tensor<64x128xf32>
  %v7 = xf.reshape %v6 : (tensor<64x128xf32>) -> tensor<1x64x16x8xf32>
  %v8 = xf.transpose %v7 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x16x8xf32>) -> tensor<1x16x64x8xf32>
  %v9 = xf.rope %v8, %cos, %sin : (tensor<1x16x64x8xf32>, tensor<64x8xf32>, tensor<64x8xf32>) -> tensor<1x16x64x8xf32>
  %v10 = xf.matmul %v1, %wv : (tensor<64x256xf32>, tensor<256x128xf32>) -> tensor<64x128xf32>
  %v11 = xf.reshape %v10 : (tensor<64x128xf32>) -> tensor<1x64x16x8xf32>
  %v12 = xf.transpose %v11 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x16x8xf32>) -> tensor<1x16x64x8xf32>
  %v13 = xf.attention %v5, %v9, %v12 {causal = true} : (tensor<1x32x64x8xf32>, tensor<1x16x64x8xf32>, tensor<1x16x64x8xf32>) -> tensor<1x32x64x8xf32>
  %v14 = xf.transpose %v13 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x64x8xf32>) -> tensor<1x64x32x8xf32>
  %v15 = xf.reshape %v14 : (tensor<1x64x32x8xf32>) -> tensor<64x256xf32>
  %v16 = xf.matmul %v15, %wo : (tensor<64x256xf32>, tensor<256x256xf32>) -> tensor<64x256xf32>
  %v17 = xf.add %x, %v16 : (tensor<64x256xf32>, tensor<64x256xf32>) -> tensor<64x256xf32>
  %v18 = xf.rms_norm %v17, %mlp_norm {eps = 1.000000e-06 : f32} : (tensor<64x256xf32>, tensor<256xf32>) -> tensor<64x256xf32>
  %v19 = xf.matmul %v18, %w_gate : (tensor<64x256xf32>, tensor<256x256xf32>) -> tensor<64x256xf32>
  %v20 = xf.silu %v19 : tensor<64x256xf32>
  %v21 = xf.matmul %v18, %w_up : (tensor<64x256xf32>, tensor<256x256xf32>) -> tensor<64x256xf32>
  %v22 = xf.mul %v20, %v21 : (tensor<64x256xf32>, tensor<64x256xf32>) -> tensor<64x256xf32>
  %v23 = xf.matmul %v22, %w_down : (tensor<64x256xf32>, tensor<256x256xf32>) -> tensor<64x256xf32>
  %v24 = xf.add %v17, %v23 : (tensor<64x256xf32>, tensor<64x256xf32>) -> tensor<64x256xf32>
  return %v24 : tensor<64x256xf32>
}
