// Pipeline parallelism: four stacked Llama layers (Inputs/llama-stack4.mlir,
// arguments x, cos, sin, then nine weights per layer) as 2 stages of 2
// layers on 4 cores (2 ranks per stage, sequence/tensor parallelism inside
// a stage), 3 microbatches: 3 + 2 - 1 = 4 steps.
// RUN: muir-opt %S/Inputs/llama-stack4.mlir --muir-xf-shard="cores=4 pipeline-stages=2 microbatches=3" | FileCheck %s

// CHECK: module attributes {xf.mesh = 4 : i64, xf.pipeline = {activation = 0 : i64, microbatches = 3 : i64, stages = 2 : i64}}
// The activation: 3 microbatches, each split by rows over a stage's 2 ranks
// (dim 1 now); every stage reads argument 0 for it. The shared rope tables
// are the same argument on both stages; layer 0's norm weight (argument 3)
// is layer 2's (argument 21) on stage 1; the last of stage 0's arguments
// (layer 1's down projection, 20) is layer 3's (38) there.
// CHECK: func.func @main(%arg0: tensor<3x32x64xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 2 : i64}, xf.stage_args = array<i64: 0, 0>}
// CHECK-SAME: %arg1: tensor<64x16xf32> {xf.shard = "replicated", xf.stage_args = array<i64: 1, 1>}
// CHECK-SAME: %arg3: tensor<64xf32> {xf.shard = "replicated", xf.stage_args = array<i64: 3, 21>}
// CHECK-SAME: %arg20: tensor<64x64xf32> {xf.shard = {dim = 0 : i64, groups = 1 : i64, parts = 2 : i64}, xf.stage_args = array<i64: 20, 38>}
// CHECK-SAME: -> (tensor<3x32x64xf32> {xf.shard = {dim = 1 : i64, groups = 1 : i64, parts = 2 : i64}, xf.stage = 1 : i64})
// Step 0: microbatch 0, no exchange; collectives inside a stage run in
// each stage's pair of ranks.
// CHECK: xf.slice %arg0 {offsets = array<i64: 0, 0, 0>, sizes = array<i64: 1, 32, 64>
// CHECK-NOT: xf.collective_permute
// CHECK: xf.all_gather {{.*}}replica_groups = dense<{{\[\[}}0, 1], [2, 3]]>
// Steps 1-3: stage 0 takes microbatch 1, 2, then 2 again (a drain step,
// its result unused); stage 1 (ranks 2, 3) receives stage 0's output.
// CHECK: %[[X1:.*]] = xf.slice %arg0 {offsets = array<i64: 1, 0, 0>
// CHECK: %[[I1:.*]] = xf.reshape %[[X1]]
// CHECK: xf.collective_permute %{{.*}}, %[[I1]] {pairs = dense<{{\[\[}}0, 2], [1, 3]]> : tensor<2x2xi64>} : (tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<32x64xf32>
// CHECK: xf.slice %arg0 {offsets = array<i64: 2, 0, 0>
// CHECK: xf.collective_permute
// CHECK: xf.slice %arg0 {offsets = array<i64: 2, 0, 0>
// CHECK: xf.collective_permute
// CHECK-NOT: xf.collective_permute
// The result: steps 1-3's stage outputs (microbatches 0-2 on stage 1).
// CHECK: %[[R:.*]] = xf.concat {{.*}} {axis = 0 : i64} : (tensor<1x32x64xf32>, tensor<1x32x64xf32>, tensor<1x32x64xf32>) -> tensor<3x32x64xf32>
// CHECK: return %[[R]]

// One core per stage: no sharding inside a stage, every rank sends to the
// next stage's; 4 stages of one layer, 2 microbatches: 5 steps.
// RUN: muir-opt %S/Inputs/llama-stack4.mlir --muir-xf-shard="cores=4 pipeline-stages=4 microbatches=2" | FileCheck %s --check-prefix=PP4
// PP4: xf.pipeline = {activation = 0 : i64, microbatches = 2 : i64, stages = 4 : i64}
// PP4: func.func @main(%arg0: tensor<2x64x64xf32> {xf.stage_args = array<i64: 0, 0, 0, 0>}
// PP4-SAME: %arg3: tensor<64xf32> {xf.stage_args = array<i64: 3, 12, 21, 30>}
// PP4-NOT: xf.all_gather
// PP4-COUNT-4: xf.collective_permute {{.*}}pairs = dense<{{\[\[}}0, 1], [1, 2], [2, 3]]>
// PP4-NOT: xf.collective_permute

