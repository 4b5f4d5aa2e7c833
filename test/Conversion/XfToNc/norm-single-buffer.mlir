// layer_norm keeps weight and bias resident and two sets of row, output and
// statistics tiles; where two sets do not fit (rows of 200 f32 on the 4 KiB
// partitions of the small target) it uses one instead of failing with
// "does not fit" (found by scripts/random_graphs.py). Rows of 300 f32 need
// 4,800 bytes even single-buffered: they stream in chunks (chunk_cols).
// RUN: muir-run %s --function=main --backend=sim --check --target=small | FileCheck %s
// RUN: muir-run %s --function=too_long --backend=sim --check --target=small | FileCheck %s --check-prefix=LONG

// CHECK: check #0: {{.*}} mismatches=0/6400 OK
func.func @main(%x: tensor<32x200xf32>, %w: tensor<200xf32>, %b: tensor<200xf32>) -> tensor<32x200xf32> {
  %0 = xf.layer_norm %x, %w, %b : (tensor<32x200xf32>, tensor<200xf32>, tensor<200xf32>) -> tensor<32x200xf32>
  return %0 : tensor<32x200xf32>
}

// LONG: check #0: {{.*}} mismatches=0/4800 OK
func.func @too_long(%x: tensor<16x300xf32>, %w: tensor<300xf32>, %b: tensor<300xf32>) -> tensor<16x300xf32> {
  %0 = xf.layer_norm %x, %w, %b : (tensor<16x300xf32>, tensor<300xf32>, tensor<300xf32>) -> tensor<16x300xf32>
  return %0 : tensor<16x300xf32>
}
