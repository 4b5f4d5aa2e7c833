// RUN: muir-opt %s | muir-opt | FileCheck %s
// RUN: muir-opt %s --mlir-print-op-generic | muir-opt | FileCheck %s

// Every collective with its groups/pairs, algorithm (default ring elided),
// queue and semaphores; small-mc has 8 cores (2 chips of 4).
// CHECK-LABEL: nc.kernel @collectives target = "small-mc" semaphores = 2
nc.kernel @collectives target = "small-mc" semaphores = 2 {
  nc.tensor input @x : tensor<16x8xf32> at 0
  nc.tensor output @y : tensor<16x8xf32> at 512
  nc.tensor output @g : tensor<64x8xbf16> at 1024
  nc.tensor input @h : tensor<16x8xbf16> at 2048
  // CHECK: nc.all_reduce add <hbm @y[16 x 8] at 0 dims [8] strides [1] : f32>, <hbm @x[16 x 8] at 0 dims [8] strides [1] : f32> groups dense<{{\[}}[0, 1, 2, 3]]> : tensor<1x4xi64> {signal = array<i64: 0>}
  nc.all_reduce add #nc.ap<hbm @y[16 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[16 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1, 2, 3]]> : tensor<1x4xi64> {signal = array<i64: 0>}
  // CHECK: nc.all_reduce max {{.*}} groups dense<{{\[}}[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi64> algorithm tree
  nc.all_reduce max #nc.ap<hbm @y[16 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[16 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi64> algorithm tree
  // CHECK: nc.all_gather <hbm @g[64 x 8] at 0 dims [8] strides [1] : bf16>, <hbm @h[16 x 8] at 0 dims [8] strides [1] : bf16> groups dense<{{\[}}[0, 1, 4, 5]]> : tensor<1x4xi64> algorithm ring2d {queue = #nc.queue<dma1>}
  nc.all_gather #nc.ap<hbm @g[64 x 8] at 0 dims [8] strides [1] : bf16>, #nc.ap<hbm @h[16 x 8] at 0 dims [8] strides [1] : bf16> groups dense<[[0, 1, 4, 5]]> : tensor<1x4xi64> algorithm ring2d {queue = #nc.queue<dma1>}
  // CHECK: nc.reduce_scatter min <hbm @y[4 x 8] at 0 dims [8] strides [1] : f32>, <hbm @x[16 x 8] at 0 dims [8] strides [1] : f32> groups dense<{{\[}}[0, 1, 2, 3], [4, 5, 6, 7]]> : tensor<2x4xi64> {wait = array<i64: 0, 1>}
  nc.reduce_scatter min #nc.ap<hbm @y[4 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[16 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1, 2, 3], [4, 5, 6, 7]]> : tensor<2x4xi64> {wait = array<i64: 0, 1>}
  // CHECK: nc.all_to_all <sbuf[0, 16] at 0 dims [8] strides [1] : f32>, <hbm @x[16 x 8] at 0 dims [8] strides [1] : f32> groups dense<{{\[}}[0, 1], [2, 3]]> : tensor<2x2xi64>
  nc.all_to_all #nc.ap<sbuf[0, 16] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[16 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1], [2, 3]]> : tensor<2x2xi64>
  // CHECK: nc.send <hbm @x[16 x 8] at 0 dims [8] strides [1] : f32> pairs dense<{{\[}}[0, 1], [1, 0]]> : tensor<2x2xi64>
  nc.send #nc.ap<hbm @x[16 x 8] at 0 dims [8] strides [1] : f32> pairs dense<[[0, 1], [1, 0]]> : tensor<2x2xi64>
  // CHECK: nc.recv <sbuf[0, 16] at 512 dims [8] strides [1] : f32> pairs dense<{{\[}}[0, 1], [1, 0]]> : tensor<2x2xi64> {queue = #nc.queue<dma2>, signal = array<i64: 1>}
  nc.recv #nc.ap<sbuf[0, 16] at 512 dims [8] strides [1] : f32> pairs dense<[[0, 1], [1, 0]]> : tensor<2x2xi64> {queue = #nc.queue<dma2>, signal = array<i64: 1>}
}
