// RUN: muir-opt %s --muir-xf-fuse="target=trn2" --muir-lower-xf-to-nc="target=trn2" | FileCheck %s

// A KV-cache concat that only feeds attention is read in place: no scratch
// tensor for the 41-position keys/values, and K^T chunk 0 comes straight from
// the cache (keys 0..39) and the new row (key 40) as two transposing DMAs.
// CHECK-LABEL: nc.kernel @decode_attention
// CHECK-NOT: tensor<1x2x41x16xf32>
// CHECK: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [40] {{.*}}, <hbm @arg1[40 x 16] at 0 dims [16] {{.*}}transpose
// CHECK: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [1] {{.*}}, <hbm @arg3[1 x 16] at 0 dims [16] {{.*}}transpose
// CHECK-NOT: tensor<1x2x41x16xf32>
func.func @decode_attention(%q: tensor<1x2x1x16xf32>, %kc: tensor<1x2x40x16xf32>, %vc: tensor<1x2x40x16xf32>,
                            %kn: tensor<1x2x1x16xf32>, %vn: tensor<1x2x1x16xf32>) -> tensor<1x2x1x16xf32> {
  %k = xf.concat %kc, %kn {axis = 2 : i64} : (tensor<1x2x40x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x41x16xf32>
  %v = xf.concat %vc, %vn {axis = 2 : i64} : (tensor<1x2x40x16xf32>, tensor<1x2x1x16xf32>) -> tensor<1x2x41x16xf32>
  %0 = xf.attention %q, %k, %v {causal = true} : (tensor<1x2x1x16xf32>, tensor<1x2x41x16xf32>, tensor<1x2x41x16xf32>) -> tensor<1x2x1x16xf32>
  return %0 : tensor<1x2x1x16xf32>
}
