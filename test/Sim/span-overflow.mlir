// RUN: not muir-sim %s --no-verify 2>&1 | FileCheck %s
// RUN: not muir-sim %s 2>&1 | FileCheck %s

// A free span of exactly 2^63 - 1 elements (2 x (2^62 - 1) + 1): its end,
// span + 1 elements, does not fit in 64 bits (found by the sim fuzzer:
// signed overflow in tileExtent under UBSan, now checked); a clean error
// with or without the verifiers.
// CHECK: error: tile extent (offset 0, 1 partitions, free sizes and strides) does not fit in 64 bits
nc.kernel @span_at_int64_max target = "small" semaphores = 0 {
  nc.iota #nc.ap<sbuf[0, 1] at 0 dims [3, 2] strides [4611686018427387903, 1] : f32> {base = 0, channel_multiplier = 0, coefficients = array<i64: 1, 1>}
}
