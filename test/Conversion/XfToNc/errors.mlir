// RUN: muir-opt %s -split-input-file -verify-diagnostics --muir-lower-xf-to-nc="target=small"

func.func @gather_has_no_lowering(%t: tensor<10x4xf32>, %i: tensor<3xi32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{has no accelerator lowering yet}}
  %0 = xf.gather %t[%i] : (tensor<10x4xf32>, tensor<3xi32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// A softmax row of 2000 f32 values (8000 bytes x 2 buffers) cannot fit a
// 4 KiB SBUF partition of the small target.
func.func @softmax_row_too_long(%x: tensor<4x2000xf32>) -> tensor<4x2000xf32> {
  // expected-error @+1 {{does not fit on target 'small': a softmax row tile needs 8000 bytes per SBUF partition}}
  %0 = xf.softmax %x : tensor<4x2000xf32>
  return %0 : tensor<4x2000xf32>
}

// -----

// expected-error @+1 {{no function to compile}}
module {
  func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> { return %x : tensor<2xf32> }
  func.func @g(%x: tensor<2xf32>) -> tensor<2xf32> { return %x : tensor<2xf32> }
}
