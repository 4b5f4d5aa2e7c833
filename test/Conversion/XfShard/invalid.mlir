// RUN: muir-opt %s -split-input-file --muir-xf-shard="cores=4" -verify-diagnostics

// Every diagnostic of muir-xf-shard, one case each.

func.func @heads_not_divisible(%q: tensor<1x4x8x8xf32>, %k: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x8xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+1 {{cannot be sharded over 4 cores: 4 query heads and 2 key/value heads must each be divisible by the number of cores}}
  %0 = xf.attention %q, %k, %v : (tensor<1x4x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

// expected-error @+1 {{argument #0 of type 'tensor<6x4xf32>': xf.shard splits dimension 0 in 1 group(s) of 4 parts: it must be a dimension whose size is divisible by 4}}
func.func @annotation_not_divisible(%x: tensor<6x4xf32> {xf.shard = {dim = 0 : i64}}) -> tensor<6x4xf32> {
  return %x : tensor<6x4xf32>
}

// -----

// expected-error @+1 {{argument #0 of type 'tensor<8x4xf32>': xf.shard splits dimension 2 in 1 group(s) of 4 parts}}
func.func @annotation_bad_dim(%x: tensor<8x4xf32> {xf.shard = {dim = 2 : i64}}) -> tensor<8x4xf32> {
  return %x : tensor<8x4xf32>
}

// -----

// expected-error @+1 {{argument #0 of type 'tensor<8x4xf32>': xf.shard must be {dim = D : i64 [, groups = G : i64]} or "replicated"}}
func.func @annotation_malformed(%x: tensor<8x4xf32> {xf.shard = "rows"}) -> tensor<8x4xf32> {
  return %x : tensor<8x4xf32>
}

// -----

func.func @already_spmd(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{is already an SPMD collective: muir-xf-shard takes an unsharded graph}}
  %0 = xf.all_reduce %x {replica_groups = dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>} : (tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @after_fusion(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{muir-xf-shard runs before fusion}}
  %0 = xf.kernel "k0" elementwise : tensor<8xf32> {
    %1 = xf.exp %x : tensor<8xf32>
    xf.yield %1 : tensor<8xf32>
  }
  return %0 : tensor<8xf32>
}

// -----

func.func @other_dialect(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{cannot be sharded by muir-xf-shard (only single-result xf ops are known)}}
  %0 = func.call @other_dialect(%x) : (tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// expected-error @+1 {{muir-xf-shard: cores=4 differs from the module's xf.mesh = 2}}
module attributes {xf.mesh = 2 : i64} {
  func.func @main(%x: tensor<8xf32>) -> tensor<8xf32> {
    return %x : tensor<8xf32>
  }
}
