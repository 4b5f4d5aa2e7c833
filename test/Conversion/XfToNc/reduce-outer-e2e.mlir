// RUN: muir-run %s --backend=sim --check --target=small | FileCheck %s
// RUN: muir-run %s --backend=sim --check --target=trn2 | FileCheck %s

// Reductions whose outer reduced groups do not fit a partition even one
// element each (the random-graph tester's "does not fit" on small): a
// kept dim of size 1 between reduced axes (the plan and the kernel must
// group them alike: here all reduced axes are one 4128-element group), and
// 600 outer groups of 7 with 5 x 2 kept rows.
// CHECK: check #0: {{.*}} OK
// CHECK: check #1: {{.*}} OK
// CHECK: check #2: {{.*}} OK
func.func @main(%a: tensor<32x129x1x1xbf16>, %b: tensor<600x5x2x7xf32>, %c: tensor<129x7x3x2xbf16>) -> (tensor<1x1x1x1xbf16>, tensor<5x2xf32>, tensor<3xbf16>) {
  %0 = xf.reduce_max %a {axes = array<i64: 0, -3, 3>, keep_dims = true} : (tensor<32x129x1x1xbf16>) -> tensor<1x1x1x1xbf16>
  %1 = xf.reduce_sum %b {axes = array<i64: 0, 3>} : (tensor<600x5x2x7xf32>) -> tensor<5x2xf32>
  %2 = xf.reduce_mean %c {axes = array<i64: 0, 1, -1>} : (tensor<129x7x3x2xbf16>) -> tensor<3xbf16>
  return %0, %1, %2 : tensor<1x1x1x1xbf16>, tensor<5x2xf32>, tensor<3xbf16>
}
