// RUN: not muir-sim %s 2>&1 | FileCheck %s --check-prefix=VERIFY
// RUN: not muir-sim %s --no-verify 2>&1 | FileCheck %s

// An indirect DMA's table tile is bounded by its tensor, not by the SBUF;
// one of 3.9e17 rows at partition stride 0 repeats the table's 12 elements
// and would only cost host memory (the sim fuzzer's allocation-size report:
// the simulator sized a per-row array by it). The verifier refuses it, and
// program validation too when the verifier is skipped.
// VERIFY: error: 'nc.dma_gather' op table tile has 1182529348255285260 elements, more than tensor @table's 12
// CHECK: muir-sim: instruction #0 (dma0 dma_gather): table tile hbm @table[394176449418428420 x 0] at 0 dims [3] strides [1] : f32 has 1182529348255285260 elements, more than tensor @table's 12 (out of range)
nc.kernel @table_rows target = "small" {
  nc.tensor const @table : tensor<4x3xf32> at 0 = dense<1.0> : tensor<4x3xf32>
  nc.dma_gather <sbuf[0, 2] at 16 dims [3] strides [1] : f32>, <hbm @table[394176449418428420 x 0] at 0 dims [3] strides [1] : f32>[<sbuf[0, 2] at 0 dims [1] strides [1] : i32>]
}
