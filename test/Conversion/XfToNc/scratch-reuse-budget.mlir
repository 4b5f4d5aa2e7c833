// Automatic scratch reuse (reuse-scratch=auto, the default) starts only
// when a new tensor would no longer fit: on a target with 48 KiB of HBM,
// the program's intermediates counted one tensor each (6 x 8 KiB plus the
// 8 KiB output) do not fit, so reuse is on, but with the 12 KiB of
// arguments the first three intermediates still get tensors of their own
// (up to 48 - 8 KiB for the output); the later ones reuse the tensor freed
// longest ago (t0, t1, then t2), whose old reads lie furthest back, so the
// write-after-read orderings reuse adds cost the engines least.
// RUN: sed 's/"capacity_bytes": 1073741824/"capacity_bytes": 49152/' %muir_src/targets/small.json > %t.json
// RUN: muir-opt %s --muir-xf-fuse="target=%t.json" --muir-lower-xf-to-nc="target=%t.json" | FileCheck %s
// RUN: muir-run %s --backend=sim --check --target=%t.json | FileCheck %s --check-prefix=SIM

// CHECK-LABEL: nc.kernel @chain
// CHECK: nc.tensor scratch @t0 : tensor<64x32xf32>
// CHECK-NEXT: nc.tensor scratch @t1 : tensor<64x32xf32>
// CHECK-NEXT: nc.tensor scratch @t2 : tensor<64x32xf32>
// CHECK-NEXT: nc.tensor output @out0
// CHECK-NOT: nc.tensor {{input|scratch|output}}
// The second product writes t2; the second softmax t0 again, the third
// product t1 and the third softmax t2.
// CHECK: nc.dma <hbm @t0[16 x 32] at 0 {{.*}}, <sbuf
// CHECK: nc.dma <hbm @t1[16 x 32] at 0 {{.*}}, <sbuf
// CHECK: nc.dma <hbm @t2[16 x 32] at 0 {{.*}}, <sbuf
// CHECK: nc.dma <hbm @t0[16 x 32] at 0 {{.*}}, <sbuf
// CHECK: nc.dma <hbm @t1[16 x 32] at 0 {{.*}}, <sbuf
// CHECK: nc.dma <hbm @t2[16 x 32] at 0 {{.*}}, <sbuf
// SIM: check #0: {{.*}} OK
func.func @chain(%x: tensor<64x32xf32>, %w: tensor<32x32xf32>) -> tensor<64x32xf32> {
  %0 = xf.matmul %x, %w : (tensor<64x32xf32>, tensor<32x32xf32>) -> tensor<64x32xf32>
  %1 = xf.softmax %0 : tensor<64x32xf32>
  %2 = xf.matmul %1, %w : (tensor<64x32xf32>, tensor<32x32xf32>) -> tensor<64x32xf32>
  %3 = xf.softmax %2 : tensor<64x32xf32>
  %4 = xf.matmul %3, %w : (tensor<64x32xf32>, tensor<32x32xf32>) -> tensor<64x32xf32>
  %5 = xf.softmax %4 : tensor<64x32xf32>
  %6 = xf.matmul %5, %w : (tensor<64x32xf32>, tensor<32x32xf32>) -> tensor<64x32xf32>
  return %6 : tensor<64x32xf32>
}
