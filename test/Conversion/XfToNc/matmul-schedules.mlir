// RUN: muir-opt %s -split-input-file --muir-lower-xf-to-nc="target=small" | FileCheck %s

// K = 512 in f32: A^T for all 32 K tiles (2 KiB per partition, twice) does
// not fit the 4 KiB partition next to a B block, so B is not resident. Each
// row tile streams K: per K step one A^T tile (transposing DMA, two
// alternating buffers) and one B tile per column tile (64 + 64 columns, four
// alternating buffers), the two column tiles accumulating in their own
// PSUM banks over the 32 steps. The second row tile streams B again from
// row 0 into the other PSUM half.
// CHECK-LABEL: nc.kernel @matmul_k_streamed
// CHECK: nc.dma <sbuf[0, 16] at [[A0:[0-9]+]] dims [16] {{.*}}, <hbm @arg0[16 x 512] at 0 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[B0:[0-9]+]] dims [64] {{.*}}, <hbm @arg1[16 x 128] at 0 dims [64]
// CHECK-NEXT: nc.matmul <psum[0, 16] at [[P0:[0-9]+]] dims [64] {{.*}}, <sbuf[0, 16] at [[A0]] dims [16] {{.*}}, <sbuf[0, 16] at [[B0]] dims [64] {{.*}} : f32>{{$}}
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[B1:[0-9]+]] dims [64] {{.*}}, <hbm @arg1[16 x 128] at 64 dims [64]
// CHECK-NEXT: nc.matmul <psum[0, 16] at [[P1:[0-9]+]] dims [64] {{.*}}, <sbuf[0, 16] at [[A0]] dims [16] {{.*}}, <sbuf[0, 16] at [[B1]] dims [64] {{.*}} : f32>{{$}}
// K step 1 (B rows 16..31 start at element 2048) in the other buffers.
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[A1:[0-9]+]] dims [16] {{.*}}, <hbm @arg0[16 x 512] at 16 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.dma <sbuf[0, 16] {{.*}}, <hbm @arg1[16 x 128] at 2048 dims [64]
// CHECK-NEXT: nc.matmul <psum[0, 16] at [[P0]] dims [64] {{.*}}, <sbuf[0, 16] at [[A1]] dims [16] {{.*}} {accumulate}
// CHECK: nc.dma {{.*}}, <hbm @arg1[16 x 128] at 63552 dims [64]
// CHECK-NEXT: nc.matmul <psum[0, 16] at [[P1]] dims [64] {{.*}} {accumulate}
// CHECK-NEXT: nc.tensor_copy {{.*}}, <psum[0, 16] at [[P0]] dims [64]
// CHECK-NEXT: nc.dma <hbm @out0[16 x 128] at 0 dims [64]
// CHECK-NEXT: nc.tensor_copy {{.*}}, <psum[0, 16] at [[P1]] dims [64]
// CHECK-NEXT: nc.dma <hbm @out0[16 x 128] at 64 dims [64]
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[A0]] dims [16] {{.*}}, <hbm @arg0[16 x 512] at 8192 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[B0]] dims [64] {{.*}}, <hbm @arg1[16 x 128] at 0 dims [64]
// CHECK-NEXT: nc.matmul <psum[0, 16] at {{[0-9]+}} dims [64] {{.*}} : f32>{{$}}
// CHECK-NOT: at [[P0]]
// CHECK: nc.dma <hbm @out0[16 x 128] at 2112 dims [64]
// CHECK-NOT: {{^ *}}nc.
func.func @matmul_k_streamed(%a: tensor<32x512xf32>, %b: tensor<512x128xf32>) -> tensor<32x128xf32> {
  %0 = xf.matmul %a, %b : (tensor<32x512xf32>, tensor<512x128xf32>) -> tensor<32x128xf32>
  return %0 : tensor<32x128xf32>
}

// -----

