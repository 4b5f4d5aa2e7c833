// RUN: muir-opt %s -split-input-file -verify-diagnostics --pass-pipeline='builtin.module(nc.kernel(muir-nc-insert-sync))'

// The pass analyses every iteration: a loop that would take the kernel
// past 2^23 instruction instances is an error naming it, not an
// exhausted host (the simulator still runs such a loop as it is).
nc.kernel @huge target = "trn2" {
  nc.tensor input @x : tensor<128x128xf32> at 0
  // expected-error @+1 {{'nc.loop' op of 1000000000 trips over 1 instructions takes the kernel past 8388608 instruction instances, more than this pass analyses one by one}}
  nc.loop 1000000000 {
    nc.dma #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : f32>, #nc.ap<hbm @x[128 x 128] at 0 dims [128] strides [1] : f32>
  }
}
