// RUN: muir-opt %s -split-input-file --muir-lower-xf-to-nc="target=small" | FileCheck %s

// 48x40x70 on the 16x16 test array: 3 row tiles x 3 K tiles x 2 moving tiles
// (64 + 6 columns, one PSUM bank each) = 18 matmuls, K accumulated in PSUM;
// the B block stays resident for all row tiles.
// CHECK-LABEL: nc.kernel @matmul_k_not_multiple_of_rows target = "small"
// CHECK-DAG: nc.tensor input @arg0 : tensor<48x40xf32> at 0
// CHECK-DAG: nc.tensor input @arg1 : tensor<40x70xf32> at 7680
// CHECK-DAG: nc.tensor output @out0 : tensor<48x70xf32>
// The resident B block: K tiles of 16, 16, 8 rows, one transfer per K tile
// covering both column tiles (side by side in SBUF and in B's rows). Offsets
// are captured rather than fixed: consecutive kernels allocate from opposite
// ends.
// CHECK: nc.dma <sbuf[0, 16] at [[B0:[0-9]+]] dims [70] {{.*}}, <hbm @arg1[16 x 70] at 0 dims [70]
// CHECK: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [70] {{.*}}, <hbm @arg1[16 x 70] at 1120 dims [70]
// CHECK: nc.dma <sbuf[0, 8] at {{[0-9]+}} dims [70] {{.*}}, <hbm @arg1[8 x 70] at 2240 dims [70]
// A^T by DMA transpose: 16 rows of A, 16 K columns, landing as [16 K, 16 M].
// CHECK: nc.dma <sbuf[0, 16] at [[AT:[0-9]+]] dims [16] {{.*}}, <hbm @arg0[16 x 40] at 0 dims [16] strides [1] : f32> {{.*}}transpose}
// CHECK: nc.matmul <psum[0, 16] at [[P0:[0-9]+]] dims [64] {{.*}} : f32>, <sbuf[0, 16] at [[AT]] {{.*}}, <sbuf[0, 16] at [[B0]] dims [64]
// CHECK-NOT: accumulate
// CHECK: nc.matmul <psum[0, 16] at {{[0-9]+}} dims [6]
// CHECK: nc.matmul <psum[0, 16] at [[P0]] dims [64]{{.*}} {accumulate}
// CHECK-COUNT-15: nc.matmul {{.*}}
// CHECK-NOT: nc.matmul
func.func @matmul_k_not_multiple_of_rows(%a: tensor<48x40xf32>, %b: tensor<40x70xf32>) -> tensor<48x70xf32> {
  %0 = xf.matmul %a, %b : (tensor<48x40xf32>, tensor<40x70xf32>) -> tensor<48x70xf32>
  return %0 : tensor<48x70xf32>
}

// -----

// A 1 x N product: one partial row tile, M = 1.
// CHECK-LABEL: nc.kernel @matmul_row_vector
// CHECK: nc.dma <sbuf[0, 3] at [[B:[0-9]+]] dims [5] {{.*}}, <hbm @arg1[3 x 5] at 0
// CHECK: nc.matmul <psum[0, 1] at [[P:[0-9]+]] dims [5] strides [1] : f32>, <sbuf[0, 3] {{.*}} dims [1] {{.*}} : bf16>, <sbuf[0, 3] at [[B]] dims [5] {{.*}} : bf16>
// CHECK-NOT: nc.matmul
// The evacuation casts the fp32 accumulator to the bf16 result.
// CHECK: nc.tensor_copy <sbuf[0, 1] {{.*}} : bf16>, <psum[0, 1] at [[P]] dims [5] strides [1] : f32>
func.func @matmul_row_vector(%a: tensor<1x3xbf16>, %b: tensor<3x5xbf16>) -> tensor<1x5xbf16> {
  %0 = xf.matmul %a, %b : (tensor<1x3xbf16>, tensor<3x5xbf16>) -> tensor<1x5xbf16>
  return %0 : tensor<1x5xbf16>
}

