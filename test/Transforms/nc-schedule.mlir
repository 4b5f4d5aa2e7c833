// RUN: muir-opt %s -split-input-file -verify-diagnostics --pass-pipeline='builtin.module(nc.kernel(muir-nc-schedule))' | FileCheck %s

// Program order puts the Scalar work on the big load first; the small load
// arrives ~17 us earlier, so its activation moves ahead of the other one.
// CHECK-LABEL: nc.kernel @ready_first
nc.kernel @ready_first target = "trn2" {
  nc.tensor input @big : tensor<128x4096xf32> at 0
  nc.tensor input @small : tensor<128x64xf32> at 2097152
  // CHECK: nc.dma <sbuf[0, 128] at 0 dims [4096]
  // CHECK-NEXT: nc.dma <sbuf[0, 128] at 16384 dims [64]
  // CHECK-NEXT: nc.activation exp <sbuf[0, 128] at 16384 dims [64]
  // CHECK-NEXT: nc.activation exp <sbuf[0, 128] at 0 dims [4096]
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [4096] strides [1] : f32>, #nc.ap<hbm @big[128 x 4096] at 0 dims [4096] strides [1] : f32>
  nc.dma #nc.ap<sbuf[0, 128] at 16384 dims [64] strides [1] : f32>, #nc.ap<hbm @small[128 x 64] at 0 dims [64] strides [1] : f32> {queue = #nc.queue<dma1>}
  nc.activation exp #nc.ap<sbuf[0, 128] at 0 dims [4096] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [4096] strides [1] : f32>
  nc.activation exp #nc.ap<sbuf[0, 128] at 16384 dims [64] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 16384 dims [64] strides [1] : f32>
}

// -----

