// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-lower-xf-to-nc="target=small" --mlir-print-debuginfo --mlir-print-local-scope | FileCheck %s

// Every instruction carries the location of the xf op its kernel lowers;
// ops folded into a kernel fuse their locations with it. Here the residual
// add is the matmul's epilogue: one kernel, both lines.
// CHECK-LABEL: nc.kernel @residual_matmul
// CHECK-NOT: nc.matmul {{.*}}loc("model.py":3:5)
// CHECK: nc.matmul {{.*}} loc(fused["model.py":4:5, "model.py":3:5])
// CHECK: nc.dma <hbm @out0{{.*}} loc(fused["model.py":4:5, "model.py":3:5])
func.func @residual_matmul(%a: tensor<16x16xf32>, %b: tensor<16x16xf32>, %r: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %0 = xf.matmul %a, %b : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32> loc("model.py":3:5)
  %1 = xf.add %0, %r : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32> loc("model.py":4:5)
  return %1 : tensor<16x16xf32>
}

// -----

// An elementwise chain after a matmul is the matmul's epilogue: one
// kernel, and every instruction of it carries all three lines.
// CHECK-LABEL: nc.kernel @chain_after_matmul
// CHECK: nc.matmul {{.*}} loc(fused["model.py":15:5, "model.py":14:5, "model.py":13:5])
// CHECK: nc.tensor_tensor {{.*}} loc(fused["model.py":15:5, "model.py":14:5, "model.py":13:5])
// CHECK: nc.activation exp {{.*}} loc(fused["model.py":15:5, "model.py":14:5, "model.py":13:5])
func.func @chain_after_matmul(%a: tensor<16x16xf32>, %b: tensor<16x16xf32>, %r: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %0 = xf.matmul %a, %b : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32> loc("model.py":13:5)
  %1 = xf.add %0, %r : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32> loc("model.py":14:5)
  %2 = xf.exp %1 : tensor<16x16xf32> loc("model.py":15:5)
  return %2 : tensor<16x16xf32>
}
