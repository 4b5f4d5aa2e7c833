// RUN: muir-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// The full additive bias of xf.attention: round trip of every broadcast
// form, then one case per verifier rule.

// CHECK-LABEL: func.func @bias_full_and_broadcast
// CHECK: xf.attention %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} {causal = true} : (tensor<2x4x6x8xf32>, tensor<2x2x10x8xf32>, tensor<2x2x10x8xf32>, tensor<2x4x6x10xf32>) -> tensor<2x4x6x8xf32>
// CHECK: xf.attention %{{.*}}, %{{.*}}, %{{.*}} key_bias %{{.*}} bias %{{.*}} : (tensor<2x4x6x8xf32>, tensor<2x2x10x8xf32>, tensor<2x2x10x8xf32>, tensor<2x10xf32>, tensor<1x1x1x10xf32>) -> tensor<2x4x6x8xf32>
func.func @bias_full_and_broadcast(%q: tensor<2x4x6x8xf32>, %k: tensor<2x2x10x8xf32>, %b: tensor<2x4x6x10xf32>, %kb: tensor<2x10xf32>, %r: tensor<1x1x1x10xf32>) -> (tensor<2x4x6x8xf32>, tensor<2x4x6x8xf32>) {
  %0 = xf.attention %q, %k, %k bias %b {causal = true} : (tensor<2x4x6x8xf32>, tensor<2x2x10x8xf32>, tensor<2x2x10x8xf32>, tensor<2x4x6x10xf32>) -> tensor<2x4x6x8xf32>
  %1 = xf.attention %q, %k, %k key_bias %kb bias %r : (tensor<2x4x6x8xf32>, tensor<2x2x10x8xf32>, tensor<2x2x10x8xf32>, tensor<2x10xf32>, tensor<1x1x1x10xf32>) -> tensor<2x4x6x8xf32>
  return %0, %1 : tensor<2x4x6x8xf32>, tensor<2x4x6x8xf32>
}

// -----

// Heads broadcast only from 1, not from the key/value head count.
func.func @bias_kv_heads(%q: tensor<1x4x6x8xf32>, %k: tensor<1x2x10x8xf32>, %b: tensor<1x2x6x10xf32>) -> tensor<1x4x6x8xf32> {
  // expected-error @+2 {{bias must be [1 or 1, 4 or 1, 6 or 1, 10] (batch, query heads, queries, keys), got shape [1, 2, 6, 10]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = xf.attention %q, %k, %k bias %b : (tensor<1x4x6x8xf32>, tensor<1x2x10x8xf32>, tensor<1x2x10x8xf32>, tensor<1x2x6x10xf32>) -> tensor<1x4x6x8xf32>
  return %0 : tensor<1x4x6x8xf32>
}

// -----

// The key dimension never broadcasts.
func.func @bias_keys_broadcast(%q: tensor<1x4x6x8xf32>, %k: tensor<1x2x10x8xf32>, %b: tensor<1x4x6x1xf32>) -> tensor<1x4x6x8xf32> {
  // expected-error @+2 {{bias must be [1 or 1, 4 or 1, 6 or 1, 10] (batch, query heads, queries, keys), got shape [1, 4, 6, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = xf.attention %q, %k, %k bias %b : (tensor<1x4x6x8xf32>, tensor<1x2x10x8xf32>, tensor<1x2x10x8xf32>, tensor<1x4x6x1xf32>) -> tensor<1x4x6x8xf32>
  return %0 : tensor<1x4x6x8xf32>
}

// -----

// Rank 4 only: a [Sq, Sk] bias must be reshaped first.
func.func @bias_rank(%q: tensor<1x4x6x8xf32>, %k: tensor<1x2x10x8xf32>, %b: tensor<6x10xf32>) -> tensor<1x4x6x8xf32> {
  // expected-error @+2 {{bias must be [1 or 1, 4 or 1, 6 or 1, 10] (batch, query heads, queries, keys), got shape [6, 10]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = xf.attention %q, %k, %k bias %b : (tensor<1x4x6x8xf32>, tensor<1x2x10x8xf32>, tensor<1x2x10x8xf32>, tensor<6x10xf32>) -> tensor<1x4x6x8xf32>
  return %0 : tensor<1x4x6x8xf32>
}

// -----

func.func @bias_element_type(%q: tensor<1x4x6x8xbf16>, %k: tensor<1x2x10x8xbf16>, %b: tensor<1x4x6x10xf32>) -> tensor<1x4x6x8xbf16> {
  // expected-error @+2 {{query element type bf16 differs from bias element type f32}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = xf.attention %q, %k, %k bias %b : (tensor<1x4x6x8xbf16>, tensor<1x2x10x8xbf16>, tensor<1x2x10x8xbf16>, tensor<1x4x6x10xf32>) -> tensor<1x4x6x8xbf16>
  return %0 : tensor<1x4x6x8xbf16>
}

// -----

// The bias is a static tensor of a float type (the operand constraint).
func.func @bias_unranked(%q: tensor<1x4x6x8xf32>, %k: tensor<1x2x10x8xf32>, %b: tensor<*xf32>) -> tensor<1x4x6x8xf32> {
  // expected-error @+1 {{operand #3 must be statically shaped tensor}}
  %0 = xf.attention %q, %k, %k bias %b : (tensor<1x4x6x8xf32>, tensor<1x2x10x8xf32>, tensor<1x2x10x8xf32>, tensor<*xf32>) -> tensor<1x4x6x8xf32>
  return %0 : tensor<1x4x6x8xf32>
}
