// A well-conditioned result has a sensitivity of an ulp or less (none at all
// for an op of the function's arguments): an error a little past the f32
// tolerance (1e-5 of the largest magnitude, here below 8) is a mismatch.
// RUN: muir-run %s --backend=sim --check --target=small | FileCheck %s --check-prefix=OK
// RUN: not muir-run %s --backend=sim --check --target=small --check-inject=2e-4 | FileCheck %s
// OK-COUNT-2: mismatches=0/{{[0-9]+}} OK{{$}}
// CHECK: check #0: {{.*}} mismatches=1/80 MISMATCH
// CHECK: check #1: {{.*}} mismatches=1/80 MISMATCH
func.func @main(%x: tensor<4x20xf32>, %y: tensor<4x20xf32>) -> (tensor<4x20xf32>, tensor<4x20xf32>) {
  %0 = xf.exp %x : tensor<4x20xf32>
  %1 = xf.add %x, %y : (tensor<4x20xf32>, tensor<4x20xf32>) -> tensor<4x20xf32>
  %2 = xf.tanh %1 : tensor<4x20xf32>
  %3 = xf.mul %2, %0 : (tensor<4x20xf32>, tensor<4x20xf32>) -> tensor<4x20xf32>
  return %0, %3 : tensor<4x20xf32>, tensor<4x20xf32>
}
