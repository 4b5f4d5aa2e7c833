// Fused IR is a program of its own: the reference backend runs the regions'
// ops, and the compiler lowers the regions as they are (the pipeline's fuse
// pass leaves existing kernels alone).
// RUN: muir-opt %s --muir-xf-fuse | muir-run - --backend=sim --check --target=small | FileCheck %s
// RUN: muir-opt %s --muir-xf-fuse | muir-opt --muir-compile="target=small roll-loops=false" | FileCheck %s --check-prefix=NC

// CHECK: check #0: vs reference {{.*}} mismatches=0/520 OK
// One kernel: no scratch tensor, the three ops on each tile.
// NC-NOT: scratch
// NC-COUNT-3: nc.activation gelu
// NC-NOT: nc.activation
func.func @main(%x: tensor<4x130xf32>, %b: tensor<130xf32>) -> tensor<4x130xf32> {
  %0 = xf.add %x, %b : (tensor<4x130xf32>, tensor<130xf32>) -> tensor<4x130xf32>
  %1 = xf.gelu %0 : tensor<4x130xf32>
  %2 = xf.mul %1, %x : (tensor<4x130xf32>, tensor<4x130xf32>) -> tensor<4x130xf32>
  return %2 : tensor<4x130xf32>
}
