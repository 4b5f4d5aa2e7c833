// muir-run takes kernel config overrides; the values do not change.
// RUN: muir-run %s --backend=sim --check --target=small --kernel-config=k0.schedule=stream,k0.block_tiles=1 | FileCheck %s
// RUN: muir-run %s --backend=sim --check --target=small --kernel-config=k0.schedule=row_panel --kernel-config=k0.panel_rows=2 | FileCheck %s
// RUN: not muir-run %s --backend=sim --target=small --kernel-config=k0.schedule=nope 2>&1 | FileCheck %s --check-prefix=BAD

// CHECK: check #0: vs reference {{.*}} OK
// BAD: error: 'xf.kernel' op 'k0': kernel config: unknown schedule 'nope'
func.func @main(%a: tensor<48x32xf32>, %b: tensor<32x100xf32>) -> tensor<48x100xf32> {
  %0 = xf.matmul %a, %b : (tensor<48x32xf32>, tensor<32x100xf32>) -> tensor<48x100xf32>
  return %0 : tensor<48x100xf32>
}
