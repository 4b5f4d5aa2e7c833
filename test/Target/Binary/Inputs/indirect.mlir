// One gather and one scatter, for the binary and assembly tests.
nc.kernel @indirect target = "trn2" semaphores = 1 {
  nc.tensor input @table : tensor<100x8xbf16> at 0
  nc.tensor input @cache : tensor<64x8xbf16> at 1664
  nc.tensor output @new : tensor<64x8xbf16> at 1664
  nc.dma_gather #nc.ap<sbuf[0, 4] at 16 dims [8] strides [1] : bf16>, #nc.ap<hbm @table[100 x 8] at 0 dims [8] strides [1] : bf16>[#nc.ap<sbuf[0, 4] at 0 dims [1] strides [1] : i32>] {queue = #nc.queue<dma1>, signal = array<i64: 0>}
  nc.dma_scatter #nc.ap<hbm @new[64 x 8] at 0 dims [8] strides [1] : bf16>[#nc.ap<sbuf[0, 4] at 0 dims [1] strides [1] : i32>], #nc.ap<sbuf[0, 4] at 16 dims [8] strides [1] : bf16> {queue = #nc.queue<dma2>, wait = array<i64: 0, 1>}
}
