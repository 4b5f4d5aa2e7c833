// The automatic row-group count of sequence parallelism (muir-xf-shard
// without sequence-chunks) comes from the machine description: a group's
// rows must keep the per-group row-parallel product compute-bound (rows / C
// >= peak flops x element bytes / the core's HBM share, about 510 rows for
// bf16 on trn2), and among those counts the one with the least exposed
// collective time (first gather and last reduce-scatter) plus the larger of
// the sub-block's products and the other groups' collectives wins.
//
// Llama-7B FFN sub-block, 2048 rows on a trn2 chip (8 cores): four groups of
// 512 rows (eight would be 256 rows, HBM-bound products).
// RUN: muir-opt %s --muir-xf-shard="cores=8 target=trn2-chip" | FileCheck %s --check-prefix=G4
// 1024 rows: two groups; 512 rows: one (two groups of 256 rows would read
// each weight slice twice with too little work to hide it).
// RUN: sed "s/2048x/1024x/g" %s | muir-opt --muir-xf-shard="cores=8 target=trn2-chip" | FileCheck %s --check-prefix=G2
// RUN: sed "s/2048x/512x/g" %s | muir-opt --muir-xf-shard="cores=8 target=trn2-chip" | FileCheck %s --check-prefix=G1
// Llama-70B sizes on 64 cores of a trn2 instance: the collectives cost more
// than the products (63 ring steps), so only two groups; on 16 cores four.
// RUN: sed "s/4096/8192/g; s/11008/28672/g" %s | muir-opt --muir-xf-shard="cores=64 target=trn2-instance" | FileCheck %s --check-prefix=G2
// RUN: sed "s/4096/8192/g; s/11008/28672/g" %s | muir-opt --muir-xf-shard="cores=16 target=trn2-instance" | FileCheck %s --check-prefix=G4
// Without a target: two groups when each rank's rows of a group fill a
// 128-row tile (2048 / (2 x 8) = 128).
// RUN: muir-opt %s --muir-xf-shard="cores=8" | FileCheck %s --check-prefix=G2
// The small multi-core target, 256 rows of width 64 on 2 cores: two
// groups, and the sharded program computes the reference's values (two
// gathers and two reduce-scatters, one per group, and the output's two
// gathers).
// RUN: sed "s/2048x/256x/g; s/4096/64/g; s/11008/128/g" %s > %t.small.mlir
// RUN: muir-opt %t.small.mlir --muir-xf-shard="cores=2 target=small-mc" | FileCheck %s --check-prefix=SMALL
// RUN: muir-run %t.small.mlir --backend=sim --target=small-mc --cores=2 --check | FileCheck %s --check-prefix=EXEC
// An explicit count wins.
// RUN: muir-opt %s --muir-xf-shard="cores=8 target=trn2-chip sequence-chunks=8" | FileCheck %s --check-prefix=G8

// G4: %arg0: tensor<{{[0-9]+}}x{{[0-9]+}}xbf16> {xf.shard = {dim = 0 : i64, groups = 4 : i64, parts = {{8|16}} : i64}}
// G2: %arg0: tensor<{{[0-9]+}}x{{[0-9]+}}xbf16> {xf.shard = {dim = 0 : i64, groups = 2 : i64, parts = {{8|64}} : i64}}
// G1: %arg0: tensor<64x4096xbf16> {xf.shard = {dim = 0 : i64, groups = 1 : i64, parts = 8 : i64}}
// G8: %arg0: tensor<256x4096xbf16> {xf.shard = {dim = 0 : i64, groups = 8 : i64, parts = 8 : i64}}
// SMALL: %arg0: tensor<128x64xbf16> {xf.shard = {dim = 0 : i64, groups = 2 : i64, parts = 2 : i64}}
// EXEC: collectives=6
// EXEC: check #0: {{.*}} mismatches=0/16384 OK
func.func @main(%x: tensor<2048x4096xbf16>, %g: tensor<4096xbf16>, %w1: tensor<4096x11008xbf16>, %w2: tensor<11008x4096xbf16>) -> tensor<2048x4096xbf16> {
  %n = xf.rms_norm %x, %g {epsilon = 1.0e-5 : f32} : (tensor<2048x4096xbf16>, tensor<4096xbf16>) -> tensor<2048x4096xbf16>
  %h = xf.matmul %n, %w1 : (tensor<2048x4096xbf16>, tensor<4096x11008xbf16>) -> tensor<2048x11008xbf16>
  %a = xf.silu %h : tensor<2048x11008xbf16>
  %o = xf.matmul %a, %w2 : (tensor<2048x11008xbf16>, tensor<11008x4096xbf16>) -> tensor<2048x4096xbf16>
  %y = xf.add %x, %o : (tensor<2048x4096xbf16>, tensor<2048x4096xbf16>) -> tensor<2048x4096xbf16>
  return %y : tensor<2048x4096xbf16>
}
