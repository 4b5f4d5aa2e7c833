// The hazard checker: cross-queue accesses with no semaphore path between
// them are errors (exit 2) naming both instructions and the region.
// RUN: not muir-sim %s --kernel=missing_wait 2>&1 | FileCheck %s --check-prefix=RAW
// RUN: not muir-sim %s --kernel=war_overwrite 2>&1 | FileCheck %s --check-prefix=WAR
// RUN: not muir-sim %s --kernel=hbm_write_write 2>&1 | FileCheck %s --check-prefix=WAW
// RUN: muir-sim %s --kernel=hbm_disjoint_columns --print | FileCheck %s --check-prefix=OK
// RUN: muir-sim %s --kernel=hbm_disjoint_heads --print | FileCheck %s --check-prefix=HEADS
// RUN: not muir-sim %s --kernel=hbm_heads_overlap 2>&1 | FileCheck %s --check-prefix=HEADSWAW
// RUN: muir-sim %s --kernel=transitive --print | FileCheck %s --check-prefix=TRANS
// RUN: not muir-sim %s --kernel=missing_wait --no-hazard-check 2>&1 | FileCheck %s --check-prefix=NOCHECK

// act reads what dve writes but never waits for dve's semaphore 1. The
// simulator runs act first (it is ready at time 0), so dve's later write is
// the access that finds the unordered read.
// RAW: muir-sim: hazard: instruction #1 (dve tensor_copy) writes sbuf partitions [0, 2) bytes [64, 80) while instruction #2 (act activation) reads them with no semaphore ordering between the two
nc.kernel @missing_wait target = "small" semaphores = 2 {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.dma #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> {signal = array<i64: 0>}
  nc.tensor_copy #nc.ap<sbuf[0, 2] at 64 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {wait = array<i64: 0, 1>, signal = array<i64: 1>}
  nc.activation exp #nc.ap<sbuf[0, 2] at 128 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 64 dims [4] strides [1] : f32>
}
// Without the checker the same race shows up as a read of never-written SBUF.
// NOCHECK: muir-sim: read of uninitialized memory: instruction #2 (act activation) reads sbuf partition 0 byte 64, which no instruction has written

// A second load into the buffer dve is still reading (write after read): the
// DMA waits only for the first load, not for dve's semaphore.
// WAR: muir-sim: hazard: instruction #1 (dve tensor_copy) reads sbuf partitions [0, 2) bytes [0, 16) while instruction #2 (dma1 dma) writes them with no semaphore ordering between the two
nc.kernel @war_overwrite target = "small" semaphores = 2 {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.dma #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> {signal = array<i64: 0>}
  nc.tensor_copy #nc.ap<sbuf[0, 2] at 64 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {wait = array<i64: 0, 1>, signal = array<i64: 1>}
  nc.dma #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> {queue = #nc.queue<dma1>, wait = array<i64: 0, 1>}
}

// Two DMA queues store overlapping rows of one output with no ordering.
// WAW: muir-sim: hazard: instruction #1 (dma0 dma) writes hbm tensor @y bytes [8, 16) while instruction #2 (dma1 dma) writes them with no semaphore ordering between the two
nc.kernel @hbm_write_write target = "small" semaphores = 1 {
  nc.tensor output @y : tensor<2x4xf32> at 0
  nc.iota #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {base = 0, channel_multiplier = 4, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.dma #nc.ap<hbm @y[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {queue = #nc.queue<dma0>, wait = array<i64: 0, 1>}
  nc.dma #nc.ap<hbm @y[2 x 4] at 2 dims [2] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [2] strides [1] : f32> {queue = #nc.queue<dma1>, wait = array<i64: 0, 1>}
}

// Left and right column halves of the same rows, from two queues: the rows'
// byte ranges interleave but never overlap, so this is not a hazard.
// OK-LABEL: @y : 2x4xf32
// OK-NEXT: [0] 0 1 2 3
// OK-NEXT: [1] 4 5 6 7
nc.kernel @hbm_disjoint_columns target = "small" semaphores = 1 {
  nc.tensor output @y : tensor<2x4xf32> at 0
  nc.iota #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {base = 0, channel_multiplier = 4, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.dma #nc.ap<hbm @y[2 x 4] at 0 dims [2] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [2] strides [1] : f32> {queue = #nc.queue<dma0>, wait = array<i64: 0, 1>}
  nc.dma #nc.ap<hbm @y[2 x 4] at 2 dims [2] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 8 dims [2] strides [1] : f32> {queue = #nc.queue<dma1>, wait = array<i64: 0, 1>}
}

