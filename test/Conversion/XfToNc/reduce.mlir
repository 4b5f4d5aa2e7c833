// RUN: muir-opt %s -split-input-file --muir-lower-xf-to-nc="target=small" | FileCheck %s

// Sum over the last axis: kept rows on partitions (20 = 16 + 4), the
// reduced axis free. Per tile one tensor_reduce into an fp32 column, a copy
// that casts it to the result type (alternating Vector and Scalar between
// tiles), and a store of one element per partition.
// CHECK-LABEL: nc.kernel @reduce_sum_last_axis
// CHECK: nc.dma <sbuf[0, 16] at [[X0:[0-9]+]] dims [12] strides [1] : f32>, <hbm @arg0[16 x 12] at 0 dims [12] strides [1] : f32>
// CHECK-NEXT: nc.tensor_reduce add <sbuf[0, 16] at [[A0:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 16] at [[X0]] dims [12]
// CHECK-NEXT: nc.tensor_copy <sbuf[0, 16] at [[O0:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 16] at [[A0]] dims [1] strides [1] : f32>{{$}}
// CHECK-NEXT: nc.dma <hbm @out0[16 x 1] at 0 dims [1] strides [1] : f32>, <sbuf[0, 16] at [[O0]] dims [1]
// CHECK-NEXT: nc.dma <sbuf[0, 4] at {{[0-9]+}} dims [12] {{.*}}, <hbm @arg0[4 x 12] at 192 dims [12]
// CHECK-NEXT: nc.tensor_reduce add <sbuf[0, 4]
// CHECK-NEXT: nc.tensor_copy <sbuf[0, 4] {{.*}} {queue = #nc.queue<act>}
// CHECK-NEXT: nc.dma <hbm @out0[4 x 1] at 16 dims [1]
// CHECK-NOT: {{^ *}}nc.
func.func @reduce_sum_last_axis(%x: tensor<20x12xf32>) -> tensor<20xf32> {
  %0 = xf.reduce_sum %x {axes = array<i64: 1>} : (tensor<20x12xf32>) -> tensor<20xf32>
  return %0 : tensor<20xf32>
}

// -----

// Mean over two adjacent axes: they collapse into one free dim of 48
// (widened from bf16 by the DMA), the sum is scaled by 1/48 in fp32, and
// the copy rounds it to bf16.
// CHECK-LABEL: nc.kernel @reduce_mean_adjacent_axes
// CHECK: nc.dma <sbuf[0, 4] at [[X:[0-9]+]] dims [48] strides [1] : f32>, <hbm @arg0[4 x 48] at 0 dims [48] strides [1] : bf16>
// CHECK-NEXT: nc.tensor_reduce add <sbuf[0, 4] at [[A:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 4] at [[X]] dims [48]
// CHECK-NEXT: nc.tensor_scalar mul <sbuf[0, 4] at [[A]] {{.*}}, <sbuf[0, 4] at [[A]] {{.*}} {imm0 = 0.020833334 : f32}
// CHECK-NEXT: nc.tensor_copy <sbuf[0, 4] at [[O:[0-9]+]] dims [1] strides [1] : bf16>, <sbuf[0, 4] at [[A]] dims [1] strides [1] : f32>
// CHECK-NEXT: nc.dma <hbm @out0[4 x 1] at 0 dims [1] strides [1] : bf16>, <sbuf[0, 4] at [[O]]
func.func @reduce_mean_adjacent_axes(%x: tensor<4x6x8xbf16>) -> tensor<4x1x1xbf16> {
  %0 = xf.reduce_mean %x {axes = array<i64: 1, 2>, keep_dims = true} : (tensor<4x6x8xbf16>) -> tensor<4x1x1xbf16>
  return %0 : tensor<4x1x1xbf16>
}

// -----

