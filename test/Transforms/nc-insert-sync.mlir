// RUN: muir-opt %s -split-input-file --pass-pipeline='builtin.module(nc.kernel(muir-nc-insert-sync))' | FileCheck %s

// A load, a matmul, an evacuation and a store: each waits for the one before
// it (RAW across queues); only producers signal, one semaphore per queue.
// CHECK-LABEL: nc.kernel @chain target = "trn2" semaphores = 3
nc.kernel @chain target = "trn2" {
  nc.tensor input @a : tensor<128x128xbf16> at 0
  nc.tensor output @c : tensor<128x128xf32> at 32768
  // CHECK: nc.dma {{.*}} {signal = array<i64: 2>}
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 0 dims [128] strides [1] : bf16>
  // CHECK-NEXT: nc.matmul {{.*}} {signal = array<i64: 0>, wait = array<i64: 2, 1>}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>
  // CHECK-NEXT: nc.tensor_copy {{.*}} {signal = array<i64: 1>, wait = array<i64: 0, 1>}
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 512 dims [128] strides [1] : f32>, #nc.ap<psum[0, 128] at 0 dims [128] strides [1] : f32>
  // CHECK-NEXT: nc.dma {{.*}} {queue = #nc.queue<dma1>, wait = array<i64: 1, 1>}
  nc.dma #nc.ap<hbm @c[128 x 128] at 0 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 512 dims [128] strides [1] : f32> {queue = #nc.queue<dma1>}
}

// -----

// Write after read: reloading a buffer waits for the matmul that read it;
// the second load's buffer is disjoint from the first matmul's, so the second
// matmul waits for that load alone.
// CHECK-LABEL: nc.kernel @reuse
nc.kernel @reuse target = "trn2" {
  nc.tensor input @a : tensor<256x128xbf16> at 0
  // CHECK: nc.dma {{.*}}at 0 dims{{.*}} {signal = array<i64: 1>}
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 0 dims [128] strides [1] : bf16>
  // CHECK-NEXT: nc.dma {{.*}}at 256 dims{{.*}} {queue = #nc.queue<dma1>, signal = array<i64: 2>}
  nc.dma #nc.ap<sbuf[0, 128] at 256 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 16384 dims [128] strides [1] : bf16> {queue = #nc.queue<dma1>}
  // CHECK-NEXT: nc.matmul {{.*}} {signal = array<i64: 0>, wait = array<i64: 1, 1>}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>
  // CHECK-NEXT: nc.matmul {{.*}} {accumulate, wait = array<i64: 2, 1>}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 256 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [128] strides [1] : bf16> {accumulate}
  // The reload of the first buffer waits for the first matmul only.
  // CHECK-NEXT: nc.dma {{.*}}at 0 dims{{.*}} {wait = array<i64: 0, 1>}
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 0 dims [128] strides [1] : bf16>
}

// -----

// HBM tiles are compared row by row: interleaved column blocks of one
// tensor do not conflict, overlapping ones do.
// CHECK-LABEL: nc.kernel @hbm_rows
nc.kernel @hbm_rows target = "trn2" {
  nc.tensor output @c : tensor<128x1024xf32> at 0
  // CHECK: nc.iota {{.*}} {base = 0 : i64, {{.*}}signal = array<i64: 0>}
  nc.iota #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32> {base = 0, channel_multiplier = 0, coefficients = array<i64: 0>}
  // CHECK-NEXT: nc.dma {{.*}} {signal = array<i64: 1>, wait = array<i64: 0, 1>}
  nc.dma #nc.ap<hbm @c[128 x 1024] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32>
  // CHECK-NEXT: nc.dma {{.*}} {queue = #nc.queue<dma1>, signal = array<i64: 2>, wait = array<i64: 0, 1>}
  nc.dma #nc.ap<hbm @c[128 x 1024] at 512 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32> {queue = #nc.queue<dma1>}
  // Columns 256..767 overlap both earlier stores; the iota is implied.
  // CHECK-NEXT: nc.dma {{.*}} {queue = #nc.queue<dma2>, wait = array<i64: 1, 1, 2, 1>}
  nc.dma #nc.ap<hbm @c[128 x 1024] at 256 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32> {queue = #nc.queue<dma2>}
}

// -----

