// RUN: muir-opt %s -split-input-file --muir-lower-xf-to-nc="target=small" | FileCheck %s

// Embedding lookup by indirect DMA: the 5 indices load one per partition
// (an i32 [5, 1] tile), nc.dma_gather fetches the 5 rows of the [40, 8]
// table (its 40 rows are the table tile's partitions), and a DMA stores
// them. Nothing is computed and no row is read that is not selected.
// CHECK-LABEL: nc.kernel @gather_rows
// CHECK: nc.dma <sbuf[0, 5] at [[IDX:[0-9]+]] dims [1] strides [1] : i32>, <hbm @arg1[5 x 1] at 0 dims [1] strides [1] : i32>
// CHECK-NEXT: nc.dma_gather <sbuf[0, 5] at [[ROWS:[0-9]+]] dims [8] strides [1] : bf16>, <hbm @arg0[40 x 8] at 0 dims [8] strides [1] : bf16>[<sbuf[0, 5] at [[IDX]] dims [1] strides [1] : i32>]
// CHECK-NEXT: nc.dma <hbm @out0[5 x 8] at 0 dims [8] strides [1] : bf16>, <sbuf[0, 5] at [[ROWS]] dims [8] strides [1] : bf16>
// CHECK-NOT: {{^ *}}nc.
func.func @gather_rows(%t: tensor<40x8xbf16>, %i: tensor<5xi32>) -> tensor<5x8xbf16> {
  %0 = xf.gather %t[%i] : (tensor<40x8xbf16>, tensor<5xi32>) -> tensor<5x8xbf16>
  return %0 : tensor<5x8xbf16>
}

// -----

// 20 i64 indices (i32 on the target) into a [10, 100] table: tiles of 16
// indices (the small target's partitions) and 4, each with its own index
// tile, gather and store, spread over the DMA queues.
// CHECK-LABEL: nc.kernel @gather_index_tiles
// CHECK: nc.tensor input @arg1 : tensor<2x10xi32>
// CHECK: nc.dma <sbuf[0, 16] at [[I0:[0-9]+]] dims [1] {{.*}}, <hbm @arg1[16 x 1] at 0 dims [1] strides [1] : i32>
// CHECK-NEXT: nc.dma_gather <sbuf[0, 16] at [[R0:[0-9]+]] dims [100] {{.*}}, <hbm @arg0[10 x 100] at 0 dims [100] strides [1] : f32>[<sbuf[0, 16] at [[I0]]
// CHECK-NEXT: nc.dma <hbm @out0[16 x 100] at 0 dims [100] strides [1] : f32>, <sbuf[0, 16] at [[R0]]
// CHECK-NEXT: nc.dma <sbuf[0, 4] at [[I1:[0-9]+]] dims [1] {{.*}}, <hbm @arg1[4 x 1] at 16 dims [1]
// CHECK-NEXT: nc.dma_gather <sbuf[0, 4] at [[R1:[0-9]+]] dims [100] {{.*}}, <hbm @arg0[10 x 100] at 0 {{.*}}[<sbuf[0, 4] at [[I1]] {{.*}} {queue = #nc.queue<dma1>}
// CHECK-NEXT: nc.dma <hbm @out0[4 x 100] at 1600 dims [100] strides [1] : f32>, <sbuf[0, 4] at [[R1]]
// CHECK-NOT: {{^ *}}nc.
func.func @gather_index_tiles(%t: tensor<10x100xf32>, %i: tensor<2x10xi64>) -> tensor<2x10x100xf32> {
  %0 = xf.gather %t[%i] : (tensor<10x100xf32>, tensor<2x10xi64>) -> tensor<2x10x100xf32>
  return %0 : tensor<2x10x100xf32>
}

// -----

// Rows wider than an SBUF partition (3000 bf16 = 6000 bytes; small has
// 4096 per partition), with a single index tile: the columns go in chunks
// through two row buffers, so the next chunk's gather overlaps the last
// one's store. Each chunk's gather reads columns [d0, d0 + dn) of every
// table row.
// CHECK-LABEL: nc.kernel @gather_wide_rows
// CHECK: nc.dma <sbuf[0, 3] at [[I:[0-9]+]] dims [1]
// CHECK-NEXT: nc.dma_gather <sbuf[0, 3] at [[RA:[0-9]+]] dims [[[N:[0-9]+]]] {{.*}}, <hbm @arg0[7 x 3000] at 0 dims [[[N]]] strides [1] : bf16>[<sbuf[0, 3] at [[I]]
// CHECK-NEXT: nc.dma <hbm @out0[3 x 3000] at 0 dims [[[N]]] strides [1] : bf16>, <sbuf[0, 3] at [[RA]]
// CHECK-NEXT: nc.dma_gather <sbuf[0, 3] at [[RB:[0-9]+]] dims [{{[0-9]+}}] {{.*}}, <hbm @arg0[7 x 3000] at [[N]] dims
// CHECK-NOT: at [[RA]] dims
// CHECK: nc.dma <hbm @out0[3 x 3000] at [[N]] dims {{.*}}, <sbuf[0, 3] at [[RB]]
func.func @gather_wide_rows(%t: tensor<7x3000xbf16>, %i: tensor<3xi32>) -> tensor<3x3000xbf16> {
  %0 = xf.gather %t[%i] : (tensor<7x3000xbf16>, tensor<3xi32>) -> tensor<3x3000xbf16>
  return %0 : tensor<3x3000xbf16>
}
