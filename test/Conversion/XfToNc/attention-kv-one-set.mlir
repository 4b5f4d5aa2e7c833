// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" | FileCheck %s --check-prefix=PLAN
// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" --muir-lower-xf-to-nc="target=small" | FileCheck %s

// 64 keys of 64 f32 (K^T 1 KiB and V 1 KiB per partition of the small
// target's 4 KiB) causal: two sets and one query tile's buffers do not fit
// next to the causal mask tiles, so one set, and the tiles in flight are
// chosen against that one set.
// PLAN-LABEL: func.func @one_set
// PLAN: kv_sets = 1 : i64
// It lowers (before kv_sets, this shape did not fit): one K^T buffer, head
// 1's K^T loaded into it after head 0's products.
// CHECK-LABEL: nc.kernel @one_set
// CHECK: nc.dma <sbuf[0, 16] at [[K:[0-9]+]] dims [16] {{.*}}, <hbm @arg1[16 x 64] at 0 dims [16] {{.*}}transpose}
// CHECK: nc.matmul
// CHECK: nc.dma <sbuf[0, 16] at [[K]] dims [16] {{.*}}, <hbm @arg1[16 x 64] at 4096 dims [16] {{.*}}transpose}
func.func @one_set(%q: tensor<1x2x64x64xf32>, %k: tensor<1x2x64x64xf32>, %v: tensor<1x2x64x32xf32>) -> tensor<1x2x64x32xf32> {
  %0 = xf.attention %q, %k, %v {causal = true} : (tensor<1x2x64x64xf32>, tensor<1x2x64x64xf32>, tensor<1x2x64x32xf32>) -> tensor<1x2x64x32xf32>
  return %0 : tensor<1x2x64x32xf32>
}
