// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" | FileCheck %s --check-prefix=FUSE
// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-lower-xf-to-nc="target=small" | FileCheck %s
// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small disable=slice-view" --muir-lower-xf-to-nc="target=small" | FileCheck %s --check-prefix=OFF

// slice-view: Q, K and V sliced out of a fused QKV projection [8, 96] and
// reshaped into heads are read by attention in place: row stride 96, head
// stride 16, K at column 32, V at column 64. No tensor holds a copy of a
// slice: there is no scratch tensor at all.
// FUSE-LABEL: func.func @fused_qkv
// FUSE-NOT: data_movement
// FUSE: xf.kernel "k0" attention
// FUSE-COUNT-3: xf.slice
// FUSE-COUNT-3: xf.reshape
// FUSE-COUNT-3: xf.transpose
// CHECK-LABEL: nc.kernel @fused_qkv
// CHECK-NOT: nc.tensor scratch
// K^T of head 0: 8 keys 96 apart, transposed in.
// CHECK: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [8] {{.*}}, <hbm @arg0[8 x 96] at 32 dims [16] strides [1] : f32> {{{.*}}transpose}
// V of head 1: rows 96 apart from column 80.
// CHECK: nc.dma <sbuf[0, 8] at {{[0-9]+}} dims [16] {{.*}}, <hbm @arg0[8 x 96] at 80 dims [16] strides [1] : f32>
// Turned off, each slice is a copy of its own.
// OFF-LABEL: nc.kernel @fused_qkv
// OFF-COUNT-3: nc.tensor scratch
func.func @fused_qkv(%qkv: tensor<8x96xf32>) -> tensor<1x2x8x16xf32> {
  %q = xf.slice %qkv {offsets = array<i64: 0, 0>, sizes = array<i64: 8, 32>, strides = array<i64: 1, 1>} : (tensor<8x96xf32>) -> tensor<8x32xf32>
  %k = xf.slice %qkv {offsets = array<i64: 0, 32>, sizes = array<i64: 8, 32>, strides = array<i64: 1, 1>} : (tensor<8x96xf32>) -> tensor<8x32xf32>
  %v = xf.slice %qkv {offsets = array<i64: 0, 64>, sizes = array<i64: 8, 32>, strides = array<i64: 1, 1>} : (tensor<8x96xf32>) -> tensor<8x32xf32>
  %q4 = xf.reshape %q : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
  %k4 = xf.reshape %k : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
  %v4 = xf.reshape %v : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
  %qt = xf.transpose %q4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
  %kt = xf.transpose %k4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
  %vt = xf.transpose %v4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
  %a = xf.attention %qt, %kt, %vt {causal = true} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %a : tensor<1x2x8x16xf32>
}

// -----

// A slice that is every other column cannot be reshaped into heads whose
// last dimension is contiguous: it stays a copy (data_movement kernel).
// FUSE-LABEL: func.func @strided_slice_copied
// FUSE: xf.kernel "k0" data_movement
// FUSE: xf.kernel "k1" attention
// CHECK-LABEL: nc.kernel @strided_slice_copied
// CHECK-COUNT-1: nc.tensor scratch
// CHECK-NOT: nc.tensor scratch
// OFF-LABEL: nc.kernel @strided_slice_copied
func.func @strided_slice_copied(%qkv: tensor<8x64xf32>, %k: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %q = xf.slice %qkv {offsets = array<i64: 0, 0>, sizes = array<i64: 8, 32>, strides = array<i64: 1, 2>} : (tensor<8x64xf32>) -> tensor<8x32xf32>
  %q4 = xf.reshape %q : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
  %qt = xf.transpose %q4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
  %a = xf.attention %qt, %k, %k : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %a : tensor<1x2x8x16xf32>
}
