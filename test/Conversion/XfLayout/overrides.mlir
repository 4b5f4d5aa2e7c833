// A layout already on an op is an override: kept when it can be realised.
// RUN: muir-opt %s -split-input-file --muir-xf-layout | FileCheck %s
// RUN: muir-opt %s -split-input-file --muir-xf-layout --muir-lower-xf-to-nc="target=small" | FileCheck %s --check-prefix=NC
// The lowering assigns (and checks) layouts itself when the pass did not run.
// RUN: muir-opt %s -split-input-file --muir-lower-xf-to-nc="target=small" | FileCheck %s --check-prefix=NC
// RUN: muir-run %s --backend=sim --target=small --check | FileCheck %s --check-prefix=EXEC
// EXEC: check #0: {{.*}} mismatches=0/256 OK

// Rope's transpose could be a view; the override makes it a copy: a
// transpose kernel (reading the [S, H, D] rows, writing [H, S, D] into a
// scratch tensor) runs before rope, which reads the copy.
// CHECK-LABEL: func.func @main
// CHECK: xf.transpose {{.*}}xf.layout = "copy"
// CHECK-NOT: xf.view_strides
// NC-LABEL: nc.kernel @main
// NC: nc.tensor scratch @t0 : tensor<1x2x8x16xf32>
// NC-NOT: nc.tensor scratch
// NC: nc.section "k0"
// NC-NEXT: nc.dma <sbuf[0, 8] {{.*}}, <hbm @arg0[8 x 32] at 0 dims [2, 16] strides [16, 1]
// NC-NEXT: nc.dma <hbm @t0[8 x 16] at 0 dims [2, 16] strides [128, 1]
// NC: nc.section "k0"
// NC: nc.dma <sbuf{{.*}}, <hbm @t0
func.func @main(%q: tensor<8x32xf32>, %cos: tensor<8x16xf32>, %sin: tensor<8x16xf32>) -> tensor<1x2x8x16xf32> {
  %q4 = xf.reshape %q : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
  %0 = xf.kernel "k0" rope : tensor<1x2x8x16xf32> {
    %qt = xf.transpose %q4 {permutation = array<i64: 0, 2, 1, 3>, xf.layout = "copy"} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
    %qr = xf.rope %qt, %cos, %sin : (tensor<1x2x8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<1x2x8x16xf32>
    xf.yield %qr : tensor<1x2x8x16xf32>
  }
  return %0 : tensor<1x2x8x16xf32>
}
