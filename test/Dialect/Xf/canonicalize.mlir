// RUN: muir-opt %s -canonicalize -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @transpose_of_transpose_composes
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[T:.*]] = xf.transpose %[[X]] {permutation = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_of_transpose_composes(%x: tensor<2x3x4xf32>) -> tensor<3x4x2xf32> {
  %0 = xf.transpose %x {permutation = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
  %1 = xf.transpose %0 {permutation = array<i64: 2, 0, 1>} : (tensor<4x2x3xf32>) -> tensor<3x4x2xf32>
  return %1 : tensor<3x4x2xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_pair_cancels
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @transpose_pair_cancels(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = xf.transpose %x {permutation = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = xf.transpose %0 {permutation = array<i64: 1, 0>} : (tensor<3x2xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @identity_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @identity_transpose(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = xf.transpose %x {permutation = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_chain
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[R:.*]] = xf.reshape %[[X]] : (tensor<2x3x4xf32>) -> tensor<24xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_chain(%x: tensor<2x3x4xf32>) -> tensor<24xf32> {
  %0 = xf.reshape %x : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %1 = xf.reshape %0 : (tensor<6x4xf32>) -> tensor<24xf32>
  return %1 : tensor<24xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_round_trip
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @reshape_round_trip(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = xf.reshape %x : (tensor<2x3xf32>) -> tensor<6xf32>
  %1 = xf.reshape %0 : (tensor<6xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_of_constant
// CHECK-NEXT: %[[C:.*]] = xf.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT: return %[[C]]
func.func @reshape_of_constant() -> tensor<2x2xf32> {
  %c = xf.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %0 = xf.reshape %c : (tensor<4xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// CHECK-LABEL: func.func @multiply_by_one
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]], %[[X]]
func.func @multiply_by_one(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %one = xf.constant dense<1.0> : tensor<3xf32>
  %0 = xf.mul %x, %one : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = xf.mul %one, %x : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @add_sub_div_identities
// CHECK-SAME: (%[[X:.*]]: tensor<4xbf16>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[X]], %[[X]]
func.func @add_sub_div_identities(%x: tensor<4xbf16>) -> (tensor<4xbf16>, tensor<4xbf16>, tensor<4xbf16>, tensor<4xbf16>) {
  %zero = xf.constant dense<0.0> : tensor<4xbf16>
  %one = xf.constant dense<1.0> : tensor<4xbf16>
  %0 = xf.add %x, %zero : (tensor<4xbf16>, tensor<4xbf16>) -> tensor<4xbf16>
  %1 = xf.add %zero, %x : (tensor<4xbf16>, tensor<4xbf16>) -> tensor<4xbf16>
  %2 = xf.sub %x, %zero : (tensor<4xbf16>, tensor<4xbf16>) -> tensor<4xbf16>
  %3 = xf.div %x, %one : (tensor<4xbf16>, tensor<4xbf16>) -> tensor<4xbf16>
  return %0, %1, %2, %3 : tensor<4xbf16>, tensor<4xbf16>, tensor<4xbf16>, tensor<4xbf16>
}

// -----

// Identities that would change the type, or are not identities, stay.
// CHECK-LABEL: func.func @not_identities
// CHECK: xf.mul %{{.*}}, %{{.*}} : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK: xf.mul %{{.*}}, %{{.*}} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
// CHECK: xf.sub %{{.*}}, %{{.*}} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
// CHECK: xf.div %{{.*}}, %{{.*}} : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
func.func @not_identities(%x: tensor<3xf32>) -> (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %one = xf.constant dense<1.0> : tensor<2x3xf32>
  %two = xf.constant dense<2.0> : tensor<3xf32>
  %zero = xf.constant dense<0.0> : tensor<3xf32>
  %o = xf.constant dense<1.0> : tensor<3xf32>
  %0 = xf.mul %x, %one : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = xf.mul %x, %two : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %2 = xf.sub %zero, %x : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %3 = xf.div %o, %x : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0, %1, %2, %3 : tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_of_splat
// CHECK-NEXT: %[[C:.*]] = xf.constant dense<5.000000e-01> : tensor<4x3xf32>
// CHECK-NEXT: return %[[C]]
func.func @broadcast_of_splat() -> tensor<4x3xf32> {
  %c = xf.constant dense<0.5> : tensor<3xf32>
  %0 = xf.broadcast_to %c : (tensor<3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// CHECK-LABEL: func.func @same_type_no_ops
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]], %[[X]]
func.func @same_type_no_ops(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = xf.broadcast_to %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = xf.cast %x : tensor<2x3xf32> to tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// A real cast and a real broadcast stay.
// CHECK-LABEL: func.func @real_cast_and_broadcast
// CHECK: xf.cast
// CHECK: xf.broadcast_to
func.func @real_cast_and_broadcast(%x: tensor<3xf32>) -> (tensor<3xbf16>, tensor<2x3xf32>) {
  %0 = xf.cast %x : tensor<3xf32> to tensor<3xbf16>
  %1 = xf.broadcast_to %x : (tensor<3xf32>) -> tensor<2x3xf32>
  return %0, %1 : tensor<3xbf16>, tensor<2x3xf32>
}
