// The scheduling passes take a kernel whose sections muir-nc-allocate has
// placed and flattened; a section left in is an error naming it.
// RUN: muir-opt %s -verify-diagnostics --pass-pipeline='builtin.module(nc.kernel(muir-nc-schedule))'
// RUN: muir-opt %s -verify-diagnostics --pass-pipeline='builtin.module(nc.kernel(muir-nc-insert-sync))'
// RUN: muir-opt %s --pass-pipeline='builtin.module(nc.kernel(muir-nc-allocate,muir-nc-schedule,muir-nc-insert-sync))' | FileCheck %s
// CHECK-NOT: nc.section
// CHECK: nc.dma {{.*}} {signal
// CHECK: nc.activation exp {{.*}} {wait

nc.kernel @unplaced target = "small" {
  nc.tensor input @x : tensor<16x64xf32> at 0
  // expected-error @below {{'nc.section' op "k0" is not placed yet: run muir-nc-allocate first}}
  nc.section "k0" sbuf [0, 256] psum [0, 0] {
    nc.dma #nc.ap<sbuf[0, 16] at 0 dims [64] strides [1] : f32>, #nc.ap<hbm @x[16 x 64] at 0 dims [64] strides [1] : f32>
    nc.activation exp #nc.ap<sbuf[0, 16] at 0 dims [64] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 0 dims [64] strides [1] : f32>
  }
}
