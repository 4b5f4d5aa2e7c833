// Zero-size tensors (inputs, outputs, constants) run and check; their empty
// buffers are never handed to memcpy/memset as null pointers, which the
// sanitizer build (scripts/sanitize.sh, UBSan) reports as an error.
// RUN: muir-run %s --function=zero_rows --backend=sim --check | FileCheck %s
// RUN: muir-run %s --function=zero_rows --backend=sim --check --target=small | FileCheck %s
// RUN: muir-sim %S/Inputs/zero-const.mlir --print | FileCheck %s --check-prefix=SIM
// SIM: @y : 0xf32

// CHECK: check #0: {{.*}} mismatches=0/0 OK
// CHECK: check #1: {{.*}} mismatches=0/4 OK
func.func @zero_rows(%a: tensor<0x4xf32>, %b: tensor<4xf32>) -> (tensor<0x4xf32>, tensor<4xf32>) {
  %0 = xf.add %a, %b : (tensor<0x4xf32>, tensor<4xf32>) -> tensor<0x4xf32>
  %1 = xf.exp %b : tensor<4xf32>
  return %0, %1 : tensor<0x4xf32>, tensor<4xf32>
}
