// RUN: muir-opt %s -split-input-file --muir-lower-xf-to-nc="target=small" | FileCheck %s

// Rope of [1, 2, 20, 8]: positions on partitions (20 = 16 + 4), both heads
// side by side in the free dim of one tile ([2, 8], head stride 160 in
// HBM). cos/sin rows of the position tile load once and are broadcast over
// the heads with a zero stride. The four half-products go to GpSimd, the
// combines (first half: x1 cos - x2 sin; second: x2 cos + x1 sin) to Vector.
// CHECK-LABEL: nc.kernel @rope_heads_in_one_tile
// CHECK: nc.dma <sbuf[0, 16] at [[C:[0-9]+]] dims [8] strides [1] : f32>, <hbm @arg1[16 x 8] at 0 dims [8] strides [1] : f32>
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[S:[0-9]+]] dims [8] strides [1] : f32>, <hbm @arg2[16 x 8] at 0 dims [8] strides [1] : f32>
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[X:[0-9]+]] dims [2, 8] strides [8, 1] : f32>, <hbm @arg0[16 x 8] at 0 dims [2, 8] strides [160, 1] : f32>
// CHECK-NEXT: nc.tensor_tensor mul <sbuf[0, 16] at [[O:[0-9]+]] dims [2, 4] strides [8, 1] : f32>, <sbuf[0, 16] at [[X]] dims [2, 4] strides [8, 1] : f32>, <sbuf[0, 16] at [[C]] dims [2, 4] strides [0, 1] : f32> {queue = #nc.queue<pool>}
// CHECK-NEXT: nc.tensor_tensor mul <sbuf[0, 16] at [[T:[0-9]+]] dims [2, 4] strides [4, 1] : f32>, <sbuf[0, 16] at {{[0-9]+}} dims [2, 4] strides [8, 1] : f32>, <sbuf[0, 16] at [[S]] dims [2, 4] strides [0, 1] : f32> {queue = #nc.queue<pool>}
// CHECK-NEXT: nc.tensor_tensor sub <sbuf[0, 16] at [[O]] dims [2, 4] {{.*}}, <sbuf[0, 16] at [[O]] dims [2, 4] {{.*}}, <sbuf[0, 16] at [[T]] dims [2, 4] strides [4, 1] : f32>{{$}}
// CHECK-NEXT: nc.tensor_tensor mul {{.*}} {queue = #nc.queue<pool>}
// CHECK-NEXT: nc.tensor_tensor mul <sbuf[0, 16] at [[T]] {{.*}}, <sbuf[0, 16] at [[X]] dims [2, 4] {{.*}} {queue = #nc.queue<pool>}
// CHECK-NEXT: nc.tensor_tensor add {{.*}}, <sbuf[0, 16] at [[T]] dims [2, 4] strides [4, 1] : f32>{{$}}
// CHECK-NEXT: nc.dma <hbm @out0[16 x 8] at 0 dims [2, 8] strides [160, 1] : f32>, <sbuf[0, 16] at [[O]] dims [2, 8] strides [8, 1] : f32>
// The 4-position tail loads its own cos/sin rows into the second table set.
// CHECK-NEXT: nc.dma <sbuf[0, 4] at [[C1:[0-9]+]] dims [8] {{.*}}, <hbm @arg1[4 x 8] at 128 dims [8]
// CHECK-NEXT: nc.dma <sbuf[0, 4] at {{[0-9]+}} dims [8] {{.*}}, <hbm @arg2[4 x 8] at 128 dims [8]
// CHECK-NEXT: nc.dma <sbuf[0, 4] {{.*}} dims [2, 8] {{.*}}, <hbm @arg0[4 x 8] at 128 dims [2, 8] strides [160, 1]
// CHECK-NEXT: nc.tensor_tensor mul {{.*}}, <sbuf[0, 4] at [[C1]] dims [2, 4] strides [0, 1] : f32> {queue = #nc.queue<pool>}
// CHECK: nc.dma <hbm @out0[4 x 8] at 128 dims [2, 8] strides [160, 1]
// CHECK-NOT: {{^ *}}nc.
func.func @rope_heads_in_one_tile(%x: tensor<1x2x20x8xf32>, %c: tensor<20x8xf32>, %s: tensor<20x8xf32>) -> tensor<1x2x20x8xf32> {
  %0 = xf.rope %x, %c, %s : (tensor<1x2x20x8xf32>, tensor<20x8xf32>, tensor<20x8xf32>) -> tensor<1x2x20x8xf32>
  return %0 : tensor<1x2x20x8xf32>
}

// -----

// With a head dim of 32, two buffer sets of even one head (x, out and
// scratch: 320 bytes each) exceed the quarter of SBUF (less 512 bytes) that
// rope gives them on the small target: one head per tile, eight tiles (head
// offsets 128 apart) alternating two buffer sets, while cos/sin load once
// for the single position tile. bf16 is widened to fp32 by the
// load and rounded back by the store DMA.
// CHECK-LABEL: nc.kernel @rope_one_head_per_tile
// CHECK: nc.dma {{.*}}, <hbm @arg1[4 x 32] at 0 dims [32] strides [1] : bf16>
// CHECK-NEXT: nc.dma {{.*}}, <hbm @arg2[4 x 32] at 0 dims [32] strides [1] : bf16>
// CHECK-NEXT: nc.dma <sbuf[0, 4] at [[X0:[0-9]+]] dims [1, 32] strides [32, 1] : f32>, <hbm @arg0[4 x 32] at 0 dims [1, 32] strides [128, 1] : bf16>
// CHECK: nc.dma <hbm @out0[4 x 32] at 0 dims [1, 32] strides [128, 1] : bf16>, <sbuf[0, 4] at {{[0-9]+}} dims [1, 32] strides [32, 1] : f32>
// CHECK-NEXT: nc.dma <sbuf[0, 4] at [[X1:[0-9]+]] dims [1, 32] {{.*}}, <hbm @arg0[4 x 32] at 128 dims [1, 32]
// CHECK: nc.dma <sbuf[0, 4] at [[X0]] dims [1, 32] {{.*}}, <hbm @arg0[4 x 32] at 256 dims [1, 32]
// CHECK: nc.dma <sbuf[0, 4] at [[X1]] dims [1, 32] {{.*}}, <hbm @arg0[4 x 32] at 384 dims [1, 32]
// CHECK-NOT: @arg1
// CHECK: nc.dma <sbuf[0, 4] at [[X1]] dims [1, 32] {{.*}}, <hbm @arg0[4 x 32] at 896 dims [1, 32]
// CHECK-NOT: @arg1
// CHECK: nc.dma <hbm @out0[4 x 32] at 896 dims [1, 32]
// CHECK-NOT: nc.dma
func.func @rope_one_head_per_tile(%x: tensor<1x8x4x32xbf16>, %c: tensor<4x32xbf16>, %s: tensor<4x32xbf16>) -> tensor<1x8x4x32xbf16> {
  %0 = xf.rope %x, %c, %s : (tensor<1x8x4x32xbf16>, tensor<4x32xbf16>, tensor<4x32xbf16>) -> tensor<1x8x4x32xbf16>
  return %0 : tensor<1x8x4x32xbf16>
}
