// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" | FileCheck %s
// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small overrides=k0.chunk_cols=16,k0.buffers=1" --muir-lower-xf-to-nc="target=small" | FileCheck %s --check-prefix=NC

// A reduction's plan: two row tiles in flight, whole reduced groups when a
// row fits a third of SBUF (no chunk_cols).
// CHECK-LABEL: func.func @rows
// CHECK: xf.kernel "k0" reduce config {buffers = 2 : i64} :
// The lowering follows an override: chunks of 16 (16 + 16 + 16 + 2), each
// reduced into the partial column and added to the accumulator; one buffer
// set, so the next row tile loads into the same tile.
// NC-LABEL: nc.kernel @rows
// NC: nc.dma <sbuf[0, 16] at [[X:[0-9]+]] dims [16] {{.*}}, <hbm @arg0[16 x 50] at 0 dims [16]
// NC-NEXT: nc.tensor_reduce add <sbuf[0, 16] at [[ACC:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 16] at [[X]] dims [16]
// NC-NEXT: nc.dma <sbuf[0, 16] at [[X]] dims [16] {{.*}}, <hbm @arg0[16 x 50] at 16 dims [16]
// NC-NEXT: nc.tensor_reduce add <sbuf[0, 16] at [[PART:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 16] at [[X]] dims [16]
// NC-NEXT: nc.tensor_tensor add <sbuf[0, 16] at [[ACC]] {{.*}}, <sbuf[0, 16] at [[ACC]] {{.*}}, <sbuf[0, 16] at [[PART]]
// NC: nc.dma <sbuf[0, 16] at [[X]] dims [2] {{.*}}, <hbm @arg0[16 x 50] at 48 dims [2]
// NC: nc.dma <sbuf[0, 4] at [[X]] dims [16] {{.*}}, <hbm @arg0[4 x 50] at 800 dims [16]
func.func @rows(%x: tensor<20x50xf32>) -> tensor<20xf32> {
  %0 = xf.reduce_sum %x {axes = array<i64: 1>} : (tensor<20x50xf32>) -> tensor<20xf32>
  return %0 : tensor<20xf32>
}

// -----

// 100,000 values per row do not fit: chunks of a third of SBUF.
// CHECK-LABEL: func.func @long_rows
// CHECK: xf.kernel "k0" reduce config {buffers = 2 : i64, chunk_cols = 277 : i64} :
func.func @long_rows(%x: tensor<4x100000xf32>) -> tensor<4xf32> {
  %0 = xf.reduce_max %x {axes = array<i64: 1>} : (tensor<4x100000xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
