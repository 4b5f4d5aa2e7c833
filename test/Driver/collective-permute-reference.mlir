// The reference backend runs one rank (rank 0): xf.collective_permute gives
// its init when rank 0 is the target of no pair, and an error when another
// rank would send to rank 0.
// RUN: split-file %s %t
// RUN: muir-run %t/init.mlir --print | FileCheck %s --check-prefix=INIT
// RUN: not muir-run %t/other.mlir 2>&1 | FileCheck %s --check-prefix=OTHER

//--- init.mlir
// INIT: [5, 6, 7, 8]
func.func @main() -> tensor<4xf32> {
  %x = xf.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %i = xf.constant dense<[5.0, 6.0, 7.0, 8.0]> : tensor<4xf32>
  %0 = xf.collective_permute %x, %i {pairs = dense<[[0, 1], [1, 2]]> : tensor<2x2xi64>} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

//--- other.mlir
// OTHER: error: reference backend: runs one rank, but rank 3 sends to rank 0 here
func.func @main() -> tensor<4xf32> {
  %x = xf.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %i = xf.constant dense<[5.0, 6.0, 7.0, 8.0]> : tensor<4xf32>
  %0 = xf.collective_permute %x, %i {pairs = dense<[[3, 0]]> : tensor<1x2xi64>} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
