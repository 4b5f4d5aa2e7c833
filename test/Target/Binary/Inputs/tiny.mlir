// A small valid kernel; errors.test corrupts its binary at known offsets.
nc.kernel @tiny target = "small" semaphores = 1 {
  nc.tensor input @a : tensor<16x4xf32> at 0
  nc.tensor const @c : tensor<2xf32> at 256 = dense<[1.0, 2.0]> : tensor<2xf32>
  nc.dma #nc.ap<sbuf[0, 16] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @a[16 x 4] at 0 dims [4] strides [1] : f32> {queue = #nc.queue<dma1>, signal = array<i64: 0>}
  nc.tensor_tensor add #nc.ap<sbuf[0, 16] at 16 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 16] at 0 dims [4] strides [1] : f32> {wait = array<i64: 0, 1>}
}
