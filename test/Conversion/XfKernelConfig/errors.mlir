// RUN: muir-opt %s -split-input-file -verify-diagnostics --muir-xf-kernel-config
// RUN: not muir-opt %s --muir-xf-kernel-config="entry=bad_schedule overrides=k0.schedule" 2>&1 | FileCheck %s --check-prefix=SYNTAX
// RUN: not muir-opt %s --muir-xf-kernel-config="entry=bad_schedule overrides=k9.schedule=stream" 2>&1 | FileCheck %s --check-prefix=NAME

// SYNTAX: kernel config override 'k0.schedule': expected <kernel>.<key>=<value>
// NAME: kernel config override names kernel 'k9', which is not in the function

func.func @bad_schedule(%a: tensor<256x256xbf16>) -> tensor<256x256xbf16> {
  // expected-error @+1 {{'k0': kernel config: unknown schedule 'fast' (resident, row_panel, weight_ring, stream)}}
  %0 = xf.kernel "k0" matmul config {schedule = "fast"} : tensor<256x256xbf16> {
    %1 = xf.matmul %a, %a : (tensor<256x256xbf16>, tensor<256x256xbf16>) -> tensor<256x256xbf16>
    xf.yield %1 : tensor<256x256xbf16>
  }
  return %0 : tensor<256x256xbf16>
}

// -----

func.func @bad_key(%a: tensor<256x256xbf16>) -> tensor<256x256xbf16> {
  // expected-error @+1 {{unknown key 'tile_q' for a matmul}}
  %0 = xf.kernel "k0" matmul config {tile_q = 3} : tensor<256x256xbf16> {
    %1 = xf.matmul %a, %a : (tensor<256x256xbf16>, tensor<256x256xbf16>) -> tensor<256x256xbf16>
    xf.yield %1 : tensor<256x256xbf16>
  }
  return %0 : tensor<256x256xbf16>
}

// -----

func.func @range(%a: tensor<256x256xbf16>) -> tensor<256x256xbf16> {
  // expected-error @+1 {{'panel_rows' = 9 is outside [1, 2] for this 256x256x256 matmul}}
  %0 = xf.kernel "k0" matmul config {schedule = "row_panel", panel_rows = 9} : tensor<256x256xbf16> {
    %1 = xf.matmul %a, %a : (tensor<256x256xbf16>, tensor<256x256xbf16>) -> tensor<256x256xbf16>
    xf.yield %1 : tensor<256x256xbf16>
  }
  return %0 : tensor<256x256xbf16>
}

// -----

func.func @not_for_schedule(%a: tensor<256x256xbf16>) -> tensor<256x256xbf16> {
  // expected-error @+1 {{'ring_slots' does not apply to schedule 'resident'}}
  %0 = xf.kernel "k0" matmul config {schedule = "resident", ring_slots = 4} : tensor<256x256xbf16> {
    %1 = xf.matmul %a, %a : (tensor<256x256xbf16>, tensor<256x256xbf16>) -> tensor<256x256xbf16>
    xf.yield %1 : tensor<256x256xbf16>
  }
  return %0 : tensor<256x256xbf16>
}

// -----

func.func @ring_needs_one_row(%a: tensor<256x256xbf16>) -> tensor<256x256xbf16> {
  // expected-error @+1 {{schedule 'weight_ring' needs one row tile (M <= 128) and a row-major B}}
  %0 = xf.kernel "k0" matmul config {schedule = "weight_ring"} : tensor<256x256xbf16> {
    %1 = xf.matmul %a, %a : (tensor<256x256xbf16>, tensor<256x256xbf16>) -> tensor<256x256xbf16>
    xf.yield %1 : tensor<256x256xbf16>
  }
  return %0 : tensor<256x256xbf16>
}

// -----

