// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" | FileCheck %s --check-prefix=PLAN
// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" --muir-lower-xf-to-nc="target=small" | FileCheck %s
// RUN: muir-run %s --backend=sim --target=small --check | FileCheck %s --check-prefix=SIM

// 64-wide f32 heads on the small target (4 KiB SBUF partitions, 64-key
// blocks): one head's K/V (200 keys) does not fit next to a query tile, and
// neither do two streamed 64-key blocks, so the plan narrows the key block
// to 32 keys (two 16-key chunks): K^T blocks of [64 dims as 4 chunks of
// 16] x 32 keys, V blocks of 32 keys, and products of 32 score columns.
// PLAN: config {dma_piece_bytes = {{[0-9]+}} : i64, key_block = 32 : i64, kv_blocks = 2 : i64, kv_heads_per_set = 1 : i64, kv_sets = 0 : i64
// CHECK-LABEL: nc.kernel @narrow_blocks
// K^T of keys [0, 16) and [16, 32): the first block's 4 x 2 transposed loads.
// CHECK: nc.dma <sbuf[0, 16] at [[K0:[0-9]+]] dims [16] {{.*}}, <hbm @arg1[16 x 64] at 0 dims [16] {{.*}}transpose}
// CHECK: nc.dma <sbuf[0, 16] {{.*}}, <hbm @arg1[16 x 64] at 1024 dims [16] {{.*}}transpose}
// Scores of a query tile against one 32-key block.
// CHECK: nc.matmul <psum[0, 8] at {{[0-9]+}} dims [32] strides [1] : f32>, <sbuf[0, 16] {{.*}} dims [8] {{.*}}, <sbuf[0, 16] at [[K0]] dims [32]
// SIM: check #0: {{.*}} OK
func.func @narrow_blocks(%q: tensor<1x1x8x64xf32>, %k: tensor<1x1x200x64xf32>, %v: tensor<1x1x200x64xf32>) -> tensor<1x1x8x64xf32> {
  %0 = xf.attention %q, %k, %v : (tensor<1x1x8x64xf32>, tensor<1x1x200x64xf32>, tensor<1x1x200x64xf32>) -> tensor<1x1x8x64xf32>
  return %0 : tensor<1x1x8x64xf32>
}
