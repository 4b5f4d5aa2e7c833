// A GPT-2-style transformer block (pre-LayerNorm, causal multi-head
// attention, tanh-GELU MLP, residual adds): sequence 128, model width 256,
// 4 heads of 64, MLP width 1024, f32. Run it with
//   build/bin/muir-run examples/gpt2_block.mlir
// (weights and input are seeded random unless given with --input).
func.func @main(%x: tensor<128x256xf32>,
                %ln1_w: tensor<256xf32>, %ln1_b: tensor<256xf32>,
                %w_qkv: tensor<256x768xf32>, %b_qkv: tensor<768xf32>,
                %w_o: tensor<256x256xf32>, %b_o: tensor<256xf32>,
                %ln2_w: tensor<256xf32>, %ln2_b: tensor<256xf32>,
                %w_fc: tensor<256x1024xf32>, %b_fc: tensor<1024xf32>,
                %w_proj: tensor<1024x256xf32>, %b_proj: tensor<256xf32>)
    -> tensor<128x256xf32> {
  // Attention sub-block.
  %h = xf.layer_norm %x, %ln1_w, %ln1_b {eps = 1.0e-5 : f32}
      : (tensor<128x256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<128x256xf32>
  %qkv0 = xf.matmul %h, %w_qkv : (tensor<128x256xf32>, tensor<256x768xf32>) -> tensor<128x768xf32>
  %qkv = xf.add %qkv0, %b_qkv : (tensor<128x768xf32>, tensor<768xf32>) -> tensor<128x768xf32>
  %q0 = xf.slice %qkv {offsets = array<i64: 0, 0>, sizes = array<i64: 128, 256>, strides = array<i64: 1, 1>}
      : (tensor<128x768xf32>) -> tensor<128x256xf32>
  %k0 = xf.slice %qkv {offsets = array<i64: 0, 256>, sizes = array<i64: 128, 256>, strides = array<i64: 1, 1>}
      : (tensor<128x768xf32>) -> tensor<128x256xf32>
  %v0 = xf.slice %qkv {offsets = array<i64: 0, 512>, sizes = array<i64: 128, 256>, strides = array<i64: 1, 1>}
      : (tensor<128x768xf32>) -> tensor<128x256xf32>
  %q1 = xf.reshape %q0 : (tensor<128x256xf32>) -> tensor<1x128x4x64xf32>
  %k1 = xf.reshape %k0 : (tensor<128x256xf32>) -> tensor<1x128x4x64xf32>
  %v1 = xf.reshape %v0 : (tensor<128x256xf32>) -> tensor<1x128x4x64xf32>
  %q = xf.transpose %q1 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x128x4x64xf32>) -> tensor<1x4x128x64xf32>
  %k = xf.transpose %k1 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x128x4x64xf32>) -> tensor<1x4x128x64xf32>
  %v = xf.transpose %v1 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x128x4x64xf32>) -> tensor<1x4x128x64xf32>
  %a = xf.attention %q, %k, %v {causal = true}
      : (tensor<1x4x128x64xf32>, tensor<1x4x128x64xf32>, tensor<1x4x128x64xf32>) -> tensor<1x4x128x64xf32>
  %a1 = xf.transpose %a {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x4x128x64xf32>) -> tensor<1x128x4x64xf32>
  %a2 = xf.reshape %a1 : (tensor<1x128x4x64xf32>) -> tensor<128x256xf32>
  %o0 = xf.matmul %a2, %w_o : (tensor<128x256xf32>, tensor<256x256xf32>) -> tensor<128x256xf32>
  %o = xf.add %o0, %b_o : (tensor<128x256xf32>, tensor<256xf32>) -> tensor<128x256xf32>
  %x1 = xf.add %x, %o : (tensor<128x256xf32>, tensor<128x256xf32>) -> tensor<128x256xf32>
  // MLP sub-block.
  %h2 = xf.layer_norm %x1, %ln2_w, %ln2_b {eps = 1.0e-5 : f32}
      : (tensor<128x256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<128x256xf32>
  %f0 = xf.matmul %h2, %w_fc : (tensor<128x256xf32>, tensor<256x1024xf32>) -> tensor<128x1024xf32>
  %f1 = xf.add %f0, %b_fc : (tensor<128x1024xf32>, tensor<1024xf32>) -> tensor<128x1024xf32>
  %g = xf.gelu %f1 approximate = tanh : tensor<128x1024xf32>
  %p0 = xf.matmul %g, %w_proj : (tensor<128x1024xf32>, tensor<1024x256xf32>) -> tensor<128x256xf32>
  %p = xf.add %p0, %b_proj : (tensor<128x256xf32>, tensor<256xf32>) -> tensor<128x256xf32>
  %y = xf.add %x1, %p : (tensor<128x256xf32>, tensor<128x256xf32>) -> tensor<128x256xf32>
  return %y : tensor<128x256xf32>
}