// Two row tiles and eight 64-column tiles: B blocks of two column tiles
// (half of the 4 PSUM banks) are the stream, in two copies: block 1 loads
// (one transfer for both column tiles) before block 0's first matmul, block
// 2 reuses block 0's copy once block 1 starts. The row tiles alternate
// PSUM halves (banks 0-1, then 2-3) so evacuation overlaps the next tile.
// CHECK-LABEL: nc.kernel @matmul_two_b_copies
// CHECK: nc.dma <sbuf[0, 16] at [[C0:[0-9]+]] dims [128] {{.*}}, <hbm @arg1[16 x 512] at 0 dims [128]
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[A0:[0-9]+]] dims [16] {{.*}}, <hbm @arg0[16 x 16] at 0 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[C1:[0-9]+]] dims [128] {{.*}}, <hbm @arg1[16 x 512] at 128 dims [128]
// CHECK-NEXT: nc.matmul <psum[0, 16] at 0 dims [64] {{.*}}, <sbuf[0, 16] at [[A0]] dims [16] {{.*}}, <sbuf[0, 16] at [[C0]] dims [64]
// CHECK-NEXT: nc.matmul <psum[0, 16] at 512 dims [64] {{.*}}, <sbuf[0, 16] at [[A0]] dims [16]
// CHECK: nc.matmul <psum[0, 16] at 1024 dims [64] {{.*}}, <sbuf[0, 16] at [[C0]] dims [64]
// CHECK-NEXT: nc.matmul <psum[0, 16] at 1536 dims [64]
// Block 1 (columns 128..255) from the second copy; block 2 into the first.
// CHECK: nc.dma <sbuf[0, 16] at [[C0]] dims [128] {{.*}}, <hbm @arg1[16 x 512] at 256 dims [128]
// CHECK-NEXT: nc.matmul <psum[0, 16] at 0 dims [64] {{.*}}, <sbuf[0, 16] at [[C1]] dims [64]
// CHECK: nc.dma <hbm @out0[16 x 512] at 128 dims [64]
// CHECK: nc.dma <sbuf[0, 16] at [[C1]] dims [128] {{.*}}, <hbm @arg1[16 x 512] at 384 dims [128]
// CHECK-COUNT-8: nc.matmul
// CHECK-NOT: nc.matmul
func.func @matmul_two_b_copies(%a: tensor<32x16xf32>, %b: tensor<16x512xf32>) -> tensor<32x512xf32> {
  %0 = xf.matmul %a, %b : (tensor<32x16xf32>, tensor<16x512xf32>) -> tensor<32x512xf32>
  return %0 : tensor<32x512xf32>
}

// -----

// transpose_lhs: A is stored [K, M], which is already the stationary
// layout: A^T tiles are plain row loads (K tiles of 16 and 8), no DMA
// transpose.
// CHECK-LABEL: nc.kernel @matmul_transposed_lhs
// CHECK-NOT: transpose}
// CHECK: nc.dma <sbuf[0, 16] at [[A0:[0-9]+]] dims [16] {{.*}}, <hbm @arg0[16 x 16] at 0 dims [16] strides [1] : bf16>{{( \{queue = #nc.queue<dma[0-9]>\})?$}}
// CHECK-NEXT: nc.dma <sbuf[0, 8] at [[A1:[0-9]+]] dims [16] {{.*}}, <hbm @arg0[8 x 16] at 256 dims [16] strides [1] : bf16>{{( \{queue = #nc.queue<dma[0-9]>\})?$}}
// CHECK: nc.matmul <psum[0, 16] at [[P:[0-9]+]] dims [8] {{.*}}, <sbuf[0, 16] at [[A0]] dims [16]
// CHECK: nc.matmul <psum[0, 16] at [[P]] dims [8] {{.*}}, <sbuf[0, 8] at [[A1]] dims [16] {{.*}} {accumulate}
// CHECK-NEXT: nc.tensor_copy <sbuf[0, 16] {{.*}} : bf16>, <psum[0, 16] at [[P]] dims [8]
func.func @matmul_transposed_lhs(%a: tensor<24x16xbf16>, %b: tensor<24x8xbf16>) -> tensor<16x8xbf16> {
  %0 = xf.matmul %a, %b {transpose_lhs = true} : (tensor<24x16xbf16>, tensor<24x8xbf16>) -> tensor<16x8xbf16>
  return %0 : tensor<16x8xbf16>
}

// -----

// batch_matmul with a broadcast B ([1, 16, 8] for 3 batches): one 2-D
// matmul per batch, A at element offsets 0, 128, 256 and the output at 0,
// 64, 128; B's batch stride is 0, so every batch reads the same B rows (and
// loads them again).
// CHECK-LABEL: nc.kernel @batch_matmul_broadcast_rhs
// CHECK: nc.dma {{.*}}, <hbm @arg0[8 x 16] at 0 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.dma {{.*}}, <hbm @arg1[16 x 8] at 0 dims [8]
// CHECK-NEXT: nc.matmul
// CHECK: nc.dma <hbm @out0[8 x 8] at 0 dims [8]
// CHECK-NEXT: nc.dma {{.*}}, <hbm @arg0[8 x 16] at 128 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.dma {{.*}}, <hbm @arg1[16 x 8] at 0 dims [8]
// CHECK: nc.dma <hbm @out0[8 x 8] at 64 dims [8]
// CHECK-NEXT: nc.dma {{.*}}, <hbm @arg0[8 x 16] at 256 dims [16] {{.*}}transpose}
// CHECK-NEXT: nc.dma {{.*}}, <hbm @arg1[16 x 8] at 0 dims [8]
// CHECK: nc.dma <hbm @out0[8 x 8] at 128 dims [8]
// CHECK-NOT: nc.matmul
func.func @batch_matmul_broadcast_rhs(%a: tensor<3x8x16xf32>, %b: tensor<1x16x8xf32>) -> tensor<3x8x8xf32> {
  %0 = xf.batch_matmul %a, %b : (tensor<3x8x16xf32>, tensor<1x16x8xf32>) -> tensor<3x8x8xf32>
  return %0 : tensor<3x8x8xf32>
}