// Conflicts keep their order whatever the engines' readiness: the reload
// of buffer 0 (write after read) stays after the activation reading it, the
// copy (read after write) after the reload, and the two writes of buffer
// 65536 (write after write) in program order.
// CHECK-LABEL: nc.kernel @conflicts_kept
nc.kernel @conflicts_kept target = "trn2" {
  nc.tensor input @a : tensor<128x4096xf32> at 0
  nc.tensor input @b : tensor<128x16xf32> at 2097152
  // CHECK: nc.dma <sbuf[0, 128] at 0 dims [4096] {{.*}}@a
  // CHECK: nc.activation exp <sbuf[0, 128] at 65536 dims [4096] {{.*}}, <sbuf[0, 128] at 0 dims [4096]
  // CHECK: nc.dma <sbuf[0, 128] at 0 dims [16] {{.*}}@b
  // CHECK: nc.tensor_copy <sbuf[0, 128] at 65536 dims [16] {{.*}}, <sbuf[0, 128] at 0 dims [16]
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [4096] strides [1] : f32>, #nc.ap<hbm @a[128 x 4096] at 0 dims [4096] strides [1] : f32>
  nc.activation exp #nc.ap<sbuf[0, 128] at 65536 dims [4096] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [4096] strides [1] : f32>
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [16] strides [1] : f32>, #nc.ap<hbm @b[128 x 16] at 0 dims [16] strides [1] : f32> {queue = #nc.queue<dma1>}
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 65536 dims [16] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [16] strides [1] : f32> {queue = #nc.queue<pool>}
}

// -----

// Accumulating matmuls into one PSUM tile stay in order (each reads and
// writes it); an independent matmul whose operands are ready sooner goes
// first.
// CHECK-LABEL: nc.kernel @accumulation_order
nc.kernel @accumulation_order target = "trn2" {
  nc.tensor input @a : tensor<128x8192xbf16> at 0
  nc.tensor input @b : tensor<128x128xbf16> at 2097152
  // CHECK: nc.matmul <psum[0, 128] at 2048 {{.*}}<sbuf[0, 128] at 32768 dims [128]
  // CHECK: nc.matmul <psum[0, 128] at 0 {{.*}}<sbuf[0, 128] at 0 dims [128]
  // CHECK-NOT: accumulate
  // CHECK: nc.matmul <psum[0, 128] at 0 {{.*}}<sbuf[0, 128] at 256 dims [128] {{.*}} {accumulate}
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [8192] strides [1] : bf16>, #nc.ap<hbm @a[128 x 8192] at 0 dims [8192] strides [1] : bf16>
  nc.dma #nc.ap<sbuf[0, 128] at 32768 dims [128] strides [1] : bf16>, #nc.ap<hbm @b[128 x 128] at 0 dims [128] strides [1] : bf16> {queue = #nc.queue<dma1>}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 256 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [128] strides [1] : bf16> {accumulate}
  nc.matmul #nc.ap<psum[0, 128] at 2048 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 32768 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 32768 dims [128] strides [1] : bf16>
}

// -----

// expected-error @below {{unknown target 'nosuchtarget'}}
nc.kernel @unknown_target target = "nosuchtarget" {
  nc.tensor input @a : tensor<4x4xf32> at 0
  nc.dma #nc.ap<sbuf[0, 4] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @a[4 x 4] at 0 dims [4] strides [1] : f32>
  nc.dma #nc.ap<sbuf[0, 4] at 64 dims [4] strides [1] : f32>, #nc.ap<hbm @a[4 x 4] at 0 dims [4] strides [1] : f32>
}

// -----

// A write over the first half of a tile's bytes (all its partitions) trims
// the earlier read of the tile to the second half; a later write to the
// second half still waits for that read (write after read), although its
// data is ready long before: it stays after the activation, as do the
// writes to the first half (through the trimming write).
// CHECK-LABEL: nc.kernel @trimmed_read_keeps_its_conflicts
nc.kernel @trimmed_read_keeps_its_conflicts target = "trn2" {
  nc.tensor input @big : tensor<128x4096xf32> at 0
  nc.tensor input @small : tensor<128x2048xf32> at 2097152
  // CHECK: nc.dma <sbuf[0, 128] at 0 dims [4096]
  // CHECK-NEXT: nc.activation exp <sbuf[0, 128] at 65536 dims [4096] {{.*}}, <sbuf[0, 128] at 0 dims [4096]
  // CHECK-DAG: nc.dma <sbuf[0, 128] at 0 dims [2048]
  // CHECK-DAG: nc.dma <sbuf[0, 128] at 8192 dims [16]
  // CHECK-DAG: nc.dma <sbuf[0, 128] at 0 dims [16]
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [4096] strides [1] : f32>, #nc.ap<hbm @big[128 x 4096] at 0 dims [4096] strides [1] : f32>
  nc.activation exp #nc.ap<sbuf[0, 128] at 65536 dims [4096] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [4096] strides [1] : f32>
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [2048] strides [1] : f32>, #nc.ap<hbm @small[128 x 2048] at 0 dims [2048] strides [1] : f32> {queue = #nc.queue<dma1>}
  nc.dma #nc.ap<sbuf[0, 128] at 8192 dims [16] strides [1] : f32>, #nc.ap<hbm @small[128 x 2048] at 0 dims [16] strides [1] : f32> {queue = #nc.queue<dma2>}
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [16] strides [1] : f32>, #nc.ap<hbm @small[128 x 2048] at 0 dims [16] strides [1] : f32> {queue = #nc.queue<dma3>}
}

// -----

// A collective occupies its queue for the machine's collective time (here a
// 1 MiB all-reduce over a trn2 chip's 8 cores, ~28 us), so the load of its
// result cannot start before it ends: the independent load, later in
// program order, goes first on the shared DMA queue and its activation
// first on the Scalar engine. (The collective runs on dma16, the first of
// the chip's collective-communication queues.)
// CHECK-LABEL: nc.kernel @collective_ready_late
nc.kernel @collective_ready_late target = "trn2-chip" {
  nc.tensor input @p : tensor<128x4096xbf16> at 0
  nc.tensor input @x : tensor<128x512xf32> at 1048576
  nc.tensor scratch @s : tensor<128x4096xbf16> at 2097152
  // CHECK: nc.dma <sbuf[0, 128] at 65536 dims [512] {{.*}}@x
  // CHECK: nc.activation exp <sbuf[0, 128] at 65536
  // CHECK: nc.dma <sbuf[0, 128] at 0 dims [4096] {{.*}}@s
  // CHECK-NEXT: nc.activation exp <sbuf[0, 128] at 0
  nc.all_reduce add #nc.ap<hbm @s[128 x 4096] at 0 dims [4096] strides [1] : bf16>, #nc.ap<hbm @p[128 x 4096] at 0 dims [4096] strides [1] : bf16> groups dense<[[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi64> {queue = #nc.queue<dma16>}
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [4096] strides [1] : bf16>, #nc.ap<hbm @s[128 x 4096] at 0 dims [4096] strides [1] : bf16> {queue = #nc.queue<dma1>}
  nc.activation exp #nc.ap<sbuf[0, 128] at 0 dims [4096] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [4096] strides [1] : bf16>
  nc.dma #nc.ap<sbuf[0, 128] at 65536 dims [512] strides [1] : f32>, #nc.ap<hbm @x[128 x 512] at 0 dims [512] strides [1] : f32> {queue = #nc.queue<dma1>}
  nc.activation exp #nc.ap<sbuf[0, 128] at 65536 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 65536 dims [512] strides [1] : f32>
}

// -----

// An HBM write retires the earlier accesses it covers (later conflicts reach
// them through it), and a block of rows of a wider tensor covers only its
// own columns: writing columns [0, 64) of @t leaves the read of columns
// [64, 128) live, so the later write of those columns, on the queue that
// would otherwise start first, still waits for the read.
// CHECK-LABEL: nc.kernel @row_block_cover
nc.kernel @row_block_cover target = "trn2" {
  nc.tensor output @t : tensor<16x128xf32> at 0
  // CHECK: nc.dma <sbuf[0, 16] at 0 dims [64] {{.*}}, <hbm @t[16 x 128] at 64
  // CHECK: nc.dma <hbm @t[16 x 128] at 64 dims [64] {{.*}}, <sbuf[0, 16] at 8192
  nc.dma #nc.ap<sbuf[0, 16] at 0 dims [64] strides [1] : f32>, #nc.ap<hbm @t[16 x 128] at 64 dims [64] strides [1] : f32> {queue = #nc.queue<dma2>}
  nc.dma #nc.ap<hbm @t[16 x 128] at 0 dims [64] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 4096 dims [64] strides [1] : f32> {queue = #nc.queue<dma1>}
  nc.dma #nc.ap<hbm @t[16 x 128] at 64 dims [64] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 8192 dims [64] strides [1] : f32>
}

// -----

// Point-to-point transfers keep their program order among themselves (a
// rank's k-th recv takes its source's k-th send): the second recv feeds a
// long chain and would go first by priority, but stays after the first.
// CHECK-LABEL: nc.kernel @recvs_in_order
nc.kernel @recvs_in_order target = "trn2-chip" {
  nc.tensor scratch @a : tensor<128x64xf32> at 0
  nc.tensor scratch @b : tensor<128x64xf32> at 32768
  nc.tensor output @out0 : tensor<128x64xf32> at 65536
  // CHECK: nc.send <hbm @a
  // CHECK-NEXT: nc.send <hbm @b
  // CHECK-NEXT: nc.recv <hbm @a
  // CHECK-NEXT: nc.recv <hbm @b
  nc.send #nc.ap<hbm @a[128 x 64] at 0 dims [64] strides [1] : f32> pairs dense<[[0, 1]]> : tensor<1x2xi64> {queue = #nc.queue<dma16>}
  nc.send #nc.ap<hbm @b[128 x 64] at 0 dims [64] strides [1] : f32> pairs dense<[[0, 1]]> : tensor<1x2xi64> {queue = #nc.queue<dma16>}
  nc.recv #nc.ap<hbm @a[128 x 64] at 0 dims [64] strides [1] : f32> pairs dense<[[0, 1]]> : tensor<1x2xi64> {queue = #nc.queue<dma16>}
  nc.recv #nc.ap<hbm @b[128 x 64] at 0 dims [64] strides [1] : f32> pairs dense<[[0, 1]]> : tensor<1x2xi64> {queue = #nc.queue<dma16>}
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [64] strides [1] : f32>, #nc.ap<hbm @b[128 x 64] at 0 dims [64] strides [1] : f32>
  nc.activation exp #nc.ap<sbuf[0, 128] at 256 dims [64] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [64] strides [1] : f32>
  nc.activation exp #nc.ap<sbuf[0, 128] at 512 dims [64] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 256 dims [64] strides [1] : f32>
  nc.activation exp #nc.ap<sbuf[0, 128] at 768 dims [64] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 512 dims [64] strides [1] : f32>
  nc.dma #nc.ap<hbm @out0[128 x 64] at 0 dims [64] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 768 dims [64] strides [1] : f32>
}
