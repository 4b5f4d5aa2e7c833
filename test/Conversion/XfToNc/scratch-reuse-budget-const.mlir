// Automatic scratch reuse keeps room for constants as well as outputs:
// the first product's weight is a 4 KiB constant, so on a 48 KiB-HBM
// target the budget for new tensors is 48 - 8 (output) - 4 (constant) KiB
// = 36 KiB, and with 16 KiB of arguments and constant laid out only two
// intermediates get tensors of their own (without the constant's share a
// third would, as in scratch-reuse-budget.mlir).
// RUN: sed 's/"capacity_bytes": 1073741824/"capacity_bytes": 49152/' %muir_src/targets/small.json > %t.json
// RUN: muir-opt %s --muir-xf-fuse="target=%t.json" --muir-lower-xf-to-nc="target=%t.json" | FileCheck %s
// RUN: muir-run %s --backend=sim --check --target=%t.json | FileCheck %s --check-prefix=SIM

// CHECK-LABEL: nc.kernel @chain
// CHECK: nc.tensor const @const0 : tensor<32x32xf32>
// CHECK-NEXT: nc.tensor scratch @t1 : tensor<64x32xf32>
// CHECK-NEXT: nc.tensor scratch @t2 : tensor<64x32xf32>
// CHECK-NEXT: nc.tensor output @out0
// CHECK-NOT: nc.tensor {{input|scratch|output|const}}
// SIM: check #0: {{.*}} OK
func.func @chain(%x: tensor<64x32xf32>, %w: tensor<32x32xf32>) -> tensor<64x32xf32> {
  %c = xf.constant dense<0.03125> : tensor<32x32xf32>
  %0 = xf.matmul %x, %c : (tensor<64x32xf32>, tensor<32x32xf32>) -> tensor<64x32xf32>
  %1 = xf.softmax %0 : tensor<64x32xf32>
  %2 = xf.matmul %1, %w : (tensor<64x32xf32>, tensor<32x32xf32>) -> tensor<64x32xf32>
  %3 = xf.softmax %2 : tensor<64x32xf32>
  %4 = xf.matmul %3, %w : (tensor<64x32xf32>, tensor<32x32xf32>) -> tensor<64x32xf32>
  %5 = xf.softmax %4 : tensor<64x32xf32>
  %6 = xf.matmul %5, %w : (tensor<64x32xf32>, tensor<32x32xf32>) -> tensor<64x32xf32>
  return %6 : tensor<64x32xf32>
}