// The same through the module attributes.
// RUN: sed -e 's/^func.func/module attributes {xf.mesh = 4 : i64, xf.pipeline_stages = 4 : i64, xf.microbatches = 2 : i64} {\nfunc.func/' -e '$ a }' %S/Inputs/llama-stack4.mlir | muir-opt --muir-xf-shard | FileCheck %s --check-prefix=PP4

// Numerics: the pipelined program on the multi-core simulator against the
// reference backend running the function once per microbatch, on 2, 4 and
// 8 cores (stages within a chip and, on small-mc's 8 cores, across its two
// chips), hazard checker on.
// RUN: muir-run %S/Inputs/llama-stack4.mlir --backend=sim --target=small-mc --cores=2 --pipeline-stages=2 --microbatches=3 --check | FileCheck %s --check-prefix=NUM
// RUN: muir-run %S/Inputs/llama-stack4.mlir --backend=sim --target=small-mc --cores=4 --pipeline-stages=4 --microbatches=2 --check | FileCheck %s --check-prefix=NUM
// RUN: muir-run %S/Inputs/llama-stack4.mlir --backend=sim --target=small-mc --cores=4 --pipeline-stages=2 --microbatches=3 --check | FileCheck %s --check-prefix=NUM
// RUN: muir-run %S/Inputs/llama-stack4.mlir --backend=sim --target=small-mc --cores=8 --pipeline-stages=2 --microbatches=4 --check | FileCheck %s --check-prefix=NUM
// RUN: muir-run %S/Inputs/llama-stack4.mlir --backend=sim --target=trn2-chip --cores=8 --pipeline-stages=4 --microbatches=3 --check | FileCheck %s --check-prefix=NUM
// The module attributes alone make muir-run's program pipelined too (its
// arguments, and the reference it checks against, the microbatched ones).
// RUN: sed -e 's/^func.func/module attributes {xf.pipeline_stages = 2 : i64, xf.microbatches = 3 : i64} {\nfunc.func/' -e '$ a }' %S/Inputs/llama-stack4.mlir > %t.mlir
// RUN: muir-run %t.mlir --backend=sim --target=small-mc --cores=4 --check | FileCheck %s --check-prefix=NUM
// NUM-NOT: MISMATCH
// NUM: check #0: vs reference {{.*}} OK
// NUM: result #0: tensor<{{[2-4]}}x{{32|64}}x64xf32>

// GPT-2 blocks: a bias added to the row-parallel products leaves a stage's
// output replicated where sequence parallelism would split its input by
// rows, so the stage is sharded with its input replicated (tensor
// parallelism inside the stage) and hands on what the next one takes.
// RUN: muir-opt %S/Inputs/gpt2-stack4.mlir --muir-xf-shard="cores=4 pipeline-stages=2 microbatches=2" | FileCheck %s --check-prefix=GPT2
// GPT2: func.func @main(%arg0: tensor<2x32x64xf32> {xf.shard = "replicated", xf.stage_args = array<i64: 0, 0>}
// GPT2-SAME: -> (tensor<2x32x64xf32> {xf.shard = "replicated", xf.stage = 1 : i64})
// GPT2: xf.all_reduce {{.*}}replica_groups = dense<{{\[\[}}0, 1], [2, 3]]>
// GPT2: xf.collective_permute {{.*}}pairs = dense<{{\[\[}}0, 2], [1, 3]]>
// RUN: muir-run %S/Inputs/gpt2-stack4.mlir --backend=sim --target=small-mc --cores=4 --pipeline-stages=2 --microbatches=2 --check | FileCheck %s --check-prefix=NUM
// RUN: muir-run %S/Inputs/gpt2-stack4.mlir --backend=sim --target=small-mc --cores=8 --pipeline-stages=4 --microbatches=3 --check | FileCheck %s --check-prefix=NUM

// muir-run's flags shape a mesh.
// RUN: not muir-run %S/Inputs/llama-stack4.mlir --backend=sim --target=small-mc --pipeline-stages=2 --microbatches=2 2>&1 | FileCheck %s --check-prefix=NOCORES
// NOCORES: muir-run: error: --pipeline-stages and --microbatches shape a mesh: they need --cores=N and --backend=sim
// RUN: not muir-run %S/Inputs/llama-stack4.mlir --backend=sim --target=small-mc --cores=4 --pipeline-stages=2 2>&1 | FileCheck %s --check-prefix=NOMB
// NOMB: error: muir-xf-shard: 2 pipeline stages need microbatches=M
