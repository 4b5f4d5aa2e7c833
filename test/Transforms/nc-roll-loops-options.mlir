// RUN: muir-opt %s --pass-pipeline='builtin.module(nc.kernel(muir-nc-roll-loops))' | FileCheck %s --check-prefix=DEFAULT
// RUN: muir-opt %s --pass-pipeline='builtin.module(nc.kernel(muir-nc-roll-loops{min-trips=4}))' | FileCheck %s --check-prefix=MIN4
// RUN: muir-opt %s --pass-pipeline='builtin.module(nc.kernel(muir-nc-roll-loops{max-period=1}))' | FileCheck %s --check-prefix=MAXP1

// A pair repeated three times: rolled by default; not with min-trips=4;
// with max-period=1 only single instructions may form a body, and none
// repeats next to itself.
// DEFAULT: nc.loop 3 steps [0, 0, 0, 16, 1, 0, 0, 16] {
// MIN4-NOT: nc.loop
// MAXP1-NOT: nc.loop
nc.kernel @pairs target = "small" {
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 512 dims [4] strides [1] : f32> loc("k")
  nc.iota #nc.ap<sbuf[0, 16] at 1024 dims [4] strides [1] : i32> {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: 1>} loc("k")
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 16 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 512 dims [4] strides [1] : f32> loc("k")
  nc.iota #nc.ap<sbuf[0, 16] at 1040 dims [4] strides [1] : i32> {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: 1>} loc("k")
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 32 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 512 dims [4] strides [1] : f32> loc("k")
  nc.iota #nc.ap<sbuf[0, 16] at 1056 dims [4] strides [1] : i32> {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: 1>} loc("k")
}
