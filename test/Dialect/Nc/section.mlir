// RUN: muir-opt %s | muir-opt | FileCheck %s
// A section executes its instructions in place: the simulator runs the
// kernel as written (x through SBUF, a scratch tensor and SBUF again to y,
// all on one DMA queue, so no semaphores are needed).
// RUN: muir-sim %s --print | FileCheck %s --check-prefix=SIM

// CHECK-LABEL: nc.kernel @sectioned
// CHECK: nc.section "k0" sbuf [0, 64] psum [0, 0] {
// CHECK-NEXT: nc.dma
// CHECK-NEXT: nc.dma
// CHECK-NEXT: }
// CHECK: nc.section "k1" sbuf [4032, 4096] psum [0, 0] {
// SIM-LABEL: @y : 2x4xf32
// SIM-NEXT: [0] 1 -2 3 -4
// SIM-NEXT: [1] 0.5 0 -1 2
nc.kernel @sectioned target = "small" {
  nc.tensor const @x : tensor<2x4xf32> at 0 = dense<[[1.0, -2.0, 3.0, -4.0], [0.5, 0.0, -1.0, 2.0]]> : tensor<2x4xf32>
  nc.tensor scratch @t : tensor<2x4xf32> at 64
  nc.tensor output @y : tensor<2x4xf32> at 128
  nc.section "k0" sbuf [0, 64] psum [0, 0] {
    nc.dma #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32>
    nc.dma #nc.ap<hbm @t[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>
  }
  nc.section "k1" sbuf [4032, 4096] psum [0, 0] {
    nc.dma #nc.ap<sbuf[0, 2] at 4032 dims [4] strides [1] : f32>, #nc.ap<hbm @t[2 x 4] at 0 dims [4] strides [1] : f32>
    nc.dma #nc.ap<hbm @y[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 4032 dims [4] strides [1] : f32>
  }
}
