// RUN: muir-opt %s -split-input-file --pass-pipeline='builtin.module(nc.kernel(muir-nc-roll-loops))' | FileCheck %s

// Three repetitions of a load and a copy, each a tile further on, the copy
// waiting for one more load each time: one nc.loop with the steps; the
// different instructions around it stay outside.
// CHECK-LABEL: nc.kernel @load_and_copy
// CHECK-NEXT: nc.tensor input @x
// CHECK-NEXT: nc.nop {queue = #nc.queue<pool>}
// CHECK-NEXT: nc.loop 3 steps [0, 0, 0, 64, 0, 1, 0, 16, 1, 0, 0, 64, 1, 1, 0, 64] wait_steps [1, 0, 1] {
// CHECK-NEXT: nc.dma <sbuf[0, 16] at 0 {{.*}} <hbm @x[16 x 64] at 0 {{.*}} {signal = array<i64: 0>}
// CHECK-NEXT: nc.tensor_copy <sbuf[0, 16] at 1024 {{.*}}, <sbuf[0, 16] at 0 {{.*}} {wait = array<i64: 0, 1>}
// CHECK-NEXT: {{^ +[}]$}}
// CHECK-NEXT: nc.nop {queue = #nc.queue<pool>, wait = array<i64: 0, 3>}
// CHECK-NEXT: {{^ +[}]$}}
nc.kernel @load_and_copy target = "small" semaphores = 1 {
  nc.tensor input @x : tensor<16x64xf32> at 0
  nc.nop {queue = #nc.queue<pool>} loc("k")
  nc.dma #nc.ap<sbuf[0, 16] at 0 dims [16] strides [1] : f32>, #nc.ap<hbm @x[16 x 64] at 0 dims [16] strides [1] : f32> {signal = array<i64: 0>} loc("k")
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 1024 dims [16] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 0 dims [16] strides [1] : f32> {wait = array<i64: 0, 1>} loc("k")
  nc.dma #nc.ap<sbuf[0, 16] at 64 dims [16] strides [1] : f32>, #nc.ap<hbm @x[16 x 64] at 16 dims [16] strides [1] : f32> {signal = array<i64: 0>} loc("k")
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 1088 dims [16] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 64 dims [16] strides [1] : f32> {wait = array<i64: 0, 2>} loc("k")
  nc.dma #nc.ap<sbuf[0, 16] at 128 dims [16] strides [1] : f32>, #nc.ap<hbm @x[16 x 64] at 32 dims [16] strides [1] : f32> {signal = array<i64: 0>} loc("k")
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 1152 dims [16] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 128 dims [16] strides [1] : f32> {wait = array<i64: 0, 3>} loc("k")
  nc.nop {queue = #nc.queue<pool>, wait = array<i64: 0, 3>} loc("k")
}

// -----

// Partition starts step too; the loop keeps the longest linear run (two
// steps of 4 partitions), the third tile jumps and stays outside.
// CHECK-LABEL: nc.kernel @partition_steps
// CHECK-NEXT: nc.loop 3 steps [0, 0, 4, 0, 0, 1, 4, 0] {
// CHECK-NEXT: nc.tensor_copy <sbuf[0, 4] at 0
// CHECK-NEXT: {{^ +[}]$}}
// CHECK-NEXT: nc.tensor_copy <sbuf[13, 3] at 0
nc.kernel @partition_steps target = "small" {
  nc.tensor_copy #nc.ap<sbuf[0, 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 4] at 64 dims [4] strides [1] : f32> loc("k")
  nc.tensor_copy #nc.ap<sbuf[4, 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[4, 4] at 64 dims [4] strides [1] : f32> loc("k")
  nc.tensor_copy #nc.ap<sbuf[8, 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[8, 4] at 64 dims [4] strides [1] : f32> loc("k")
  nc.tensor_copy #nc.ap<sbuf[13, 3] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[13, 3] at 64 dims [4] strides [1] : f32> loc("k")
}

// -----

// Offsets that stop stepping linearly (0, 64, 128, 200) roll as far as they
// do, the rest stays as written (period 2, also two repeats, saves no more).
// CHECK-LABEL: nc.kernel @not_linear
// CHECK-NEXT: nc.loop 3 steps [0, 0, 0, 64] {
// CHECK-NEXT: nc.iota <sbuf[0, 16] at 0
// CHECK-NEXT: {{^ +[}]$}}
// CHECK-NEXT: nc.iota <sbuf[0, 16] at 200
nc.kernel @not_linear target = "small" {
  nc.iota #nc.ap<sbuf[0, 16] at 0 dims [4] strides [1] : i32> {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: 1>} loc("k")
  nc.iota #nc.ap<sbuf[0, 16] at 64 dims [4] strides [1] : i32> {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: 1>} loc("k")
  nc.iota #nc.ap<sbuf[0, 16] at 128 dims [4] strides [1] : i32> {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: 1>} loc("k")
  nc.iota #nc.ap<sbuf[0, 16] at 200 dims [4] strides [1] : i32> {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: 1>} loc("k")
}

// -----

// What is not a step keeps instructions apart: another location (the
// loop could only keep one), another queue, another signal, a shape, a
// wait count that goes down, a PSUM dst moving by half a bank.
// CHECK-LABEL: nc.kernel @kept_apart
// CHECK-NOT: nc.loop
nc.kernel @kept_apart target = "trn2" semaphores = 2 {
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 64 dims [4] strides [1] : f32> loc("a")
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 16 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 64 dims [4] strides [1] : f32> loc("b")
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 32 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 64 dims [4] strides [1] : f32> {queue = #nc.queue<pool>} loc("b")
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 48 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 64 dims [4] strides [1] : f32> {signal = array<i64: 1>} loc("b")
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 64 dims [8] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 64 dims [8] strides [1] : f32> loc("b")
  nc.nop {wait = array<i64: 0, 3>} loc("b")
  nc.nop {wait = array<i64: 0, 2>} loc("b")
  nc.nop {wait = array<i64: 0, 1>} loc("b")
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [256] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [256] strides [1] : bf16> loc("b")
  nc.matmul #nc.ap<psum[0, 128] at 1024 dims [256] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [256] strides [1] : bf16> loc("b")
  nc.matmul #nc.ap<psum[0, 128] at 2048 dims [256] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [256] strides [1] : bf16> loc("b")
}

// -----

// The period with the most instructions saved wins: a pair repeated four
// times, not the single instruction that also repeats inside it.
// CHECK-LABEL: nc.kernel @best_period
// CHECK-NEXT: nc.loop 4 steps [0, 0, 0, 16, 1, 0, 0, 16] {
// CHECK-NEXT: nc.tensor_copy
// CHECK-NEXT: nc.tensor_copy
// CHECK-NEXT: {{^ +[}]$}}
// CHECK-NEXT: {{^ +[}]$}}
nc.kernel @best_period target = "small" {
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 512 dims [4] strides [1] : f32> loc("k")
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 256 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 512 dims [4] strides [1] : f32> loc("k")
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 16 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 512 dims [4] strides [1] : f32> loc("k")
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 272 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 512 dims [4] strides [1] : f32> loc("k")
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 32 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 512 dims [4] strides [1] : f32> loc("k")
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 288 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 512 dims [4] strides [1] : f32> loc("k")
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 48 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 512 dims [4] strides [1] : f32> loc("k")
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 304 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 512 dims [4] strides [1] : f32> loc("k")
}
