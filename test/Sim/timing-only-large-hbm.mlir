// A program whose tensors reach past the simulator's 4 GiB of emulated HBM
// (here a scratch tensor at 6 GiB of trn2's 12 GiB): a run with numerics
// cannot hold its bytes and is refused with the reason; a timing-only run
// holds no bytes, so only the target's HBM bounds it (the sharded 32-layer
// programs of bench/bench.py --cases scaleout are such programs).
// RUN: muir-sim %s --timing-only --report | FileCheck %s --check-prefix=TIMING
// RUN: not muir-sim %s 2>&1 | FileCheck %s --check-prefix=NUMERICS
// RUN: not muir-sim %s --timing-only --target=small 2>&1 | FileCheck %s --check-prefix=SMALL
// TIMING: cycles
// NUMERICS: tensor 't0' ends at HBM byte 6442713088, past the simulator's host limit of 4294967296 bytes of emulated HBM
// SMALL: ends past the capacity
nc.kernel @main target = "trn2" semaphores = 2 {
  nc.tensor input @x : tensor<128x512xf32> at 0
  nc.tensor scratch @t0 : tensor<128x512xf32> at 6442450944
  nc.tensor output @y : tensor<128x512xf32> at 262144
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<hbm @x[128 x 512] at 0 dims [512] strides [1] : f32> {signal = array<i64: 0>}
  nc.dma #nc.ap<hbm @t0[128 x 512] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32> {queue = #nc.queue<dma1>, wait = array<i64: 0, 1>, signal = array<i64: 1>}
  nc.dma #nc.ap<sbuf[0, 128] at 2048 dims [512] strides [1] : f32>, #nc.ap<hbm @t0[128 x 512] at 0 dims [512] strides [1] : f32> {queue = #nc.queue<dma2>, wait = array<i64: 1, 1>, signal = array<i64: 0>}
  nc.dma #nc.ap<hbm @y[128 x 512] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 2048 dims [512] strides [1] : f32> {queue = #nc.queue<dma3>, wait = array<i64: 0, 2>}
}
