// RUN: muir-opt %s -split-input-file --pass-pipeline='builtin.module(nc.kernel(muir-nc-schedule))' | FileCheck %s

// Resources the engines share, as the simulator times them: the Scalar
// engine's exp reads PSUM bank 0 from t = 0, so the Vector engine's bigger
// row max on that bank would wait for it (the two access a bank only one at
// a time); the Vector engine takes the smaller one on bank 1 first, though
// its critical path is shorter.
// CHECK-LABEL: nc.kernel @psum_bank_held
// CHECK: nc.activation exp
// CHECK-NEXT: nc.tensor_reduce max <sbuf[0, 128] at 8 dims [1] {{.*}}, <psum[0, 128] at 2048 dims [256]
// CHECK-NEXT: nc.tensor_reduce max <sbuf[0, 128] at 0 dims [1] {{.*}}, <psum[0, 128] at 0 dims [512]
nc.kernel @psum_bank_held target = "trn2" {
  nc.activation exp #nc.ap<sbuf[0, 128] at 1024 dims [512] strides [1] : f32>, #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>
  nc.tensor_reduce max #nc.ap<sbuf[0, 128] at 0 dims [1] strides [1] : f32>, #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>
  nc.tensor_reduce max #nc.ap<sbuf[0, 128] at 8 dims [1] strides [1] : f32>, #nc.ap<psum[0, 128] at 2048 dims [256] strides [1] : f32>
}

// -----

// Banks, not bytes: the exp reads the top half of bank 0 and the row max
// the bottom half of another tile in the same bank, so the max waits all
// the same and the reduce on bank 1 goes first.
// CHECK-LABEL: nc.kernel @same_bank_other_bytes
// CHECK: nc.activation exp
// CHECK-NEXT: nc.tensor_reduce max <sbuf[0, 128] at 8 dims [1] {{.*}}, <psum[0, 128] at 2048 dims [128]
// CHECK-NEXT: nc.tensor_reduce max <sbuf[0, 128] at 0 dims [1] {{.*}}, <psum[0, 128] at 1024 dims [256]
nc.kernel @same_bank_other_bytes target = "trn2" {
  nc.activation exp #nc.ap<sbuf[0, 128] at 4096 dims [256] strides [1] : f32>, #nc.ap<psum[0, 128] at 0 dims [256] strides [1] : f32>
  nc.tensor_reduce max #nc.ap<sbuf[0, 128] at 0 dims [1] strides [1] : f32>, #nc.ap<psum[0, 128] at 1024 dims [256] strides [1] : f32>
  nc.tensor_reduce max #nc.ap<sbuf[0, 128] at 8 dims [1] strides [1] : f32>, #nc.ap<psum[0, 128] at 2048 dims [128] strides [1] : f32>
}

// -----

// The Vector engine's performance mode (a bf16 copy between contiguous SBUF
// tiles) shares a bus with GpSimd: GpSimd starts a long iota at t = 0 while
// the Vector engine writes what its two next instructions read; then the
// copy, first by critical path, would wait for the bus, and the f32 reduce
// (no performance mode) runs first.
// CHECK-LABEL: nc.kernel @gpsimd_bus_held
// CHECK: nc.tensor_reduce max <sbuf[0, 128] at 16384 dims [1]
// CHECK-NEXT: nc.iota
// CHECK-NEXT: nc.tensor_reduce max <sbuf[0, 128] at 40000
// CHECK-NEXT: nc.tensor_copy
nc.kernel @gpsimd_bus_held target = "trn2" {
  nc.tensor_reduce max #nc.ap<sbuf[0, 128] at 16384 dims [1] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 50048 dims [64] strides [1] : f32>
  nc.iota #nc.ap<sbuf[0, 128] at 65536 dims [4096] strides [1] : f32> {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: 1>}
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 0 dims [8192] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 16384 dims [8192] strides [1] : bf16>
  nc.tensor_reduce max #nc.ap<sbuf[0, 128] at 40000 dims [1] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 16384 dims [256] strides [1] : f32>
}

// -----

// Nothing shared: two Vector reduces on banks the exp does not touch keep
// the critical-path order (the longer first).
// CHECK-LABEL: nc.kernel @nothing_shared
// CHECK: nc.activation exp
// CHECK-NEXT: nc.tensor_reduce max <sbuf[0, 128] at 0 dims [1] {{.*}}, <psum[0, 128] at 4096 dims [512]
// CHECK-NEXT: nc.tensor_reduce max <sbuf[0, 128] at 8 dims [1] {{.*}}, <psum[0, 128] at 2048 dims [256]
nc.kernel @nothing_shared target = "trn2" {
  nc.activation exp #nc.ap<sbuf[0, 128] at 1024 dims [512] strides [1] : f32>, #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>
  nc.tensor_reduce max #nc.ap<sbuf[0, 128] at 0 dims [1] strides [1] : f32>, #nc.ap<psum[0, 128] at 4096 dims [512] strides [1] : f32>
  nc.tensor_reduce max #nc.ap<sbuf[0, 128] at 8 dims [1] strides [1] : f32>, #nc.ap<psum[0, 128] at 2048 dims [256] strides [1] : f32>
}