// Rows 0-1 and rows 2-3 of both heads of a [2, 4, 2] tensor (head stride 8
// elements), from two queues: each tile's rows span both heads, so their
// bounding ranges interleave, but the checker compares each row's contiguous
// runs and finds no common byte.
// HEADS-LABEL: @y : 2x4x2xf32
// HEADS-NEXT: [0] 0 1
// HEADS-NEXT: [1] 4 5
// HEADS-NEXT: [2] 0 1
// HEADS-NEXT: [3] 4 5
// HEADS-NEXT: [4] 10 11
// HEADS-NEXT: [5] 14 15
// HEADS-NEXT: [6] 10 11
// HEADS-NEXT: [7] 14 15
nc.kernel @hbm_disjoint_heads target = "small" semaphores = 1 {
  nc.tensor output @y : tensor<2x4x2xf32> at 0
  nc.iota #nc.ap<sbuf[0, 2] at 0 dims [2, 2] strides [2, 1] : f32> {base = 0, channel_multiplier = 4, coefficients = array<i64: 10, 1>, signal = array<i64: 0>}
  nc.dma #nc.ap<hbm @y[2 x 2] at 0 dims [2, 2] strides [8, 1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [2, 2] strides [2, 1] : f32> {queue = #nc.queue<dma0>, wait = array<i64: 0, 1>}
  nc.dma #nc.ap<hbm @y[2 x 2] at 4 dims [2, 2] strides [8, 1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [2, 2] strides [2, 1] : f32> {queue = #nc.queue<dma1>, wait = array<i64: 0, 1>}
}

// The same with the second tile at rows 1-2: row 1 of each head is written
// twice with no order between the writes.
// HEADSWAW: muir-sim: hazard: instruction #{{[12]}} (dma{{[01]}} dma) writes hbm tensor @y bytes [8, 16) while instruction #{{[12]}} (dma{{[01]}} dma) writes them with no semaphore ordering between the two
nc.kernel @hbm_heads_overlap target = "small" semaphores = 1 {
  nc.tensor output @y : tensor<2x4x2xf32> at 0
  nc.iota #nc.ap<sbuf[0, 2] at 0 dims [2, 2] strides [2, 1] : f32> {base = 0, channel_multiplier = 4, coefficients = array<i64: 10, 1>, signal = array<i64: 0>}
  nc.dma #nc.ap<hbm @y[2 x 2] at 0 dims [2, 2] strides [8, 1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [2, 2] strides [2, 1] : f32> {queue = #nc.queue<dma0>, wait = array<i64: 0, 1>}
  nc.dma #nc.ap<hbm @y[2 x 2] at 2 dims [2, 2] strides [8, 1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [2, 2] strides [2, 1] : f32> {queue = #nc.queue<dma1>, wait = array<i64: 0, 1>}
}

// Ordering is transitive: pool -> dve -> act through two semaphores, so act
// may read what pool wrote although it never waits for pool directly.
// TRANS-LABEL: @y : 2x4xf32
// TRANS-NEXT: [0] 0 2 4 6
// TRANS-NEXT: [1] 8 10 12 14
nc.kernel @transitive target = "small" semaphores = 3 {
  nc.tensor output @y : tensor<2x4xf32> at 0
  nc.iota #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {base = 0, channel_multiplier = 4, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.nop {queue = #nc.queue<dve>, wait = array<i64: 0, 1>, signal = array<i64: 1>}
  nc.activation identity #nc.ap<sbuf[0, 2] at 64 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {scale = 2.0 : f32, wait = array<i64: 1, 1>, signal = array<i64: 2>}
  nc.dma #nc.ap<hbm @y[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 64 dims [4] strides [1] : f32> {wait = array<i64: 2, 1>}
}
