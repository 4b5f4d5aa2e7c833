// RUN: muir-opt %s -split-input-file -verify-diagnostics

// Every rule of the nc verifiers, one case each.

// Tile partitions beyond SBUF.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{uses partitions [0, 256) but SBUF has 128}}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 256] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 256] at 256 dims [512] strides [1] : bf16>
}

// -----

// Partition range on the small target.
nc.kernel @k target = "small" semaphores = 2 {
  // expected-error @+1 {{uses partitions [8, 24) but SBUF has 16 (target 'small')}}
  nc.tensor_copy #nc.ap<sbuf[8, 16] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 64 dims [4] strides [1] : f32>
}

// -----

// Moving free size above 512.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{moving free size N = 1024 exceeds 512}}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [1024] strides [1] : bf16>
}

// -----

// Moving free size on the small target (64).
nc.kernel @k target = "small" semaphores = 2 {
  // expected-error @+1 {{moving free size N = 128 exceeds 64}}
  nc.matmul #nc.ap<psum[0, 16] at 0 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 0 dims [16] strides [1] : bf16>, #nc.ap<sbuf[0, 16] at 256 dims [128] strides [1] : bf16>
}

// -----

// Stationary wider than the PE columns.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{stationary free size M = 256 exceeds 128 PE columns}}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [256] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 1024 dims [512] strides [1] : bf16>
}

// -----

// Matmul must write PSUM.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{dst must be in psum, not sbuf}}
  nc.matmul #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 4096 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 8192 dims [512] strides [1] : bf16>
}

// -----

// Matmul reads SBUF only.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{moving must be in sbuf, not psum}}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<psum[0, 128] at 4096 dims [512] strides [1] : bf16>
}

// -----

// Matmul never reads HBM.
nc.kernel @k target = "trn2" semaphores = 2 {
  nc.tensor input @a : tensor<128x512xbf16> at 0
  // expected-error @+1 {{stationary must be in sbuf, not hbm}}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<hbm @a[128 x 512] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : bf16>
}

// -----

// PSUM accumulation tile crossing a 2 KiB bank.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{dst bytes [1024, 3072) cross a 2048-byte PSUM bank boundary}}
  nc.matmul #nc.ap<psum[0, 128] at 1024 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16>
}

// -----

// Matmul accumulates in fp32.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{dst must be f32 (PSUM accumulates in fp32), got 'bf16'}}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16>
}

// -----

// Operands share one type.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{stationary element type 'bf16' differs from moving element type 'f32'}}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : f32>
}

// -----

// The PE array takes no integers.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{the PE array does not take 'i32' operands}}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : i32>, #nc.ap<sbuf[0, 128] at 512 dims [512] strides [1] : i32>
}

// -----

// K must agree.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{stationary has K = 128 partitions but moving has 64}}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 64] at 256 dims [512] strides [1] : bf16>
}

// -----

// Result shape.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{dst must be [128, 512] (M partitions x N), got [128, 256]}}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [256] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16>
}

// -----

// Access past the end of an SBUF partition.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{dst tile ends at byte 229380 of a SBUF partition of 229376 bytes}}
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 229376 dims [1] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [1] strides [1] : f32>
}

// -----

// Access past the end of a PSUM partition.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{src tile ends at byte 16388 of a PSUM partition of 16384 bytes}}
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 0 dims [1] strides [1] : f32>, #nc.ap<psum[0, 128] at 16384 dims [1] strides [1] : f32>
}

// -----

// HBM read past the tensor.
nc.kernel @k target = "trn2" semaphores = 2 {
  nc.tensor input @a : tensor<128x512xbf16> at 0
  // expected-error @+1 {{src tile reads element 65536 of tensor @a, which has 65536}}
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : bf16>, #nc.ap<hbm @a[128 x 512] at 1 dims [512] strides [1] : bf16>
}

// -----

// HBM tile of an unknown tensor.
nc.kernel @k target = "trn2" semaphores = 2 {
  nc.tensor input @a : tensor<128x512xbf16> at 0
  // expected-error @+1 {{src tile names unknown HBM tensor @nope}}
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : bf16>, #nc.ap<hbm @nope[128 x 512] at 0 dims [512] strides [1] : bf16>
}

// -----

// HBM tile type must match the tensor.
nc.kernel @k target = "trn2" semaphores = 2 {
  nc.tensor input @a : tensor<128x512xbf16> at 0
  // expected-error @+1 {{src tile element type 'f32' differs from tensor @a's 'bf16'}}
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [256] strides [1] : f32>, #nc.ap<hbm @a[128 x 256] at 0 dims [256] strides [1] : f32>
}

