// Numerics of every nc instruction on tiny tiles of the small target; each
// expected value is worked out by hand in the comment beside it.
// RUN: muir-sim %s --print | FileCheck %s

// W = [[1,2],[3,4]] (K x M), V = [[1,0,2],[0,1,3]] (K x N), two matmuls, the
// second accumulating: 2 * W^T V = 2 * [[1,3,11],[2,4,16]].
// CHECK-LABEL: @mm : 2x3xf32
// CHECK-NEXT: [0] 2 6 22
// CHECK-NEXT: [1] 4 8 32
// PE transpose of X = [[1,-2,3,-4],[0.5,0,-1,2]].
// CHECK-LABEL: @xt : 4x2xf32
// CHECK-NEXT: [0] 1 0.5
// CHECK-NEXT: [1] -2 0
// CHECK-NEXT: [2] 3 -1
// CHECK-NEXT: [3] -4 2
// relu(2x + b), b = [1, -1] per partition: [3,-3,7,-7] -> [3,0,7,0];
// [0,-1,-3,3] -> [0,0,0,3]; accum = per-partition sums 10 and 3.
// CHECK-LABEL: @relu : 2x4xf32
// CHECK-NEXT: [0] 3 0 7 0
// CHECK-NEXT: [1] 0 0 0 3
// CHECK-LABEL: @acc : 2x1xf32
// CHECK-NEXT: [0] 10
// CHECK-NEXT: [1] 3
// exp(1) = 2.718282, exp(-2) = 0.1353353, exp(3) = 20.08554, exp(-4) = 0.01831564
// CHECK-LABEL: @exp : 2x4xf32
// CHECK-NEXT: [0] 2.71828{{[0-9]*}} 0.135335{{[0-9]*}} 20.0855{{[0-9]*}} 0.0183156{{[0-9]*}}
// CHECK-NEXT: [1] 1.64872{{[0-9]*}} 1 0.367879{{[0-9]*}} 7.38905{{[0-9]*}}
// gelu_tanh(1) = 0.5(1 + tanh(0.7978846 * 1.044715)) = 0.841192
// CHECK-LABEL: @gelu_tanh : 2x4xf32
// CHECK-NEXT: [0] 0.84119{{[0-9]*}} -0.045402{{[0-9]*}} 2.99636{{[0-9]*}} -7.02{{[0-9]*}}e-05
// CHECK-NEXT: [1] 0.34571{{[0-9]*}} 0 -0.15880{{[0-9]*}} 1.95459{{[0-9]*}}
// silu(1) = 1/(1 + e^-1) = 0.7310586
// CHECK-LABEL: @silu : 2x4xf32
// CHECK-NEXT: [0] 0.731058{{[0-9]*}} -0.238405{{[0-9]*}} 2.85772{{[0-9]*}} -0.071944{{[0-9]*}}
// CHECK-NEXT: [1] 0.31122{{[0-9]*}} 0 -0.268941{{[0-9]*}} 1.76159{{[0-9]*}}
// gelu (erf form): 0.5 (1 + erf(1/sqrt 2)) = 0.8413447
// CHECK-LABEL: @gelu : 2x4xf32
// CHECK-NEXT: [0] 0.841344{{[0-9]*}} -0.04550{{[0-9]*}} 2.9959{{[0-9]*}} -0.00012{{[0-9]*}}
// CHECK-NEXT: [1] 0.34573{{[0-9]*}} 0 -0.158655{{[0-9]*}} 1.954{{[0-9]*}}
// tensor_tensor mul X * X
// CHECK-LABEL: @sq : 2x4xf32
// CHECK-NEXT: [0] 1 4 9 16
// CHECK-NEXT: [1] 0.25 0 1 4
// tensor_scalar (X * b) + 10 with b a per-partition tile [1, -1]
// CHECK-LABEL: @ts : 2x4xf32
// CHECK-NEXT: [0] 11 8 13 6
// CHECK-NEXT: [1] 9.5 10 11 8
// tensor_reduce max over the row; add over the inner axis of X viewed [2, 2]
// CHECK-LABEL: @rmax : 2x1xf32
// CHECK-NEXT: [0] 3
// CHECK-NEXT: [1] 2
// CHECK-LABEL: @radd : 2x2xf32
// CHECK-NEXT: [0] -1 -1
// CHECK-NEXT: [1] 0.5 1
// f32 -> bf16 round-to-nearest-even: 1 + 2^-8 is a tie -> 1 (even);
// 1 + 3*2^-8 a tie -> 1 + 2^-6 = 1.015625; -0.1 -> -0.10009765625;
// 0.3 -> 0.30078125.
// CHECK-LABEL: @bf : 1x4xbf16
// CHECK-NEXT: [0] 1 1.015625 -0.1000977 0.3007812
// f32 -> f8E4M3FN: 500 > 448 overflows to NaN (no inf); 0.3 -> 0.3125 (steps
// of 2^-5 in [0.25, 0.5)); -0.0137 -> -7 * 2^-9 (subnormal); 17 is a tie
// between 16 and 18 -> 16 (even mantissa).
// CHECK-LABEL: @f8 : 1x4xf8E4M3FN
// CHECK-NEXT: [0] nan 0.3125 -0.01367188 16
// iota 1 + 10 p - i
// CHECK-LABEL: @iota : 2x4xi32
// CHECK-NEXT: [0] 1 0 -1 -2
// CHECK-NEXT: [1] 11 10 9 8
// affine_select keeps X where p - i >= 0, else -100
// CHECK-LABEL: @sel : 2x4xf32
// CHECK-NEXT: [0] 1 -100 -100 -100
// CHECK-NEXT: [1] 0.5 0 -100 -100
// DMA transpose SBUF [2, 4] -> HBM [4, 2]
// CHECK-LABEL: @dt : 4x2xf32
// CHECK-NEXT: [0] 1 0.5
// CHECK-NEXT: [1] -2 0
// CHECK-NEXT: [2] 3 -1
// CHECK-NEXT: [3] -4 2

