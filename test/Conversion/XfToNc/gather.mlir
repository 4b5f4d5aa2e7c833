// RUN: muir-opt %s -split-input-file --muir-lower-xf-to-nc="target=small" | FileCheck %s

// Embedding lookup as a one-hot matmul. The table's 40 rows are split into
// chunks of 16 (the partitions: 16, 16, 8). For each chunk the 5 indices
// are broadcast to every partition (zero partition stride, converted to
// fp32 by the DMA), iota writes the chunk's row numbers (base 0, 16, 32,
// one per partition), and Vector builds hot = 1 - min(|idx - v|, 1),
// rounded to the table type; the one-hot [v, t] is the stationary operand,
// the table chunk moves, and the chunks accumulate in one PSUM bank. A copy
// evacuates the 5 gathered rows.
// CHECK-LABEL: nc.kernel @gather_vocab_chunks
// CHECK: nc.dma <sbuf[0, 16] at [[IDX:[0-9]+]] dims [5] strides [1] : f32>, <hbm @arg1[16 x 0] at 0 dims [5] strides [1] : i32>
// CHECK-NEXT: nc.iota <sbuf[0, 16] at [[IOTA:[0-9]+]] dims [5] {{.*}} {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: 0>}
// CHECK-NEXT: nc.tensor_tensor sub <sbuf[0, 16] at [[HOT:[0-9]+]] dims [5] {{.*}}, <sbuf[0, 16] at [[IDX]] dims [5] {{.*}}, <sbuf[0, 16] at [[IOTA]] dims [5]
// CHECK-NEXT: nc.tensor_scalar mul <sbuf[0, 16] at [[IOTA]] {{.*}}, <sbuf[0, 16] at [[HOT]] {{.*}} {imm0 = -1.000000e+00 : f32}
// CHECK-NEXT: nc.tensor_tensor max <sbuf[0, 16] at [[HOT]] {{.*}}, <sbuf[0, 16] at [[HOT]] {{.*}}, <sbuf[0, 16] at [[IOTA]]
// CHECK-NEXT: nc.tensor_scalar min then mul <sbuf[0, 16] at [[HOT]] {{.*}} {imm0 = 1.000000e+00 : f32, imm1 = -1.000000e+00 : f32}
// CHECK-NEXT: nc.tensor_scalar add <sbuf[0, 16] at [[HOTB:[0-9]+]] dims [5] strides [1] : bf16>, <sbuf[0, 16] at [[HOT]] dims [5] strides [1] : f32> {imm0 = 1.000000e+00 : f32}
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[TAB:[0-9]+]] dims [8] strides [1] : bf16>, <hbm @arg0[16 x 8] at 0 dims [8] strides [1] : bf16>
// CHECK-NEXT: nc.matmul <psum[0, 5] at [[ACC:[0-9]+]] dims [8] strides [1] : f32>, <sbuf[0, 16] at [[HOTB]] dims [5] strides [1] : bf16>, <sbuf[0, 16] at [[TAB]] dims [8] strides [1] : bf16>{{$}}
// CHECK: nc.iota <sbuf[0, 16] {{.*}} {base = 16 : i64
// CHECK: nc.dma <sbuf[0, 16] at [[TAB]] dims [8] {{.*}}, <hbm @arg0[16 x 8] at 128 dims [8]
// CHECK-NEXT: nc.matmul <psum[0, 5] at [[ACC]] dims [8] {{.*}}, <sbuf[0, 16] at [[HOTB]] {{.*}}, <sbuf[0, 16] at [[TAB]] dims [8] {{.*}} {accumulate}
// CHECK: nc.dma <sbuf[0, 8] at [[IDX]] dims [5] {{.*}}, <hbm @arg1[8 x 0] at 0 dims [5]
// CHECK-NEXT: nc.iota <sbuf[0, 8] {{.*}} {base = 32 : i64
// CHECK: nc.dma <sbuf[0, 8] at [[TAB]] dims [8] {{.*}}, <hbm @arg0[8 x 8] at 256 dims [8]
// CHECK-NEXT: nc.matmul <psum[0, 5] at [[ACC]] dims [8] {{.*}}, <sbuf[0, 8] at [[HOTB]] dims [5] {{.*}}, <sbuf[0, 8] at [[TAB]] dims [8] {{.*}} {accumulate}
// CHECK-NEXT: nc.tensor_copy <sbuf[0, 5] at [[O:[0-9]+]] dims [8] strides [1] : bf16>, <psum[0, 5] at [[ACC]] dims [8] strides [1] : f32>
// CHECK-NEXT: nc.dma <hbm @out0[5 x 8] at 0 dims [8] strides [1] : bf16>, <sbuf[0, 5] at [[O]] dims [8]
// CHECK-NOT: nc.
func.func @gather_vocab_chunks(%t: tensor<40x8xbf16>, %i: tensor<5xi32>) -> tensor<5x8xbf16> {
  %0 = xf.gather %t[%i] : (tensor<40x8xbf16>, tensor<5xi32>) -> tensor<5x8xbf16>
  return %0 : tensor<5x8xbf16>
}

// -----

// 20 i64 indices (stored as i32 on the target) into a [10, 100] table:
// token tiles of 16 and 4 (the PE columns), and table columns in chunks of
// 64 (the moving free size on the small target) and 36. The one-hot of a
// token tile is built again for every column chunk.
// CHECK-LABEL: nc.kernel @gather_token_and_column_tiles
// CHECK: nc.tensor input @arg1 : tensor<2x10xi32>
// CHECK: nc.dma <sbuf[0, 10] {{.*}} dims [16] {{.*}}, <hbm @arg1[10 x 0] at 0 dims [16] strides [1] : i32>
// CHECK: nc.matmul <psum[0, 16] at [[ACC:[0-9]+]] dims [64] {{.*}}, <sbuf[0, 10] {{.*}} dims [16] {{.*}}, <sbuf[0, 10] {{.*}} dims [64]
// CHECK: nc.dma <hbm @out0[16 x 100] at 0 dims [64]
// CHECK-NEXT: nc.dma <sbuf[0, 10] {{.*}} dims [16] {{.*}}, <hbm @arg1[10 x 0] at 0 dims [16]
// CHECK: nc.dma <sbuf[0, 10] {{.*}} dims [36] {{.*}}, <hbm @arg0[10 x 100] at 64 dims [36]
// CHECK-NEXT: nc.matmul <psum[0, 16] at [[ACC]] dims [36]
// CHECK: nc.dma <hbm @out0[16 x 100] at 64 dims [36]
// CHECK: nc.dma <sbuf[0, 10] {{.*}} dims [4] {{.*}}, <hbm @arg1[10 x 0] at 16 dims [4]
// CHECK: nc.matmul <psum[0, 4] at [[ACC]] dims [64]
// CHECK: nc.dma <hbm @out0[4 x 100] at 1600 dims [64]
// CHECK: nc.matmul <psum[0, 4] at [[ACC]] dims [36]
// CHECK: nc.dma <hbm @out0[4 x 100] at 1664 dims [36]
// CHECK-NOT: nc.matmul
func.func @gather_token_and_column_tiles(%t: tensor<10x100xf32>, %i: tensor<2x10xi64>) -> tensor<2x10x100xf32> {
  %0 = xf.gather %t[%i] : (tensor<10x100xf32>, tensor<2x10xi64>) -> tensor<2x10x100xf32>
  return %0 : tensor<2x10x100xf32>
}
