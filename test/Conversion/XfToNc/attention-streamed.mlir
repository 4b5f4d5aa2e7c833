// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small overrides=k0.kv_sets=0,k0.kv_blocks=2,k0.v_interleave=0" | FileCheck %s --check-prefix=PLAN
// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small overrides=k0.kv_sets=0,k0.kv_blocks=2,k0.v_interleave=0" --muir-lower-xf-to-nc="target=small" | FileCheck %s

// kv_sets = 0: K^T and V stream through a ring of key-block buffers (the
// plan's choice when one head's K/V does not fit SBUF; forced here, with a
// ring of kv_blocks = 2). 128 keys are
// two 64-key blocks: block 0 (K^T chunks, then V chunks) loads, block 1
// loads into the other buffers before block 0 is used, and each step's
// products read their block at block-relative columns.
// PLAN: config {dma_piece_bytes = {{[0-9]+}} : i64, key_block = 64 : i64, kv_blocks = 2 : i64, kv_heads_per_set = 1 : i64, kv_sets = 0 : i64
// CHECK-LABEL: nc.kernel @streamed
// CHECK: nc.dma <sbuf[0, 8] at [[K0:[0-9]+]] dims [16] {{.*}}, <hbm @arg1[16 x 8] at 0 dims [8] {{.*}}transpose}
// CHECK-COUNT-3: nc.dma <sbuf[0, 8] {{.*}}, <hbm @arg1[16 x 8] {{.*}}transpose}
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[V0:[0-9]+]] dims [8] {{.*}}, <hbm @arg2[16 x 8] at 0 dims [8]
// CHECK-COUNT-3: nc.dma <sbuf[0, 16] {{.*}}, <hbm @arg2[16 x 8]
// CHECK-NEXT: nc.dma <sbuf[0, 8] at [[K1:[0-9]+]] dims [16] {{.*}}, <hbm @arg1[16 x 8] at 512 dims [8] {{.*}}transpose}
// CHECK-COUNT-3: nc.dma <sbuf[0, 8] {{.*}}, <hbm @arg1[16 x 8] {{.*}}transpose}
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[V1:[0-9]+]] dims [8] {{.*}}, <hbm @arg2[16 x 8] at 512 dims [8]
// CHECK: nc.matmul <psum[0, 16] at [[S:[0-9]+]] dims [64] {{.*}}, <sbuf[0, 8] at [[K0]] dims [64]
// CHECK: nc.matmul {{.*}}, <sbuf[0, 16] at [[V0]] dims [8]
// CHECK: nc.matmul <psum[0, 16] at [[S]] dims [64] {{.*}}, <sbuf[0, 8] at [[K1]] dims [64]
// CHECK: nc.matmul {{.*}}, <sbuf[0, 16] at [[V1]] dims [8]
func.func @streamed(%q: tensor<1x1x16x8xf32>, %k: tensor<1x1x128x8xf32>, %v: tensor<1x1x128x8xf32>) -> tensor<1x1x16x8xf32> {
  %0 = xf.attention %q, %k, %v : (tensor<1x1x16x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>) -> tensor<1x1x16x8xf32>
  return %0 : tensor<1x1x16x8xf32>
}
