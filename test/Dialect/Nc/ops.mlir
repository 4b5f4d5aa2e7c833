// RUN: muir-opt %s | muir-opt | FileCheck %s
// RUN: muir-opt %s --mlir-print-op-generic | muir-opt | FileCheck %s

// CHECK-LABEL: nc.kernel @every_instruction target = "trn2" semaphores = 3
nc.kernel @every_instruction target = "trn2" semaphores = 3 {
  // CHECK: nc.tensor input @x : tensor<128x512xbf16> at 0
  nc.tensor input @x : tensor<128x512xbf16> at 0
  // CHECK: nc.tensor const @w : tensor<2x2xf32> at 131072 = dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
  nc.tensor const @w : tensor<2x2xf32> at 131072 = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  // CHECK: nc.tensor output @y : tensor<128x512xf32> at 131088
  nc.tensor output @y : tensor<128x512xf32> at 131088
  // CHECK: nc.dma <sbuf[0, 128] at 0 dims [512] strides [1] : bf16>, <hbm @x[128 x 512] at 0 dims [512] strides [1] : bf16> {queue = #nc.queue<dma3>, signal = array<i64: 0>}
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : bf16>, #nc.ap<hbm @x[128 x 512] at 0 dims [512] strides [1] : bf16> {queue = #nc.queue<dma3>, signal = array<i64: 0>}
  // CHECK: nc.dma <sbuf[0, 128] at 1024 dims [128] strides [1] : bf16>, <sbuf[0, 128] at 0 dims [128] strides [1] : bf16> {transpose, wait = array<i64: 0, 1>}
  nc.dma #nc.ap<sbuf[0, 128] at 1024 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16> {transpose, wait = array<i64: 0, 1>}
  // CHECK: nc.matmul <psum[0, 128] at 0 dims [512] strides [1] : f32>, <sbuf[0, 128] at 1024 dims [128] strides [1] : bf16>, <sbuf[0, 128] at 0 dims [512] strides [1] : bf16> {accumulate, signal = array<i64: 1>, wait = array<i64: 0, 1>}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 1024 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : bf16> {accumulate, wait = array<i64: 0, 1>, signal = array<i64: 1>}
  // CHECK: nc.transpose <psum[0, 64] at 2048 dims [128] strides [1] : f32>, <sbuf[0, 128] at 0 dims [64] strides [1] : bf16>
  nc.transpose #nc.ap<psum[0, 64] at 2048 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [64] strides [1] : bf16>
  // CHECK: nc.transpose <psum[0, 64] at 4096 dims [128] strides [1] : bf16>, <sbuf[0, 128] at 0 dims [64] strides [1] : bf16>
  nc.transpose #nc.ap<psum[0, 64] at 4096 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [64] strides [1] : bf16>
  // CHECK: nc.activation gelu_tanh <sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, <psum[0, 128] at 0 dims [512] strides [1] : f32> {accum = #nc.ap<sbuf[0, 128] at 8192 dims [1] strides [1] : f32>, bias = #nc.ap<sbuf[0, 128] at 8196 dims [1] strides [1] : f32>, scale = 5.000000e-01 : f32, wait = array<i64: 1, 1>}
  nc.activation gelu_tanh #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32> {scale = 0.5 : f32, bias = #nc.ap<sbuf[0, 128] at 8196 dims [1] strides [1] : f32>, accum = #nc.ap<sbuf[0, 128] at 8192 dims [1] strides [1] : f32>, wait = array<i64: 1, 1>}
  // CHECK: nc.tensor_tensor add <sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, <sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, <sbuf[0, 128] at 12288 dims [4, 128] strides [128, 1] : f32> {queue = #nc.queue<pool>}
  nc.tensor_tensor add #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 12288 dims [4, 128] strides [128, 1] : f32> {queue = #nc.queue<pool>}
  // CHECK: nc.tensor_scalar mul then add <sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, <sbuf[0, 128] at 4096 dims [512] strides [1] : f32> {imm1 = 1.000000e+00 : f32, scalar0 = #nc.ap<sbuf[0, 128] at 8192 dims [1] strides [1] : f32>}
  nc.tensor_scalar mul then add #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32> {scalar0 = #nc.ap<sbuf[0, 128] at 8192 dims [1] strides [1] : f32>, imm1 = 1.0 : f32}
  // CHECK: nc.tensor_reduce max <sbuf[0, 128] at 8200 dims [4] strides [1] : f32>, <sbuf[0, 128] at 4096 dims [4, 128] strides [128, 1] : f32>
  nc.tensor_reduce max #nc.ap<sbuf[0, 128] at 8200 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 4096 dims [4, 128] strides [128, 1] : f32>
  // CHECK: nc.tensor_copy <sbuf[0, 128] at 10000 dims [512] strides [1] : bf16>, <sbuf[0, 128] at 4096 dims [512] strides [1] : f32> {queue = #nc.queue<act>}
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 10000 dims [512] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32> {queue = #nc.queue<act>}
  // CHECK: nc.iota <sbuf[0, 128] at 12000 dims [128] strides [1] : i32> {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: -1>}
  nc.iota #nc.ap<sbuf[0, 128] at 12000 dims [128] strides [1] : i32> {base = 0, channel_multiplier = 1, coefficients = array<i64: -1>}
  // CHECK: nc.affine_select <sbuf[0, 128] at 4096 dims [128] strides [1] : f32>, <sbuf[0, 128] at 4096 dims [128] strides [1] : f32> {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: -1>, fill = -3.000000e+38 : f32}
  nc.affine_select #nc.ap<sbuf[0, 128] at 4096 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 4096 dims [128] strides [1] : f32> {fill = -3.0e38 : f32, base = 0, channel_multiplier = 1, coefficients = array<i64: -1>}
  // CHECK: nc.dma <hbm @y[128 x 512] at 0 dims [512] strides [1] : f32>, <sbuf[0, 128] at 4096 dims [512] strides [1] : f32> {queue = #nc.queue<dma15>, signal = array<i64: 2>}
  nc.dma #nc.ap<hbm @y[128 x 512] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32> {queue = #nc.queue<dma15>, signal = array<i64: 2>}
  // CHECK: nc.nop {queue = #nc.queue<dve>, wait = array<i64: 2, 1>}
  nc.nop {queue = #nc.queue<dve>, wait = array<i64: 2, 1>}
}

// fp8 in double-row mode contracts over 256 partitions... of two tiles of 128;
// the small target has a 16 x 16 array and 4 DMA queues.
// CHECK-LABEL: nc.kernel @small_target target = "small"
nc.kernel @small_target target = "small" {
  nc.tensor input @a : tensor<16x64xf32> at 0
  // CHECK: nc.dma <sbuf[0, 16] at 0 dims [64] strides [1] : f32>, <hbm @a[16 x 64] at 0 dims [64] strides [1] : f32> {queue = #nc.queue<dma3>}
  nc.dma #nc.ap<sbuf[0, 16] at 0 dims [64] strides [1] : f32>, #nc.ap<hbm @a[16 x 64] at 0 dims [64] strides [1] : f32> {queue = #nc.queue<dma3>}
}
