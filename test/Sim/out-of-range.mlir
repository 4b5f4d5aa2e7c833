// Tiles outside SBUF/PSUM or an HBM tensor are errors even when the nc
// verifiers (which reject them first) are skipped, as for programs loaded
// from a binary.
// RUN: not muir-sim %s --kernel=sbuf_out_of_range --no-verify 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not muir-sim %s --kernel=hbm_out_of_range --no-verify 2>&1 | FileCheck %s --check-prefix=HRANGE
// RUN: not muir-sim %s --kernel=psum_partitions --no-verify 2>&1 | FileCheck %s --check-prefix=PRANGE

// The small target has 4096-byte SBUF partitions; the verifier would reject
// this tile, the simulator checks it again when the verifier is skipped.
// RANGE: muir-sim: instruction #0 (pool iota): dst tile sbuf[0, 2] at 4088 dims [4] strides [1] : f32 ends at byte 4104 of a SBUF partition of 4096 bytes (out of range)
nc.kernel @sbuf_out_of_range target = "small" semaphores = 0 {
  nc.iota #nc.ap<sbuf[0, 2] at 4088 dims [4] strides [1] : f32> {base = 0, channel_multiplier = 4, coefficients = array<i64: 1>}
}

// HRANGE: muir-sim: instruction #1 (dma0 dma): dst tile hbm @y[2 x 4] at 4 dims [4] strides [1] : f32 reaches element 11 of tensor @y, which has 8 (out of range)
nc.kernel @hbm_out_of_range target = "small" semaphores = 1 {
  nc.tensor output @y : tensor<2x4xf32> at 0
  nc.iota #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {base = 0, channel_multiplier = 4, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.dma #nc.ap<hbm @y[2 x 4] at 4 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {wait = array<i64: 0, 1>}
}


// The small target has 16 PSUM partitions.
// PRANGE: muir-sim: instruction #0 (dve tensor_copy): dst tile psum[8, 16] at 0 dims [4] strides [1] : f32 uses partitions [8, 24) but PSUM has 16 (out of range)
nc.kernel @psum_partitions target = "small" semaphores = 0 {
  nc.tensor_copy #nc.ap<psum[8, 16] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 0 dims [4] strides [1] : f32>
}
