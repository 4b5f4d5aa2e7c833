// One all_reduce on small-mc: the corruption cases of collectives.test patch its binary.
nc.kernel @coll target = "small-mc" semaphores = 1 {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.tensor output @y : tensor<2x4xf32> at 32
  nc.all_reduce add #nc.ap<hbm @y[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64> {signal = array<i64: 0>}
}
