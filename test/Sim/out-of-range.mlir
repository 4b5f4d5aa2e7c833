// Tiles outside SBUF/PSUM or an HBM tensor are errors even when the nc
// verifiers (which reject them first) are skipped, as for programs loaded
// from a binary.
// RUN: not muir-sim %s --kernel=sbuf_out_of_range --no-verify 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not muir-sim %s --kernel=hbm_out_of_range --no-verify 2>&1 | FileCheck %s --check-prefix=HRANGE
// RUN: not muir-sim %s --kernel=psum_partitions --no-verify 2>&1 | FileCheck %s --check-prefix=PRANGE
// RUN: not muir-sim %s --kernel=huge_stride_zero_tile --no-verify 2>&1 | FileCheck %s --check-prefix=HUGE
// RUN: not muir-sim %s --kernel=wide_stride_zero_tile --no-verify 2>&1 | FileCheck %s --check-prefix=WIDE
// RUN: not muir-sim %s --kernel=tensor_past_hbm --no-verify 2>&1 | FileCheck %s --check-prefix=CAPACITY
// RUN: not muir-sim %s --kernel=huge_const --no-verify 2>&1 | FileCheck %s --check-prefix=CONST
// RUN: not muir-sim %s --kernel=too_many_semaphores --no-verify 2>&1 | FileCheck %s --check-prefix=SEMS
// RUN: not muir-sim %s --kernel=missing_operand --no-verify 2>&1 | FileCheck %s --check-prefix=MISSING

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

// Stride-0 tiles inside their partitions but with 10^12 elements, or 8192
// per partition: no operand may hold more elements per partition than a
// partition has bytes, nor more in all than the SBUF (they would only cost
// host memory and time; the sim fuzz harness found a 10-second one).
// HUGE: muir-sim: instruction #0 (pool iota): dst tile sbuf[0, 1] at 0 dims [1000000000000] strides [0] : f32 has 1000000000000 elements per partition, more than an SBUF partition's 4096 bytes (out of range)
nc.kernel @huge_stride_zero_tile target = "small" semaphores = 0 {
  nc.iota #nc.ap<sbuf[0, 1] at 0 dims [1000000000000] strides [0] : f32> {base = 0, channel_multiplier = 0, coefficients = array<i64: 1>}
}

// WIDE: muir-sim: instruction #0 (pool iota): dst tile sbuf[0, 16] at 0 dims [8192] strides [0] : f32 has 8192 elements per partition, more than an SBUF partition's 4096 bytes (out of range)
nc.kernel @wide_stride_zero_tile target = "small" semaphores = 0 {
  nc.iota #nc.ap<sbuf[0, 16] at 0 dims [8192] strides [0] : f32> {base = 0, channel_multiplier = 0, coefficients = array<i64: 1>}
}

// Tensors past the target's HBM are never allocated.
// CAPACITY: muir-sim: tensor 'x' at HBM byte 1073741760 with 128 bytes ends past the capacity 1073741824 of target 'small'
nc.kernel @tensor_past_hbm target = "small" semaphores = 0 {
  nc.tensor scratch @x : tensor<32xf32> at 1073741760
}

// A splat constant is not expanded beyond the host limit.
// CONST: error: 'nc.tensor' op type 'tensor<1000000000000xf32>' is too large (more than 4294967296 bytes of data)
nc.kernel @huge_const target = "small" semaphores = 0 {
  nc.tensor const @c : tensor<1000000000000xf32> at 0 = dense<1.0> : tensor<1000000000000xf32>
}

// A semaphore count that would wrap around to a small one in 32 bits.
// SEMS: error: 'nc.kernel' op semaphore count 4294967297 must be in [0, 65536]
nc.kernel @too_many_semaphores target = "small" semaphores = 4294967297 {
}

// An instruction without its required attributes (generic form).
// MISSING: error: 'nc.tensor_copy' op requires attribute 'dst'
nc.kernel @missing_operand target = "small" semaphores = 0 {
  "nc.tensor_copy"() : () -> ()
}
