// RUN: muir-opt %s -split-input-file --muir-xf-fuse --muir-xf-kernel-config | FileCheck %s
// RUN: muir-opt %s -split-input-file --muir-xf-fuse --muir-xf-kernel-config="overrides=k0.block_tiles=1" | FileCheck %s --check-prefix=OVR

// One row tile (decode): weights stream through a ring of K-tile slots.
// CHECK-LABEL: func.func @decode
// CHECK: xf.kernel "k0" matmul config {block_tiles = 4 : i64, ring_slots = 16 : i64, schedule = "weight_ring"}
// OVR-LABEL: func.func @decode
// OVR: xf.kernel "k0" matmul config {block_tiles = 1 : i64, ring_slots = 32 : i64, schedule = "weight_ring"}
func.func @decode(%a: tensor<1x4096xbf16>, %w: tensor<4096x4096xbf16>) -> tensor<1x4096xbf16> {
  %0 = xf.matmul %a, %w : (tensor<1x4096xbf16>, tensor<4096x4096xbf16>) -> tensor<1x4096xbf16>
  return %0 : tensor<1x4096xbf16>
}

// -----

// A square GEMM: B resident for all of K, in blocks of four 512-column tiles (half of PSUM).
// CHECK-LABEL: func.func @square
// CHECK: xf.kernel "k0" matmul config {b_buffers = 1 : i64, block_tiles = 4 : i64, schedule = "resident"}
func.func @square(%a: tensor<2048x2048xbf16>, %w: tensor<2048x2048xbf16>) -> tensor<2048x2048xbf16> {
  %0 = xf.matmul %a, %w : (tensor<2048x2048xbf16>, tensor<2048x2048xbf16>) -> tensor<2048x2048xbf16>
  return %0 : tensor<2048x2048xbf16>
}

// -----

// B much larger than A: a resident A^T row panel and B streamed once.
// CHECK-LABEL: func.func @wide
// CHECK: xf.kernel "k0" matmul config {panel_rows = 4 : i64, schedule = "row_panel"}
func.func @wide(%a: tensor<512x4096xbf16>, %w: tensor<4096x11008xbf16>) -> tensor<512x11008xbf16> {
  %0 = xf.matmul %a, %w : (tensor<512x4096xbf16>, tensor<4096x11008xbf16>) -> tensor<512x11008xbf16>
  return %0 : tensor<512x11008xbf16>
}


// -----

// The per-rank Q, K and V projections of a Llama-7B layer on 8 cores
// (512 columns each): one multi_matmul planned over their 1536 columns, a
// resident B block of three 512-column tiles, so A (2048 x 4096) is read
// once instead of three times.
// CHECK-LABEL: func.func @qkv_rank
// CHECK: xf.kernel "k0" multi_matmul config {b_buffers = 1 : i64, block_tiles = 3 : i64, schedule = "resident"}
// OVR-LABEL: func.func @qkv_rank
// OVR: xf.kernel "k0" multi_matmul config {b_buffers = 1 : i64, block_tiles = 1 : i64, schedule = "resident"}
func.func @qkv_rank(%x: tensor<2048x4096xbf16>, %wq: tensor<4096x512xbf16>, %wk: tensor<4096x512xbf16>, %wv: tensor<4096x512xbf16>) -> (tensor<2048x512xbf16>, tensor<2048x512xbf16>, tensor<2048x512xbf16>) {
  %q = xf.matmul %x, %wq : (tensor<2048x4096xbf16>, tensor<4096x512xbf16>) -> tensor<2048x512xbf16>
  %k = xf.matmul %x, %wk : (tensor<2048x4096xbf16>, tensor<4096x512xbf16>) -> tensor<2048x512xbf16>
  %v = xf.matmul %x, %wv : (tensor<2048x4096xbf16>, tensor<4096x512xbf16>) -> tensor<2048x512xbf16>
  return %q, %k, %v : tensor<2048x512xbf16>, tensor<2048x512xbf16>, tensor<2048x512xbf16>
}
