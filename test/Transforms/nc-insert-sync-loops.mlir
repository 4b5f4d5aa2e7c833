// RUN: muir-opt %s -split-input-file --pass-pipeline='builtin.module(nc.kernel(muir-nc-insert-sync))' | FileCheck %s

// muir-nc-insert-sync keeps loops: iteration k of a body instruction waits,
// per semaphore, for a count a + k * step (wait_steps), inside what it needs
// and what is already known done before it. Iterations where no such rule
// holds are peeled off in front of the loop.

// A streamed loop: load (dma), scale (Vector, dve), store (dma1), one
// buffer each. Iteration 0 waits for nothing before it, so it is peeled;
// from iteration 1 on, the load waits for the previous scale (WAR), the
// scale for its load and the previous store (WAR), the store for its
// scale: counts that grow by one per iteration.
// CHECK-LABEL: nc.kernel @stream target = "trn2" semaphores = 3
// CHECK:      nc.dma {{.*}}@x[128 x 128] at 0 {{.*}} {signal = array<i64: 1>}
// CHECK-NEXT: nc.tensor_scalar {{.*}} signal = array<i64: 0>, wait = array<i64: 1, 1>}
// CHECK-NEXT: nc.dma {{.*}}@y[128 x 128] at 0 {{.*}} {queue = #nc.queue<dma1>, signal = array<i64: 2>, wait = array<i64: 0, 1>}
// CHECK-NEXT: nc.loop 3 steps [0, 1, 0, 16384, 2, 0, 0, 16384] wait_steps [0, 0, 1, 1, 0, 1, 1, 1, 1, 2, 0, 1] {
// CHECK-NEXT:   nc.dma {{.*}}@x[128 x 128] at 16384 {{.*}} {signal = array<i64: 1>, wait = array<i64: 0, 1>}
// CHECK-NEXT:   nc.tensor_scalar {{.*}} signal = array<i64: 0>, wait = array<i64: 1, 2, 2, 1>}
// CHECK-NEXT:   nc.dma {{.*}}@y[128 x 128] at 16384 {{.*}} {queue = #nc.queue<dma1>, signal = array<i64: 2>, wait = array<i64: 0, 2>}
// CHECK-NEXT: }
nc.kernel @stream target = "trn2" {
  nc.tensor input @x : tensor<512x128xf32> at 0
  nc.tensor output @y : tensor<512x128xf32> at 262144
  nc.loop 4 steps [0, 1, 0, 16384, 2, 0, 0, 16384] {
    nc.dma #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : f32>, #nc.ap<hbm @x[128 x 128] at 0 dims [128] strides [1] : f32>
    nc.tensor_scalar mul #nc.ap<sbuf[0, 128] at 512 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : f32> {imm0 = 2.0 : f32, queue = #nc.queue<dve>}
    nc.dma #nc.ap<hbm @y[128 x 128] at 0 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 512 dims [128] strides [1] : f32> {queue = #nc.queue<dma1>}
  }
}

// -----

// Double buffering written as a loop of two tiles: each load waits for
// the scale of the previous iteration that read its buffer, each scale for
// its load and for the store that read its output buffer; counts on the
// Vector engine's and the store queue's semaphores grow by two per
// iteration (two signals each), the loads' by one. Only the first
// iteration is peeled.
// CHECK-LABEL: nc.kernel @double
// CHECK-COUNT-6: nc.{{dma|tensor_scalar}}
// CHECK-NEXT: nc.loop 3 steps [0, 1, 0, 32768, 1, 1, 0, 32768, 4, 0, 0, 32768, 5, 0, 0, 32768] wait_steps [0, 0, 2, 1, 0, 2, 2, 0, 1, 2, 1, 2, 3, 0, 2, 3, 1, 1, 4, 0, 2, 5, 0, 2] {
// CHECK-NEXT: nc.dma {{.*}}at 32768 {{.*}} {signal = array<i64: 1>, wait = array<i64: 0, 1>}
// CHECK-NEXT: nc.dma {{.*}}at 49152 {{.*}} {queue = #nc.queue<dma2>, signal = array<i64: 3>, wait = array<i64: 0, 2>}
// CHECK-NEXT: nc.tensor_scalar {{.*}} wait = array<i64: 1, 2, 2, 1>}
// CHECK-NEXT: nc.tensor_scalar {{.*}} wait = array<i64: 2, 2, 3, 2>}
// CHECK-NOT: nc.loop
nc.kernel @double target = "trn2" {
  nc.tensor input @x : tensor<1024x128xf32> at 0
  nc.tensor output @y : tensor<1024x128xf32> at 524288
  nc.loop 4 steps [0, 1, 0, 32768, 1, 1, 0, 32768, 4, 0, 0, 32768, 5, 0, 0, 32768] {
    nc.dma #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : f32>, #nc.ap<hbm @x[128 x 128] at 0 dims [128] strides [1] : f32>
    nc.dma #nc.ap<sbuf[0, 128] at 512 dims [128] strides [1] : f32>, #nc.ap<hbm @x[128 x 128] at 16384 dims [128] strides [1] : f32> {queue = #nc.queue<dma2>}
    nc.tensor_scalar mul #nc.ap<sbuf[0, 128] at 1024 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : f32> {imm0 = 2.0 : f32, queue = #nc.queue<dve>}
    nc.tensor_scalar mul #nc.ap<sbuf[0, 128] at 1536 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 512 dims [128] strides [1] : f32> {imm0 = 2.0 : f32, queue = #nc.queue<dve>}
    nc.dma #nc.ap<hbm @y[128 x 128] at 0 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 1024 dims [128] strides [1] : f32> {queue = #nc.queue<dma1>}
    nc.dma #nc.ap<hbm @y[128 x 128] at 16384 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 1536 dims [128] strides [1] : f32> {queue = #nc.queue<dma1>}
  }
}

