// Zero-size constant, input and output tensors (zero-size.mlir runs it).
nc.kernel @zero_const target = "small" semaphores = 0 {
  nc.tensor const @c : tensor<0xf32> at 0 = dense<> : tensor<0xf32>
  nc.tensor input @x : tensor<0xf32> at 0
  nc.tensor output @y : tensor<0xf32> at 0
}
