// RUN: not muir-opt %s -split-input-file --muir-xf-shard="cores=2 pipeline-stages=2 microbatches=2" 2>&1 | FileCheck %s
// Options and module attributes.
// RUN: not muir-opt %s -split-input-file --muir-xf-shard="cores=4 pipeline-stages=3 microbatches=2" 2>&1 | FileCheck %s --check-prefix=DIVIDE
// DIVIDE: error: muir-xf-shard: 3 pipeline stages must divide the mesh of 4 cores
// RUN: not muir-opt %s -split-input-file --muir-xf-shard="cores=2 pipeline-stages=2" 2>&1 | FileCheck %s --check-prefix=NOMB
// NOMB: error: muir-xf-shard: 2 pipeline stages need microbatches=M (the pipelined program takes M microbatches of the activation)
// RUN: not muir-opt %s -split-input-file --muir-xf-shard="cores=2 pipeline-stages=2 microbatches=-1" 2>&1 | FileCheck %s --check-prefix=NEG
// NEG: error: muir-xf-shard: pipeline stages and microbatches must be at least 1 (0: none), got 2 and -1
// RUN: not muir-opt %s -split-input-file --muir-xf-shard="cores=4 pipeline-stages=2 microbatches=2 context-parallel=2" 2>&1 | FileCheck %s --check-prefix=CP
// CP: error: muir-xf-shard: pipeline stages and context parallelism do not combine
// With 2 ranks per stage, a stage of one matmul leaves its output split by
// columns where its input is replicated: the next stage cannot take it.
// RUN: not muir-opt %s -split-input-file --muir-xf-shard="cores=4 pipeline-stages=2 microbatches=2" 2>&1 | FileCheck %s --check-prefix=HELD
// HELD: error: muir-xf-shard: pipeline stages: a stage's output is held as 'tensor<16x4xf32>' {dim = 1 : i64, groups = 1 : i64, parts = 2 : i64} per rank but its input as 'tensor<16x8xf32>' "replicated"; the stages cannot hand it on
// A program too large to build: the steps times a stage's ops.
// RUN: not muir-opt %S/Inputs/llama-stack4.mlir --muir-xf-shard="cores=2 pipeline-stages=2 microbatches=100000" 2>&1 | FileCheck %s --check-prefix=HUGE
// HUGE: error: muir-xf-shard: 2 pipeline stages of 48 ops over 100000 microbatches make 100001 steps, more than 1048576 ops in all: run fewer microbatches per program
// RUN: echo 'module attributes {xf.pipeline_stages = "two"} { func.func @main(%%x: tensor<4xf32>) -> tensor<4xf32> { return %%x : tensor<4xf32> } }' | not muir-opt --muir-xf-shard="cores=2" 2>&1 | FileCheck %s --check-prefix=ATTR
// ATTR: error: muir-xf-shard: xf.pipeline_stages must be an integer, got "two"

// Functions that are not 2 equal stages: each error says where.

// CHECK: error: muir-xf-shard: 2 pipeline stages: its 3 ops (constants aside) do not split into 2 equal stages
func.func @odd(%x: tensor<16x8xf32>, %w0: tensor<8x8xf32>, %w1: tensor<8x8xf32>, %w2: tensor<8x8xf32>) -> tensor<16x8xf32> {
  %0 = xf.matmul %x, %w0 : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  %1 = xf.matmul %0, %w1 : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  %2 = xf.matmul %1, %w2 : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  return %2 : tensor<16x8xf32>
}

// -----

// CHECK: error: muir-xf-shard: 2 pipeline stages: stage 1 differs from stage 0 at its op 1 ('xf.gelu' at loc({{.*}}:[[@LINE+5]]:{{.*}}) against 'xf.gelu' at loc({{.*}}:[[@LINE+3]]:{{.*}})): other attributes
func.func @attributes(%x: tensor<16x8xf32>, %w0: tensor<8x8xf32>, %w1: tensor<8x8xf32>) -> tensor<16x8xf32> {
  %0 = xf.matmul %x, %w0 : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  %1 = xf.gelu %0 : tensor<16x8xf32>
  %2 = xf.matmul %1, %w1 : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  %3 = xf.gelu %2 approximate = tanh : tensor<16x8xf32>
  return %3 : tensor<16x8xf32>
}

// -----

// CHECK: error: muir-xf-shard: 2 pipeline stages: stage 1 differs from stage 0 at its op 0 ('xf.relu' at {{.*}} against 'xf.gelu' at {{.*}}): another op
func.func @ops(%x: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %0 = xf.gelu %x : tensor<16x8xf32>
  %1 = xf.relu %0 : tensor<16x8xf32>
  return %1 : tensor<16x8xf32>
}

// -----

// CHECK: error: muir-xf-shard: 2 pipeline stages: stage 1 differs from stage 0 at its op 0 ({{.*}}): other types
func.func @types(%x: tensor<16x8xf32>, %w0: tensor<8x4xf32>, %w1: tensor<4x4xf32>) -> tensor<16x4xf32> {
  %0 = xf.matmul %x, %w0 : (tensor<16x8xf32>, tensor<8x4xf32>) -> tensor<16x4xf32>
  %1 = xf.matmul %0, %w1 : (tensor<16x4xf32>, tensor<4x4xf32>) -> tensor<16x4xf32>
  return %1 : tensor<16x4xf32>
}

