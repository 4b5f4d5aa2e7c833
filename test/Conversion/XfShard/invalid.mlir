// RUN: muir-opt %s -split-input-file --muir-xf-shard="cores=4" -verify-diagnostics

// Every diagnostic of muir-xf-shard, one case each.

func.func @query_heads_not_divisible(%q: tensor<1x6x8x8xf32>, %k: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x8xf32>) -> tensor<1x6x8x8xf32> {
  // expected-error @+1 {{cannot be sharded over 4 cores: 6 query heads must be divisible by the number of cores, and 2 key/value heads divisible by it or dividing it (each core computes whole heads)}}
  %0 = xf.attention %q, %k, %v : (tensor<1x6x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x6x8x8xf32>
  return %0 : tensor<1x6x8x8xf32>
}

// -----

func.func @kv_heads_neither_divide(%q: tensor<1x12x8x8xf32>, %k: tensor<1x6x8x8xf32>, %v: tensor<1x6x8x8xf32>) -> tensor<1x12x8x8xf32> {
  // expected-error @+1 {{12 query heads must be divisible by the number of cores, and 6 key/value heads divisible by it or dividing it}}
  %0 = xf.attention %q, %k, %v : (tensor<1x12x8x8xf32>, tensor<1x6x8x8xf32>, tensor<1x6x8x8xf32>) -> tensor<1x12x8x8xf32>
  return %0 : tensor<1x12x8x8xf32>
}

// -----

// expected-error @+1 {{argument #0 of type 'tensor<8x4xf32>': xf.shard has 3 parts, which must divide the 4 cores}}
func.func @annotation_bad_parts(%x: tensor<8x4xf32> {xf.shard = {dim = 0 : i64, parts = 3 : i64}}) -> tensor<8x4xf32> {
  return %x : tensor<8x4xf32>
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

// expected-error @+1 {{argument #0 of type 'tensor<8x4xf32>': xf.shard must be {dim = D : i64 [, groups = G : i64] [, parts = P : i64]} or "replicated"}}
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

func.func @already_spmd_permute(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{is already an SPMD collective: muir-xf-shard takes an unsharded graph}}
  %0 = xf.collective_permute %x, %x {pairs = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
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
