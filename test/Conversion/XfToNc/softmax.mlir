// RUN: muir-opt %s -split-input-file --muir-lower-xf-to-nc="target=small" | FileCheck %s

// Softmax over the last axis: rows on partitions (40 rows = tiles of 16, 16
// and 8 on the 16-partition test array), the whole row free. Per tile: load
// into an fp32 tile, row max on Vector, negate it, then one Scalar exp with
// the negated max as per-partition bias that also accumulates the row sum,
// the sum's reciprocal, and a per-partition scale into the output tile.
// CHECK-LABEL: nc.kernel @softmax_last_axis
// CHECK: nc.dma <sbuf[0, 16] at [[X0:[0-9]+]] dims [24] strides [1] : f32>, <hbm @arg0[16 x 24] at 0 dims [24] strides [1] : f32>
// CHECK-NEXT: nc.tensor_reduce max <sbuf[0, 16] at [[MX:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 16] at [[X0]] dims [24]
// CHECK-NEXT: nc.tensor_scalar mul <sbuf[0, 16] at [[MX]] dims [1] {{.*}}, <sbuf[0, 16] at [[MX]] dims [1] {{.*}} {imm0 = -1.000000e+00 : f32}
// CHECK-NEXT: nc.activation exp <sbuf[0, 16] at [[X0]] dims [24] {{.*}}, <sbuf[0, 16] at [[X0]] dims [24] {{.*}} {accum = #nc.ap<sbuf[0, 16] at [[SUM:[0-9]+]] dims [1] {{.*}}>, bias = #nc.ap<sbuf[0, 16] at [[MX]] dims [1]
// CHECK-NEXT: nc.activation reciprocal <sbuf[0, 16] at [[RS:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 16] at [[SUM]] dims [1]
// CHECK-NEXT: nc.tensor_scalar mul <sbuf[0, 16] at [[O0:[0-9]+]] dims [24] {{.*}} : f32>, <sbuf[0, 16] at [[X0]] dims [24] {{.*}} {scalar0 = #nc.ap<sbuf[0, 16] at [[RS]] dims [1]
// CHECK-NEXT: nc.dma <hbm @out0[16 x 24] at 0 dims [24] {{.*}}, <sbuf[0, 16] at [[O0]] dims [24]
// The second row tile uses the other buffer set (double buffering) ...
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[X1:[0-9]+]] dims [24] {{.*}}, <hbm @arg0[16 x 24] at 384 dims [24]
// CHECK-NOT: at [[X0]] dims
// CHECK: nc.dma <hbm @out0[16 x 24] at 384 dims [24]
// ... and the ragged last tile (8 rows) the first one again.
// CHECK-NEXT: nc.dma <sbuf[0, 8] at [[X0]] dims [24] {{.*}}, <hbm @arg0[8 x 24] at 768 dims [24]
// CHECK: nc.dma <hbm @out0[8 x 24] at 768 dims [24]
// CHECK-NOT: {{^ *}}nc.
func.func @softmax_last_axis(%x: tensor<40x24xf32>) -> tensor<40x24xf32> {
  %0 = xf.softmax %x : tensor<40x24xf32>
  return %0 : tensor<40x24xf32>
}

// -----

// Softmax over axis 0 of [6, 20]: the 20 columns go on partitions (16 + 4)
// and each column's 6 values are read by a strided DMA (element stride 20)
// that also widens bf16 to the fp32 working tile; the result is rounded to
// bf16 by the final scale and stored with the same stride.
// CHECK-LABEL: nc.kernel @softmax_axis0_strided
// CHECK: nc.dma <sbuf[0, 16] at [[X:[0-9]+]] dims [6] strides [1] : f32>, <hbm @arg0[16 x 1] at 0 dims [6] strides [20] : bf16>
// CHECK-NEXT: nc.tensor_reduce max {{.*}}, <sbuf[0, 16] at [[X]] dims [6]
// CHECK: nc.activation exp
// CHECK: nc.tensor_scalar mul <sbuf[0, 16] at [[O:[0-9]+]] dims [6] strides [1] : bf16>, <sbuf[0, 16] at [[X]] dims [6] strides [1] : f32>
// CHECK-NEXT: nc.dma <hbm @out0[16 x 1] at 0 dims [6] strides [20] : bf16>, <sbuf[0, 16] at [[O]] dims [6] strides [1] : bf16>
// CHECK-NEXT: nc.dma <sbuf[0, 4] at {{[0-9]+}} dims [6] strides [1] : f32>, <hbm @arg0[4 x 1] at 16 dims [6] strides [20] : bf16>
// CHECK: nc.dma <hbm @out0[4 x 1] at 16 dims [6] strides [20] : bf16>
func.func @softmax_axis0_strided(%x: tensor<6x20xbf16>) -> tensor<6x20xbf16> {
  %0 = xf.softmax %x {axis = 0 : i64} : tensor<6x20xbf16>
  return %0 : tensor<6x20xbf16>
}

// -----

// A middle axis of [2, 5, 3]: the leading dim is an outer loop (offsets 0
// and 15), the 3 trailing columns go on partitions (stride 1) and the
// softmax axis is free with stride 3.
// CHECK-LABEL: nc.kernel @softmax_middle_axis
// CHECK: nc.dma <sbuf[0, 3] {{.*}} dims [5] strides [1] : f32>, <hbm @arg0[3 x 1] at 0 dims [5] strides [3] : f32>
// CHECK: nc.dma <hbm @out0[3 x 1] at 0 dims [5] strides [3]
// CHECK: nc.dma <sbuf[0, 3] {{.*}} dims [5] strides [1] : f32>, <hbm @arg0[3 x 1] at 15 dims [5] strides [3] : f32>
// CHECK: nc.dma <hbm @out0[3 x 1] at 15 dims [5] strides [3]
// CHECK-NOT: nc.dma
func.func @softmax_middle_axis(%x: tensor<2x5x3xf32>) -> tensor<2x5x3xf32> {
  %0 = xf.softmax %x {axis = 1 : i64} : tensor<2x5x3xf32>
  return %0 : tensor<2x5x3xf32>
}
