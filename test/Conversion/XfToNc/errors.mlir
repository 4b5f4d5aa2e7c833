// RUN: muir-opt %s -split-input-file -verify-diagnostics --muir-lower-xf-to-nc="target=small"

// A function with two blocks cannot be lowered.
func.func @batch_matmul_of_unsupported_dialect(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{cannot be lowered to the accelerator: only xf ops are supported}}
  %0 = func.call @batch_matmul_of_unsupported_dialect(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// An RMS norm's weight of 2000 f32 values (8000 bytes, resident on every
// partition) cannot fit a 4 KiB SBUF partition of the small target. (A
// softmax row that wide streams in chunks: softmax-chunked.mlir.)
func.func @norm_row_too_long(%x: tensor<4x2000xf32>, %w: tensor<2000xf32>) -> tensor<4x2000xf32> {
  // expected-error @+1 {{does not fit on target 'small': the norm weight needs 8000 bytes per SBUF partition}}
  %0 = xf.rms_norm %x, %w {eps = 1.0e-6 : f32} : (tensor<4x2000xf32>, tensor<2000xf32>) -> tensor<4x2000xf32>
  return %0 : tensor<4x2000xf32>
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
