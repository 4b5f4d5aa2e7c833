// The compile pipeline runs on a module: nesting it under another op is an
// error with a message (it used to abort in the pass manager).
// RUN: not muir-opt %s --pass-pipeline="builtin.module(func.func(muir-compile))" 2>&1 | FileCheck %s
// RUN: not muir-opt %s --muir-compile="bogus=1" 2>&1 | FileCheck %s --check-prefix=OPT

// CHECK: error: muir-compile runs on a builtin.module; it cannot be nested under 'func.func'
// OPT: error: muir-compile: invalid options 'bogus=1'
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
