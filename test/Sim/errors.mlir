// Run-time errors other than hazards: every one exits 2 with a message that
// names the instruction and the memory or semaphore involved.
// RUN: not muir-sim %s --kernel=read_unwritten_sbuf 2>&1 | FileCheck %s --check-prefix=SBUF
// RUN: not muir-sim %s --kernel=read_unwritten_psum 2>&1 | FileCheck %s --check-prefix=PSUM
// RUN: not muir-sim %s --kernel=read_output_before_write 2>&1 | FileCheck %s --check-prefix=HBM
// RUN: not muir-sim %s --kernel=too_few_signals 2>&1 | FileCheck %s --check-prefix=DEADLOCK
// RUN: not muir-sim %s --kernel=wait_cycle 2>&1 | FileCheck %s --check-prefix=CYCLE
// RUN: not muir-sim %s --kernel=read_output_before_write --input=nope=%t.npy 2>&1 | FileCheck %s --check-prefix=NOINPUT

// Bytes [16, 32) of each SBUF partition were never written.
// SBUF: muir-sim: read of uninitialized memory: instruction #1 (dve tensor_copy) reads sbuf partition 0 byte 16, which no instruction has written
nc.kernel @read_unwritten_sbuf target = "small" semaphores = 1 {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.dma #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> {signal = array<i64: 0>}
  nc.tensor_copy #nc.ap<sbuf[0, 2] at 64 dims [8] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [8] strides [1] : f32> {wait = array<i64: 0, 1>}
}

// An accumulating matmul reads its PSUM tile, which nothing initialised.
// PSUM: muir-sim: read of uninitialized memory: instruction #1 (pe matmul) reads psum partition 0 byte 0, which no instruction has written
nc.kernel @read_unwritten_psum target = "small" semaphores = 1 {
  nc.iota #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {base = 0, channel_multiplier = 4, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.matmul #nc.ap<psum[0, 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {accumulate, wait = array<i64: 0, 1>}
}

// An output tensor is read back before anything stored it.
// HBM: muir-sim: read of uninitialized memory: instruction #0 (dma0 dma) reads hbm tensor @y (output) byte 0, which no instruction has written
nc.kernel @read_output_before_write target = "small" semaphores = 0 {
  nc.tensor output @y : tensor<2x4xf32> at 0
  nc.dma #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @y[2 x 4] at 0 dims [4] strides [1] : f32>
}

// Semaphore 0 is signalled once but dve waits for two signals.
// DEADLOCK: muir-sim: deadlock: no queue can make progress; instruction #1 (dve tensor_copy) waits for semaphore 0 to reach 2 but it was signalled 1 time
nc.kernel @too_few_signals target = "small" semaphores = 1 {
  nc.iota #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {base = 0, channel_multiplier = 4, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.tensor_copy #nc.ap<sbuf[0, 2] at 64 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {wait = array<i64: 0, 2>}
}

// dve and act each wait for the other first.
// CYCLE: muir-sim: deadlock: no queue can make progress; instruction #0 (act tensor_copy) waits for semaphore 1 to reach 1 but it was signalled 0 times; instruction #1 (dve tensor_copy) waits for semaphore 0 to reach 1 but it was signalled 0 times
nc.kernel @wait_cycle target = "small" semaphores = 2 {
  nc.tensor_copy #nc.ap<sbuf[0, 2] at 64 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {queue = #nc.queue<act>, wait = array<i64: 1, 1>, signal = array<i64: 0>}
  nc.tensor_copy #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 64 dims [4] strides [1] : f32> {wait = array<i64: 0, 1>, signal = array<i64: 1>}
}

// NOINPUT: muir-sim: --input names 'nope', which is not an input tensor of kernel 'read_output_before_write'
