// RUN: not muir-opt %s -split-input-file --muir-xf-shard="cores=4 context-parallel=2" 2>&1 | FileCheck %s
// RUN: not muir-opt %s -split-input-file --muir-xf-shard="cores=4 context-parallel=3" 2>&1 | FileCheck %s --check-prefix=DIVIDE
// DIVIDE: error: muir-xf-shard: context parallelism over 3 blocks must divide the mesh of 4 cores
// RUN: not muir-opt %s -split-input-file --muir-xf-shard="cores=4 context-parallel=-2" 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// NEGATIVE: error: muir-xf-shard: context-parallel must be at least 1 block (0: automatic), got -2
// muir-run's mesh flags need a mesh.
// RUN: not muir-run %S/context-parallel.mlir --backend=sim --target=small-mc --context-parallel=2 2>&1 | FileCheck %s --check-prefix=NOCORES
// RUN: not muir-run %S/context-parallel.mlir --backend=sim --target=small-mc --split-results 2>&1 | FileCheck %s --check-prefix=NOCORES
// NOCORES: muir-run: error: --context-parallel and --split-results shape a mesh: they need --cores=N
// Malformed module attributes.
// RUN: echo 'module attributes {xf.context_parallel = "two"} { func.func @main(%%x: tensor<4xf32>) -> tensor<4xf32> { return %%x : tensor<4xf32> } }' | not muir-opt --muir-xf-shard="cores=4" 2>&1 | FileCheck %s --check-prefix=CPATTR
// CPATTR: error: muir-xf-shard: xf.context_parallel must be an integer (blocks), got "two"
// RUN: echo 'module attributes {xf.split_results = 1 : i64} { func.func @main(%%x: tensor<4xf32>) -> tensor<4xf32> { return %%x : tensor<4xf32> } }' | not muir-opt --muir-xf-shard="cores=4" 2>&1 | FileCheck %s --check-prefix=SPLITATTR
// SPLITATTR: error: muir-xf-shard: xf.split_results must be a unit or bool attribute, got 1 : i64

// Asked for explicitly, context parallelism that the function does not
// allow is an error naming the op and why; by default (one block per chip)
// the same functions fall back to one mesh axis (the last RUN line).

// CHECK: error: muir-xf-shard: context parallelism over 2 blocks: 'xf.attention' at loc({{.*}}:[[@LINE+2]]:{{.*}}): context parallelism takes self-attention of one batch (query and key lengths equal)
func.func @decode(%q: tensor<1x8x1x8xf32>, %k: tensor<1x8x16x8xf32>, %v: tensor<1x8x16x8xf32>) -> tensor<1x8x1x8xf32> {
  %0 = xf.attention %q, %k, %v : (tensor<1x8x1x8xf32>, tensor<1x8x16x8xf32>, tensor<1x8x16x8xf32>) -> tensor<1x8x1x8xf32>
  return %0 : tensor<1x8x1x8xf32>
}

// -----

// CHECK: error: muir-xf-shard: context parallelism over 2 blocks: 'xf.attention' at loc({{.*}}): 2 query and 2 key/value heads on 2 ranks per block leave heads that 2 blocks cannot share
func.func @too_few_heads(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x16x2x8xf32> {
  %0 = xf.attention %q, %k, %v {causal = true} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  %1 = xf.transpose %0 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x2x16x8xf32>) -> tensor<1x16x2x8xf32>
  return %1 : tensor<1x16x2x8xf32>
}

// -----

// CHECK: error: muir-xf-shard: context parallelism over 2 blocks: the function has no attention
func.func @no_attention(%x: tensor<16x8xf32>, %w: tensor<8x8xf32>) -> tensor<16x8xf32> {
  %0 = xf.matmul %x, %w : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  return %0 : tensor<16x8xf32>
}

// -----

// CHECK: error: muir-xf-shard: context parallelism over 2 blocks: 'xf.softmax' at loc({{.*}}): an operand other than the activation carries the sequence
func.func @softmax_over_rows(%x: tensor<16x32xf32>, %w: tensor<32x32xf32>, %q: tensor<1x4x16x8xf32>) -> (tensor<16x32xf32>, tensor<1x4x16x8xf32>) {
  %0 = xf.matmul %x, %w : (tensor<16x32xf32>, tensor<32x32xf32>) -> tensor<16x32xf32>
  %1 = xf.softmax %0 {axis = 0 : i64} : tensor<16x32xf32>
  %2 = xf.attention %q, %q, %q {causal = true} : (tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>, tensor<1x4x16x8xf32>) -> tensor<1x4x16x8xf32>
  return %1, %2 : tensor<16x32xf32>, tensor<1x4x16x8xf32>
}

// -----

// CHECK: error: muir-xf-shard: context parallelism does not take xf.shard annotations on arguments
func.func @annotated(%q: tensor<1x8x16x8xf32> {xf.shard = "replicated"}) -> tensor<1x8x16x8xf32> {
  %0 = xf.attention %q, %q, %q {causal = true} : (tensor<1x8x16x8xf32>, tensor<1x8x16x8xf32>, tensor<1x8x16x8xf32>) -> tensor<1x8x16x8xf32>
  return %0 : tensor<1x8x16x8xf32>
}

// The default on small-mc with 8 cores (two chips): the decode step above
// is sharded over one axis of 8 instead (the two-head case cannot be
// sharded over 8 cores either way).
// RUN: not muir-opt %s -split-input-file --muir-xf-shard="cores=8 target=small-mc" 2>&1 | FileCheck %s --check-prefix=AUTO
// AUTO: func.func @decode(%arg0: tensor<1x1x1x8xf32>
// AUTO-NOT: context_parallel = 2
// AUTO: func.func @annotated
