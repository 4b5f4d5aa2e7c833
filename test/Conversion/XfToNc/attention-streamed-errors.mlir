// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small overrides=k0.kv_sets=0,k0.kv_heads_per_set=2" --muir-lower-xf-to-nc="target=small" -verify-diagnostics -o /dev/null

// Streamed key blocks serve one key/value head at a time.
func.func @streamed_two_heads(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x128x8xf32>, %v: tensor<1x2x128x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{attention kernel config: kv_sets = 0 (streamed key blocks) needs kv_heads_per_set = 1}}
  %0 = xf.attention %q, %k, %v : (tensor<1x2x16x8xf32>, tensor<1x2x128x8xf32>, tensor<1x2x128x8xf32>) -> tensor<1x2x16x8xf32>
  return %0 : tensor<1x2x16x8xf32>
}
