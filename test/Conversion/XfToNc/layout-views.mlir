// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-lower-xf-to-nc="target=small" | FileCheck %s

// Head transposes are layout, not copies: rope and attention read the
// [S, H, D] projections through strided views (position stride H*D = 32,
// head stride D = 16), and attention writes its result straight into the
// merged [S, H, D] layout its consumer transpose asks for. The only scratch
// tensors are rope's outputs and the attention result; no kernel copies a
// transpose.
// CHECK-LABEL: nc.kernel @heads
// CHECK-COUNT-3: nc.tensor scratch
// CHECK-NOT: nc.tensor scratch
// Rope reads q's heads in place: 8 positions 32 apart, heads of 16 (one or
// both per tile, as SBUF allows).
// CHECK: nc.dma <sbuf[0, 8] at {{[0-9]+}} dims [{{[12]}}, 16] strides [16, 1] : f32>, <hbm @arg0[8 x 32] at 0 dims [{{[12]}}, 16] strides [16, 1] : f32>
// Attention loads V of head 1 in place: rows 32 apart, starting at column 16.
// CHECK: nc.dma <sbuf{{.*}}, <hbm @arg2[8 x 32] at 16 dims [16] strides [1] : f32>
// The output of head 1 lands at column 16 of the merged rows.
// CHECK: nc.dma <hbm @t2[8 x 32] at 16 dims [16] strides [1] : f32>
func.func @heads(%q: tensor<8x32xf32>, %k: tensor<8x32xf32>, %v: tensor<8x32xf32>,
                 %cos: tensor<8x16xf32>, %sin: tensor<8x16xf32>) -> tensor<8x32xf32> {
  %q4 = xf.reshape %q : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
  %qt = xf.transpose %q4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
  %qr = xf.rope %qt, %cos, %sin : (tensor<1x2x8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<1x2x8x16xf32>
  %k4 = xf.reshape %k : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
  %kt = xf.transpose %k4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
  %kr = xf.rope %kt, %cos, %sin : (tensor<1x2x8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<1x2x8x16xf32>
  %v4 = xf.reshape %v : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
  %vt = xf.transpose %v4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
  %a = xf.attention %qr, %kr, %vt {causal = true} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %at = xf.transpose %a {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x2x8x16xf32>) -> tensor<1x8x2x16xf32>
  %o = xf.reshape %at : (tensor<1x8x2x16xf32>) -> tensor<8x32xf32>
  return %o : tensor<8x32xf32>
}
