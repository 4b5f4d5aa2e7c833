// The kernel of loops.test's hazard case (run from there).
nc.kernel @reload_too_early target = "trn2" semaphores = 1 {
  nc.tensor input @x : tensor<128x1024xf32> at 0
  nc.loop 2 steps [0, 1, 0, 512, 1, 0, 0, 2048] wait_steps [1, 0, 1] {
    nc.dma #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<hbm @x[128 x 1024] at 0 dims [512] strides [1] : f32> {signal = array<i64: 0>}
    nc.activation exp #nc.ap<sbuf[0, 128] at 16384 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32> {wait = array<i64: 0, 1>}
  }
}
