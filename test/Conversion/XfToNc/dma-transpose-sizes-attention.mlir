// The attention kernel reads dma.transpose_element_bytes too: its bf16 Q^T
// and K^T tiles load by transposing DMAs on the small target (4 + 4 here)
// and by element gathers on a copy that transposes only 4-byte elements;
// the results agree with the reference either way.
// RUN: sed 's/"transpose_element_bytes": \[2, 4\]/"transpose_element_bytes": [4]/' %muir_src/targets/small.json > %t.json
// RUN: muir-opt %s --muir-lower-xf-to-nc="target=small" | FileCheck %s --check-prefix=BOTH
// RUN: muir-opt %s --muir-lower-xf-to-nc="target=%t.json" | FileCheck %s --check-prefix=FOUR
// BOTH-COUNT-8: nc.dma {{.*}}transpose}
// BOTH-NOT: transpose}
// FOUR: nc.kernel
// FOUR-NOT: transpose}
// RUN: muir-run %s --backend=sim --target=%t.json --check | FileCheck %s --check-prefix=NUM
// NUM: check #0: vs reference {{.*}} OK
func.func @main(%q: tensor<1x2x32x16xbf16>, %k: tensor<1x2x32x16xbf16>, %v: tensor<1x2x32x16xbf16>) -> tensor<1x2x32x16xbf16> {
  %0 = xf.attention %q, %k, %v {causal = true} : (tensor<1x2x32x16xbf16>, tensor<1x2x32x16xbf16>, tensor<1x2x32x16xbf16>) -> tensor<1x2x32x16xbf16>
  return %0 : tensor<1x2x32x16xbf16>
}
