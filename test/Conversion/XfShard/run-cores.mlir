// muir-run --cores=N: the graph is sharded over N cores, the global inputs
// sliced per rank, the ranks simulated on the multi-core target and the
// replicated result compared with the reference run of the unsharded graph.
// RUN: muir-run %s --backend=sim --target=small-mc --cores=2 --check | FileCheck %s --check-prefix=TWO
// TWO: sim: target=small-mc cores=2 {{.*}} collectives=1 collective_time={{.*}} link_bytes=
// TWO: per core:
// TWO-NEXT: rank 0
// TWO-NEXT: rank 1
// TWO: links:
// TWO-NEXT: chip0 core0->core1
// TWO: check #0: vs reference {{.*}} OK
// RUN: muir-run %s --backend=sim --target=small-mc --cores=8 --check | FileCheck %s --check-prefix=EIGHT
// EIGHT: sim: target=small-mc cores=8
// EIGHT: nl chip0->chip1
// EIGHT: check #0: vs reference {{.*}} OK
// RUN: muir-run %s --backend=sim --target=small-mc --cores=4 --timing-only | FileCheck %s --check-prefix=TIMING
// TIMING: sim: target=small-mc cores=4 cycles={{[1-9][0-9]*}}

// Bad meshes and options are errors that say why.
// RUN: not muir-run %s --backend=sim --target=small-mc --cores=16 2>&1 | FileCheck %s --check-prefix=TOOMANY
// TOOMANY: error: muir-xf-shard: a mesh of 16 cores does not fit target 'small-mc', which has 8 cores
// RUN: not muir-run %s --backend=sim --target=small --cores=2 2>&1 | FileCheck %s --check-prefix=ONECORE
// ONECORE: error: muir-xf-shard: a mesh of 2 cores does not fit target 'small', which has 1 core
// RUN: not muir-run %s --cores=2 2>&1 | FileCheck %s --check-prefix=BACKEND
// BACKEND: muir-run: error: --cores=N needs N >= 1 and --backend=sim (got --cores=2, --backend=reference)
// RUN: not muir-run %s --backend=sim --target=small-mc --cores=0 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: muir-run: error: --cores=N needs N >= 1 and --backend=sim (got --cores=0, --backend=sim)

func.func @main(%x: tensor<32x64xf32>, %w_gate: tensor<64x128xf32>, %w_up: tensor<64x128xf32>, %w_down: tensor<128x64xf32>) -> tensor<32x64xf32> {
  %g = xf.matmul %x, %w_gate : (tensor<32x64xf32>, tensor<64x128xf32>) -> tensor<32x128xf32>
  %s = xf.silu %g : tensor<32x128xf32>
  %u = xf.matmul %x, %w_up : (tensor<32x64xf32>, tensor<64x128xf32>) -> tensor<32x128xf32>
  %h = xf.mul %s, %u : (tensor<32x128xf32>, tensor<32x128xf32>) -> tensor<32x128xf32>
  %d = xf.matmul %h, %w_down : (tensor<32x128xf32>, tensor<128x64xf32>) -> tensor<32x64xf32>
  %y = xf.add %x, %d : (tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<32x64xf32>
  return %y : tensor<32x64xf32>
}
