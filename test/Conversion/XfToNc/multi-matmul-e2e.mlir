// RUN: muir-run %s --backend=sim --check --target=small | FileCheck %s
// RUN: muir-run %s --backend=sim --check --target=small --kernel-config=k0.schedule=stream | FileCheck %s
// RUN: muir-run %s --backend=sim --check --target=small --kernel-config=k0.schedule=row_panel | FileCheck %s
// RUN: muir-run %s --backend=sim --check --target=small --kernel-config=k0.block_tiles=1,k0.b_buffers=2 | FileCheck %s
// RUN: muir-run %s --backend=sim --check --target=trn2 | FileCheck %s
// RUN: muir-opt %s --muir-xf-fuse="target=small" | FileCheck %s --check-prefix=FUSED

// Three products of one A with widths that are not tile multiples (the
// moving tiles and B blocks straddle products), f32 with transposed weights
// and bf16 row-major, under every schedule the kernel has: each product
// must equal the reference's.
// FUSED: xf.kernel "k0" multi_matmul : tensor<160x70xbf16>, tensor<160x45xbf16>, tensor<160x100xbf16>
// FUSED: xf.kernel "k1" multi_matmul : tensor<40x33xf32>, tensor<40x17xf32>
// CHECK: check #0: {{.*}} OK
// CHECK: check #1: {{.*}} OK
// CHECK: check #2: {{.*}} OK
// CHECK: check #3: {{.*}} OK
// CHECK: check #4: {{.*}} OK
func.func @main(%x: tensor<160x48xbf16>, %w1: tensor<48x70xbf16>, %w2: tensor<48x45xbf16>, %w3: tensor<48x100xbf16>,
                %y: tensor<40x24xf32>, %v1: tensor<33x24xf32>, %v2: tensor<17x24xf32>)
    -> (tensor<160x70xbf16>, tensor<160x45xbf16>, tensor<160x100xbf16>, tensor<40x33xf32>, tensor<40x17xf32>) {
  %a = xf.matmul %x, %w1 : (tensor<160x48xbf16>, tensor<48x70xbf16>) -> tensor<160x70xbf16>
  %b = xf.matmul %x, %w2 : (tensor<160x48xbf16>, tensor<48x45xbf16>) -> tensor<160x45xbf16>
  %c = xf.matmul %x, %w3 : (tensor<160x48xbf16>, tensor<48x100xbf16>) -> tensor<160x100xbf16>
  %d = xf.matmul %y, %v1 {transpose_rhs = true} : (tensor<40x24xf32>, tensor<33x24xf32>) -> tensor<40x33xf32>
  %e = xf.matmul %y, %v2 {transpose_rhs = true} : (tensor<40x24xf32>, tensor<17x24xf32>) -> tensor<40x17xf32>
  return %a, %b, %c, %d, %e : tensor<160x70xbf16>, tensor<160x45xbf16>, tensor<160x100xbf16>, tensor<40x33xf32>, tensor<40x17xf32>
}
