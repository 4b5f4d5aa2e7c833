// RUN: muir-opt %s --pass-pipeline='builtin.module(nc.kernel(muir-nc-roll-loops))' --mlir-print-debuginfo | FileCheck %s --check-prefix=SAME
// RUN: muir-opt %s --pass-pipeline='builtin.module(nc.kernel(muir-nc-roll-loops{same-locations=false}))' --mlir-print-debuginfo | FileCheck %s --check-prefix=ANY

// The same copy three times, each at its own location (as in a kernel
// read back from text printed without debug info, where every op's
// location is its line): by default repetitions must share their
// location, so nothing rolls; with same-locations=false they roll, and the
// body keeps the first repetition's location.
// SAME-NOT: nc.loop
// ANY: nc.loop 3 steps [0, 0, 0, 16] {
// ANY-NEXT: nc.tensor_copy <sbuf[0, 16] at 0 dims [4] {{.*}} loc([[L1:#loc[0-9]*]])
// ANY: [[L1]] = loc("k.mlir":1:1)
nc.kernel @lines target = "small" {
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 512 dims [4] strides [1] : f32> loc("k.mlir":1:1)
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 16 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 512 dims [4] strides [1] : f32> loc("k.mlir":2:1)
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 32 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 512 dims [4] strides [1] : f32> loc("k.mlir":3:1)
}
