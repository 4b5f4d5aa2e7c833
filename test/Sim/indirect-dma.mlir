// nc.dma_gather / nc.dma_scatter: rows chosen by i32 indices in SBUF, on
// the simulator; values worked out by hand beside each check.
// RUN: muir-sim %s --kernel=gather --print | FileCheck %s --check-prefix=GATHER
// RUN: muir-sim %s --kernel=scatter_in_place --input=cache=%S/Inputs/cache-4x2.npy --print | FileCheck %s --check-prefix=SCATTER
// RUN: not muir-sim %s --kernel=gather_out_of_range 2>&1 | FileCheck %s --check-prefix=OOB
// RUN: not muir-sim %s --kernel=scatter_negative 2>&1 | FileCheck %s --check-prefix=NEG
// RUN: not muir-sim %s --kernel=gather_unwritten_index 2>&1 | FileCheck %s --check-prefix=UNINIT
// RUN: muir-sim %s --kernel=gather --report | FileCheck %s --check-prefix=REPORT
// RUN: not muir-sim %s --kernel=scatter_race 2>&1 | FileCheck %s --check-prefix=RACE

// Table rows r = [10r, 10r + 1, 10r + 2]; indices [3, 0, 3]: rows 3, 0, 3.
// GATHER-LABEL: @y : 3x3xf32
// GATHER-NEXT: [0] 30 31 32
// GATHER-NEXT: [1] 0 1 2
// GATHER-NEXT: [2] 30 31 32
// HBM read: 12 bytes of indices + 3 rows x 12 bytes; 36 bytes stored. The
// gather on dma1: 600 ns fixed + 36 B at 23 B/ns x size efficiency of 12-byte
// descriptors (0.5 x 12 / 256: below the curve's first point) + 3 rows x
// 2 ns = 672.8 ns of the 3.406 us run = 19.8 %.
// REPORT: hbm bytes read 48
// REPORT-NEXT: hbm bytes written 36
// REPORT: dma1 19.8 %
nc.kernel @gather target = "small" semaphores = 2 {
  nc.tensor const @table : tensor<4x3xf32> at 0 = dense<[[0.0, 1.0, 2.0], [10.0, 11.0, 12.0], [20.0, 21.0, 22.0], [30.0, 31.0, 32.0]]> : tensor<4x3xf32>
  nc.tensor const @idx : tensor<3xi32> at 64 = dense<[3, 0, 3]> : tensor<3xi32>
  nc.tensor output @y : tensor<3x3xf32> at 128
  nc.dma #nc.ap<sbuf[0, 3] at 0 dims [1] strides [1] : i32>, #nc.ap<hbm @idx[3 x 1] at 0 dims [1] strides [1] : i32> {signal = array<i64: 0>}
  nc.dma_gather #nc.ap<sbuf[0, 3] at 16 dims [3] strides [1] : f32>, #nc.ap<hbm @table[4 x 3] at 0 dims [3] strides [1] : f32>[#nc.ap<sbuf[0, 3] at 0 dims [1] strides [1] : i32>] {queue = #nc.queue<dma1>, wait = array<i64: 0, 1>, signal = array<i64: 1>}
  nc.dma #nc.ap<hbm @y[3 x 3] at 0 dims [3] strides [1] : f32>, #nc.ap<sbuf[0, 3] at 16 dims [3] strides [1] : f32> {wait = array<i64: 1, 1>}
}

// A cache [4 rows x 2] updated in place: @new lies on @cache (an output on
// an input), rows 2 and 0 get [7, 8] and [5, 6]; rows 1 and 3 keep theirs.
// SCATTER-LABEL: @new : 4x2xf32
// SCATTER-NEXT: [0] 5 6
// SCATTER-NEXT: [1] 1 1
// SCATTER-NEXT: [2] 7 8
// SCATTER-NEXT: [3] 3 3
nc.kernel @scatter_in_place target = "small" semaphores = 1 {
  nc.tensor input @cache : tensor<4x2xf32> at 0
  nc.tensor output @new : tensor<4x2xf32> at 0
  nc.tensor const @rows : tensor<2x2xf32> at 64 = dense<[[7.0, 8.0], [5.0, 6.0]]> : tensor<2x2xf32>
  nc.tensor const @idx : tensor<2xi32> at 128 = dense<[2, 0]> : tensor<2xi32>
  nc.dma #nc.ap<sbuf[0, 2] at 0 dims [1] strides [1] : i32>, #nc.ap<hbm @idx[2 x 1] at 0 dims [1] strides [1] : i32> {signal = array<i64: 0>}
  nc.dma #nc.ap<sbuf[0, 2] at 16 dims [2] strides [1] : f32>, #nc.ap<hbm @rows[2 x 2] at 0 dims [2] strides [1] : f32> {queue = #nc.queue<dma1>, signal = array<i64: 0>}
  nc.dma_scatter #nc.ap<hbm @new[4 x 2] at 0 dims [2] strides [1] : f32>[#nc.ap<sbuf[0, 2] at 0 dims [1] strides [1] : i32>], #nc.ap<sbuf[0, 2] at 16 dims [2] strides [1] : f32> {queue = #nc.queue<dma2>, wait = array<i64: 0, 2>}
}

