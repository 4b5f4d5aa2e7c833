// Which element sizes a DMA transposes is the machine description's
// dma.transpose_element_bytes ([2, 4] on every shipped target): on a copy
// of the small target that transposes only 4-byte elements, a bf16
// matmul's A^T tiles are gathered element by element (strided reads)
// instead of loaded by transposing DMAs, and the verifier refuses a bf16
// transposing DMA on it. Numerics are the same either way.
// RUN: sed 's/"transpose_element_bytes": \[2, 4\]/"transpose_element_bytes": [4]/' %muir_src/targets/small.json > %t.json
// RUN: muir-opt %s --muir-lower-xf-to-nc="target=small" | FileCheck %s --check-prefix=BOTH
// RUN: muir-opt %s --muir-lower-xf-to-nc="target=%t.json" | FileCheck %s --check-prefix=FOUR
// BOTH: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [16] strides [1] : bf16>, <hbm @arg0[16 x 32] at 0 dims [16] strides [1] : bf16> {{.*}}transpose}
// FOUR-NOT: transpose}
// FOUR: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [16] strides [1] : bf16>, <hbm @arg0[16 x 1] at 0 dims [16] strides [32] : bf16>
// FOUR-NOT: transpose}
// RUN: muir-run %s --backend=sim --target=%t.json --check | FileCheck %s --check-prefix=NUM
// NUM: check #0: vs reference {{.*}} OK
// RUN: sed 's|"small"|"%t.json"|' %S/Inputs/bf16-transposing-dma.mlir | not muir-opt 2>&1 | FileCheck %s --check-prefix=VERIFY
// VERIFY: error: 'nc.dma' op DMA transpose on target 'small' needs elements of 4 bytes (dma.transpose_element_bytes), one size on both sides
func.func @main(%a: tensor<16x32xbf16>, %b: tensor<32x16xbf16>) -> tensor<16x16xbf16> {
  %0 = xf.matmul %a, %b : (tensor<16x32xbf16>, tensor<32x16xbf16>) -> tensor<16x16xbf16>
  return %0 : tensor<16x16xbf16>
}