// -----

// One row tile (decode-like): the weight is the stream. Blocks are as wide
// as the PSUM half allows (two n-tiles here: the machine's efficient DMA
// size, 2 KiB per partition, would take eight), each block's K row is one
// transfer, A^T is loaded once, and every B load is issued before the first
// matmul.
// CHECK-LABEL: nc.kernel @matmul_weight_streaming
// CHECK: nc.dma <sbuf[0, 16] at [[B0:[0-9]+]] dims [128] {{.*}}<hbm @arg1[16 x 256] at 0 dims [128]
// CHECK: nc.dma <sbuf[0, 16] at [[AT:[0-9]+]] dims [1] {{.*}}<hbm @arg0[1 x 16] at 0 dims [16] {{.*}}transpose}
// CHECK: nc.dma <sbuf[0, 16] at [[B1:[0-9]+]] dims [128] {{.*}}<hbm @arg1[16 x 256] at 128 dims [128]
// CHECK-NOT: nc.dma {{.*}}@arg0
// CHECK: nc.matmul <psum[0, 1] at {{[0-9]+}} dims [64] {{.*}}, <sbuf[0, 16] at [[AT]] {{.*}}, <sbuf[0, 16] at [[B0]] dims [64]
// CHECK: nc.matmul <psum[0, 1] at {{[0-9]+}} dims [64] {{.*}}, <sbuf[0, 16] at [[AT]] {{.*}}, <sbuf[0, 16] at {{[0-9]+}} dims [64]
// CHECK: nc.matmul <psum[0, 1] at {{[0-9]+}} dims [64] {{.*}}, <sbuf[0, 16] at [[AT]] {{.*}}, <sbuf[0, 16] at [[B1]] dims [64]
// CHECK: nc.matmul <psum[0, 1] at {{[0-9]+}} dims [64] {{.*}}, <sbuf[0, 16] at [[AT]] {{.*}}, <sbuf[0, 16] at {{[0-9]+}} dims [64]
// CHECK-NOT: nc.matmul
func.func @matmul_weight_streaming(%a: tensor<1x16xf32>, %b: tensor<16x256xf32>) -> tensor<1x256xf32> {
  %0 = xf.matmul %a, %b : (tensor<1x16xf32>, tensor<16x256xf32>) -> tensor<1x256xf32>
  return %0 : tensor<1x256xf32>
}

// -----

// B much larger than A (B + A * 9 blocks > A + B): the A^T row panel (5 row
// tiles x 2 K tiles, the last one ragged) is loaded once and stays
// resident; B streams once, in [K, 64] column tiles.
// CHECK-LABEL: nc.kernel @matmul_row_panel
// CHECK-COUNT-10: nc.dma {{.*}}<hbm @arg0{{.*}}transpose}
// CHECK-NOT: @arg0
// CHECK: nc.dma <sbuf[0, 16] at [[B0:[0-9]+]] dims [64] {{.*}}<hbm @arg1[16 x 1030] at 0 dims [64]
// CHECK: nc.matmul <psum[0, 16] at [[P0:[0-9]+]] dims [64] {{.*}}, <sbuf[0, 16] at [[B0]] dims [64]
// CHECK: nc.tensor_copy {{.*}}, <psum[0, 16] at [[P0]] dims [64]
// CHECK-NOT: @arg0
// CHECK: nc.dma <hbm @out0[16 x 1030] at 1024 dims [6]
func.func @matmul_row_panel(%a: tensor<69x32xbf16>, %b: tensor<32x1030xbf16>) -> tensor<69x1030xbf16> {
  %0 = xf.matmul %a, %b : (tensor<69x32xbf16>, tensor<32x1030xbf16>) -> tensor<69x1030xbf16>
  return %0 : tensor<69x1030xbf16>
}
