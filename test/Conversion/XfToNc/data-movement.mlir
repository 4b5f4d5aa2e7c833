// RUN: muir-opt %s -split-input-file --muir-lower-xf-to-nc="target=small" | FileCheck %s

// transpose, slice, broadcast_to and concat are one strided copy each: a
// DMA from HBM into an SBUF tile through the source's strides, and a DMA
// back out through the destination's; no engine touches the data.

// A 2-D transpose: output rows on partitions, read from the input's columns
// (element stride 6).
// CHECK-LABEL: nc.kernel @transpose_2d
// CHECK: nc.dma <sbuf[0, 6] at [[T:[0-9]+]] dims [20] strides [1] : f32>, <hbm @arg0[6 x 1] at 0 dims [20] strides [6] : f32>
// CHECK-NEXT: nc.dma <hbm @out0[6 x 20] at 0 dims [20] strides [1] : f32>, <sbuf[0, 6] at [[T]] dims [20] strides [1] : f32>
// CHECK-NOT: {{^ *}}nc.
func.func @transpose_2d(%x: tensor<20x6xf32>) -> tensor<6x20xf32> {
  %0 = xf.transpose %x {permutation = array<i64: 1, 0>} : (tensor<20x6xf32>) -> tensor<6x20xf32>
  return %0 : tensor<6x20xf32>
}

// -----

// A head split [S, H, D] -> [H, S, D] with short rows: positions on
// partitions (20 = 16 + 4), all H x D of a position moved per tile as two
// free dims (source contiguous, destination head stride 160).
// CHECK-LABEL: nc.kernel @transpose_head_split
// CHECK: nc.dma <sbuf[0, 16] at [[T0:[0-9]+]] dims [2, 8] strides [8, 1] : bf16>, <hbm @arg0[16 x 16] at 0 dims [2, 8] strides [8, 1] : bf16>
// CHECK-NEXT: nc.dma <hbm @out0[16 x 8] at 0 dims [2, 8] strides [160, 1] : bf16>, <sbuf[0, 16] at [[T0]] dims [2, 8]
// CHECK-NEXT: nc.dma <sbuf[0, 4] at {{[0-9]+}} dims [2, 8] {{.*}}, <hbm @arg0[4 x 16] at 256 dims [2, 8] strides [8, 1]
// CHECK-NEXT: nc.dma <hbm @out0[4 x 8] at 128 dims [2, 8] strides [160, 1]
// CHECK-NOT: {{^ *}}nc.
func.func @transpose_head_split(%x: tensor<20x2x8xbf16>) -> tensor<2x20x8xbf16> {
  %0 = xf.transpose %x {permutation = array<i64: 1, 0, 2>} : (tensor<20x2x8xbf16>) -> tensor<2x20x8xbf16>
  return %0 : tensor<2x20x8xbf16>
}

// -----

// A strided slice: start element 2 * 12 + 1 = 25, row stride 2 * 12 = 24,
// column stride 2.
// CHECK-LABEL: nc.kernel @slice_strided
// CHECK: nc.dma <sbuf[0, 4] at [[T:[0-9]+]] dims [5] strides [1] : f32>, <hbm @arg0[4 x 24] at 25 dims [5] strides [2] : f32>
// CHECK-NEXT: nc.dma <hbm @out0[4 x 5] at 0 dims [5] strides [1] : f32>, <sbuf[0, 4] at [[T]] dims [5]
// CHECK-NOT: {{^ *}}nc.
func.func @slice_strided(%x: tensor<10x12xf32>) -> tensor<4x5xf32> {
  %0 = xf.slice %x {offsets = array<i64: 2, 1>, sizes = array<i64: 4, 5>, strides = array<i64: 2, 2>} : (tensor<10x12xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// broadcast_to along rows: the source row is read with a zero partition
// stride.
// CHECK-LABEL: nc.kernel @broadcast_rows
// CHECK: nc.dma <sbuf[0, 6] at [[T:[0-9]+]] dims [8] strides [1] : f32>, <hbm @arg0[6 x 0] at 0 dims [8] strides [1] : f32>
// CHECK-NEXT: nc.dma <hbm @out0[6 x 8] at 0 dims [8] strides [1] : f32>, <sbuf[0, 6] at [[T]] dims [8]
// CHECK-NOT: {{^ *}}nc.
func.func @broadcast_rows(%x: tensor<1x8xf32>) -> tensor<6x8xf32> {
  %0 = xf.broadcast_to %x : (tensor<1x8xf32>) -> tensor<6x8xf32>
  return %0 : tensor<6x8xf32>
}

// -----

// concat along columns: one strided copy per input, each written at its
// column offset (0, then 3) of the output rows (row stride 8).
// CHECK-LABEL: nc.kernel @concat_columns
// CHECK: nc.dma <sbuf[0, 4] {{.*}} dims [3] {{.*}}, <hbm @arg0[4 x 3] at 0 dims [3] strides [1] : f32>
// CHECK-NEXT: nc.dma <hbm @out0[4 x 8] at 0 dims [3] strides [1] : f32>
// CHECK-NEXT: nc.dma <sbuf[0, 4] {{.*}} dims [5] {{.*}}, <hbm @arg1[4 x 5] at 0 dims [5] strides [1] : f32>
// CHECK-NEXT: nc.dma <hbm @out0[4 x 8] at 3 dims [5] strides [1] : f32>
// CHECK-NOT: {{^ *}}nc.
func.func @concat_columns(%x: tensor<4x3xf32>, %y: tensor<4x5xf32>) -> tensor<4x8xf32> {
  %0 = xf.concat %x, %y {axis = 1 : i64} : (tensor<4x3xf32>, tensor<4x5xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
