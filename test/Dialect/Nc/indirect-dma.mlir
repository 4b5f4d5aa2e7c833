// RUN: muir-opt %s | FileCheck %s
// RUN: muir-opt %s | muir-opt | FileCheck %s

// The indirect DMAs print and parse back: rows of an HBM table chosen by an
// SBUF i32 index tile, one row per partition.

// CHECK-LABEL: nc.kernel @indirect
// CHECK: nc.dma_gather <sbuf[0, 4] at 16 dims [8] strides [1] : bf16>, <hbm @table[100 x 8] at 0 dims [8] strides [1] : bf16>[<sbuf[0, 4] at 0 dims [1] strides [1] : i32>] {queue = #nc.queue<dma1>, signal = array<i64: 0>}
// CHECK-NEXT: nc.dma_scatter <hbm @cache[64 x 8] at 0 dims [8] strides [1] : bf16>[<sbuf[0, 4] at 0 dims [1] strides [1] : i32>], <sbuf[0, 4] at 16 dims [8] strides [1] : bf16> {queue = #nc.queue<dma2>, wait = array<i64: 0, 1>}
nc.kernel @indirect target = "trn2" semaphores = 1 {
  nc.tensor input @table : tensor<100x8xbf16> at 0
  nc.tensor input @cache : tensor<64x8xbf16> at 1664
  nc.dma_gather #nc.ap<sbuf[0, 4] at 16 dims [8] strides [1] : bf16>, #nc.ap<hbm @table[100 x 8] at 0 dims [8] strides [1] : bf16>[#nc.ap<sbuf[0, 4] at 0 dims [1] strides [1] : i32>] {queue = #nc.queue<dma1>, signal = array<i64: 0>}
  nc.dma_scatter #nc.ap<hbm @cache[64 x 8] at 0 dims [8] strides [1] : bf16>[#nc.ap<sbuf[0, 4] at 0 dims [1] strides [1] : i32>], #nc.ap<sbuf[0, 4] at 16 dims [8] strides [1] : bf16> {queue = #nc.queue<dma2>, wait = array<i64: 0, 1>}
}

// An output lying exactly on an input (an in-place update) is allowed.
// CHECK-LABEL: nc.kernel @alias
// CHECK: nc.tensor output @new : tensor<64x8xbf16> at 0
nc.kernel @alias target = "trn2" semaphores = 0 {
  nc.tensor input @cache : tensor<64x8xbf16> at 0
  nc.tensor output @new : tensor<64x8xbf16> at 0
}