nc.kernel @every_instruction target = "small" semaphores = 3 {
  nc.tensor const @x : tensor<2x4xf32> at 0 = dense<[[1.0, -2.0, 3.0, -4.0], [0.5, 0.0, -1.0, 2.0]]> : tensor<2x4xf32>
  nc.tensor const @w : tensor<2x2xf32> at 64 = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  nc.tensor const @v : tensor<2x3xf32> at 128 = dense<[[1.0, 0.0, 2.0], [0.0, 1.0, 3.0]]> : tensor<2x3xf32>
  nc.tensor const @b : tensor<2x1xf32> at 192 = dense<[[1.0], [-1.0]]> : tensor<2x1xf32>
  nc.tensor const @r : tensor<1x4xf32> at 256 = dense<[[1.00390625, 1.01171875, -0.1, 0.3]]> : tensor<1x4xf32>
  nc.tensor const @q : tensor<1x4xf32> at 320 = dense<[[500.0, 0.3, -0.0137, 17.0]]> : tensor<1x4xf32>
  nc.tensor output @mm : tensor<2x3xf32> at 384
  nc.tensor output @xt : tensor<4x2xf32> at 448
  nc.tensor output @relu : tensor<2x4xf32> at 512
  nc.tensor output @acc : tensor<2x1xf32> at 576
  nc.tensor output @exp : tensor<2x4xf32> at 640
  nc.tensor output @gelu_tanh : tensor<2x4xf32> at 704
  nc.tensor output @silu : tensor<2x4xf32> at 768
  nc.tensor output @gelu : tensor<2x4xf32> at 832
  nc.tensor output @sq : tensor<2x4xf32> at 896
  nc.tensor output @ts : tensor<2x4xf32> at 960
  nc.tensor output @rmax : tensor<2x1xf32> at 1024
  nc.tensor output @radd : tensor<2x2xf32> at 1088
  nc.tensor output @bf : tensor<1x4xbf16> at 1152
  nc.tensor output @f8 : tensor<1x4xf8E4M3FN> at 1216
  nc.tensor output @iota : tensor<2x4xi32> at 1280
  nc.tensor output @sel : tensor<2x4xf32> at 1344
  nc.tensor output @dt : tensor<4x2xf32> at 1408
  nc.dma #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> {queue = #nc.queue<dma0>, signal = array<i64: 0>}
  nc.dma #nc.ap<sbuf[0, 2] at 16 dims [2] strides [1] : f32>, #nc.ap<hbm @w[2 x 2] at 0 dims [2] strides [1] : f32> {queue = #nc.queue<dma1>, signal = array<i64: 0>}
  nc.dma #nc.ap<sbuf[0, 2] at 32 dims [3] strides [1] : f32>, #nc.ap<hbm @v[2 x 3] at 0 dims [3] strides [1] : f32> {queue = #nc.queue<dma2>, signal = array<i64: 0>}
  nc.dma #nc.ap<sbuf[0, 2] at 48 dims [1] strides [1] : f32>, #nc.ap<hbm @b[2 x 1] at 0 dims [1] strides [1] : f32> {queue = #nc.queue<dma3>, signal = array<i64: 0>}
  nc.dma #nc.ap<sbuf[0, 1] at 192 dims [4] strides [1] : f32>, #nc.ap<hbm @r[1 x 4] at 0 dims [4] strides [1] : f32> {queue = #nc.queue<dma3>, signal = array<i64: 0>}
  nc.dma #nc.ap<sbuf[0, 1] at 208 dims [4] strides [1] : f32>, #nc.ap<hbm @q[1 x 4] at 0 dims [4] strides [1] : f32> {queue = #nc.queue<dma3>, signal = array<i64: 0>}
  nc.matmul #nc.ap<psum[0, 2] at 0 dims [3] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 16 dims [2] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 32 dims [3] strides [1] : f32> {wait = array<i64: 0, 6>}
  nc.matmul #nc.ap<psum[0, 2] at 0 dims [3] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 16 dims [2] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 32 dims [3] strides [1] : f32> {accumulate, signal = array<i64: 1>}
  nc.transpose #nc.ap<psum[0, 4] at 64 dims [2] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {signal = array<i64: 1>}
  nc.tensor_copy #nc.ap<sbuf[0, 2] at 64 dims [3] strides [1] : f32>, #nc.ap<psum[0, 2] at 0 dims [3] strides [1] : f32> {wait = array<i64: 1, 1>, signal = array<i64: 2>}
  nc.tensor_copy #nc.ap<sbuf[0, 4] at 80 dims [2] strides [1] : f32>, #nc.ap<psum[0, 4] at 64 dims [2] strides [1] : f32> {queue = #nc.queue<act>, wait = array<i64: 1, 2>, signal = array<i64: 2>}
  nc.activation relu #nc.ap<sbuf[0, 2] at 96 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {scale = 2.0 : f32, bias = #nc.ap<sbuf[0, 2] at 48 dims [1] strides [1] : f32>, accum = #nc.ap<sbuf[0, 2] at 112 dims [1] strides [1] : f32>, wait = array<i64: 0, 6>, signal = array<i64: 2>}
  nc.activation exp #nc.ap<sbuf[0, 2] at 128 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {signal = array<i64: 2>}
  nc.activation gelu_tanh #nc.ap<sbuf[0, 2] at 144 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {signal = array<i64: 2>}
  nc.activation silu #nc.ap<sbuf[0, 2] at 160 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {signal = array<i64: 2>}
  nc.activation gelu #nc.ap<sbuf[0, 2] at 176 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {signal = array<i64: 2>}
  nc.tensor_tensor mul #nc.ap<sbuf[0, 2] at 256 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {wait = array<i64: 0, 6>, signal = array<i64: 2>}
  nc.tensor_scalar mul then add #nc.ap<sbuf[0, 2] at 272 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {scalar0 = #nc.ap<sbuf[0, 2] at 48 dims [1] strides [1] : f32>, imm1 = 10.0 : f32, signal = array<i64: 2>}
  nc.tensor_reduce max #nc.ap<sbuf[0, 2] at 288 dims [1] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {signal = array<i64: 2>}
  nc.tensor_reduce add #nc.ap<sbuf[0, 2] at 292 dims [2] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [2, 2] strides [2, 1] : f32> {signal = array<i64: 2>}
  nc.tensor_copy #nc.ap<sbuf[0, 1] at 320 dims [4] strides [1] : bf16>, #nc.ap<sbuf[0, 1] at 192 dims [4] strides [1] : f32> {signal = array<i64: 2>}
  nc.tensor_copy #nc.ap<sbuf[0, 1] at 336 dims [4] strides [1] : f8E4M3FN>, #nc.ap<sbuf[0, 1] at 208 dims [4] strides [1] : f32> {signal = array<i64: 2>}
  nc.iota #nc.ap<sbuf[0, 2] at 352 dims [4] strides [1] : i32> {base = 1, channel_multiplier = 10, coefficients = array<i64: -1>, signal = array<i64: 2>}
  nc.affine_select #nc.ap<sbuf[0, 2] at 368 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {fill = -100.0 : f32, base = 0, channel_multiplier = 1, coefficients = array<i64: -1>, wait = array<i64: 0, 6>, signal = array<i64: 2>}
  nc.dma #nc.ap<hbm @mm[2 x 3] at 0 dims [3] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 64 dims [3] strides [1] : f32> {wait = array<i64: 2, 15>}
  nc.dma #nc.ap<hbm @xt[4 x 2] at 0 dims [2] strides [1] : f32>, #nc.ap<sbuf[0, 4] at 80 dims [2] strides [1] : f32> {wait = array<i64: 2, 15>}
  nc.dma #nc.ap<hbm @relu[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 96 dims [4] strides [1] : f32> {wait = array<i64: 2, 15>}
  nc.dma #nc.ap<hbm @acc[2 x 1] at 0 dims [1] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 112 dims [1] strides [1] : f32> {wait = array<i64: 2, 15>}
  nc.dma #nc.ap<hbm @exp[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 128 dims [4] strides [1] : f32> {wait = array<i64: 2, 15>}
  nc.dma #nc.ap<hbm @gelu_tanh[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 144 dims [4] strides [1] : f32> {wait = array<i64: 2, 15>}
  nc.dma #nc.ap<hbm @silu[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 160 dims [4] strides [1] : f32> {wait = array<i64: 2, 15>}
  nc.dma #nc.ap<hbm @gelu[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 176 dims [4] strides [1] : f32> {wait = array<i64: 2, 15>}
  nc.dma #nc.ap<hbm @sq[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 256 dims [4] strides [1] : f32> {wait = array<i64: 2, 15>}
  nc.dma #nc.ap<hbm @ts[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 272 dims [4] strides [1] : f32> {wait = array<i64: 2, 15>}
  nc.dma #nc.ap<hbm @rmax[2 x 1] at 0 dims [1] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 288 dims [1] strides [1] : f32> {wait = array<i64: 2, 15>}
  nc.dma #nc.ap<hbm @radd[2 x 2] at 0 dims [2] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 292 dims [2] strides [1] : f32> {wait = array<i64: 2, 15>}
  nc.dma #nc.ap<hbm @bf[1 x 4] at 0 dims [4] strides [1] : bf16>, #nc.ap<sbuf[0, 1] at 320 dims [4] strides [1] : bf16> {wait = array<i64: 2, 15>}
  nc.dma #nc.ap<hbm @f8[1 x 4] at 0 dims [4] strides [1] : f8E4M3FN>, #nc.ap<sbuf[0, 1] at 336 dims [4] strides [1] : f8E4M3FN> {wait = array<i64: 2, 15>}
  nc.dma #nc.ap<hbm @iota[2 x 4] at 0 dims [4] strides [1] : i32>, #nc.ap<sbuf[0, 2] at 352 dims [4] strides [1] : i32> {wait = array<i64: 2, 15>}
  nc.dma #nc.ap<hbm @sel[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 368 dims [4] strides [1] : f32> {wait = array<i64: 2, 15>}
  nc.dma #nc.ap<hbm @dt[4 x 2] at 0 dims [2] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {transpose, queue = #nc.queue<dma1>, wait = array<i64: 2, 15>}
}
