// A concat along axis 2 whose one use is an attention is read in place only
// when it makes the keys or values; one that makes the bias (whose axis 2 is
// the queries) is a kernel of its own, and the result is right.
// RUN: muir-opt %s --muir-xf-fuse="target=small" | FileCheck %s
// RUN: muir-run %s --backend=sim --check --target=small | FileCheck %s --check-prefix=SIM

// CHECK: xf.kernel "k0" data_movement
// CHECK-NEXT: xf.concat
// CHECK: xf.kernel "k1" attention
// CHECK-NOT: xf.concat
// CHECK: xf.attention
// SIM: check #0: vs reference {{.*}} OK
func.func @main(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %b0: tensor<1x1x4x8xf32>, %b1: tensor<1x1x4x8xf32>) -> tensor<1x1x8x16xf32> {
  %b = xf.concat %b0, %b1 {axis = 2 : i64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x8x8xf32>
  %0 = xf.attention %q, %k, %k bias %b : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x8xf32>) -> tensor<1x1x8x16xf32>
  return %0 : tensor<1x1x8x16xf32>
}
