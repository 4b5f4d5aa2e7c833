nc.kernel @k target = "small" semaphores = 2 {
  nc.dma #nc.ap<sbuf[0, 16] at 0 dims [16] strides [1] : bf16>, #nc.ap<sbuf[0, 16] at 1024 dims [16] strides [1] : bf16> {transpose}
}
