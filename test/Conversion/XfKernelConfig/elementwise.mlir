// RUN: muir-opt %s --muir-xf-fuse --muir-xf-kernel-config | FileCheck %s
// RUN: muir-opt %s --muir-xf-fuse --muir-xf-kernel-config="overrides=k0.tile_cols=7" | FileCheck %s --check-prefix=OVR
// RUN: muir-opt %s --muir-xf-fuse --muir-xf-kernel-config="overrides=k0.tile_cols=7" --muir-lower-xf-to-nc | FileCheck %s --check-prefix=NC

// An elementwise chain: columns per tile and buffer sets.
// CHECK-LABEL: func.func @chain
// CHECK: xf.kernel "k0" elementwise config {buffers = 3 : i64, tile_cols = 130 : i64}
func.func @chain(%x: tensor<300x130xf32>, %b: tensor<130xf32>) -> tensor<300x130xf32> {
  %0 = xf.add %x, %b : (tensor<300x130xf32>, tensor<130xf32>) -> tensor<300x130xf32>
  %1 = xf.gelu %0 : tensor<300x130xf32>
  return %1 : tensor<300x130xf32>
}

// OVR: xf.kernel "k0" elementwise config {buffers = 3 : i64, tile_cols = 7 : i64}
// The lowering follows the config: 7-column tiles (and a 4-column last one).
// NC: nc.activation gelu <sbuf[0, 128] at {{[0-9]+}} dims [7]
// NC: nc.activation gelu <sbuf[0, 128] at {{[0-9]+}} dims [4]
