// RUN: muir-opt %s -split-input-file --muir-lower-xf-to-nc="target=small" | FileCheck %s
// RUN: muir-opt %s -split-input-file --muir-lower-xf-to-nc="target=small" | grep -c "nc.dma" | FileCheck %s --check-prefix=COUNT

// A strided copy of many short rows gives each partition several
// consecutive rows per tile (two free dimensions) instead of one: a
// broadcast to 1000000 x 3 on `small` was 125,000 DMAs of one row per
// partition and compiled for over 100 s (issue 13, cause 3).
// COUNT: 2982

// 100 rows of a column broadcast to 3: 16 partitions x 6 rows, then the
// last 4 rows one per partition.
// CHECK-LABEL: nc.kernel @broadcast_column
// CHECK: nc.dma <sbuf[0, 16] at [[T:[0-9]+]] dims [6, 3] strides [3, 1] : f32>, <hbm @arg0[16 x 6] at 0 dims [6, 3] strides [1, 0] : f32>
// CHECK-NEXT: nc.dma <hbm @out0[16 x 18] at 0 dims [6, 3] strides [3, 1] : f32>, <sbuf[0, 16] at [[T]] dims [6, 3] strides [3, 1] : f32>
// CHECK-NEXT: nc.dma <sbuf[0, 4] at [[U:[0-9]+]] dims [1, 3] strides [3, 1] : f32>, <hbm @arg0[4 x 1] at 96 dims [1, 3] strides [1, 0] : f32>
// CHECK-NEXT: nc.dma <hbm @out0[4 x 3] at 288 dims [1, 3] strides [3, 1] : f32>, <sbuf[0, 4] at [[U]] dims [1, 3] strides [3, 1] : f32>
// CHECK-NOT: {{^ *}}nc.
func.func @broadcast_column(%x: tensor<100x1xf32>) -> tensor<100x3xf32> {
  %0 = xf.broadcast_to %x : (tensor<100x1xf32>) -> tensor<100x3xf32>
  return %0 : tensor<100x3xf32>
}

// -----

// One row broadcast to a million: the source is read with zero partition
// and row strides, 16 x 42 rows per tile; the last 64 rows are 16 x 4.
// CHECK-LABEL: nc.kernel @broadcast_row
// CHECK: nc.dma <sbuf[0, 16] at [[T:[0-9]+]] dims [42, 3] strides [3, 1] : bf16>, <hbm @arg0[16 x 0] at 0 dims [42, 3] strides [0, 1] : bf16>
// CHECK-NEXT: nc.dma <hbm @out0[16 x 126] at 0 dims [42, 3] strides [3, 1] : bf16>, <sbuf[0, 16] at [[T]] dims [42, 3]
// CHECK: nc.dma <sbuf[0, 16] at [[L:[0-9]+]] dims [4, 3] strides [3, 1] : bf16>, <hbm @arg0[16 x 0] at 0 dims [4, 3] strides [0, 1] : bf16>
// CHECK-NEXT: nc.dma <hbm @out0[16 x 12] at 2999808 dims [4, 3] strides [3, 1] : bf16>, <sbuf[0, 16] at [[L]] dims [4, 3]
// CHECK-NOT: {{^ *}}nc.
func.func @broadcast_row(%x: tensor<3xbf16>) -> tensor<1000000x3xbf16> {
  %0 = xf.broadcast_to %x : (tensor<3xbf16>) -> tensor<1000000x3xbf16>
  return %0 : tensor<1000000x3xbf16>
}
