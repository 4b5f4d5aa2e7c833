// A small valid kernel with a loop; loops.test corrupts its binary's loop
// table at known offsets.
nc.kernel @chunks target = "trn2" semaphores = 1 {
  nc.tensor input @x : tensor<128x2048xf32> at 0
  nc.tensor output @y : tensor<128x2048xf32> at 1048576
  nc.loop 4 steps [0, 0, 0, 2048, 0, 1, 0, 512, 1, 0, 0, 512, 1, 1, 0, 2048] wait_steps [1, 0, 1] {
    nc.dma #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<hbm @x[128 x 2048] at 0 dims [512] strides [1] : f32> {signal = array<i64: 0>}
    nc.dma #nc.ap<hbm @y[128 x 2048] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32> {queue = #nc.queue<dma1>, wait = array<i64: 0, 1>}
  }
}