// OOB: muir-sim: instruction #1 (dma1 dma_gather): index 4 in row 1 of the indices tile (SBUF partition 1) is outside the table's 4 rows [0, 4)
nc.kernel @gather_out_of_range target = "small" semaphores = 1 {
  nc.tensor const @table : tensor<4x3xf32> at 0 = dense<1.0> : tensor<4x3xf32>
  nc.tensor const @idx : tensor<2xi32> at 64 = dense<[0, 4]> : tensor<2xi32>
  nc.dma #nc.ap<sbuf[0, 2] at 0 dims [1] strides [1] : i32>, #nc.ap<hbm @idx[2 x 1] at 0 dims [1] strides [1] : i32> {signal = array<i64: 0>}
  nc.dma_gather #nc.ap<sbuf[0, 2] at 16 dims [3] strides [1] : f32>, #nc.ap<hbm @table[4 x 3] at 0 dims [3] strides [1] : f32>[#nc.ap<sbuf[0, 2] at 0 dims [1] strides [1] : i32>] {queue = #nc.queue<dma1>, wait = array<i64: 0, 1>}
}

// NEG: muir-sim: instruction #2 (dma0 dma_scatter): index -1 in row 0 of the indices tile (SBUF partition 0) is outside the table's 4 rows [0, 4)
nc.kernel @scatter_negative target = "small" semaphores = 1 {
  nc.tensor output @t : tensor<4x2xf32> at 0
  nc.tensor const @idx : tensor<1xi32> at 64 = dense<[-1]> : tensor<1xi32>
  nc.dma #nc.ap<sbuf[0, 1] at 0 dims [1] strides [1] : i32>, #nc.ap<hbm @idx[1 x 1] at 0 dims [1] strides [1] : i32> {signal = array<i64: 0>}
  nc.iota #nc.ap<sbuf[0, 1] at 16 dims [2] strides [1] : f32> {base = 0, channel_multiplier = 0, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.dma_scatter #nc.ap<hbm @t[4 x 2] at 0 dims [2] strides [1] : f32>[#nc.ap<sbuf[0, 1] at 0 dims [1] strides [1] : i32>], #nc.ap<sbuf[0, 1] at 16 dims [2] strides [1] : f32> {wait = array<i64: 0, 2>}
}

// UNINIT: muir-sim: read of uninitialized memory: instruction #0 (dma0 dma_gather) reads sbuf partition 0 byte 0, which no instruction has written
nc.kernel @gather_unwritten_index target = "small" semaphores = 0 {
  nc.tensor const @table : tensor<4x3xf32> at 0 = dense<1.0> : tensor<4x3xf32>
  nc.dma_gather #nc.ap<sbuf[0, 2] at 16 dims [3] strides [1] : f32>, #nc.ap<hbm @table[4 x 3] at 0 dims [3] strides [1] : f32>[#nc.ap<sbuf[0, 2] at 0 dims [1] strides [1] : i32>]
}

// The rows a scatter writes are known only when it runs: for the hazard
// checker it writes its whole table tile, so an unsynchronised read of any
// row of the table (here row 3, while the index selects row 0) races.
// RACE: muir-sim: hazard: instruction #2 (dma0 dma_scatter) writes hbm tensor @t bytes [24, 32) while instruction #3 (dma1 dma) reads them with no semaphore ordering between the two
nc.kernel @scatter_race target = "small" semaphores = 1 {
  nc.tensor output @t : tensor<4x2xf32> at 0
  nc.tensor const @idx : tensor<1xi32> at 64 = dense<[0]> : tensor<1xi32>
  nc.dma #nc.ap<sbuf[0, 1] at 0 dims [1] strides [1] : i32>, #nc.ap<hbm @idx[1 x 1] at 0 dims [1] strides [1] : i32> {signal = array<i64: 0>}
  nc.iota #nc.ap<sbuf[0, 1] at 16 dims [2] strides [1] : f32> {base = 0, channel_multiplier = 0, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.dma_scatter #nc.ap<hbm @t[4 x 2] at 0 dims [2] strides [1] : f32>[#nc.ap<sbuf[0, 1] at 0 dims [1] strides [1] : i32>], #nc.ap<sbuf[0, 1] at 16 dims [2] strides [1] : f32> {wait = array<i64: 0, 2>}
  nc.dma #nc.ap<sbuf[0, 1] at 32 dims [2] strides [1] : f32>, #nc.ap<hbm @t[1 x 2] at 6 dims [2] strides [1] : f32> {queue = #nc.queue<dma1>}
}
