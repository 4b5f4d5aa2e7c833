// RUN: muir-opt %s -split-input-file -verify-diagnostics --pass-pipeline='builtin.module(nc.kernel(muir-nc-allocate))'
// RUN: not muir-opt %s -split-input-file --pass-pipeline='builtin.module(nc.kernel(muir-nc-allocate{window=0}))' 2>&1 | FileCheck %s --check-prefix=WINDOW
// WINDOW: error: muir-nc-allocate: window must be in [1, 64], got 0

// A block moves by whole alignment units: a section must start on one.
nc.kernel @sbuf_unaligned target = "small" {
  // expected-error @below {{'nc.section' op SBUF range [32, 288) starts off the 64-byte alignment: muir-nc-allocate moves blocks by whole alignment units}}
  nc.section "k0" sbuf [32, 288] psum [0, 0] {
    nc.activation exp #nc.ap<sbuf[0, 16] at 32 dims [64] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 32 dims [64] strides [1] : f32>
  }
}

// -----

// PSUM blocks move by whole banks (512 bytes on the small target).
nc.kernel @psum_unaligned target = "small" {
  nc.tensor input @x : tensor<16x16xf32> at 0
  // expected-error @below {{'nc.section' op PSUM range [256, 768) starts off the 512-byte alignment}}
  nc.section "k1" sbuf [0, 64] psum [256, 768] {
    nc.matmul #nc.ap<psum[0, 16] at 256 dims [16] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 0 dims [16] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 0 dims [16] strides [1] : f32>
  }
}