// Tiles with an outer stride (rows of every head of a [2, 32, 8] tensor, as
// rope stores them) are compared exactly: rows 0-15 and 16-31 of both heads
// are disjoint although their bounding intervals interleave; rows 15-16
// meet both; rows 8-9 of the second head alone meet only the first store.
// CHECK-LABEL: nc.kernel @hbm_outer_strides
nc.kernel @hbm_outer_strides target = "trn2" {
  nc.tensor output @o : tensor<2x32x8xf32> at 0
  // CHECK: nc.iota
  nc.iota #nc.ap<sbuf[0, 16] at 0 dims [2, 8] strides [8, 1] : f32> {base = 0, channel_multiplier = 0, coefficients = array<i64: 0, 0>}
  // CHECK-NEXT: nc.dma {{.*}} {signal = array<i64: 1>, wait = array<i64: 0, 1>}
  nc.dma #nc.ap<hbm @o[16 x 8] at 0 dims [2, 8] strides [256, 1] : f32>, #nc.ap<sbuf[0, 16] at 0 dims [2, 8] strides [8, 1] : f32>
  // CHECK-NEXT: nc.dma {{.*}} {queue = #nc.queue<dma1>, signal = array<i64: 2>, wait = array<i64: 0, 1>}
  nc.dma #nc.ap<hbm @o[16 x 8] at 128 dims [2, 8] strides [256, 1] : f32>, #nc.ap<sbuf[0, 16] at 0 dims [2, 8] strides [8, 1] : f32> {queue = #nc.queue<dma1>}
  // CHECK-NEXT: nc.dma {{.*}} {queue = #nc.queue<dma2>, wait = array<i64: 1, 1, 2, 1>}
  nc.dma #nc.ap<hbm @o[2 x 8] at 120 dims [2, 8] strides [256, 1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [2, 8] strides [8, 1] : f32> {queue = #nc.queue<dma2>}
  // CHECK-NEXT: nc.dma {{.*}} {queue = #nc.queue<dma3>, wait = array<i64: 1, 1>}
  nc.dma #nc.ap<hbm @o[2 x 8] at 320 dims [1, 8] strides [256, 1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [1, 8] strides [8, 1] : f32> {queue = #nc.queue<dma3>}
}

// -----

// Tiles larger than the pass's address buckets (2 KiB of SBUF, 64 Ki HBM
// elements): a store of rows 0-127 of a 1024-wide f32 tensor (131,072
// elements) and a load of its last row (elements 130,048-131,071, another
// bucket than the store's first) still conflict; so do SBUF tiles meeting
// only in the last bytes of a tile spanning two buckets. A load of a
// different tensor at the same offsets does not wait.
// CHECK-LABEL: nc.kernel @wide_tiles
nc.kernel @wide_tiles target = "trn2" {
  nc.tensor output @c : tensor<128x1024xf32> at 0
  nc.tensor input @d : tensor<128x1024xf32> at 524288
  // CHECK: nc.iota {{.*}}signal = array<i64: 0>
  nc.iota #nc.ap<sbuf[0, 128] at 0 dims [1024] strides [1] : f32> {base = 0, channel_multiplier = 0, coefficients = array<i64: 0>}
  // CHECK-NEXT: nc.dma {{.*}}@c[128 x 1024] at 0 {{.*}} {signal = array<i64: 1>, wait = array<i64: 0, 1>}
  nc.dma #nc.ap<hbm @c[128 x 1024] at 0 dims [1024] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [1024] strides [1] : f32>
  // CHECK-NEXT: nc.dma {{.*}}@c[1 x 1024] at 130048 {{.*}} {queue = #nc.queue<dma1>, wait = array<i64: 1, 1>}
  nc.dma #nc.ap<sbuf[0, 1] at 8192 dims [1024] strides [1] : f32>, #nc.ap<hbm @c[1 x 1024] at 130048 dims [1024] strides [1] : f32> {queue = #nc.queue<dma1>}
  // CHECK-NEXT: nc.dma {{.*}}@d[1 x 1024] at 130048 {{.*}} {queue = #nc.queue<dma2>}
  nc.dma #nc.ap<sbuf[0, 1] at 16384 dims [1024] strides [1] : f32>, #nc.ap<hbm @d[1 x 1024] at 130048 dims [1024] strides [1] : f32> {queue = #nc.queue<dma2>}
  // The iota's tile, which the store reads, is SBUF bytes [0, 4096), two
  // buckets; this write of bytes [4092, 4100) meets only its last element,
  // in the second bucket: it waits for the store (write after read; the
  // iota, which the store waited for, is implied).
  // CHECK-NEXT: nc.activation exp <sbuf[0, 1] at 4092 {{.*}} {wait = array<i64: 1, 1>}
  nc.activation exp #nc.ap<sbuf[0, 1] at 4092 dims [2] strides [1] : f32>, #nc.ap<sbuf[0, 1] at 4092 dims [2] strides [1] : f32>
}
