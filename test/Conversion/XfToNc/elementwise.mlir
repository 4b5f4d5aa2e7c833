// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-lower-xf-to-nc="target=small" | FileCheck %s

// Same-shape operands, 2048 contiguous elements: spread over all 16
// partitions (rows of 128 elements, partition stride 128) whatever the
// logical shape. Column tiles as wide as three buffer sets (output + two
// inputs each) fit in half of SBUF: 37 columns (37, 37, 37, 17); the sets
// rotate, so tile 3 reuses tile 0's buffers.
// CHECK-LABEL: nc.kernel @add_spread_over_partitions
// CHECK: nc.dma <sbuf[0, 16] at [[X0:[0-9]+]] dims [37] strides [1] : f32>, <hbm @arg0[16 x 128] at 0 dims [37] strides [1] : f32>
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[Y0:[0-9]+]] dims [37] {{.*}}, <hbm @arg1[16 x 128] at 0 dims [37]
// CHECK-NEXT: nc.tensor_tensor add <sbuf[0, 16] at [[O0:[0-9]+]] dims [37] {{.*}}, <sbuf[0, 16] at [[X0]] dims [37] {{.*}}, <sbuf[0, 16] at [[Y0]] dims [37] {{.*}} : f32>{{$}}
// CHECK-NEXT: nc.dma <hbm @out0[16 x 128] at 0 dims [37] {{.*}}, <sbuf[0, 16] at [[O0]] dims [37]
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[X1:[0-9]+]] dims [37] {{.*}}, <hbm @arg0[16 x 128] at 37 dims [37]
// CHECK: nc.dma <sbuf[0, 16] at [[X2:[0-9]+]] dims [37] {{.*}}, <hbm @arg0[16 x 128] at 74 dims [37]
// CHECK: nc.dma <sbuf[0, 16] at [[X0]] dims [17] {{.*}}, <hbm @arg0[16 x 128] at 111 dims [17]
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[Y0]] dims [17] {{.*}}, <hbm @arg1[16 x 128] at 111 dims [17]
// CHECK-NEXT: nc.tensor_tensor add <sbuf[0, 16] at [[O0]] dims [17]
// CHECK-NEXT: nc.dma <hbm @out0[16 x 128] at 111 dims [17]
// CHECK-NOT: {{^ *}}nc.
func.func @add_spread_over_partitions(%x: tensor<4x512xf32>, %y: tensor<4x512xf32>) -> tensor<4x512xf32> {
  %0 = xf.add %x, %y : (tensor<4x512xf32>, tensor<4x512xf32>) -> tensor<4x512xf32>
  return %0 : tensor<4x512xf32>
}

// -----

// A contiguous same-shape op whose length the partitions do not divide
// evenly at 64 columns each is still spread over as many partitions as
// that allows: 320 elements as [5, 64] (no remainder), in tiles of 37 and
// 27 columns (what fits the small SBUF).
// CHECK-LABEL: nc.kernel @add_small_contiguous_spread
// CHECK: nc.dma <sbuf[0, 5] {{.*}} dims [37] {{.*}}, <hbm @arg0[5 x 64] at 0 dims [37]
// CHECK-COUNT-2: nc.tensor_tensor add <sbuf[0, 5]
// CHECK-NOT: nc.tensor_tensor
func.func @add_small_contiguous_spread(%x: tensor<8x40xf32>, %y: tensor<8x40xf32>) -> tensor<8x40xf32> {
  %0 = xf.add %x, %y : (tensor<8x40xf32>, tensor<8x40xf32>) -> tensor<8x40xf32>
  return %0 : tensor<8x40xf32>
}

// -----

