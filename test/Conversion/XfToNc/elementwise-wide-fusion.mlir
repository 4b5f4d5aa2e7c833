// A fused elementwise expression with many operands on the small target:
// the 64-byte alignment slack of its buffers used to leave no columns in
// half of SBUF, so every tile was one element wide (330,000 instructions for
// 32,258 elements: the random-graph tester timed out compiling it). It now
// uses all of SBUF and fewer buffer sets before settling for narrow tiles.
// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-lower-xf-to-nc="target=small" | FileCheck %s
// RUN: muir-run %s --backend=sim --check --target=small | FileCheck %s --check-prefix=SIM

// CHECK-LABEL: nc.kernel @main
// CHECK-NOT: dims [1] strides [1] : f32>, <hbm
// The 32,258 contiguous elements spread over the 16 partitions ([16, 2016]
// plus a 2-element remainder), in tiles of 39 columns.
// CHECK: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [39] strides [1] : f32>, <hbm @arg0[16 x 2016] at 0
// CHECK: nc.dma <sbuf[0, 1] at {{[0-9]+}} dims [2] strides [1] : f32>, <hbm @arg0[1 x 0] at 32256
// SIM: check #0: {{.*}} OK
// SIM: check #1: {{.*}} OK
func.func @main(%v0: tensor<2x127x127xf32>, %a2: tensor<2x127x127xf32>, %a3: tensor<2x127x127xf32>, %a4: tensor<2x127x127xf32>) -> (tensor<2x127x127xf32>, tensor<2x127x127xf32>) {
  %v1 = xf.sigmoid %a2 : tensor<2x127x127xf32>
  %v2 = xf.constant dense<0.5> : tensor<f32>
  %v3 = xf.add %v1, %v2 : (tensor<2x127x127xf32>, tensor<f32>) -> tensor<2x127x127xf32>
  %v4 = xf.div %v0, %v3 : (tensor<2x127x127xf32>, tensor<2x127x127xf32>) -> tensor<2x127x127xf32>
  %v5 = xf.neg %v4 : tensor<2x127x127xf32>
  %v6 = xf.sub %v5, %a3 : (tensor<2x127x127xf32>, tensor<2x127x127xf32>) -> tensor<2x127x127xf32>
  %v7 = xf.add %a4, %v6 : (tensor<2x127x127xf32>, tensor<2x127x127xf32>) -> tensor<2x127x127xf32>
  return %v6, %v7 : tensor<2x127x127xf32>, tensor<2x127x127xf32>
}