// -----

// No HBM to HBM DMA.
nc.kernel @k target = "trn2" semaphores = 2 {
  nc.tensor input @a : tensor<128x512xbf16> at 0
  // expected-error @+1 {{HBM to HBM is not a DMA the target has}}
  nc.dma #nc.ap<hbm @a[1 x 512] at 0 dims [512] strides [1] : bf16>, #nc.ap<hbm @a[1 x 512] at 512 dims [512] strides [1] : bf16>
}

// -----

// DMA cannot reach PSUM.
nc.kernel @k target = "trn2" semaphores = 2 {
  nc.tensor input @a : tensor<128x512xbf16> at 0
  // expected-error @+1 {{dst must be in hbm or sbuf, not psum}}
  nc.dma #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : bf16>, #nc.ap<hbm @a[128 x 512] at 0 dims [512] strides [1] : bf16>
}

// -----

// DMA shapes must agree.
nc.kernel @k target = "trn2" semaphores = 2 {
  nc.tensor input @a : tensor<128x512xbf16> at 0
  // expected-error @+1 {{dst is 128 partitions x 256 elements but src is 128 x 512}}
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [256] strides [1] : bf16>, #nc.ap<hbm @a[128 x 512] at 0 dims [512] strides [1] : bf16>
}

// -----

// DMA transpose dst shape.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{DMA transpose of a [128, 64] tile needs a [64, 128] dst, got [128, 64]}}
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [64] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 4096 dims [64] strides [1] : bf16> {transpose}
}

// -----

// DMA transpose element size.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{DMA transpose on target 'trn2' needs elements of 2 or 4 bytes (dma.transpose_element_bytes), one size on both sides}}
  nc.dma #nc.ap<sbuf[0, 64] at 0 dims [128] strides [1] : f8E4M3FN>, #nc.ap<sbuf[0, 128] at 4096 dims [64] strides [1] : f8E4M3FN> {transpose}
}

// -----

// Queue must exist on the target.
nc.kernel @k target = "small" semaphores = 2 {
  // expected-error @+1 {{queue 'dma4' does not exist on target 'small'}}
  nc.dma #nc.ap<sbuf[0, 16] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 64 dims [4] strides [1] : f32> {queue = #nc.queue<dma4>}
}

// -----

// A queue is one of the target's queue names, parsed into its index: a
// misspelt one is a parse error.
nc.kernel @k target = "small" {
  // expected-error @+1 {{unknown queue 'dve1': expected pe, act, dve, pool or dmaN (N < 256)}}
  nc.dma #nc.ap<sbuf[0, 16] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 64 dims [4] strides [1] : f32> {queue = #nc.queue<dve1>}
}

// -----

nc.kernel @k target = "small" {
  // expected-error @+1 {{unknown queue 'dma256'}}
  nc.dma #nc.ap<sbuf[0, 16] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 64 dims [4] strides [1] : f32> {queue = #nc.queue<dma256>}
}

// -----

// A queue is a #nc.queue, not a string.
nc.kernel @k target = "small" {
  // expected-error @+1 {{attribute 'queue' failed to satisfy constraint}}
  nc.dma #nc.ap<sbuf[0, 16] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 64 dims [4] strides [1] : f32> {queue = "dma1"}
}

// -----

// Engine must support the instruction.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{cannot run on queue 'act' (act engine)}}
  nc.tensor_tensor add #nc.ap<sbuf[0, 128] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 16 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 32 dims [4] strides [1] : f32> {queue = #nc.queue<act>}
}

// -----

// Matmul only on the PE queue.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{cannot run on queue 'dve' (dve engine)}}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16> {queue = #nc.queue<dve>}
}

// -----

// Semaphore ids are bounded.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{waits on semaphore 2 >= 1 but the kernel has 2 semaphores}}
  nc.nop {wait = array<i64: 2, 1>}
}

// -----

// Wait counts start at 1.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{waits on semaphore 0 >= 0}}
  nc.nop {wait = array<i64: 0, 0>}
}

// -----

// Waits are pairs.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{wait must list (semaphore, count) pairs}}
  nc.nop {wait = array<i64: 0>}
}

// -----

// Signals are bounded.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{signals semaphore 5 but the kernel has 2 semaphores}}
  nc.nop {signal = array<i64: 5>}
}

// -----

// Scalar engine computes on floats.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{the Scalar engine computes on float tiles}}
  nc.activation exp #nc.ap<sbuf[0, 128] at 0 dims [4] strides [1] : i32>, #nc.ap<sbuf[0, 128] at 16 dims [4] strides [1] : f32>
}

