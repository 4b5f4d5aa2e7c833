// RUN: muir-opt %s --muir-lower-xf-to-nc="target=small" -verify-diagnostics

// A concat along axis 2 whose one use is attention is read in place as
// key/value sequence segments; the bias's axis 2 is the queries, so a bias
// made by such a concat is refused with a message, not read wrongly.
func.func @bias_from_a_sequence_concat(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %b0: tensor<1x1x4x8xf32>, %b1: tensor<1x1x4x8xf32>) -> tensor<1x1x8x16xf32> {
  %b = xf.concat %b0, %b1 {axis = 2 : i64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x8x8xf32>
  // expected-error @+1 {{attention bias produced by a sequence concat is not supported on the accelerator; compute it separately}}
  %0 = xf.attention %q, %k, %k bias %b : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x8xf32>) -> tensor<1x1x8x16xf32>
  return %0 : tensor<1x1x8x16xf32>
}
