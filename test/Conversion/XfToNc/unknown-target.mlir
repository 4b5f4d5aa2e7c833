// RUN: not muir-opt %s --muir-lower-xf-to-nc="target=nosuch" 2>&1 | FileCheck %s
// CHECK: error: unknown target 'nosuch'
func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