// Max over the leading axis of [5, 3, 7]: the last kept dim (7) goes on
// partitions, the other kept dim (3) is an outer loop (input offsets 0, 7,
// 14), and the reduced axis is read with its stride of 21 elements.
// CHECK-LABEL: nc.kernel @reduce_max_leading_axis
// CHECK: nc.dma <sbuf[0, 7] at {{[0-9]+}} dims [5] strides [1] : f32>, <hbm @arg0[7 x 1] at 0 dims [5] strides [21] : f32>
// CHECK-NEXT: nc.tensor_reduce max <sbuf[0, 7]
// CHECK: nc.dma <hbm @out0[7 x 1] at 0 dims [1]
// CHECK: nc.dma <sbuf[0, 7] {{.*}}, <hbm @arg0[7 x 1] at 7 dims [5] strides [21]
// CHECK: nc.dma <hbm @out0[7 x 1] at 7 dims [1]
// CHECK: nc.dma <sbuf[0, 7] {{.*}}, <hbm @arg0[7 x 1] at 14 dims [5] strides [21]
// CHECK: nc.dma <hbm @out0[7 x 1] at 14 dims [1]
// CHECK-NOT: nc.dma
func.func @reduce_max_leading_axis(%x: tensor<5x3x7xf32>) -> tensor<3x7xf32> {
  %0 = xf.reduce_max %x {axes = array<i64: 0>} : (tensor<5x3x7xf32>) -> tensor<3x7xf32>
  return %0 : tensor<3x7xf32>
}

// -----