// Broadcasting operands: rows of the output on partitions (20 = 16 + 4), the
// last dim free. The [20, 1] scale is read with a zero free stride, the [8]
// bias with a zero partition stride. The mul (single use, same shape) is
// fused into the sub's kernel: its result stays in an SBUF scratch tile.
// CHECK-LABEL: nc.kernel @broadcast_operands
// CHECK-NOT: nc.tensor scratch
// CHECK: nc.dma <sbuf[0, 16] at [[X:[0-9]+]] dims [8] {{.*}}, <hbm @arg0[16 x 8] at 0 dims [8] strides [1] : f32>
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[S:[0-9]+]] dims [8] {{.*}}, <hbm @arg1[16 x 1] at 0 dims [8] strides [0] : f32>
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[B:[0-9]+]] dims [8] {{.*}}, <hbm @arg2[16 x 0] at 0 dims [8] strides [1] : f32>
// CHECK-NEXT: nc.tensor_tensor mul <sbuf[0, 16] at [[T:[0-9]+]] dims [8] {{.*}}, <sbuf[0, 16] at [[X]] dims [8] {{.*}}, <sbuf[0, 16] at [[S]] dims [8]
// CHECK-NEXT: nc.tensor_tensor sub <sbuf[0, 16] at [[O:[0-9]+]] dims [8] {{.*}}, <sbuf[0, 16] at [[T]] dims [8] {{.*}}, <sbuf[0, 16] at [[B]] dims [8]
// CHECK-NEXT: nc.dma <hbm @out0[16 x 8] at 0 dims [8] {{.*}}, <sbuf[0, 16] at [[O]] dims [8]
// CHECK-NEXT: nc.dma <sbuf[0, 4] {{.*}}, <hbm @arg0[4 x 8] at 128 dims [8]
// CHECK-NEXT: nc.dma <sbuf[0, 4] {{.*}}, <hbm @arg1[4 x 1] at 16 dims [8] strides [0]
// CHECK-NEXT: nc.dma <sbuf[0, 4] {{.*}}, <hbm @arg2[4 x 0] at 0 dims [8] strides [1]
// CHECK: nc.dma <hbm @out0[4 x 8] at 128 dims [8]
// CHECK-NOT: {{^ *}}nc.
func.func @broadcast_operands(%x: tensor<20x8xf32>, %s: tensor<20x1xf32>, %b: tensor<8xf32>) -> tensor<20x8xf32> {
  %0 = xf.mul %x, %s : (tensor<20x8xf32>, tensor<20x1xf32>) -> tensor<20x8xf32>
  %1 = xf.sub %0, %b : (tensor<20x8xf32>, tensor<8xf32>) -> tensor<20x8xf32>
  return %1 : tensor<20x8xf32>
}

// -----

// Unary ops are Scalar-engine activations: neg is identity with scale -1,
// exp is exp; the engine computes in fp32 and rounds to bf16 on write.
// 16 x 1024 elements: [16, 1024] with 128-column tiles, three buffer sets.
// CHECK-LABEL: nc.kernel @unary_exp_bf16
// CHECK: nc.dma <sbuf[0, 16] at [[X0:[0-9]+]] dims [128] strides [1] : bf16>, <hbm @arg0[16 x 1024] at 0 dims [128]
// CHECK-NEXT: nc.activation exp <sbuf[0, 16] at [[O0:[0-9]+]] dims [128] strides [1] : bf16>, <sbuf[0, 16] at [[X0]] dims [128] strides [1] : bf16>{{$}}
// CHECK-NEXT: nc.dma <hbm @out0[16 x 1024] at 0 dims [128] {{.*}}, <sbuf[0, 16] at [[O0]] dims [128]
// CHECK-COUNT-2: nc.activation exp
// CHECK-NEXT: nc.dma <hbm @out0[16 x 1024] at 256 dims [128]
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[X0]] dims [128] {{.*}}, <hbm @arg0[16 x 1024] at 384 dims [128]
// CHECK-COUNT-5: nc.activation exp
// CHECK-NOT: nc.activation
func.func @unary_exp_bf16(%x: tensor<16x1024xbf16>) -> tensor<16x1024xbf16> {
  %0 = xf.exp %x : tensor<16x1024xbf16>
  return %0 : tensor<16x1024xbf16>
}

// -----

// CHECK-LABEL: nc.kernel @unary_neg
// CHECK: nc.activation identity <sbuf[0, 1] {{.*}} dims [16] {{.*}}, <sbuf[0, 1] {{.*}} dims [16] {{.*}} {scale = -1.000000e+00 : f32}
// CHECK-NOT: nc.activation
func.func @unary_neg(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %0 = xf.neg %x : tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

// trn2-sized ragged case on the small target's 16 partitions: 10007 (prime)
// elements as [16, 625] plus a 7-element remainder on one partition.
// CHECK-LABEL: nc.kernel @add_prime_length
// CHECK: nc.dma <sbuf[0, 16] {{.*}}, <hbm @arg0[16 x 625] at 0
// CHECK: nc.dma <sbuf[0, 1] {{.*}} dims [7] {{.*}}, <hbm @arg0[1 x 0] at 10000 dims [7]
func.func @add_prime_length(%x: tensor<10007xf32>, %y: tensor<10007xf32>) -> tensor<10007xf32> {
  %0 = xf.add %x, %y : (tensor<10007xf32>, tensor<10007xf32>) -> tensor<10007xf32>
  return %0 : tensor<10007xf32>
}
