// Local work between collectives on small-mc (collectives-determinism.test):
// load, all-reduce in SBUF, scale on the Vector engine, reduce-scatter to
// HBM, then a ring shift of the result.
nc.kernel @pipeline target = "small-mc" semaphores = 4 {
  nc.tensor input @x : tensor<16x64xbf16> at 0
  nc.tensor output @y : tensor<2x64xbf16> at 2048
  nc.tensor output @z : tensor<2x64xbf16> at 4096
  nc.dma #nc.ap<sbuf[0, 16] at 0 dims [64] strides [1] : bf16>, #nc.ap<hbm @x[16 x 64] at 0 dims [64] strides [1] : bf16> {signal = array<i64: 0>}
  nc.all_reduce add #nc.ap<sbuf[0, 16] at 128 dims [64] strides [1] : bf16>, #nc.ap<sbuf[0, 16] at 0 dims [64] strides [1] : bf16> groups dense<[[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi64> {queue = #nc.queue<dma1>, wait = array<i64: 0, 1>, signal = array<i64: 1>}
  nc.tensor_scalar mul #nc.ap<sbuf[0, 16] at 256 dims [64] strides [1] : bf16>, #nc.ap<sbuf[0, 16] at 128 dims [64] strides [1] : bf16> {imm0 = 0.125 : f32, wait = array<i64: 1, 1>, signal = array<i64: 2>}
  nc.reduce_scatter max #nc.ap<hbm @y[2 x 64] at 0 dims [64] strides [1] : bf16>, #nc.ap<sbuf[0, 16] at 256 dims [64] strides [1] : bf16> groups dense<[[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi64> algorithm ring2d {queue = #nc.queue<dma2>, wait = array<i64: 2, 1>, signal = array<i64: 3>}
  nc.send #nc.ap<hbm @y[2 x 64] at 0 dims [64] strides [1] : bf16> pairs dense<[[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6], [6, 7], [7, 0]]> : tensor<8x2xi64> {queue = #nc.queue<dma3>, wait = array<i64: 3, 1>}
  nc.recv #nc.ap<hbm @z[2 x 64] at 0 dims [64] strides [1] : bf16> pairs dense<[[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [5, 6], [6, 7], [7, 0]]> : tensor<8x2xi64> {queue = #nc.queue<dma0>}
}
