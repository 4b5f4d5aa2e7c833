// RUN: muir-opt %s -split-input-file -verify-diagnostics

// Every rule of the indirect DMA verifiers, one case each.

nc.kernel @k target = "small" semaphores = 0 {
  nc.tensor input @t : tensor<8x4xf32> at 0
  // expected-error @+1 {{dst must be in sbuf, not psum}}
  nc.dma_gather #nc.ap<psum[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @t[8 x 4] at 0 dims [4] strides [1] : f32>[#nc.ap<sbuf[0, 2] at 0 dims [1] strides [1] : i32>]
}

// -----

nc.kernel @k target = "small" semaphores = 0 {
  // expected-error @+1 {{table must be in hbm, not sbuf}}
  nc.dma_gather #nc.ap<sbuf[0, 2] at 16 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 8] at 64 dims [4] strides [1] : f32>[#nc.ap<sbuf[0, 2] at 0 dims [1] strides [1] : i32>]
}

// -----

nc.kernel @k target = "small" semaphores = 0 {
  nc.tensor input @t : tensor<8x4xf32> at 0
  // expected-error @+1 {{indices must be a [2, 1] per-partition tile, got [3, 1]}}
  nc.dma_gather #nc.ap<sbuf[0, 2] at 16 dims [4] strides [1] : f32>, #nc.ap<hbm @t[8 x 4] at 0 dims [4] strides [1] : f32>[#nc.ap<sbuf[0, 3] at 0 dims [1] strides [1] : i32>]
}

// -----

nc.kernel @k target = "small" semaphores = 0 {
  nc.tensor input @t : tensor<8x4xf32> at 0
  // expected-error @+1 {{indices must be an SBUF i32 tile, got sbuf 'f32'}}
  nc.dma_gather #nc.ap<sbuf[0, 2] at 16 dims [4] strides [1] : f32>, #nc.ap<hbm @t[8 x 4] at 0 dims [4] strides [1] : f32>[#nc.ap<sbuf[0, 2] at 0 dims [1] strides [1] : f32>]
}

// -----

nc.kernel @k target = "small" semaphores = 0 {
  nc.tensor input @t : tensor<8x4xf32> at 0
  // expected-error @+1 {{indices must be an SBUF i32 tile, got psum 'i32'}}
  nc.dma_gather #nc.ap<sbuf[0, 2] at 16 dims [4] strides [1] : f32>, #nc.ap<hbm @t[8 x 4] at 0 dims [4] strides [1] : f32>[#nc.ap<psum[0, 2] at 0 dims [1] strides [1] : i32>]
}

// -----

nc.kernel @k target = "small" semaphores = 0 {
  nc.tensor input @t : tensor<8x4xf32> at 0
  // expected-error @+1 {{a table row has 2 elements but dst has 4 per partition}}
  nc.dma_gather #nc.ap<sbuf[0, 2] at 16 dims [4] strides [1] : f32>, #nc.ap<hbm @t[8 x 4] at 0 dims [2] strides [1] : f32>[#nc.ap<sbuf[0, 2] at 0 dims [1] strides [1] : i32>]
}

// -----

nc.kernel @k target = "small" semaphores = 0 {
  nc.tensor input @t : tensor<8x4xbf16> at 0
  // expected-error @+1 {{table element type 'bf16' differs from dst element type 'f32' (an indirect DMA does not convert)}}
  nc.dma_gather #nc.ap<sbuf[0, 2] at 16 dims [4] strides [1] : f32>, #nc.ap<hbm @t[8 x 4] at 0 dims [4] strides [1] : bf16>[#nc.ap<sbuf[0, 2] at 0 dims [1] strides [1] : i32>]
}

// -----

nc.kernel @k target = "small" semaphores = 0 {
  nc.tensor input @t : tensor<8x4xf32> at 0
  // expected-error @+1 {{cannot run on queue 'pool' (pool engine)}}
  nc.dma_gather #nc.ap<sbuf[0, 2] at 16 dims [4] strides [1] : f32>, #nc.ap<hbm @t[8 x 4] at 0 dims [4] strides [1] : f32>[#nc.ap<sbuf[0, 2] at 0 dims [1] strides [1] : i32>] {queue = #nc.queue<pool>}
}

// -----

nc.kernel @k target = "small" semaphores = 0 {
  nc.tensor output @t : tensor<8x4xf32> at 0
  // expected-error @+1 {{src must be in sbuf, not hbm}}
  nc.dma_scatter #nc.ap<hbm @t[8 x 4] at 0 dims [4] strides [1] : f32>[#nc.ap<sbuf[0, 2] at 0 dims [1] strides [1] : i32>], #nc.ap<hbm @t[2 x 4] at 0 dims [4] strides [1] : f32>
}

// -----

nc.kernel @k target = "small" semaphores = 0 {
  // expected-error @+1 {{dst must be in hbm, not sbuf}}
  nc.dma_scatter #nc.ap<sbuf[0, 8] at 64 dims [4] strides [1] : f32>[#nc.ap<sbuf[0, 2] at 0 dims [1] strides [1] : i32>], #nc.ap<sbuf[0, 2] at 16 dims [4] strides [1] : f32>
}

// -----

nc.kernel @k target = "small" semaphores = 0 {
  nc.tensor output @t : tensor<8x4xf32> at 0
  // expected-error @+1 {{a dst row has 4 elements but src has 2 per partition}}
  nc.dma_scatter #nc.ap<hbm @t[8 x 4] at 0 dims [4] strides [1] : f32>[#nc.ap<sbuf[0, 2] at 0 dims [1] strides [1] : i32>], #nc.ap<sbuf[0, 2] at 16 dims [2] strides [1] : f32>
}

// -----

// Overlapping tensors other than an output exactly on an input.
nc.kernel @k target = "small" semaphores = 0 {
  // expected-error @+1 {{HBM bytes [0, 128) overlap tensor @b at 0}}
  nc.tensor input @a : tensor<8x4xf32> at 0
  nc.tensor input @b : tensor<8x4xf32> at 0
}

// -----

nc.kernel @k target = "small" semaphores = 0 {
  // expected-error @+1 {{overlap tensor @b at 0}}
  nc.tensor input @a : tensor<8x4xf32> at 0
  nc.tensor output @b : tensor<4x4xf32> at 0
}

// -----

// A table tile of more rows than the table has (stride 0): the verifier
// refuses it as program validation does (the sim fuzzer's 3.9e17-row tile).
nc.kernel @k target = "small" semaphores = 0 {
  nc.tensor const @table : tensor<4x3xf32> at 0 = dense<1.0> : tensor<4x3xf32>
  // expected-error @+1 {{table tile has 1182529348255285260 elements, more than tensor @table's 12}}
  nc.dma_gather <sbuf[0, 2] at 16 dims [3] strides [1] : f32>, <hbm @table[394176449418428420 x 0] at 0 dims [3] strides [1] : f32>[<sbuf[0, 2] at 0 dims [1] strides [1] : i32>]
}

// -----

nc.kernel @k target = "small" semaphores = 0 {
  nc.tensor const @table : tensor<4x3xf32> at 0 = dense<1.0> : tensor<4x3xf32>
  // expected-error @+1 {{table tile has 15 elements, more than tensor @table's 12}}
  nc.dma_gather <sbuf[0, 2] at 16 dims [3] strides [1] : f32>, <hbm @table[5 x 0] at 0 dims [3] strides [1] : f32>[<sbuf[0, 2] at 0 dims [1] strides [1] : i32>]
}
