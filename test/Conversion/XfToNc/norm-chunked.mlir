// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" | FileCheck %s --check-prefix=PLAN
// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small overrides=k0.chunk_cols=96" --muir-lower-xf-to-nc="target=small" | FileCheck %s

// Norm rows that do not fit beside their weight (300 f32 with weight and
// bias on the small target's 4 KiB partitions) stream in chunks; forced to
// 96 columns here (3 x 96 + 12). Layer norm reads each chunk three
// times: the sum (-> -mean), the squared deviations (-> rstd, as whole rows
// compute them), then x - mean times rstd times the weight chunk plus the
// bias chunk, each loaded beside it (partition stride 0).
// PLAN-LABEL: func.func @layer_norm_chunks
// PLAN: xf.kernel "k0" norm config {buffers = 2 : i64, chunk_cols = {{[0-9]+}} : i64}
// CHECK-LABEL: nc.kernel @layer_norm_chunks
// CHECK: nc.dma <sbuf[0, 16] at [[X0:[0-9]+]] dims [96] {{.*}}, <hbm @arg0[16 x 300] at 0 dims [96]
// CHECK-NEXT: nc.tensor_reduce add <sbuf[0, 16] at [[NM:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 16] at [[X0]] dims [96]
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[X1:[0-9]+]] dims [96] {{.*}}, <hbm @arg0[16 x 300] at 96 dims [96]
// CHECK-NEXT: nc.tensor_reduce add <sbuf[0, 16] at [[PART:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 16] at [[X1]] dims [96]
// CHECK-NEXT: nc.tensor_tensor add <sbuf[0, 16] at [[NM]] {{.*}}, <sbuf[0, 16] at [[NM]] {{.*}}, <sbuf[0, 16] at [[PART]]
// CHECK: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [12] {{.*}}, <hbm @arg0[16 x 300] at 288 dims [12]
// CHECK: nc.tensor_scalar mul <sbuf[0, 16] at [[NM]] {{.*}} {imm0 = -0.00333333341 : f32}
// Pass 2: deviations squared and summed.
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[XA:[0-9]+]] dims [96] {{.*}}, <hbm @arg0[16 x 300] at 0 dims [96]
// CHECK-NEXT: nc.tensor_scalar add <sbuf[0, 16] at [[XA]] dims [96] {{.*}} {scalar0 = #nc.ap<sbuf[0, 16] at [[NM]]
// CHECK-NEXT: nc.activation square <sbuf[0, 16] at [[XA]] dims [96] {{.*}} {accum = #nc.ap<sbuf[0, 16] at [[SS:[0-9]+]]
// CHECK: nc.activation rsqrt <sbuf[0, 16] at [[SS]]
// Pass 3: normalised, weight and bias chunks, stored.
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[XB:[0-9]+]] dims [96] {{.*}}, <hbm @arg0[16 x 300] at 0 dims [96]
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[W:[0-9]+]] dims [96] {{.*}}, <hbm @arg1[16 x 0] at 0 dims [96]
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[B:[0-9]+]] dims [96] {{.*}}, <hbm @arg2[16 x 0] at 0 dims [96]
// CHECK-NEXT: nc.tensor_scalar add then mul <sbuf[0, 16] at [[XB]] dims [96] {{.*}} {scalar0 = #nc.ap<sbuf[0, 16] at [[NM]] {{.*}}>, scalar1 = #nc.ap<sbuf[0, 16] at [[SS]]
// CHECK-NEXT: nc.tensor_tensor mul <sbuf[0, 16] at [[XB]] {{.*}}, <sbuf[0, 16] at [[XB]] {{.*}}, <sbuf[0, 16] at [[W]]
// CHECK-NEXT: nc.tensor_tensor add <sbuf[0, 16] at [[O:[0-9]+]] {{.*}}, <sbuf[0, 16] at [[XB]] {{.*}}, <sbuf[0, 16] at [[B]]
// CHECK-NEXT: nc.dma <hbm @out0[16 x 300] at 0 dims [96] {{.*}}, <sbuf[0, 16] at [[O]] dims [96]
func.func @layer_norm_chunks(%x: tensor<20x300xf32>, %w: tensor<300xf32>, %b: tensor<300xf32>) -> tensor<20x300xf32> {
  %0 = xf.layer_norm %x, %w, %b : (tensor<20x300xf32>, tensor<300xf32>, tensor<300xf32>) -> tensor<20x300xf32>
  return %0 : tensor<20x300xf32>
}

// -----

// RMS norm: two passes (squares summed, then scaled times the weight).
// PLAN-LABEL: func.func @rms_norm_chunks
// PLAN: xf.kernel "k0" norm config {buffers = 2 : i64, chunk_cols = {{[0-9]+}} : i64}
// CHECK-LABEL: nc.kernel @rms_norm_chunks
// CHECK: nc.dma <sbuf[0, 16] at [[X0:[0-9]+]] dims [96] {{.*}}, <hbm @arg0[16 x 1200] at 0 dims [96]
// CHECK-NEXT: nc.activation square <sbuf[0, 16] at [[X0]] dims [96] {{.*}} {accum = #nc.ap<sbuf[0, 16] at [[SS:[0-9]+]]
// CHECK-NOT: nc.tensor_reduce
// CHECK: nc.activation rsqrt <sbuf[0, 16] at [[SS]]
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[XB:[0-9]+]] dims [96] {{.*}}, <hbm @arg0[16 x 1200] at 0 dims [96]
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[W:[0-9]+]] dims [96] {{.*}}, <hbm @arg1[16 x 0] at 0 dims [96]
// CHECK-NEXT: nc.tensor_scalar mul <sbuf[0, 16] at [[XB]] {{.*}} {scalar0 = #nc.ap<sbuf[0, 16] at [[SS]]
// CHECK-NEXT: nc.tensor_tensor mul <sbuf[0, 16] at [[O:[0-9]+]] {{.*}}, <sbuf[0, 16] at [[XB]] {{.*}}, <sbuf[0, 16] at [[W]]
func.func @rms_norm_chunks(%x: tensor<16x1200xf32>, %w: tensor<1200xf32>) -> tensor<16x1200xf32> {
  %0 = xf.rms_norm %x, %w : (tensor<16x1200xf32>, tensor<1200xf32>) -> tensor<16x1200xf32>
  return %0 : tensor<16x1200xf32>
}
