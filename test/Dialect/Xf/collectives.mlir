// RUN: muir-opt %s -split-input-file | FileCheck %s

// The xf collectives parse and print; all_gather and reduce_scatter resize
// `dim` by the group size.

// CHECK-LABEL: func.func @all_reduce
// CHECK: xf.all_reduce %arg0 {replica_groups = dense<{{\[\[}}0, 1, 2, 3]]> : tensor<1x4xi64>} : (tensor<8x16xbf16>) -> tensor<8x16xbf16>
func.func @all_reduce(%x: tensor<8x16xbf16>) -> tensor<8x16xbf16> {
  %0 = xf.all_reduce %x {replica_groups = dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>} : (tensor<8x16xbf16>) -> tensor<8x16xbf16>
  return %0 : tensor<8x16xbf16>
}

// -----

// CHECK-LABEL: func.func @all_gather_dim1
// CHECK: xf.all_gather %arg0 {dim = 1 : i64, replica_groups = dense<{{\[\[}}0, 1], [2, 3]]> : tensor<2x2xi64>} : (tensor<8x16xf32>) -> tensor<8x32xf32>
func.func @all_gather_dim1(%x: tensor<8x16xf32>) -> tensor<8x32xf32> {
  %0 = xf.all_gather %x {dim = 1 : i64, replica_groups = dense<[[0, 1], [2, 3]]> : tensor<2x2xi64>} : (tensor<8x16xf32>) -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_scatter_dim0
// CHECK: xf.reduce_scatter %arg0 {replica_groups = dense<{{\[\[}}0, 1, 2, 3]]> : tensor<1x4xi64>} : (tensor<8x16xf16>) -> tensor<2x16xf16>
func.func @reduce_scatter_dim0(%x: tensor<8x16xf16>) -> tensor<2x16xf16> {
  %0 = xf.reduce_scatter %x {replica_groups = dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>} : (tensor<8x16xf16>) -> tensor<2x16xf16>
  return %0 : tensor<2x16xf16>
}

// -----

// CHECK-LABEL: func.func @all_to_all
// CHECK: xf.all_to_all %arg0 {replica_groups = dense<{{\[\[}}0, 4], [1, 5]]> : tensor<2x2xi64>} : (tensor<2x512xbf16>) -> tensor<2x512xbf16>
func.func @all_to_all(%x: tensor<2x512xbf16>) -> tensor<2x512xbf16> {
  %0 = xf.all_to_all %x {replica_groups = dense<[[0, 4], [1, 5]]> : tensor<2x2xi64>} : (tensor<2x512xbf16>) -> tensor<2x512xbf16>
  return %0 : tensor<2x512xbf16>
}

// -----

// CHECK-LABEL: func.func @collective_permute
// CHECK: xf.collective_permute %arg0, %arg1 {pairs = dense<{{\[\[}}0, 1], [1, 2]]> : tensor<2x2xi64>} : (tensor<4x8xbf16>, tensor<4x8xbf16>) -> tensor<4x8xbf16>
func.func @collective_permute(%x: tensor<4x8xbf16>, %i: tensor<4x8xbf16>) -> tensor<4x8xbf16> {
  %0 = xf.collective_permute %x, %i {pairs = dense<[[0, 1], [1, 2]]> : tensor<2x2xi64>} : (tensor<4x8xbf16>, tensor<4x8xbf16>) -> tensor<4x8xbf16>
  return %0 : tensor<4x8xbf16>
}
