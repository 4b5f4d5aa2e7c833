// RUN: muir-opt %s -split-input-file --muir-lower-xf-to-nc="target=small" | FileCheck %s

// Layer norm: weight and bias are loaded once, broadcast to all 16
// partitions by a zero partition stride ([16 x 0]) and widened to fp32.
// Rows go on partitions (20 = 16 + 4), the normalised dim free. Per tile:
// mean by tensor_reduce add scaled by -1/D, x - mean, the sum of squares
// from the Scalar engine's accumulate, (ss/D + eps) in one two-op
// tensor_scalar, rsqrt on Scalar, the per-row scale on Vector; the weight
// multiply and bias add go to GpSimd ("pool"), the add rounding to bf16.
// CHECK-LABEL: nc.kernel @layer_norm_rows
// CHECK: nc.dma <sbuf[0, 16] at [[W:[0-9]+]] dims [24] strides [1] : f32>, <hbm @arg1[16 x 0] at 0 dims [24] strides [1] : bf16>
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[B:[0-9]+]] dims [24] strides [1] : f32>, <hbm @arg2[16 x 0] at 0 dims [24] strides [1] : bf16>
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[X:[0-9]+]] dims [24] strides [1] : f32>, <hbm @arg0[16 x 24] at 0 dims [24] strides [1] : bf16>
// CHECK-NEXT: nc.tensor_reduce add <sbuf[0, 16] at [[MEAN:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 16] at [[X]] dims [24]
// CHECK-NEXT: nc.tensor_scalar mul <sbuf[0, 16] at [[MEAN]] {{.*}} {imm0 = -0.0416666679 : f32}
// CHECK-NEXT: nc.tensor_scalar add <sbuf[0, 16] at [[X]] dims [24] {{.*}}, <sbuf[0, 16] at [[X]] dims [24] {{.*}} {scalar0 = #nc.ap<sbuf[0, 16] at [[MEAN]] dims [1]
// CHECK-NEXT: nc.activation square <sbuf[0, 16] at [[O:[0-9]+]] dims [24] {{.*}}, <sbuf[0, 16] at [[X]] dims [24] {{.*}} {accum = #nc.ap<sbuf[0, 16] at [[SS:[0-9]+]] dims [1]
// CHECK-NEXT: nc.tensor_scalar mul then add <sbuf[0, 16] at [[SS]] {{.*}}, <sbuf[0, 16] at [[SS]] {{.*}} {imm0 = 0.0416666679 : f32, imm1 = 9.99999974E-6 : f32}
// CHECK-NEXT: nc.activation rsqrt <sbuf[0, 16] at [[SS]] dims [1] {{.*}}, <sbuf[0, 16] at [[SS]] dims [1]
// CHECK-NEXT: nc.tensor_scalar mul <sbuf[0, 16] at [[X]] dims [24] {{.*}}, <sbuf[0, 16] at [[X]] dims [24] {{.*}} {scalar0 = #nc.ap<sbuf[0, 16] at [[SS]] dims [1] strides [1] : f32>}{{$}}
// CHECK-NEXT: nc.tensor_tensor mul <sbuf[0, 16] at [[X]] dims [24] {{.*}}, <sbuf[0, 16] at [[X]] dims [24] {{.*}}, <sbuf[0, 16] at [[W]] dims [24] {{.*}} {queue = #nc.queue<pool>}
// CHECK-NEXT: nc.tensor_tensor add <sbuf[0, 16] at [[O]] dims [24] strides [1] : bf16>, <sbuf[0, 16] at [[X]] dims [24] {{.*}}, <sbuf[0, 16] at [[B]] dims [24] {{.*}} {queue = #nc.queue<pool>}
// CHECK-NEXT: nc.dma <hbm @out0[16 x 24] at 0 dims [24] strides [1] : bf16>, <sbuf[0, 16] at [[O]] dims [24] strides [1] : bf16>
// The 4-row tail: a second buffer set, the same resident weight and bias,
// which are not loaded again.
// CHECK-NEXT: nc.dma <sbuf[0, 4] at {{[0-9]+}} dims [24] {{.*}}, <hbm @arg0[4 x 24] at 384 dims [24]
// CHECK-NOT: @arg1
// CHECK: nc.tensor_tensor mul <sbuf[0, 4] {{.*}}, <sbuf[0, 4] {{.*}}, <sbuf[0, 4] at [[W]] dims [24]
// CHECK-NEXT: nc.tensor_tensor add <sbuf[0, 4] {{.*}} : bf16>, <sbuf[0, 4] {{.*}}, <sbuf[0, 4] at [[B]] dims [24]
// CHECK-NEXT: nc.dma <hbm @out0[4 x 24] at 384 dims [24]
func.func @layer_norm_rows(%x: tensor<20x24xbf16>, %w: tensor<24xbf16>, %b: tensor<24xbf16>) -> tensor<20x24xbf16> {
  %0 = xf.layer_norm %x, %w, %b {eps = 1.0e-05 : f32} : (tensor<20x24xbf16>, tensor<24xbf16>, tensor<24xbf16>) -> tensor<20x24xbf16>
  return %0 : tensor<20x24xbf16>
}

// -----

// RMS norm of [2, 5, 32]: the leading dims collapse to 10 rows (one tile);
// no mean and no bias: square-accumulate, (ss/D + eps), rsqrt, the row
// scale (Vector), then the weight multiply on GpSimd straight into the output tile.
// CHECK-LABEL: nc.kernel @rms_norm_rows
// CHECK: nc.dma <sbuf[0, 10] at [[W:[0-9]+]] dims [32] {{.*}}, <hbm @arg1[10 x 0] at 0 dims [32]
// CHECK-NEXT: nc.dma <sbuf[0, 10] at [[X:[0-9]+]] dims [32] {{.*}}, <hbm @arg0[10 x 32] at 0 dims [32]
// CHECK-NOT: nc.tensor_reduce
// CHECK-NEXT: nc.activation square {{.*}}, <sbuf[0, 10] at [[X]] dims [32] {{.*}} {accum = #nc.ap<sbuf[0, 10] at [[SS:[0-9]+]] dims [1]
// CHECK-NEXT: nc.tensor_scalar mul then add <sbuf[0, 10] at [[SS]] {{.*}} {imm0 = 3.125000e-02 : f32, imm1 = 9.99999997E-7 : f32}
// CHECK-NEXT: nc.activation rsqrt <sbuf[0, 10] at [[SS]]
// CHECK-NEXT: nc.tensor_scalar mul <sbuf[0, 10] at [[X]] dims [32] {{.*}} {scalar0 = #nc.ap<sbuf[0, 10] at [[SS]] dims [1] strides [1] : f32>}{{$}}
// CHECK-NEXT: nc.tensor_tensor mul <sbuf[0, 10] at [[O:[0-9]+]] dims [32] strides [1] : f32>, <sbuf[0, 10] at [[X]] dims [32] {{.*}}, <sbuf[0, 10] at [[W]] dims [32] {{.*}} {queue = #nc.queue<pool>}
// CHECK-NEXT: nc.dma <hbm @out0[10 x 32] at 0 dims [32] {{.*}}, <sbuf[0, 10] at [[O]] dims [32]
// CHECK-NOT: {{^ *}}nc.
func.func @rms_norm_rows(%x: tensor<2x5x32xf32>, %w: tensor<32xf32>) -> tensor<2x5x32xf32> {
  %0 = xf.rms_norm %x, %w {eps = 1.0e-06 : f32} : (tensor<2x5x32xf32>, tensor<32xf32>) -> tensor<2x5x32xf32>
  return %0 : tensor<2x5x32xf32>
}
