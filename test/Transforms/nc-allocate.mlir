// RUN: muir-opt %s -split-input-file -verify-diagnostics --pass-pipeline='builtin.module(nc.kernel(muir-nc-allocate{report=true}))' | FileCheck %s
// RUN: muir-opt %s -split-input-file --pass-pipeline='builtin.module(nc.kernel(muir-nc-allocate{place=false}))' | FileCheck %s --check-prefix=KEEP
// RUN: muir-opt %s -split-input-file --pass-pipeline='builtin.module(nc.kernel(muir-nc-allocate{window=1}))' | FileCheck %s --check-prefix=WIN1

// Small target: 4096 SBUF bytes per partition (64-byte alignment), PSUM
// 2048 bytes in 4 banks of 512. Section a takes the bottom half of SBUF,
// b (a small kernel, emitted at the top end) stays at the top, clear of a;
// c (emitted at the bottom, over a) moves to the bytes between them, whose
// newest overlapping kernel (none) is oldest, and its PSUM bank to the
// last bank, clear of a's; d overlaps every position now, and goes where
// the newest kernel it overlaps is oldest: a's bytes. With place=false
// every block stays; with a window of one section, c only avoids b and
// stays on a's bytes.
// CHECK-LABEL: nc.kernel @placed
// CHECK-NOT: nc.section
// CHECK: nc.dma <sbuf[0, 16] at 0 dims [64]
// CHECK: nc.matmul <psum[0, 16] at 0 dims [64]
// CHECK: nc.activation exp <sbuf[0, 16] at 3840 dims [64] {{.*}}, <sbuf[0, 16] at 3840
// CHECK: nc.activation exp <sbuf[0, 16] at 2048 dims [64] {{.*}}, <sbuf[0, 16] at 2304
// CHECK: nc.matmul <psum[0, 16] at 1536 dims [64] {{.*}}, <sbuf[0, 16] at 2048 dims [16] {{.*}}, <sbuf[0, 16] at 2304 dims [64]
// CHECK: nc.activation exp <sbuf[0, 16] at 0 dims [64]
// CHECK-NOT: nc.section
// KEEP-LABEL: nc.kernel @placed
// KEEP: nc.activation exp <sbuf[0, 16] at 3840
// KEEP: nc.activation exp <sbuf[0, 16] at 0 dims [64] {{.*}}, <sbuf[0, 16] at 256
// KEEP: nc.matmul <psum[0, 16] at 0 dims [64]
// WIN1-LABEL: nc.kernel @placed
// WIN1: nc.activation exp <sbuf[0, 16] at 3840
// WIN1: nc.activation exp <sbuf[0, 16] at 0 dims [64] {{.*}}, <sbuf[0, 16] at 256
// WIN1: nc.activation exp <sbuf[0, 16] at 2048 dims [64]
nc.kernel @placed target = "small" {
  nc.tensor input @x : tensor<16x64xf32> at 0
  // expected-remark @below {{section "a": SBUF [0, 2048) PSUM [0, 512)}}
  nc.section "a" sbuf [0, 2048] psum [0, 512] {
    nc.dma #nc.ap<sbuf[0, 16] at 0 dims [64] strides [1] : f32>, #nc.ap<hbm @x[16 x 64] at 0 dims [64] strides [1] : f32>
    nc.matmul #nc.ap<psum[0, 16] at 0 dims [64] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 0 dims [16] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 1024 dims [64] strides [1] : f32>
  }
  // expected-remark @below {{section "b": SBUF [3840, 4096) PSUM [0, 0)}}
  nc.section "b" sbuf [3840, 4096] psum [0, 0] {
    nc.activation exp #nc.ap<sbuf[0, 16] at 3840 dims [64] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 3840 dims [64] strides [1] : f32>
  }
  // expected-remark @below {{section "c": SBUF [2048, 2560) PSUM [1536, 2048)}}
  nc.section "c" sbuf [0, 512] psum [0, 512] {
    nc.activation exp #nc.ap<sbuf[0, 16] at 0 dims [64] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 256 dims [64] strides [1] : f32>
    nc.matmul #nc.ap<psum[0, 16] at 0 dims [64] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 0 dims [16] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 256 dims [64] strides [1] : f32>
  }
  // expected-remark @below {{section "d": SBUF [0, 2048) PSUM [0, 0)}}
  nc.section "d" sbuf [2048, 4096] psum [0, 0] {
    nc.activation exp #nc.ap<sbuf[0, 16] at 2048 dims [64] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 2048 dims [64] strides [1] : f32>
  }
  nc.activation exp #nc.ap<sbuf[0, 16] at 0 dims [64] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 0 dims [64] strides [1] : f32>
}
