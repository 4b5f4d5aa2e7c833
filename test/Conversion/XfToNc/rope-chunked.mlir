// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" | FileCheck %s --check-prefix=PLAN
// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" --muir-lower-xf-to-nc="target=small" | FileCheck %s
// RUN: muir-run %s --backend=sim --target=small --check | FileCheck %s --check-prefix=SIM
// RUN: not muir-run %s --backend=sim --target=small --check --kernel-config=k0.chunk_cols=500 2>&1 | FileCheck %s --check-prefix=WHOLE

// Rope over rows of 2000 f32 on the small target (4 KiB partitions): a
// position tile's cos and sin rows alone are 8000 bytes, so the rotation
// goes in chunks of chunk_cols = 33 columns of each half: a chunk's tiles
// hold columns [c0, c0 + 33) of the first half and of the second (1000
// further) side by side, and the products pair them as a whole row would.
// PLAN: xf.kernel "k0" rope config {buffers = 2 : i64, chunk_cols = 33 : i64, heads_per_tile = 1 : i64}
// CHECK-LABEL: nc.kernel @rope_wide
// CHECK: nc.dma <sbuf[0, 16] at [[C:[0-9]+]] dims [2, 33] strides [33, 1] : f32>, <hbm @arg1[16 x 2000] at 0 dims [2, 33] strides [1000, 1] : f32>
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[S:[0-9]+]] dims [2, 33] strides [33, 1] : f32>, <hbm @arg2[16 x 2000] at 0 dims [2, 33] strides [1000, 1] : f32>
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[X:[0-9]+]] dims [1, 2, 33] strides [66, 33, 1] : f32>, <hbm @arg0[16 x 2000] at 0 dims [1, 2, 33] strides [32000, 1000, 1] : f32>
// out[:h] = x[:h] cos[:h] - x[h:] sin[:h] on the chunk.
// CHECK-NEXT: nc.tensor_tensor mul <sbuf[0, 16] at [[O:[0-9]+]] dims [1, 33] strides [66, 1] : f32>, <sbuf[0, 16] at [[X]] dims [1, 33] strides [66, 1] : f32>, <sbuf[0, 16] at [[C]] dims [1, 33] strides [0, 1] : f32>
// CHECK: nc.dma <hbm @out0[16 x 2000] at 0 dims [1, 2, 33] strides [32000, 1000, 1] : f32>, <sbuf[0, 16] at [[O]] dims [1, 2, 33]
// The last chunk: 1000 = 30 x 33 + 10 columns.
// CHECK: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [2, 10] strides [33, 1] : f32>, <hbm @arg1[16 x 2000] at 990 dims [2, 10] strides [1000, 1]
// SIM: check #0: {{.*}} OK
// Chunks of 500 columns (an override) do not fit: the error names them.
// WHOLE: error: kernel 'k0' does not fit on target 'small': a sin tile needs 4000 bytes per SBUF partition
func.func @rope_wide(%x: tensor<1x2x16x2000xf32>, %c: tensor<16x2000xf32>, %s: tensor<16x2000xf32>) -> tensor<1x2x16x2000xf32> {
  %0 = xf.rope %x, %c, %s : (tensor<1x2x16x2000xf32>, tensor<16x2000xf32>, tensor<16x2000xf32>) -> tensor<1x2x16x2000xf32>
  return %0 : tensor<1x2x16x2000xf32>
}
