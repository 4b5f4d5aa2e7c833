// RUN: muir-opt %s -split-input-file -verify-diagnostics

// The xf.index_copy shape rules (its verifier lives with the gather
// lowering's tests: both are row moves by indirect DMA).

func.func @axis_out_of_range(%c: tensor<2x8xf32>, %p: tensor<1xi64>, %r: tensor<2x1xf32>) -> tensor<2x8xf32> {
  // expected-error @+2 {{axis 2 is outside dest [2, 8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = xf.index_copy %c[%p], %r {axis = 2} : (tensor<2x8xf32>, tensor<1xi64>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @rows_per_index(%c: tensor<2x8xf32>, %p: tensor<2xi64>, %r: tensor<2x1xf32>) -> tensor<2x8xf32> {
  // expected-error @+2 {{source [2, 1] must be dest [2, 8] with one row per index (2) at axis 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = xf.index_copy %c[%p], %r {axis = 1} : (tensor<2x8xf32>, tensor<2xi64>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @indices_not_1d(%c: tensor<2x8xf32>, %p: tensor<1x1xi64>, %r: tensor<2x1xf32>) -> tensor<2x8xf32> {
  // expected-error @+2 {{indices must be 1-D, got shape [1, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = xf.index_copy %c[%p], %r {axis = 1} : (tensor<2x8xf32>, tensor<1x1xi64>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @element_types(%c: tensor<2x8xf32>, %p: tensor<1xi64>, %r: tensor<2x1xbf16>) -> tensor<2x8xf32> {
  // expected-error @+2 {{source and dest must share the element type}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = xf.index_copy %c[%p], %r {axis = 1} : (tensor<2x8xf32>, tensor<1xi64>, tensor<2x1xbf16>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}