// Two non-adjacent reduced axes (0 and 2 of [2, 3, 4, 5]) become two free
// dims of one tile (strides 60 and 5 in HBM, dense [2, 4] in SBUF) and one
// two-axis tensor_reduce.
// CHECK-LABEL: nc.kernel @reduce_non_adjacent_axes
// CHECK: nc.dma <sbuf[0, 5] at [[X:[0-9]+]] dims [2, 4] strides [4, 1] : f32>, <hbm @arg0[5 x 1] at 0 dims [2, 4] strides [60, 5] : f32>
// CHECK-NEXT: nc.tensor_reduce add <sbuf[0, 5] at {{[0-9]+}} dims [1] {{.*}}, <sbuf[0, 5] at [[X]] dims [2, 4] strides [4, 1] : f32> {naxes = 2 : i64}
// CHECK-COUNT-2: nc.tensor_reduce add <sbuf[0, 5] {{.*}} {naxes = 2 : i64}
// CHECK-NOT: nc.tensor_reduce
func.func @reduce_non_adjacent_axes(%x: tensor<2x3x4x5xf32>) -> tensor<3x5xf32> {
  %0 = xf.reduce_sum %x {axes = array<i64: 0, 2>} : (tensor<2x3x4x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// Reducing everything: one partition, one free dim of 20, a scalar result.
// CHECK-LABEL: nc.kernel @reduce_to_scalar
// CHECK: nc.dma <sbuf[0, 1] at {{[0-9]+}} dims [20] strides [1] : f32>, <hbm @arg0[1 x 0] at 0 dims [20]
// CHECK-NEXT: nc.tensor_reduce add <sbuf[0, 1]
// CHECK: nc.dma <hbm @out0[1 x 0] at 0 dims [1]
func.func @reduce_to_scalar(%x: tensor<4x5xf32>) -> tensor<f32> {
  %0 = xf.reduce_sum %x {axes = array<i64: 0, 1>} : (tensor<4x5xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// A 3000-element row does not fit a third of the 4 KiB partition: it is
// reduced in chunks of 277 (the last one 230). The first chunk reduces into
// the accumulator column, each later one into a partial column that
// tensor_tensor adds to it; one copy and one store at the end. The chunks
// alternate between two tile buffers (the next loads while one is reduced).
// CHECK-LABEL: nc.kernel @reduce_sum_chunked_row
// CHECK: nc.dma <sbuf[0, 2] at [[X:[0-9]+]] dims [277] {{.*}}, <hbm @arg0[2 x 3000] at 0 dims [277]
// CHECK-NEXT: nc.tensor_reduce add <sbuf[0, 2] at [[ACC:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 2] at [[X]] dims [277]
// CHECK-NEXT: nc.dma <sbuf[0, 2] at [[Y:[0-9]+]] dims [277] {{.*}}, <hbm @arg0[2 x 3000] at 277 dims [277]
// CHECK-NEXT: nc.tensor_reduce add <sbuf[0, 2] at [[PART:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 2] at [[Y]] dims [277]
// CHECK-NEXT: nc.tensor_tensor add <sbuf[0, 2] at [[ACC]] dims [1] {{.*}}, <sbuf[0, 2] at [[ACC]] dims [1] {{.*}}, <sbuf[0, 2] at [[PART]] dims [1]
// CHECK-COUNT-8: nc.tensor_tensor add <sbuf[0, 2] at [[ACC]]
// CHECK-NOT: @out0
// CHECK: nc.dma <sbuf[0, 2] at [[X]] dims [230] {{.*}}, <hbm @arg0[2 x 3000] at 2770 dims [230]
// CHECK-NEXT: nc.tensor_reduce add <sbuf[0, 2] at [[PART]]
// CHECK-NEXT: nc.tensor_tensor add <sbuf[0, 2] at [[ACC]]
// CHECK-NEXT: nc.tensor_copy {{.*}}, <sbuf[0, 2] at [[ACC]] dims [1]
// CHECK-NEXT: nc.dma <hbm @out0[2 x 1] at 0 dims [1]
// CHECK-NOT: {{^ *}}nc.
func.func @reduce_sum_chunked_row(%x: tensor<2x3000xf32>) -> tensor<2xf32> {
  %0 = xf.reduce_sum %x {axes = array<i64: 1>} : (tensor<2x3000xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Many outer reduced groups (axes 0 and 3 of [600, 5, 2, 7]: 600 groups of
// 7) do not fit a third of the partition even one element each: the outer
// group is tiled too, 39 x 7 elements a tile, alternating two buffers, each
// tile's sum added to the accumulator.
// CHECK-LABEL: nc.kernel @reduce_outer_groups_tiled
// CHECK: nc.dma <sbuf[0, 2] at [[X:[0-9]+]] dims [39, 7] strides [7, 1] : f32>, <hbm @arg0[2 x 7] at 0 dims [39, 7] strides [70, 1] : f32>
// CHECK-NEXT: nc.tensor_reduce add <sbuf[0, 2] at [[ACC:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 2] at [[X]] dims [39, 7] {{.*}} {naxes = 2 : i64}
// CHECK-NEXT: nc.dma <sbuf[0, 2] at [[Y:[0-9]+]] dims [39, 7] {{.*}}, <hbm @arg0[2 x 7] at 2730 dims [39, 7] strides [70, 1]
// CHECK-NEXT: nc.tensor_reduce add <sbuf[0, 2] at [[PART:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 2] at [[Y]] dims [39, 7]
// CHECK-NEXT: nc.tensor_tensor add <sbuf[0, 2] at [[ACC]] {{.*}}, <sbuf[0, 2] at [[ACC]] {{.*}}, <sbuf[0, 2] at [[PART]]
// 600 = 15 x 39 + 15: the last tile of the first row.
// CHECK: nc.dma <sbuf[0, 2] at {{[0-9]+}} dims [15, 7] {{.*}}, <hbm @arg0[2 x 7] at 40950 dims [15, 7] strides [70, 1]
func.func @reduce_outer_groups_tiled(%x: tensor<600x5x2x7xf32>) -> tensor<5x2xf32> {
  %0 = xf.reduce_sum %x {axes = array<i64: 0, 3>} : (tensor<600x5x2x7xf32>) -> tensor<5x2xf32>
  return %0 : tensor<5x2xf32>
}