func.func @not_configurable(%x: tensor<4x8xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'k0' of kind 'data_movement' has no configurable schedule yet (elementwise, matmul, gated_matmul, multi_matmul, batch_matmul, attention, softmax, norm, rope and reduce kernels have)}}
  %0 = xf.kernel "k0" data_movement config {schedule = "resident"} : tensor<8x4xf32> {
    %1 = xf.transpose %x {permutation = array<i64: 1, 0>} : (tensor<4x8xf32>) -> tensor<8x4xf32>
    xf.yield %1 : tensor<8x4xf32>
  }
  return %0 : tensor<8x4xf32>
}

// -----

func.func @reduce_key(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'k0': kernel config: unknown key 'schedule' for a reduce kernel (buffers, chunk_cols)}}
  %0 = xf.kernel "k0" reduce config {schedule = "resident"} : tensor<4xf32> {
    %1 = xf.reduce_sum %x {axes = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4xf32>
    xf.yield %1 : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @reduce_chunk_too_wide(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'k0': kernel config: 'chunk_cols' = 9 is outside [1, 8] for this reduce kernel}}
  %0 = xf.kernel "k0" reduce config {chunk_cols = 9} : tensor<4xf32> {
    %1 = xf.reduce_sum %x {axes = array<i64: 1>} : (tensor<4x8xf32>) -> tensor<4xf32>
    xf.yield %1 : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @not_int(%a: tensor<256x256xbf16>) -> tensor<256x256xbf16> {
  // expected-error @+1 {{'block_tiles' must be an integer}}
  %0 = xf.kernel "k0" matmul config {block_tiles = "two"} : tensor<256x256xbf16> {
    %1 = xf.matmul %a, %a : (tensor<256x256xbf16>, tensor<256x256xbf16>) -> tensor<256x256xbf16>
    xf.yield %1 : tensor<256x256xbf16>
  }
  return %0 : tensor<256x256xbf16>
}

// -----

func.func @attention_bad_key(%q: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  // expected-error @+1 {{'k0': kernel config: unknown key 'block_tiles' for an attention kernel (tiles_in_flight, kv_heads_per_set, kv_sets, kv_blocks, dma_piece_bytes, v_interleave, key_block)}}
  %0 = xf.kernel "k0" attention config {block_tiles = 2} : tensor<1x1x8x16xf32> {
    %1 = xf.attention %q, %q, %q : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32>
    xf.yield %1 : tensor<1x1x8x16xf32>
  }
  return %0 : tensor<1x1x8x16xf32>
}

// -----

func.func @attention_bad_v_interleave(%q: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  // expected-error @+1 {{'k0': kernel config: 'v_interleave' = 2 is outside [0, 1] for this attention kernel}}
  %0 = xf.kernel "k0" attention config {v_interleave = 2} : tensor<1x1x8x16xf32> {
    %1 = xf.attention %q, %q, %q : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32>
    xf.yield %1 : tensor<1x1x8x16xf32>
  }
  return %0 : tensor<1x1x8x16xf32>
}

// -----

func.func @attention_bad_kv_sets(%q: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  // expected-error @+1 {{'k0': kernel config: 'kv_sets' = 3 is outside [0, 2] for this attention kernel}}
  %0 = xf.kernel "k0" attention config {kv_sets = 3} : tensor<1x1x8x16xf32> {
    %1 = xf.attention %q, %q, %q : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32>
    xf.yield %1 : tensor<1x1x8x16xf32>
  }
  return %0 : tensor<1x1x8x16xf32>
}

// -----

func.func @attention_ring_of_one(%q: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  // expected-error @+1 {{'k0': kernel config: 'kv_blocks' = 1 is outside [2, 16] for this attention kernel}}
  %0 = xf.kernel "k0" attention config {kv_sets = 0, kv_blocks = 1} : tensor<1x1x8x16xf32> {
    %1 = xf.attention %q, %q, %q : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32>
    xf.yield %1 : tensor<1x1x8x16xf32>
  }
  return %0 : tensor<1x1x8x16xf32>
}

// -----

func.func @attention_too_many_tiles(%q: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  // expected-error @+1 {{'k0': kernel config: 'tiles_in_flight' = 9 is outside [1, 7] for this attention kernel}}
  %0 = xf.kernel "k0" attention config {tiles_in_flight = 9} : tensor<1x1x8x16xf32> {
    %1 = xf.attention %q, %q, %q : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32>
    xf.yield %1 : tensor<1x1x8x16xf32>
  }
  return %0 : tensor<1x1x8x16xf32>
}

// -----

func.func @attention_kv_heads(%q: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  // expected-error @+1 {{'kv_heads_per_set' = 2 is outside [1, 1] for this attention kernel}}
  %0 = xf.kernel "k0" attention config {kv_heads_per_set = 2} : tensor<1x1x8x16xf32> {
    %1 = xf.attention %q, %q, %q : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32>
    xf.yield %1 : tensor<1x1x8x16xf32>
  }
  return %0 : tensor<1x1x8x16xf32>
}

// -----

func.func @softmax_chunk_zero(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'k0': kernel config: 'chunk_cols' = 0 is outside [1, 8] for this softmax kernel}}
  %0 = xf.kernel "k0" softmax config {chunk_cols = 0} : tensor<4x8xf32> {
    %1 = xf.softmax %x {axis = -1 : i64} : tensor<4x8xf32>
    xf.yield %1 : tensor<4x8xf32>
  }
  return %0 : tensor<4x8xf32>
}

