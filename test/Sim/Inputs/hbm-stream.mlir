// 16 DMA queues each loading 1 MiB from HBM into its own SBUF range: bound
// by the HBM channel (collectives-hbm-share.test).
nc.kernel @stream target = "trn2-chip" {
  nc.tensor input @x : tensor<2048x4096xbf16> at 0
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [4096] strides [1] : bf16>, #nc.ap<hbm @x[128 x 4096] at 0 dims [4096] strides [1] : bf16> {queue = #nc.queue<dma0>}
  nc.dma #nc.ap<sbuf[0, 128] at 8192 dims [4096] strides [1] : bf16>, #nc.ap<hbm @x[128 x 4096] at 524288 dims [4096] strides [1] : bf16> {queue = #nc.queue<dma1>}
  nc.dma #nc.ap<sbuf[0, 128] at 16384 dims [4096] strides [1] : bf16>, #nc.ap<hbm @x[128 x 4096] at 1048576 dims [4096] strides [1] : bf16> {queue = #nc.queue<dma2>}
  nc.dma #nc.ap<sbuf[0, 128] at 24576 dims [4096] strides [1] : bf16>, #nc.ap<hbm @x[128 x 4096] at 1572864 dims [4096] strides [1] : bf16> {queue = #nc.queue<dma3>}
  nc.dma #nc.ap<sbuf[0, 128] at 32768 dims [4096] strides [1] : bf16>, #nc.ap<hbm @x[128 x 4096] at 2097152 dims [4096] strides [1] : bf16> {queue = #nc.queue<dma4>}
  nc.dma #nc.ap<sbuf[0, 128] at 40960 dims [4096] strides [1] : bf16>, #nc.ap<hbm @x[128 x 4096] at 2621440 dims [4096] strides [1] : bf16> {queue = #nc.queue<dma5>}
  nc.dma #nc.ap<sbuf[0, 128] at 49152 dims [4096] strides [1] : bf16>, #nc.ap<hbm @x[128 x 4096] at 3145728 dims [4096] strides [1] : bf16> {queue = #nc.queue<dma6>}
  nc.dma #nc.ap<sbuf[0, 128] at 57344 dims [4096] strides [1] : bf16>, #nc.ap<hbm @x[128 x 4096] at 3670016 dims [4096] strides [1] : bf16> {queue = #nc.queue<dma7>}
  nc.dma #nc.ap<sbuf[0, 128] at 65536 dims [4096] strides [1] : bf16>, #nc.ap<hbm @x[128 x 4096] at 4194304 dims [4096] strides [1] : bf16> {queue = #nc.queue<dma8>}
  nc.dma #nc.ap<sbuf[0, 128] at 73728 dims [4096] strides [1] : bf16>, #nc.ap<hbm @x[128 x 4096] at 4718592 dims [4096] strides [1] : bf16> {queue = #nc.queue<dma9>}
  nc.dma #nc.ap<sbuf[0, 128] at 81920 dims [4096] strides [1] : bf16>, #nc.ap<hbm @x[128 x 4096] at 5242880 dims [4096] strides [1] : bf16> {queue = #nc.queue<dma10>}
  nc.dma #nc.ap<sbuf[0, 128] at 90112 dims [4096] strides [1] : bf16>, #nc.ap<hbm @x[128 x 4096] at 5767168 dims [4096] strides [1] : bf16> {queue = #nc.queue<dma11>}
  nc.dma #nc.ap<sbuf[0, 128] at 98304 dims [4096] strides [1] : bf16>, #nc.ap<hbm @x[128 x 4096] at 6291456 dims [4096] strides [1] : bf16> {queue = #nc.queue<dma12>}
  nc.dma #nc.ap<sbuf[0, 128] at 106496 dims [4096] strides [1] : bf16>, #nc.ap<hbm @x[128 x 4096] at 6815744 dims [4096] strides [1] : bf16> {queue = #nc.queue<dma13>}
  nc.dma #nc.ap<sbuf[0, 128] at 114688 dims [4096] strides [1] : bf16>, #nc.ap<hbm @x[128 x 4096] at 7340032 dims [4096] strides [1] : bf16> {queue = #nc.queue<dma14>}
  nc.dma #nc.ap<sbuf[0, 128] at 122880 dims [4096] strides [1] : bf16>, #nc.ap<hbm @x[128 x 4096] at 7864320 dims [4096] strides [1] : bf16> {queue = #nc.queue<dma15>}
}
