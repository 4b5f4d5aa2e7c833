// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" --muir-lower-xf-to-nc="target=small reuse-scratch=true" | FileCheck %s
// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" --muir-lower-xf-to-nc="target=small reuse-scratch=false" | FileCheck %s --check-prefix=NOREUSE
// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" --muir-lower-xf-to-nc="target=small reuse-scratch=true" | muir-opt --pass-pipeline="builtin.module(nc.kernel(muir-nc-allocate,muir-nc-schedule,muir-nc-insert-sync))" | muir-sim -
// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" --muir-lower-xf-to-nc="target=small" | FileCheck %s --check-prefix=NOREUSE
// RUN: not muir-opt %s --muir-lower-xf-to-nc="target=small reuse-scratch=maybe" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: muir-run %s --backend=sim --check --target=small | FileCheck %s --check-prefix=SIM
// RUN: muir-run %s --backend=sim --check --target=trn2 | FileCheck %s --check-prefix=SIM

// With reuse-scratch=true: four intermediates, at most two live at once:
// the second product is stored in the first product's tensor (dead once the
// first softmax has read it), the second softmax in the first softmax's.
// The sync pass orders the new writes after the old reads (the simulator's
// hazard checker, run by muir-sim, would report them otherwise). By default
// (auto) a program that fits keeps one tensor per intermediate.
// BAD: reuse-scratch must be auto, true or false, not 'maybe'
// CHECK-LABEL: nc.kernel @chain
// CHECK: nc.tensor scratch @t0 : tensor<64x32xf32>
// CHECK-NEXT: nc.tensor scratch @t1 : tensor<64x32xf32>
// CHECK-NOT: nc.tensor scratch
// The first product into t0; the first softmax reads t0, writes t1.
// CHECK: nc.dma <hbm @t0[16 x 32] at 0 {{.*}}, <sbuf
// CHECK: nc.dma <sbuf{{.*}}, <hbm @t0[16 x 32] at 0
// CHECK: nc.dma <hbm @t1[16 x 32] at 0 {{.*}}, <sbuf
// The second product reads t1 and writes t0 again.
// CHECK: nc.dma <sbuf{{.*}}, <hbm @t1
// CHECK: nc.dma <hbm @t0[16 x 32] at 0 {{.*}}, <sbuf
// NOREUSE-COUNT-4: nc.tensor scratch @t{{[0-3]}} : tensor<64x32xf32>
// SIM: check #0: {{.*}} OK
func.func @chain(%x: tensor<64x32xf32>, %w: tensor<32x32xf32>) -> tensor<64x32xf32> {
  %0 = xf.matmul %x, %w : (tensor<64x32xf32>, tensor<32x32xf32>) -> tensor<64x32xf32>
  %1 = xf.softmax %0 : tensor<64x32xf32>
  %2 = xf.matmul %1, %w : (tensor<64x32xf32>, tensor<32x32xf32>) -> tensor<64x32xf32>
  %3 = xf.softmax %2 : tensor<64x32xf32>
  %4 = xf.matmul %3, %w : (tensor<64x32xf32>, tensor<32x32xf32>) -> tensor<64x32xf32>
  return %4 : tensor<64x32xf32>
}
