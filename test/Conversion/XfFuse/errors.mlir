// RUN: not muir-opt %s --muir-xf-fuse="disable=everything" 2>&1 | FileCheck %s --check-prefix=KIND
// RUN: muir-opt %s --muir-xf-fuse | FileCheck %s

// KIND: unknown fusion 'everything' in disable=

// A kernel written by hand is kept as it is (and keeps its name); the ops
// around it are fused and named without reusing it. Nothing fuses across
// the hand-written kernel's boundary.
// CHECK-LABEL: func.func @main
// CHECK: %[[H:.*]] = xf.kernel "k1" elementwise
// CHECK-NEXT: xf.neg %arg0
// CHECK-NEXT: xf.tanh
// CHECK: xf.kernel "k0" elementwise
// CHECK-NEXT: xf.exp %arg0
// CHECK-NEXT: xf.add %[[H]]
// CHECK-NEXT: xf.sqrt
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = xf.kernel "k1" elementwise : tensor<4xf32> {
    %1 = xf.neg %x : tensor<4xf32>
    %2 = xf.tanh %1 : tensor<4xf32>
    xf.yield %2 : tensor<4xf32>
  }
  %3 = xf.exp %x : tensor<4xf32>
  %4 = xf.add %0, %3 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %5 = xf.sqrt %4 : tensor<4xf32>
  return %5 : tensor<4xf32>
}
