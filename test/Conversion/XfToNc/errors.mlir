// RUN: muir-opt %s -split-input-file -verify-diagnostics --muir-lower-xf-to-nc="target=small"

// A function with two blocks cannot be lowered.
func.func @batch_matmul_of_unsupported_dialect(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{cannot be lowered to the accelerator: only xf ops are supported}}
  %0 = func.call @batch_matmul_of_unsupported_dialect(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// expected-error @+1 {{no function to compile}}
module {
  func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> { return %x : tensor<2xf32> }
  func.func @g(%x: tensor<2xf32>) -> tensor<2xf32> { return %x : tensor<2xf32> }
}

// -----

func.func @index_constant_too_wide(%t: tensor<4x2xf32>) -> tensor<2x2xf32> {
  // expected-error @below {{i64 constant value 4294967296 does not fit the target's i32 indices}}
  %i = xf.constant dense<[0, 4294967296]> : tensor<2xi64>
  %0 = xf.gather %t[%i] : (tensor<4x2xf32>, tensor<2xi64>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}
