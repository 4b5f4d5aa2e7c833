// RUN: muir-opt %s -split-input-file --muir-lower-xf-to-nc="target=small" | FileCheck %s

// A KV-cache update: the cache [1, 2, 8, 4] is an argument nothing else
// reads, so it is donated: the result @out0 lies on @arg0's bytes (same
// offset) and only the new rows move. The position loads into an index
// tile; the two heads' rows load in one DMA ([1 x 4] rows of both heads:
// dims [2, 4] strides [4, 1]); each head's 8 cache rows are a table tile
// and nc.dma_scatter writes row `pos` of it.
// CHECK-LABEL: nc.kernel @kv_update_in_place
// CHECK: nc.tensor input @arg0 : tensor<1x2x8x4xf32> at [[AT:[0-9]+]]
// CHECK: nc.tensor output @out0 : tensor<1x2x8x4xf32> at [[AT]]
// CHECK: nc.dma <sbuf[0, 1] at [[IDX:[0-9]+]] dims [1] strides [1] : i32>, <hbm @arg1[1 x 1] at 0 dims [1] strides [1] : i32>
// CHECK-NEXT: nc.dma <sbuf[0, 1] at [[ROWS:[0-9]+]] dims [8] strides [1] : f32>, <hbm @arg2[1 x 4] at 0 dims [2, 4] strides [4, 1] : f32>
// CHECK-NEXT: nc.dma_scatter <hbm @out0[8 x 4] at 0 dims [4] strides [1] : f32>[<sbuf[0, 1] at [[IDX]] dims [1] strides [1] : i32>], <sbuf[0, 1] at [[ROWS]] dims [4] strides [1] : f32>
// CHECK-NEXT: nc.dma_scatter <hbm @out0[8 x 4] at 32 dims [4] strides [1] : f32>[<sbuf[0, 1] at [[IDX]] {{.*}}], <sbuf[0, 1] at {{[0-9]+}} dims [4] strides [1] : f32> {queue = #nc.queue<dma1>}
// CHECK-NOT: {{^ *}}nc.
func.func @kv_update_in_place(%cache: tensor<1x2x8x4xf32>, %pos: tensor<1xi64>, %row: tensor<1x2x1x4xf32>) -> tensor<1x2x8x4xf32> {
  %0 = xf.index_copy %cache[%pos], %row {axis = 2} : (tensor<1x2x8x4xf32>, tensor<1xi64>, tensor<1x2x1x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

// The same update when the cache is also read elsewhere: not donated, so
// @out0 has bytes of its own and the cache is copied into it first.
// CHECK-LABEL: nc.kernel @index_copy_of_a_shared_dest
// CHECK: nc.tensor input @arg0 : tensor<1x2x8x4xf32> at 0
// CHECK: nc.tensor output @out0 : tensor<1x2x8x4xf32> at [[OUT:[1-9][0-9]*]]
// CHECK: nc.dma <hbm @out0[1 x 0] at 0 dims [64]
// CHECK: nc.dma_scatter <hbm @out0[8 x 4] at 0
// CHECK: nc.dma_scatter <hbm @out0[8 x 4] at 32
func.func @index_copy_of_a_shared_dest(%cache: tensor<1x2x8x4xf32>, %pos: tensor<1xi64>, %row: tensor<1x2x1x4xf32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) {
  %0 = xf.index_copy %cache[%pos], %row {axis = 2} : (tensor<1x2x8x4xf32>, tensor<1xi64>, tensor<1x2x1x4xf32>) -> tensor<1x2x8x4xf32>
  %1 = xf.add %cache, %cache : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0, %1 : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>
}

// -----

// Many positions at once (a prefill writing its 3 rows at positions 0..2
// of a [2, 6, 2] cache along axis 1; the positions are a constant).
// CHECK-LABEL: nc.kernel @prefill_rows
// CHECK: nc.dma <sbuf[0, 3] at [[IDX:[0-9]+]] dims [1] strides [1] : i32>, <hbm @const{{[0-9]+}}[3 x 1] at 0
// CHECK-NEXT: nc.dma <sbuf[0, 3] at [[ROWS:[0-9]+]] dims [4] strides [1] : f32>, <hbm @arg1[3 x 2] at 0 dims [2, 2] strides [6, 1] : f32>
// CHECK-NEXT: nc.dma_scatter <hbm @out0[6 x 2] at 0 dims [2] {{.*}}[<sbuf[0, 3] at [[IDX]] {{.*}}], <sbuf[0, 3] at [[ROWS]] dims [2]
// CHECK-NEXT: nc.dma_scatter <hbm @out0[6 x 2] at 12 dims [2] {{.*}}[<sbuf[0, 3] at [[IDX]] {{.*}}], <sbuf[0, 3] at {{[0-9]+}} dims [2]
func.func @prefill_rows(%cache: tensor<2x6x2xf32>, %rows: tensor<2x3x2xf32>) -> tensor<2x6x2xf32> {
  %p = xf.constant dense<[0, 1, 2]> : tensor<3xi64>
  %0 = xf.index_copy %cache[%p], %rows {axis = 1} : (tensor<2x6x2xf32>, tensor<3xi64>, tensor<2x3x2xf32>) -> tensor<2x6x2xf32>
  return %0 : tensor<2x6x2xf32>
}