// -----

// Activation bias is per partition.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{bias must be a [128, 1] per-partition tile, got [128, 4]}}
  nc.activation exp #nc.ap<sbuf[0, 128] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 16 dims [4] strides [1] : f32> {bias = #nc.ap<sbuf[0, 128] at 32 dims [4] strides [1] : f32>}
}

// -----

// Activation shapes.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{dst is 128 partitions x 4 elements but src is 64 x 4}}
  nc.activation exp #nc.ap<sbuf[0, 128] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 64] at 16 dims [4] strides [1] : f32>
}

// -----

// Bypass has one input.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{bypass takes one input: use tensor_copy}}
  nc.tensor_tensor bypass #nc.ap<sbuf[0, 128] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 16 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 32 dims [4] strides [1] : f32>
}

// -----

// Vector engines never touch HBM.
nc.kernel @k target = "trn2" semaphores = 2 {
  nc.tensor input @a : tensor<128x512xbf16> at 0
  // expected-error @+1 {{lhs must be in sbuf or psum, not hbm}}
  nc.tensor_tensor add #nc.ap<sbuf[0, 128] at 0 dims [4] strides [1] : bf16>, #nc.ap<hbm @a[128 x 512] at 0 dims [4] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 32 dims [4] strides [1] : bf16>
}

// -----

// tensor_scalar operand tile.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{scalar0 must be a [128, 1] per-partition tile, got [64, 1]}}
  nc.tensor_scalar mul #nc.ap<sbuf[0, 128] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 16 dims [4] strides [1] : f32> {scalar0 = #nc.ap<sbuf[0, 64] at 32 dims [1] strides [1] : f32>}
}

// -----

// Reduce ops.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{reduces with add, max or min only}}
  nc.tensor_reduce mul #nc.ap<sbuf[0, 128] at 0 dims [1] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 16 dims [4] strides [1] : f32>
}

// -----

// Reduce axes.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{naxes 2 must be in [1, 1] for a src with 1 free dimensions}}
  nc.tensor_reduce add #nc.ap<sbuf[0, 128] at 0 dims [1] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 16 dims [4] strides [1] : f32> {naxes = 2}
}

// -----

// Reduce result shape.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{dst must be [128, 4], got [128, 1]}}
  nc.tensor_reduce add #nc.ap<sbuf[0, 128] at 0 dims [1] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 16 dims [4, 8] strides [8, 1] : f32>
}

// -----

// iota coefficients.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{needs one coefficient per free dimension of dst (1), got 2}}
  nc.iota #nc.ap<sbuf[0, 128] at 0 dims [4] strides [1] : i32> {base = 0, channel_multiplier = 1, coefficients = array<i64: 1, 2>}
}

// -----

// affine_select shapes.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{src and dst need the same partitions and free sizes}}
  nc.affine_select #nc.ap<sbuf[0, 128] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 16 dims [8] strides [1] : f32> {fill = 0.0 : f32, base = 0, channel_multiplier = 1, coefficients = array<i64: -1>}
}

// -----

// PE transpose shapes.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{dst must be [64, 128] for a [128, 64] src, got [128, 64]}}
  nc.transpose #nc.ap<psum[0, 128] at 0 dims [64] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [64] strides [1] : bf16>
}

// -----

// A PE transpose passes its data through: PSUM receives f32 or the
// source's own type, nothing else.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{dst must be f32 or the src type 'bf16', got 'f16'}}
  nc.transpose #nc.ap<psum[0, 64] at 0 dims [128] strides [1] : f16>, #nc.ap<sbuf[0, 128] at 0 dims [64] strides [1] : bf16>
}

// -----

// Tile sizes and strides pair up.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{tile has 2 sizes but 1 strides}}
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 0 dims [4, 4] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 64 dims [16] strides [1] : f32>
}

// -----

// Tile element types.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{tile element type 'f64' is not one of}}
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 0 dims [4] strides [1] : f64>, #nc.ap<sbuf[0, 128] at 64 dims [4] strides [1] : f32>
}

// -----

// Only HBM tiles name a tensor.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{expected '['}}
  nc.tensor_copy #nc.ap<sbuf @a[1 x 1] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 64 dims [4] strides [1] : f32>
}

// -----

// Unknown memory space.
nc.kernel @k target = "trn2" semaphores = 2 {
  // expected-error @+1 {{expected memory space hbm, sbuf or psum, got 'dram'}}
  nc.tensor_copy #nc.ap<dram[0, 1] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 64 dims [4] strides [1] : f32>
}

// -----

