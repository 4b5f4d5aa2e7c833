// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small-mc" --muir-lower-xf-to-nc="target=small-mc" -verify-diagnostics | FileCheck %s

// Each xf collective becomes one nc collective between contiguous HBM
// tensors (partition-major views of the whole tensor); the algorithm is the
// cheapest legal one by the machine's cost model (on small-mc: a tree for
// four ranks on one chip, ring2d across both chips), and its queue the
// first collective-communication queue (small-mc: dma4, after the core's
// four DMA queues), so a collective in flight never holds up the kernels'
// DMAs.

// CHECK-LABEL: nc.kernel @all_reduce_after_matmul
// CHECK: nc.tensor scratch @[[T:t[0-9]+]] : tensor<64x16xf32>
// CHECK: nc.tensor output @out0 : tensor<64x16xf32>
// CHECK: nc.matmul
// CHECK: nc.all_reduce add <hbm @out0[16 x 64] at 0 dims [64] strides [1] : f32>, <hbm @[[T]][16 x 64] at 0 dims [64] strides [1] : f32> groups dense<{{\[\[}}0, 1, 2, 3]]> : tensor<1x4xi64> algorithm tree {queue = #nc.queue<dma4>}
func.func @all_reduce_after_matmul(%x: tensor<64x32xf32>, %w: tensor<32x16xf32>) -> tensor<64x16xf32> {
  %0 = xf.matmul %x, %w : (tensor<64x32xf32>, tensor<32x16xf32>) -> tensor<64x16xf32>
  %1 = xf.all_reduce %0 {replica_groups = dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>} : (tensor<64x16xf32>) -> tensor<64x16xf32>
  return %1 : tensor<64x16xf32>
}

// -----

// CHECK-LABEL: nc.kernel @all_gather_rows
// CHECK: nc.tensor input @arg0 : tensor<1x8x16xbf16>
// CHECK: nc.tensor output @out0 : tensor<8x8x16xbf16>
// CHECK: nc.all_gather <hbm @out0[16 x 64] at 0 dims [64] strides [1] : bf16>, <hbm @arg0[16 x 8] at 0 dims [8] strides [1] : bf16> groups dense<{{\[\[}}0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi64> {{.*}}{queue = #nc.queue<dma4>}
func.func @all_gather_rows(%x: tensor<1x8x16xbf16>) -> tensor<8x8x16xbf16> {
  %0 = xf.all_gather %x {replica_groups = dense<[[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi64>} : (tensor<1x8x16xbf16>) -> tensor<8x8x16xbf16>
  return %0 : tensor<8x8x16xbf16>
}

// -----

// CHECK-LABEL: nc.kernel @reduce_scatter_pairs
// CHECK: nc.reduce_scatter add <hbm @out0[16 x 2] at 0 dims [2] strides [1] : f32>, <hbm @arg0[16 x 4] at 0 dims [4] strides [1] : f32> groups dense<{{\[\[}}0, 4], [1, 5]]> : tensor<2x2xi64>
func.func @reduce_scatter_pairs(%x: tensor<4x16xf32>) -> tensor<2x16xf32> {
  %0 = xf.reduce_scatter %x {replica_groups = dense<[[0, 4], [1, 5]]> : tensor<2x2xi64>} : (tensor<4x16xf32>) -> tensor<2x16xf32>
  return %0 : tensor<2x16xf32>
}

// -----

func.func @gather_inner_dim(%x: tensor<8x4xf32>) -> tensor<8x8xf32> {
  // expected-error @+1 {{along dimension 1 of 'tensor<8x4xf32>' is not a contiguous block per rank}}
  %0 = xf.all_gather %x {dim = 1 : i64, replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<8x4xf32>) -> tensor<8x8xf32>
  return %0 : tensor<8x8xf32>
}

// -----

// An all-to-all exchanges blocks of dimension 0, contiguous element ranges:
// one nc.all_to_all (pairwise exchange, the only algorithm it has).
// CHECK-LABEL: nc.kernel @all_to_all_blocks
// CHECK: nc.all_to_all <hbm @out0[16 x 16] at 0 dims [16] strides [1] : bf16>, <hbm @arg0[16 x 16] at 0 dims [16] strides [1] : bf16> groups dense<{{\[\[}}0, 4], [1, 5], [2, 6], [3, 7]]> : tensor<4x2xi64> {queue = #nc.queue<dma4>}
func.func @all_to_all_blocks(%x: tensor<2x128xbf16>) -> tensor<2x128xbf16> {
  %0 = xf.all_to_all %x {replica_groups = dense<[[0, 4], [1, 5], [2, 6], [3, 7]]> : tensor<4x2xi64>} : (tensor<2x128xbf16>) -> tensor<2x128xbf16>
  return %0 : tensor<2x128xbf16>
}

// -----

// xf.collective_permute: every rank first copies its init into the result
// (DMAs through SBUF, no engine work), then sends its input and
// receives into the result: a target's copy is overwritten by its source's
// data, the other ranks keep their init. Both transfers are on the
// collective queue.
// CHECK-LABEL: nc.kernel @collective_permute
// CHECK: nc.tensor input @arg0 : tensor<64x16xf32>
// CHECK: nc.tensor input @arg1 : tensor<64x16xf32>
// CHECK: nc.tensor output @out0 : tensor<64x16xf32>
// CHECK: nc.dma <sbuf{{.*}}>, <hbm @arg1
// CHECK-NOT: nc.tensor_copy
// CHECK: nc.dma <hbm @out0
// CHECK-NOT: nc.tensor_copy
// CHECK: nc.send <hbm @arg0[16 x 64] at 0 dims [64] strides [1] : f32> pairs dense<{{\[\[}}0, 1], [1, 2]]> : tensor<2x2xi64> {queue = #nc.queue<dma4>}
// CHECK-NEXT: nc.recv <hbm @out0[16 x 64] at 0 dims [64] strides [1] : f32> pairs dense<{{\[\[}}0, 1], [1, 2]]> : tensor<2x2xi64> {queue = #nc.queue<dma4>}
func.func @collective_permute(%x: tensor<64x16xf32>, %i: tensor<64x16xf32>) -> tensor<64x16xf32> {
  %0 = xf.collective_permute %x, %i {pairs = dense<[[0, 1], [1, 2]]> : tensor<2x2xi64>} : (tensor<64x16xf32>, tensor<64x16xf32>) -> tensor<64x16xf32>
  return %0 : tensor<64x16xf32>
}