// -----

// Stage 1 adds stage 0's input (a skip over a whole stage).
// CHECK: error: muir-xf-shard: 2 pipeline stages: stage 1 differs from stage 0 at its op 1 ({{.*}}): it takes the previous stage's output in another place than stage 0 takes its input
func.func @skip(%x: tensor<16x8xf32>, %w0: tensor<8x8xf32>, %w1: tensor<8x8xf32>) -> tensor<16x8xf32> {
  %0 = xf.matmul %x, %w0 : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  %1 = xf.add %0, %x : (tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<16x8xf32>
  %2 = xf.matmul %1, %w1 : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  %3 = xf.add %2, %0 : (tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<16x8xf32>
  return %3 : tensor<16x8xf32>
}

// -----

// Stage 1 reads argument %x, which stage 0 takes as its activation.
// CHECK: error: muir-xf-shard: 2 pipeline stages: the input activation (argument 0) is used by stage 1
func.func @input_reused(%x: tensor<16x8xf32>, %w0: tensor<8x8xf32>) -> tensor<16x8xf32> {
  %0 = xf.mul %x, %x : (tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<16x8xf32>
  %1 = xf.mul %0, %x : (tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<16x8xf32>
  return %1 : tensor<16x8xf32>
}

// -----

// CHECK: error: muir-xf-shard: 2 pipeline stages: it returns 2 values; a pipeline hands one activation from stage to stage and returns the last stage's
func.func @two_results(%x: tensor<16x8xf32>) -> (tensor<16x8xf32>, tensor<16x8xf32>) {
  %0 = xf.relu %x : tensor<16x8xf32>
  %1 = xf.relu %0 : tensor<16x8xf32>
  return %0, %1 : tensor<16x8xf32>, tensor<16x8xf32>
}

// -----

// Stage 0 returns a value besides handing one on.
// CHECK: error: muir-xf-shard: 2 pipeline stages: stage 0 returns a value ('xf.relu' at loc({{.*}}:[[@LINE+2]]:{{.*}})) other than the last stage's output
func.func @returns_stage0(%x: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %0 = xf.relu %x : tensor<16x8xf32>
  %1 = xf.relu %0 : tensor<16x8xf32>
  return %0 : tensor<16x8xf32>
}

// -----

// Different constants in the stages (weights as constants: one SPMD program
// holds one copy; pass them as arguments).
// CHECK: error: muir-xf-shard: 2 pipeline stages: stage 1 differs from stage 0 at its op 0 ({{.*}}): operand 1 is another constant
func.func @constants(%x: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %c0 = xf.constant dense<1.0> : tensor<16x8xf32>
  %c1 = xf.constant dense<2.0> : tensor<16x8xf32>
  %0 = xf.add %x, %c0 : (tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<16x8xf32>
  %1 = xf.add %0, %c1 : (tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<16x8xf32>
  return %1 : tensor<16x8xf32>
}

// -----

// CHECK: error: muir-xf-shard: 2 pipeline stages: the function has an op with regions ('xf.kernel' at {{.*}}); pipeline stages are found before fusion
func.func @fused(%x: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %0 = xf.kernel "k0" elementwise : tensor<16x8xf32> {
    %r = xf.relu %x : tensor<16x8xf32>
    xf.yield %r : tensor<16x8xf32>
  }
  %1 = xf.relu %0 : tensor<16x8xf32>
  return %1 : tensor<16x8xf32>
}

// -----

// CHECK: error: muir-xf-shard: 2 pipeline stages: the result is not the last stage's output
func.func @returns_input(%x: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %0 = xf.relu %x : tensor<16x8xf32>
  %1 = xf.relu %0 : tensor<16x8xf32>
  return %x : tensor<16x8xf32>
}

// -----

// (HELD) Two one-matmul stages.
func.func @one_matmul_stages(%x: tensor<16x8xf32>, %w0: tensor<8x8xf32>, %w1: tensor<8x8xf32>) -> tensor<16x8xf32> {
  %0 = xf.matmul %x, %w0 : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  %1 = xf.matmul %0, %w1 : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  return %1 : tensor<16x8xf32>
}

// -----

// CHECK: error: muir-xf-shard: 2 pipeline stages: the function already has an SPMD collective ('xf.collective_permute' at {{.*}}); muir-xf-shard takes an unsharded graph
func.func @already_spmd(%x: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %0 = xf.collective_permute %x, %x {pairs = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<16x8xf32>
  %1 = xf.collective_permute %0, %0 {pairs = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<16x8xf32>, tensor<16x8xf32>) -> tensor<16x8xf32>
  return %1 : tensor<16x8xf32>
}

// -----

// CHECK: error: muir-xf-shard: 2 pipeline stages: argument 2 (stage 1's in place of argument 1) has another xf.shard annotation than argument 1; every stage runs stage 0's layout
func.func @annotations_differ(%x: tensor<16x8xf32>, %w0: tensor<8x8xf32> {xf.shard = "replicated"}, %w1: tensor<8x8xf32>) -> tensor<16x8xf32> {
  %0 = xf.matmul %x, %w0 : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  %1 = xf.matmul %0, %w1 : (tensor<16x8xf32>, tensor<8x8xf32>) -> tensor<16x8xf32>
  return %1 : tensor<16x8xf32>
}
