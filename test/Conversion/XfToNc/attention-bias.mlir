// RUN: muir-opt %s -split-input-file --muir-lower-xf-to-nc="target=small" | FileCheck %s

// The full attention bias: each [query tile, key block] loads its bias
// tile by DMA (a broadcast dimension has stride 0) and a Vector/GpSimd add
// puts it on the scaled scores before the row max. With scale 1 (T5) the
// add reads the scores straight from PSUM; softmax then reads the biased
// scores from SBUF, unscaled. The bias is shared by both batches: both
// loads read offset 0. Tiles are loaded one step ahead into alternating
// buffers: batch 1's tile is in flight before batch 0's scores exist.
// CHECK-LABEL: nc.kernel @t5_bias_scale_one
// CHECK: nc.dma <sbuf[0, 8] at [[B0:[0-9]+]] dims [8] {{.*}}, <hbm @arg2[8 x 8] at 0 dims [8] strides [1] : f32>
// CHECK: nc.dma <sbuf[0, 8] at [[B1:[0-9]+]] dims [8] {{.*}}, <hbm @arg2[8 x 8] at 0 dims [8] strides [1] : f32>
// CHECK-NEXT: nc.matmul <psum[0, 8] at [[S:[0-9]+]] dims [8]
// CHECK-NEXT: nc.tensor_tensor add <sbuf[0, 8] at [[SC:[0-9]+]] dims [8] {{.*}}, <psum[0, 8] at [[S]] dims [8] {{.*}}, <sbuf[0, 8] at [[B0]] dims [8]
// CHECK-NEXT: nc.tensor_reduce max <sbuf[0, 8] at [[NM:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 8] at [[SC]] dims [8]
// CHECK-NEXT: nc.tensor_scalar mul {{.*}} {imm0 = -1.000000e+00 : f32, queue = #nc.queue<pool>}
// CHECK-NEXT: nc.activation exp <sbuf[0, 8] at [[SC]] dims [8] {{.*}}, <sbuf[0, 8] at [[SC]] dims [8] {{.*}} {accum = {{.*}}, bias = #nc.ap<sbuf[0, 8] at [[NM]] dims [1] {{.*}}>}
// CHECK: nc.matmul <psum[0, 8] at [[S]] dims [8]
// CHECK-NEXT: nc.tensor_tensor add <sbuf[0, 8] at [[SC]] dims [8] {{.*}}, <psum[0, 8] at [[S]] dims [8] {{.*}}, <sbuf[0, 8] at [[B1]] dims [8]
func.func @t5_bias_scale_one(%q: tensor<2x1x8x16xf32>, %k: tensor<2x1x8x16xf32>, %b: tensor<1x1x8x8xf32>) -> tensor<2x1x8x16xf32> {
  %0 = xf.attention %q, %k, %k bias %b {scale = 1.0 : f32} : (tensor<2x1x8x16xf32>, tensor<2x1x8x16xf32>, tensor<2x1x8x16xf32>, tensor<1x1x8x8xf32>) -> tensor<2x1x8x16xf32>
  return %0 : tensor<2x1x8x16xf32>
}

// -----

// Causal with a one-row bias [1, 1, 1, Sk] (broadcast over queries: the
// DMA's partition stride is 0), two query tiles of 16 and 8 rows. The causal
// mask still goes into PSUM by the identity matmul; the Scalar engine
// scales the scores into SBUF and the bias is added there, on the engine
// that does not take the tile's row max.
// CHECK-LABEL: nc.kernel @causal_row_bias
// CHECK: nc.dma <sbuf[0, 16] at [[B0:[0-9]+]] dims [16] {{.*}}, <hbm @arg2[16 x 0] at 0 dims [16] strides [1] : f32>
// CHECK-NEXT: nc.dma <sbuf[0, 8] at [[B1:[0-9]+]] dims [24] {{.*}}, <hbm @arg2[8 x 0] at 0 dims [24] strides [1] : f32>
// CHECK: nc.matmul <psum[0, 16] at [[S0:[0-9]+]] dims [16]
// CHECK-NEXT: nc.matmul <psum[0, 16] at [[S0]] dims [16] {{.*}} {accumulate}
// CHECK-NEXT: nc.matmul <psum[0, 8] at [[S1:[0-9]+]] dims [24]
// CHECK-NEXT: nc.matmul {{.*}} {accumulate}
// CHECK-NEXT: nc.activation identity <sbuf[0, 16] at [[SC0:[0-9]+]] dims [16] {{.*}}, <psum[0, 16] at [[S0]] dims [16] {{.*}} {scale = 2.500000e-01 : f32}
// CHECK-NEXT: nc.tensor_tensor add <sbuf[0, 16] at [[SC0]] dims [16] {{.*}}, <sbuf[0, 16] at [[SC0]] dims [16] {{.*}}, <sbuf[0, 16] at [[B0]] dims [16] {{.*}} {queue = #nc.queue<pool>}
// CHECK-NEXT: nc.tensor_reduce max {{.*}}, <sbuf[0, 16] at [[SC0]] dims [16] {{.*}} {queue = #nc.queue<dve>}
// CHECK: nc.activation identity <sbuf[0, 8] at [[SC1:[0-9]+]] dims [24] {{.*}}, <psum[0, 8] at [[S1]] dims [24] {{.*}} {scale = 2.500000e-01 : f32}
// CHECK-NEXT: nc.tensor_tensor add <sbuf[0, 8] at [[SC1]] dims [24] {{.*}}, <sbuf[0, 8] at [[SC1]] dims [24] {{.*}}, <sbuf[0, 8] at [[B1]] dims [24] {{.*}} {queue = #nc.queue<dve>}
// CHECK-NEXT: nc.tensor_reduce max {{.*}}, <sbuf[0, 8] at [[SC1]] dims [24] {{.*}} {queue = #nc.queue<pool>}
func.func @causal_row_bias(%q: tensor<1x1x24x16xf32>, %k: tensor<1x1x24x16xf32>, %b: tensor<1x1x1x24xf32>) -> tensor<1x1x24x16xf32> {
  %0 = xf.attention %q, %k, %k bias %b {causal = true} : (tensor<1x1x24x16xf32>, tensor<1x1x24x16xf32>, tensor<1x1x24x16xf32>, tensor<1x1x1x24xf32>) -> tensor<1x1x24x16xf32>
  return %0 : tensor<1x1x24x16xf32>
}