// -----

func.func @softmax_key(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'k0': kernel config: unknown key 'schedule' for a softmax kernel (buffers, chunk_cols)}}
  %0 = xf.kernel "k0" softmax config {schedule = "resident"} : tensor<4x8xf32> {
    %1 = xf.softmax %x {axis = -1 : i64} : tensor<4x8xf32>
    xf.yield %1 : tensor<4x8xf32>
  }
  return %0 : tensor<4x8xf32>
}

// -----

func.func @norm_buffers(%x: tensor<4x8xf32>, %w: tensor<8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'k0': kernel config: 'buffers' = 3 is outside [1, 2] for this norm kernel}}
  %0 = xf.kernel "k0" norm config {buffers = 3} : tensor<4x8xf32> {
    %1 = xf.rms_norm %x, %w {eps = 1.0e-6 : f32} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
    xf.yield %1 : tensor<4x8xf32>
  }
  return %0 : tensor<4x8xf32>
}

// -----

func.func @rope_heads(%x: tensor<1x2x4x8xf32>, %c: tensor<4x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{'k0': kernel config: 'heads_per_tile' = 3 is outside [1, 2] for this rope kernel}}
  %0 = xf.kernel "k0" rope config {heads_per_tile = 3} : tensor<1x2x4x8xf32> {
    %1 = xf.rope %x, %c, %c : (tensor<1x2x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<1x2x4x8xf32>
    xf.yield %1 : tensor<1x2x4x8xf32>
  }
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @attention_key_block_not_chunks(%q: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  // expected-error @+1 {{'k0': kernel config: 'key_block' = 200 is not a multiple of 128 keys (whole PE-row chunks)}}
  %0 = xf.kernel "k0" attention config {key_block = 200} : tensor<1x1x8x16xf32> {
    %1 = xf.attention %q, %q, %q : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32>
    xf.yield %1 : tensor<1x1x8x16xf32>
  }
  return %0 : tensor<1x1x8x16xf32>
}

// -----

func.func @attention_key_block_too_wide(%q: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  // expected-error @+1 {{'k0': kernel config: 'key_block' = 1024 is outside [128, 512] for this attention kernel}}
  %0 = xf.kernel "k0" attention config {key_block = 1024} : tensor<1x1x8x16xf32> {
    %1 = xf.attention %q, %q, %q : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32>
    xf.yield %1 : tensor<1x1x8x16xf32>
  }
  return %0 : tensor<1x1x8x16xf32>
}
