// RUN: muir-opt %s -split-input-file -verify-diagnostics --muir-lower-xf-to-nc="target=small"

// Each kernel family's diagnostics on the small target (4 KiB SBUF
// partitions, 4 PSUM banks of 128 fp32, moving tiles of 64 columns).

// Axes 0, 2, 4 and 6 of a rank-7 tensor are four reduced groups that no
// two adjacent axes join; tensor_reduce and the DMA take three free dims.
func.func @reduce_four_axis_groups(%x: tensor<2x2x2x2x2x2x2xf32>) -> tensor<2x2x2xf32> {
  // expected-error @+1 {{reduces over 4 non-adjacent axis groups; at most 3 are supported by the accelerator lowering}}
  %0 = xf.reduce_sum %x {axes = array<i64: 0, 2, 4, 6>} : (tensor<2x2x2x2x2x2x2xf32>) -> tensor<2x2x2xf32>
  return %0 : tensor<2x2x2xf32>
}

// -----

// The value head dim is the moving free size of P V and must fit one PSUM
// bank; on the small target the moving limit (64) is the tighter one,
// although the message names the bank.
func.func @attention_value_dim_too_large(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x80xf32>) -> tensor<1x1x8x80xf32> {
  // expected-error @+1 {{value head dim 80 exceeds what one product accumulates (a PSUM bank of 128 fp32 and a moving tile of 64 columns) on target 'small'}}
  %0 = xf.attention %q, %k, %v : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x80xf32>) -> tensor<1x1x8x80xf32>
  return %0 : tensor<1x1x8x80xf32>
}

// -----

// The online softmax folds the scale into exp's argument as -scale * max:
// a non-positive scale would flip the max into a min.
func.func @attention_negative_scale(%q: tensor<1x1x8x16xf32>, %k: tensor<1x1x8x16xf32>, %v: tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32> {
  // expected-error @+1 {{attention scale must be > 0 on the accelerator, got -1}}
  %0 = xf.attention %q, %k, %v {scale = -1.0 : f32} : (tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>, tensor<1x1x8x16xf32>) -> tensor<1x1x8x16xf32>
  return %0 : tensor<1x1x8x16xf32>
}

// -----

// K^T and V stream through key blocks when a head's do not fit, narrowed
// down to one 16-key chunk when two full blocks would not fit; with
// 512-wide f32 keys even two 16-key blocks (and a query tile) pass the
// small target's 4 KiB. (64-wide f32 heads fit in 32-key blocks:
// attention-streamed.mlir.)
func.func @attention_blocks_too_wide(%q: tensor<1x1x8x512xf32>, %k: tensor<1x1x2048x512xf32>, %v: tensor<1x1x2048x64xf32>) -> tensor<1x1x8x64xf32> {
  // expected-error @+1 {{does not fit on target 'small': attention needs 6272 bytes per SBUF partition for two key blocks of 16 keys and one query tile (head dims 512 and 64), 4096 are free}}
  %0 = xf.attention %q, %k, %v : (tensor<1x1x8x512xf32>, tensor<1x1x2048x512xf32>, tensor<1x1x2048x64xf32>) -> tensor<1x1x8x64xf32>
  return %0 : tensor<1x1x8x64xf32>
}

// -----

func.func @matmul_empty_k(%a: tensor<4x0xf32>, %b: tensor<0x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{matmul with K = 0 is not supported by the accelerator lowering}}
  %0 = xf.matmul %a, %b : (tensor<4x0xf32>, tensor<0x4xf32>) -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}
