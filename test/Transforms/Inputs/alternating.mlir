// The @alternating kernel of nc-insert-sync-loops.mlir with its result stored.
nc.kernel @alternating target = "trn2" {
  nc.tensor input @a : tensor<1024x128xbf16> at 0
  nc.tensor output @c : tensor<128x128xf32> at 262144
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 0 dims [128] strides [1] : bf16>
  nc.dma #nc.ap<sbuf[0, 128] at 256 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 16384 dims [128] strides [1] : bf16> {queue = #nc.queue<dma1>}
  nc.dma #nc.ap<sbuf[0, 128] at 512 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 32768 dims [128] strides [1] : bf16>
  nc.dma #nc.ap<sbuf[0, 128] at 768 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 49152 dims [128] strides [1] : bf16> {queue = #nc.queue<dma1>}
  nc.dma #nc.ap<sbuf[0, 128] at 1024 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 65536 dims [128] strides [1] : bf16>
  nc.dma #nc.ap<sbuf[0, 128] at 1280 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 81920 dims [128] strides [1] : bf16> {queue = #nc.queue<dma1>}
  nc.dma #nc.ap<sbuf[0, 128] at 1536 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 98304 dims [128] strides [1] : bf16>
  nc.dma #nc.ap<sbuf[0, 128] at 1792 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 114688 dims [128] strides [1] : bf16> {queue = #nc.queue<dma1>}
  nc.loop 8 steps [0, 1, 0, 256, 0, 2, 0, 256] {
    nc.matmul #nc.ap<psum[0, 128] at 0 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>
  }
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 4096 dims [128] strides [1] : f32>, #nc.ap<psum[0, 128] at 0 dims [128] strides [1] : f32>
  nc.dma #nc.ap<hbm @c[128 x 128] at 0 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 4096 dims [128] strides [1] : f32> {queue = #nc.queue<dma2>}
}
