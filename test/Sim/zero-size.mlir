// Zero-size tensors (inputs, outputs, constants) run and check; their empty
// buffers are never handed to memcpy/memset as null pointers, which the
// sanitizer build (scripts/sanitize.sh, UBSan) reports as an error.
// RUN: muir-run %s --function=zero_rows --backend=sim --check | FileCheck %s
// RUN: muir-run %s --function=zero_rows --backend=sim --check --target=small | FileCheck %s
// RUN: muir-sim %S/Inputs/zero-const.mlir --print | FileCheck %s --check-prefix=SIM
// The binary of a zero-size constant back to nc (a null blob copy before;
// found by the binary fuzz harness):
// RUN: muir-translate --nc-to-bin %S/Inputs/zero-const.mlir -o %t.bin
// RUN: muir-translate --bin-to-nc %t.bin | FileCheck %s --check-prefix=BIN
// RUN: muir-sim %t.bin --print | FileCheck %s --check-prefix=SIM
// BIN: nc.tensor const @c : tensor<0xf32> at 0 = dense_resource<c> : tensor<0xf32>
// SIM: @y : 0xf32

// CHECK: check #0: {{.*}} mismatches=0/0 OK
// CHECK: check #1: {{.*}} mismatches=0/4 OK
func.func @zero_rows(%a: tensor<0x4xf32>, %b: tensor<4xf32>) -> (tensor<0x4xf32>, tensor<4xf32>) {
  %0 = xf.add %a, %b : (tensor<0x4xf32>, tensor<4xf32>) -> tensor<0x4xf32>
  %1 = xf.exp %b : tensor<4xf32>
  return %0, %1 : tensor<0x4xf32>, tensor<4xf32>
}
