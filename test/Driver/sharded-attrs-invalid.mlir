// A hand-written SPMD program (xf.sharded: muir-xf-shard leaves it alone)
// whose runner attributes are malformed: each is an error naming what,
// never a crash or a wrong slice.
// RUN: split-file %s %t
// RUN: not muir-run %t/pipeline.mlir --backend=sim --target=small-mc --cores=2 2>&1 | FileCheck %s --check-prefix=PIPELINE
// PIPELINE: error: xf.pipeline must be {stages = P, microbatches = M, activation = A} with P, M >= 1 and A an argument of the function's 1, got {stages = 2 : i64}
// RUN: not muir-run %t/dim.mlir --backend=sim --target=small-mc --cores=2 2>&1 | FileCheck %s --check-prefix=DIM
// DIM: error: argument #0: xf.shard {dim = 2 : i64} is not a split of its 'tensor<8x16xf32>' over 2 ranks per block
// RUN: not muir-run %t/parts.mlir --backend=sim --target=small-mc --cores=2 2>&1 | FileCheck %s --check-prefix=PARTS
// PARTS: error: result #0: xf.shard {dim = 0 : i64, parts = 3 : i64} is not a split of its 'tensor<8x16xf32>' over 2 ranks per block
// RUN: not muir-run %t/groups.mlir --backend=sim --target=small-mc --cores=2 2>&1 | FileCheck %s --check-prefix=GROUPS
// GROUPS: error: argument #0: xf.shard {dim = 0 : i64, groups = "two"} is not a split
// RUN: not muir-run %t/stage.mlir --backend=sim --target=small-mc --cores=2 2>&1 | FileCheck %s --check-prefix=STAGE
// STAGE: error: result #0: xf.stage 0 : i64 is not a stage of the pipeline
// RUN: not muir-run %t/stage_args.mlir --backend=sim --target=small-mc --cores=2 2>&1 | FileCheck %s --check-prefix=ARGS
// ARGS: error: pipelined program: argument 0 needs xf.stage_args, one argument of the 1 per stage, for its 2 stages
// RUN: not muir-run %t/blocks.mlir --backend=sim --target=small-mc --cores=2 2>&1 | FileCheck %s --check-prefix=BLOCKS
// BLOCKS: error: a mesh of 2 ranks cannot hold 3 blocks (xf.context_parallel / xf.pipeline)

//--- pipeline.mlir
module attributes {xf.mesh = 2 : i64, xf.pipeline = {stages = 2 : i64}} {
func.func @main(%x: tensor<8x16xf32>) -> tensor<8x16xf32> attributes {xf.sharded} {
  %0 = xf.relu %x : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}
}

//--- dim.mlir
module attributes {xf.mesh = 2 : i64} {
func.func @main(%x: tensor<8x16xf32> {xf.shard = {dim = 2 : i64}}) -> tensor<8x16xf32> attributes {xf.sharded} {
  %0 = xf.relu %x : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}
}

//--- parts.mlir
module attributes {xf.mesh = 2 : i64} {
func.func @main(%x: tensor<8x16xf32>) -> (tensor<8x16xf32> {xf.shard = {dim = 0 : i64, parts = 3 : i64}}) attributes {xf.sharded} {
  %0 = xf.relu %x : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}
}

//--- groups.mlir
module attributes {xf.mesh = 2 : i64} {
func.func @main(%x: tensor<8x16xf32> {xf.shard = {dim = 0 : i64, groups = "two"}}) -> tensor<8x16xf32> attributes {xf.sharded} {
  %0 = xf.relu %x : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}
}

//--- stage.mlir
module attributes {xf.mesh = 2 : i64} {
func.func @main(%x: tensor<8x16xf32>) -> (tensor<8x16xf32> {xf.stage = 0 : i64}) attributes {xf.sharded} {
  %0 = xf.relu %x : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}
}

//--- stage_args.mlir
module attributes {xf.mesh = 2 : i64, xf.pipeline = {stages = 2 : i64, microbatches = 1 : i64, activation = 0 : i64}} {
func.func @main(%x: tensor<8x16xf32> {xf.stage_args = array<i64: 0, 5>}) -> tensor<8x16xf32> attributes {xf.sharded} {
  %0 = xf.relu %x : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}
}

//--- blocks.mlir
module attributes {xf.mesh = 2 : i64, xf.context_parallel = 3 : i64} {
func.func @main(%x: tensor<8x16xf32>) -> tensor<8x16xf32> attributes {xf.sharded} {
  %0 = xf.relu %x : tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}
}