// -----

// Each product reads a tile loaded on another DMA queue: iteration k waits
// on semaphore k (its load's queue), which no count a + k * step expresses for the others, so
// the loop is written out (the last iteration alone would be a loop of one).
// CHECK-LABEL: nc.kernel @rotating
// CHECK-NOT: nc.loop
// CHECK: nc.matmul {{.*}} wait = array<i64: 0, 1>}
// CHECK-NEXT: nc.matmul {{.*}} wait = array<i64: 1, 1>}
// CHECK-NEXT: nc.matmul {{.*}} wait = array<i64: 2, 1>}
// CHECK-NEXT: nc.matmul {{.*}} wait = array<i64: 3, 1>}
// CHECK-NOT: nc.loop
nc.kernel @rotating target = "trn2" {
  nc.tensor input @a : tensor<512x128xbf16> at 0
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 0 dims [128] strides [1] : bf16>
  nc.dma #nc.ap<sbuf[0, 128] at 256 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 16384 dims [128] strides [1] : bf16> {queue = #nc.queue<dma1>}
  nc.dma #nc.ap<sbuf[0, 128] at 512 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 32768 dims [128] strides [1] : bf16> {queue = #nc.queue<dma2>}
  nc.dma #nc.ap<sbuf[0, 128] at 768 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 49152 dims [128] strides [1] : bf16> {queue = #nc.queue<dma3>}
  nc.loop 4 steps [0, 1, 0, 256, 0, 2, 0, 256] {
    nc.matmul #nc.ap<psum[0, 128] at 0 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16> {accumulate}
  }
}

// -----

// The tiles come from two DMA queues in turn: a product waits on each
// queue's semaphore every other iteration, which no rule over single
// iterations expresses; two iterations per loop iteration do (counts step
// by one), so the loop is kept with its body written twice and its steps
// doubled.
// CHECK-LABEL: nc.kernel @alternating
// CHECK:      nc.loop 4 steps [0, 1, 0, 512, 0, 2, 0, 512, 1, 1, 0, 512, 1, 2, 0, 512] wait_steps [0, 0, 1, 1, 0, 1] {
// CHECK-NEXT:   nc.matmul {{.*}} at 0 {{.*}} at 0 {{.*}}wait = array<i64: 0, 1>}
// CHECK-NEXT:   nc.matmul {{.*}} at 256 {{.*}} at 256 {{.*}}wait = array<i64: 1, 1>}
// CHECK-NEXT: {{^ *}}}
nc.kernel @alternating target = "trn2" {
  nc.tensor input @a : tensor<1024x128xbf16> at 0
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 0 dims [128] strides [1] : bf16>
  nc.dma #nc.ap<sbuf[0, 128] at 256 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 16384 dims [128] strides [1] : bf16> {queue = #nc.queue<dma1>}
  nc.dma #nc.ap<sbuf[0, 128] at 512 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 32768 dims [128] strides [1] : bf16>
  nc.dma #nc.ap<sbuf[0, 128] at 768 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 49152 dims [128] strides [1] : bf16> {queue = #nc.queue<dma1>}
  nc.dma #nc.ap<sbuf[0, 128] at 1024 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 65536 dims [128] strides [1] : bf16>
  nc.dma #nc.ap<sbuf[0, 128] at 1280 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 81920 dims [128] strides [1] : bf16> {queue = #nc.queue<dma1>}
  nc.dma #nc.ap<sbuf[0, 128] at 1536 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 98304 dims [128] strides [1] : bf16>
  nc.dma #nc.ap<sbuf[0, 128] at 1792 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 114688 dims [128] strides [1] : bf16> {queue = #nc.queue<dma1>}
  nc.loop 8 steps [0, 1, 0, 256, 0, 2, 0, 256] {
    nc.matmul #nc.ap<psum[0, 128] at 0 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16> {accumulate}
  }
}

