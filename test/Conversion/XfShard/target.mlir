// RUN: muir-opt %s -split-input-file --muir-xf-shard="cores=16 target=small-mc" -verify-diagnostics
// RUN: muir-opt %s -split-input-file --muir-xf-shard="target=small" -verify-diagnostics

// The mesh must fit the target's cores (small-mc has 8, small one); the
// mesh comes from cores= or, as here for the second run, xf.mesh.

// expected-error-re @+1 {{muir-xf-shard: a mesh of 16 cores does not fit target 'small{{(-mc)?}}', which has {{(8 cores|1 core)}}}}
module attributes {xf.mesh = 16 : i64} {
  func.func @main(%x: tensor<16xf32>) -> tensor<16xf32> {
    return %x : tensor<16xf32>
  }
}