// Unknown target.
// expected-error @+1 {{unknown target 'nosuch'}}
nc.kernel @k target = "nosuch" {
}

// -----

// Overlapping HBM tensors.
nc.kernel @k target = "trn2" {
  // expected-error @+1 {{HBM bytes [0, 131072) overlap tensor @b at 1024}}
  nc.tensor input @a : tensor<128x512xbf16> at 0
  nc.tensor input @b : tensor<4xf32> at 1024
}

// -----

// Tensors must fit the core's HBM.
nc.kernel @k target = "small" {
  // expected-error @+1 {{past the capacity 1073741824 of target 'small'}}
  nc.tensor input @a : tensor<4xf32> at 1073741820
}

// -----

// Constants carry a value.
nc.kernel @k target = "trn2" {
  // expected-error @+1 {{a const tensor needs a value}}
  nc.tensor const @a : tensor<4xf32> at 0
}

// -----

// Only constants carry a value.
nc.kernel @k target = "trn2" {
  // expected-error @+1 {{only const tensors carry a value}}
  nc.tensor input @a : tensor<2xf32> at 0 = dense<1.0> : tensor<2xf32>
}

// -----

// Unsupported HBM element type.
nc.kernel @k target = "trn2" {
  // expected-error @+1 {{element type 'f64' is not supported by the target}}
  nc.tensor input @a : tensor<2xf64> at 0
}

// -----

// HBM rows only advance: a negative partition stride is rejected.
nc.kernel @k target = "trn2" {
  nc.tensor output @y : tensor<2x4xf32> at 0
  // expected-error @+1 {{HBM tile partition stride -4 must be >= 0}}
  nc.dma #nc.ap<hbm @y[2 x -4] at 4 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>
}

// -----

// A tile whose end byte overflows int64 is rejected when parsed, not wrapped
// around into range.
nc.kernel @k target = "small" semaphores = 0 {
  // expected-error @+1 {{tile extent (offset 9223372036854775800, 2 partitions, free sizes and strides) does not fit in 64 bits}}
  nc.iota #nc.ap<sbuf[0, 2] at 9223372036854775800 dims [4] strides [1] : f32> {base = 0, channel_multiplier = 4, coefficients = array<i64: 1>}
}

// -----

// Free sizes times strides overflowing int64.
nc.kernel @k target = "small" semaphores = 0 {
  // expected-error @+1 {{does not fit in 64 bits}}
  nc.iota #nc.ap<sbuf[0, 1] at 0 dims [3, 2] strides [4611686018427387904, 1] : f32> {base = 0, channel_multiplier = 0, coefficients = array<i64: 1, 1>}
}

// -----

// An HBM tile's last element overflowing int64 through the partition stride.
nc.kernel @k target = "small" semaphores = 0 {
  nc.tensor output @y : tensor<8xf32> at 0
  // expected-error @+1 {{does not fit in 64 bits}}
  nc.dma #nc.ap<hbm @y[3 x 4611686018427387904] at 0 dims [1] strides [1] : f32>, #nc.ap<sbuf[0, 3] at 0 dims [1] strides [1] : f32>
}

// -----

// A tensor of 2^63 bytes or more.
nc.kernel @k target = "small" semaphores = 0 {
  // expected-error @+1 {{type 'tensor<4611686018427387904xf32>' has more than 2^63 bytes}}
  nc.tensor input @x : tensor<4611686018427387904xf32> at 0
}

// -----

// A tensor whose end in HBM overflows int64 is past the capacity.
nc.kernel @k target = "small" semaphores = 0 {
  // expected-error @+1 {{at HBM byte 9223372036854775800 with 64 bytes ends past the capacity 1073741824 of target 'small'}}
  nc.tensor input @x : tensor<16xf32> at 9223372036854775800
}

// -----

// Only the Vector and Scalar engines read and write PSUM (trn2.md): not
// GpSimd, as source or destination.
nc.kernel @pool_reads_psum target = "small" {
  // expected-error @+1 {{src is in PSUM, which the GpSimd engine (queue 'pool') cannot access: only the Vector and Scalar engines read and write PSUM}}
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 0 dims [4] strides [1] : f32>, #nc.ap<psum[0, 16] at 0 dims [4] strides [1] : f32> {queue = #nc.queue<pool>}
}

// -----

nc.kernel @pool_writes_psum target = "small" {
  // expected-error @+1 {{dst is in PSUM, which the GpSimd engine (queue 'pool') cannot access}}
  nc.tensor_scalar mul #nc.ap<psum[0, 16] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 0 dims [4] strides [1] : f32> {imm0 = 2.0 : f32, queue = #nc.queue<pool>}
}
