// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" --muir-lower-xf-to-nc="target=small" | FileCheck %s
// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-lower-xf-to-nc="target=small" | FileCheck %s --check-prefix=COUNT
// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small disable=horizontal" --muir-lower-xf-to-nc="target=small" | FileCheck %s --check-prefix=OFF

// Horizontal fusion (multi_matmul): Q, K and V of one input as one matmul
// over 48 + 40 + 24 = 112 columns (two 64-wide moving tiles). Every A^T
// tile (4 row tiles x 2 K tiles) is loaded by DMA transpose once, not once
// per product; a moving tile spans products (K's columns 0-15 sit in the
// first tile with Q's 48, its columns 16-39 in the second), so its B load
// and its output stores split at the boundary (a tile's evacuation, then
// its stores).
// CHECK-LABEL: nc.kernel @qkv
// CHECK-NOT: nc.tensor scratch
// CHECK: nc.dma <sbuf[0, 16] at [[B:[0-9]+]] dims [48] {{.*}}, <hbm @arg1[16 x 48] at 0 dims [48]
// CHECK-NEXT: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [40] {{.*}}, <hbm @arg2[16 x 40] at 0 dims [40]
// CHECK-NEXT: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [24] {{.*}}, <hbm @arg3[16 x 24] at 0 dims [24]
// CHECK-COUNT-2: nc.dma <sbuf{{.*}}<hbm @arg0{{.*}}transpose
// CHECK: nc.matmul <psum[0, 16] at [[ACC0:[0-9]+]] dims [64] {{.*}}, <sbuf[0, 16] at [[AT:[0-9]+]] dims [16] {{.*}}, <sbuf[0, 16] at [[B]] dims [64]
// CHECK-NEXT: nc.matmul <psum[0, 16] at {{[0-9]+}} dims [48] {{.*}}, <sbuf[0, 16] at [[AT]] dims [16]
// CHECK: nc.dma <hbm @out0[16 x 48] at 0 dims [48] strides [1] : bf16>
// CHECK-NEXT: nc.dma <hbm @out1[16 x 40] at 0 dims [16] strides [1] : bf16>
// CHECK: nc.dma <hbm @out1[16 x 40] at 16 dims [24] strides [1] : bf16>
// CHECK-NEXT: nc.dma <hbm @out2[16 x 24] at 0 dims [24] strides [1] : bf16>
// COUNT-LABEL: nc.kernel @qkv
// COUNT-COUNT-8: <hbm @arg0{{.*}}transpose
// COUNT-NOT: <hbm @arg0{{.*}}transpose
// COUNT-LABEL: nc.kernel @linear
// Without the fusion each product loads all of A^T: 3 x 8 transposes.
// OFF-LABEL: nc.kernel @qkv
// OFF-COUNT-24: <hbm @arg0{{.*}}transpose
// OFF-NOT: <hbm @arg0{{.*}}transpose
// OFF-LABEL: nc.kernel @linear
func.func @qkv(%x: tensor<64x32xbf16>, %wq: tensor<32x48xbf16>, %wk: tensor<32x40xbf16>, %wv: tensor<32x24xbf16>) -> (tensor<64x48xbf16>, tensor<64x40xbf16>, tensor<64x24xbf16>) {
  %q = xf.matmul %x, %wq : (tensor<64x32xbf16>, tensor<32x48xbf16>) -> tensor<64x48xbf16>
  %k = xf.matmul %x, %wk : (tensor<64x32xbf16>, tensor<32x40xbf16>) -> tensor<64x40xbf16>
  %v = xf.matmul %x, %wv : (tensor<64x32xbf16>, tensor<32x24xbf16>) -> tensor<64x24xbf16>
  return %q, %k, %v : tensor<64x48xbf16>, tensor<64x40xbf16>, tensor<64x24xbf16>
}

// -----

// Transposed weights ([N, K], torch's Linear layout): each product's B^T
// tiles come from its own weight by DMA transpose. 40 + 30 columns: the
// first moving tile holds the first weight's 40 rows and the second's rows
// 0-23, the second tile its rows 24-29, so those loads and stores split.
// CHECK-LABEL: nc.kernel @linear
// CHECK: nc.dma <sbuf[0, 16] at [[B:[0-9]+]] dims [40] {{.*}}, <hbm @arg1[40 x 32] at 0 dims [16] {{.*}}transpose
// CHECK-NEXT: nc.dma <sbuf{{.*}} dims [24] {{.*}}, <hbm @arg2[24 x 32] at 0 dims [16] {{.*}}transpose
// CHECK-NEXT: nc.dma <sbuf{{.*}} dims [6] {{.*}}, <hbm @arg2[6 x 32] at 768 dims [16] {{.*}}transpose
// CHECK: nc.dma <hbm @out0[16 x 40] at 0 dims [40]
// CHECK-NEXT: nc.dma <hbm @out1[16 x 30] at 0 dims [24]
// CHECK: nc.dma <hbm @out1[16 x 30] at 24 dims [6]
func.func @linear(%x: tensor<32x32xbf16>, %w1: tensor<40x32xbf16>, %w2: tensor<30x32xbf16>) -> (tensor<32x40xbf16>, tensor<32x30xbf16>) {
  %a = xf.matmul %x, %w1 {transpose_rhs = true} : (tensor<32x32xbf16>, tensor<40x32xbf16>) -> tensor<32x40xbf16>
  %b = xf.matmul %x, %w2 {transpose_rhs = true} : (tensor<32x32xbf16>, tensor<30x32xbf16>) -> tensor<32x30xbf16>
  return %a, %b : tensor<32x40xbf16>, tensor<32x30xbf16>
}
