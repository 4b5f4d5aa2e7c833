// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" | FileCheck %s --check-prefix=PLAN
// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small overrides=k0.kv_sets=1,k0.kv_heads_per_set=1" --muir-lower-xf-to-nc="target=small" | FileCheck %s --check-prefix=ONE
// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small overrides=k0.kv_sets=2,k0.kv_heads_per_set=1" --muir-lower-xf-to-nc="target=small" | FileCheck %s --check-prefix=TWO

// Resident K/V sets (`kv_sets`): two when SBUF holds two heads' K^T and V
// beside one query tile's buffers (the next head's loads go ahead while this
// one is computed), else one. Here both fit.
// PLAN-LABEL: func.func @two_heads
// PLAN: kv_sets = 2 : i64
// With one set, head 1's K^T, V and Q^T loads come after head 0's P V
// products and reuse head 0's buffers (the sync pass orders the reuse).
// ONE-LABEL: nc.kernel @two_heads
// ONE: nc.dma <sbuf[0, 8] at [[K:[0-9]+]] dims [16] {{.*}}, <hbm @arg1[16 x 8] at 0 dims [8] {{.*}}transpose}
// ONE-NEXT: nc.dma <sbuf[0, 16] at [[V:[0-9]+]] dims [8] {{.*}}, <hbm @arg2[16 x 8] at 0 dims [8]
// ONE: nc.matmul {{.*}}, <sbuf[0, 16] at [[V]] dims [8]
// ONE: nc.dma <sbuf[0, 8] at [[K]] dims [16] {{.*}}, <hbm @arg1[16 x 8] at 128 dims [8] {{.*}}transpose}
// ONE-NEXT: nc.dma <sbuf[0, 16] at [[V]] dims [8] {{.*}}, <hbm @arg2[16 x 8] at 128 dims [8]
// ONE: nc.matmul {{.*}}, <sbuf[0, 16] at [[V]] dims [8]
// With two, head 1's loads are issued before head 0's products, into other
// buffers.
// TWO-LABEL: nc.kernel @two_heads
// TWO: nc.dma <sbuf[0, 8] at [[K0:[0-9]+]] dims [16] {{.*}}, <hbm @arg1[16 x 8] at 0 dims [8] {{.*}}transpose}
// TWO-NOT: nc.matmul
// TWO: nc.dma <sbuf[0, 8] at [[K1:[0-9]+]] dims [16] {{.*}}, <hbm @arg1[16 x 8] at 128 dims [8] {{.*}}transpose}
// TWO: nc.matmul {{.*}}, <sbuf[0, 8] at [[K0]] dims [16]
func.func @two_heads(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %0 = xf.attention %q, %k, %v : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}
