// RUN: muir-opt %s -split-input-file -verify-diagnostics --muir-compile="target=trn2"
// RUN: muir-opt %s -split-input-file -verify-diagnostics --muir-lower-xf-to-nc="target=trn2"

// Tensors the target's HBM cannot hold fail before any lowering work (these
// used to tile for minutes); the error names the value and its bytes.

// expected-error @+1 {{argument #0 type 'tensor<1000000x1000000xf32>' needs 4000000000000 bytes, more than the 12884901888 bytes of HBM of target 'trn2'}}
func.func @add_of_huge_arguments(%a: tensor<1000000x1000000xf32>) -> tensor<1000000x1000000xf32> {
  %0 = xf.add %a, %a : (tensor<1000000x1000000xf32>, tensor<1000000x1000000xf32>) -> tensor<1000000x1000000xf32>
  return %0 : tensor<1000000x1000000xf32>
}

// -----

func.func @huge_splat_constant(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'xf.constant' op result #0 type 'tensor<1000000x1000000xf32>' needs 4000000000000 bytes, more than the 12884901888 bytes of HBM of target 'trn2'}}
  %c = xf.constant dense<1.0> : tensor<1000000x1000000xf32>
  %s = xf.reduce_sum %c {axes = array<i64: 0, 1>} : (tensor<1000000x1000000xf32>) -> tensor<f32>
  %r = xf.add %a, %s : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

func.func @huge_broadcast(%a: tensor<1000000xbf16>) -> tensor<1000000x1000000xbf16> {
  // expected-error @+1 {{'xf.broadcast_to' op result #0 type 'tensor<1000000x1000000xbf16>' needs 2000000000000 bytes}}
  %b = xf.broadcast_to %a : (tensor<1000000xbf16>) -> tensor<1000000x1000000xbf16>
  return %b : tensor<1000000x1000000xbf16>
}

// -----

// Each fits alone, but arguments and results must be in HBM together.
// expected-error @+1 {{arguments and results together need 16000000000 bytes, more than the 12884901888 bytes of HBM of target 'trn2'}}
func.func @arguments_and_results_together(%a: tensor<1000000000xf32>, %b: tensor<1000000000xf32>) -> (tensor<1000000000xf32>, tensor<1000000000xf32>) {
  return %a, %b : tensor<1000000000xf32>, tensor<1000000000xf32>
}
