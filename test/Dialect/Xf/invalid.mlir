// RUN: muir-opt %s -split-input-file -verify-diagnostics

// One case per verifier and shape-inference error of the xf dialect.

// Operands share an element type.
func.func @f(%a: tensor<2x3xf32>, %b: tensor<2x3xbf16>) -> tensor<2x3xf32> {
  // expected-error @+2 {{lhs element type f32 differs from rhs element type bf16 (insert xf.cast for mixed precision)}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.add %a, %b : (tensor<2x3xf32>, tensor<2x3xbf16>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// Shapes must broadcast.
func.func @f(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{lhs shape [2, 3] and rhs shape [4] do not broadcast}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.mul %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// The result type is the broadcast shape.
func.func @f(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{'xf.sub' op inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<3x2xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.sub %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}

// -----

// Dynamic shapes are rejected.
func.func @f(%a: tensor<?x3xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{must be statically shaped tensor}}
  %r = xf.exp %a : tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}

// -----

// f64 is not a muir type.
func.func @f(%a: tensor<4xf64>) -> tensor<4xf64> {
  // expected-error @+1 {{must be statically shaped tensor of}}
  %r = xf.exp %a : tensor<4xf64>
  return %r : tensor<4xf64>
}

// -----

// i8 is not an index type.
func.func @f(%t: tensor<4x2xf32>, %i: tensor<3xi8>) -> tensor<3x2xf32> {
  // expected-error @+1 {{must be statically shaped tensor of}}
  %r = xf.gather %t[%i] : (tensor<4x2xf32>, tensor<3xi8>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}

// -----

// Unary ops keep their type.
func.func @f(%a: tensor<4xf32>) -> tensor<4xbf16> {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %r = "xf.tanh"(%a) : (tensor<4xf32>) -> tensor<4xbf16>
  return %r : tensor<4xbf16>
}

// -----

// Casts keep the shape.
func.func @f(%a: tensor<4xf32>) -> tensor<5xbf16> {
  // expected-error @+1 {{requires the same shape for all operands and results}}
  %r = xf.cast %a : tensor<4xf32> to tensor<5xbf16>
  return %r : tensor<5xbf16>
}

// -----

// Matmul contraction sizes.
func.func @f(%a: tensor<4x5xf32>, %b: tensor<6x7xf32>) -> tensor<4x7xf32> {
  // expected-error @+2 {{contraction sizes differ: lhs [4, 5] has K = 5, rhs [6, 7] has K = 6}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.matmul %a, %b : (tensor<4x5xf32>, tensor<6x7xf32>) -> tensor<4x7xf32>
  return %r : tensor<4x7xf32>
}

// -----

// Transposed operands are read transposed.
func.func @f(%a: tensor<4x5xf32>, %b: tensor<7x6xf32>) -> tensor<4x7xf32> {
  // expected-error @+2 {{contraction sizes differ: lhs [4, 5] has K = 5, rhs [7, 6] (transposed) has K = 6}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.matmul %a, %b {transpose_rhs = true} : (tensor<4x5xf32>, tensor<7x6xf32>) -> tensor<4x7xf32>
  return %r : tensor<4x7xf32>
}

// -----

// Transposed lhs.
func.func @f(%a: tensor<4x5xf32>, %b: tensor<5x7xf32>) -> tensor<5x7xf32> {
  // expected-error @+2 {{contraction sizes differ: lhs [4, 5] (transposed) has K = 4, rhs [5, 7] has K = 5}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.matmul %a, %b {transpose_lhs = true} : (tensor<4x5xf32>, tensor<5x7xf32>) -> tensor<5x7xf32>
  return %r : tensor<5x7xf32>
}

// -----

// Accumulation is f32.
func.func @f(%a: tensor<4x5xbf16>, %b: tensor<5x7xbf16>) -> tensor<4x7xbf16> {
  // expected-error @+2 {{acc_type bf16 is not supported: accumulation is f32 (fp32 PSUM)}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.matmul %a, %b {acc_type = bf16} : (tensor<4x5xbf16>, tensor<5x7xbf16>) -> tensor<4x7xbf16>
  return %r : tensor<4x7xbf16>
}

// -----

// Matmul is 2-D.
func.func @f(%a: tensor<2x4x5xf32>, %b: tensor<5x7xf32>) -> tensor<4x7xf32> {
  // expected-error @+2 {{lhs must have rank 2, got shape [2, 4, 5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.matmul %a, %b : (tensor<2x4x5xf32>, tensor<5x7xf32>) -> tensor<4x7xf32>
  return %r : tensor<4x7xf32>
}

// -----

// Matmul rhs is 2-D.
func.func @f(%a: tensor<4x5xf32>, %b: tensor<5xf32>) -> tensor<4x7xf32> {
  // expected-error @+2 {{rhs must have rank 2, got shape [5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.matmul %a, %b : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x7xf32>
  return %r : tensor<4x7xf32>
}

// -----

// Matmul operand types.
func.func @f(%a: tensor<4x5xf32>, %b: tensor<5x7xbf16>) -> tensor<4x7xf32> {
  // expected-error @+2 {{lhs element type f32 differs from rhs element type bf16}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.matmul %a, %b : (tensor<4x5xf32>, tensor<5x7xbf16>) -> tensor<4x7xf32>
  return %r : tensor<4x7xf32>
}

// -----

// Matmul result shape.
func.func @f(%a: tensor<4x5xf32>, %b: tensor<5x7xf32>) -> tensor<7x4xf32> {
  // expected-error @+2 {{inferred type(s) 'tensor<4x7xf32>' are incompatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.matmul %a, %b : (tensor<4x5xf32>, tensor<5x7xf32>) -> tensor<7x4xf32>
  return %r : tensor<7x4xf32>
}

// -----

// Batch matmul needs rank 3.
func.func @f(%a: tensor<4x5xf32>, %b: tensor<2x5x7xf32>) -> tensor<2x4x7xf32> {
  // expected-error @+2 {{lhs must have rank >= 3, got shape [4, 5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.batch_matmul %a, %b : (tensor<4x5xf32>, tensor<2x5x7xf32>) -> tensor<2x4x7xf32>
  return %r : tensor<2x4x7xf32>
}

// -----

// Batch matmul rhs rank.
func.func @f(%a: tensor<2x4x5xf32>, %b: tensor<5x7xf32>) -> tensor<2x4x7xf32> {
  // expected-error @+2 {{rhs must have rank >= 3, got shape [5, 7]}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.batch_matmul %a, %b : (tensor<2x4x5xf32>, tensor<5x7xf32>) -> tensor<2x4x7xf32>
  return %r : tensor<2x4x7xf32>
}

// -----

// Batch dims broadcast.
func.func @f(%a: tensor<2x4x5xf32>, %b: tensor<3x5x7xf32>) -> tensor<2x4x7xf32> {
  // expected-error @+2 {{batch dimensions of lhs [2, 4, 5] and rhs [3, 5, 7] do not broadcast}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.batch_matmul %a, %b : (tensor<2x4x5xf32>, tensor<3x5x7xf32>) -> tensor<2x4x7xf32>
  return %r : tensor<2x4x7xf32>
}

// -----

// Softmax axis.
func.func @f(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{'xf.softmax' op axis -3 is out of range for input shape [2, 3]}}
  %r = xf.softmax %a {axis = -3} : tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// Layer norm weight shape.
func.func @f(%x: tensor<2x8xf32>, %w: tensor<4xf32>, %b: tensor<8xf32>) -> tensor<2x8xf32> {
  // expected-error @+2 {{weight shape [4] must be [8] to match input shape [2, 8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.layer_norm %x, %w, %b : (tensor<2x8xf32>, tensor<4xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}

// -----

// Layer norm bias shape.
func.func @f(%x: tensor<2x8xf32>, %w: tensor<8xf32>, %b: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+2 {{bias shape [2, 8] must be [8] to match input shape [2, 8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.layer_norm %x, %w, %b : (tensor<2x8xf32>, tensor<8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}

// -----

// Norm parameters share the input type.
func.func @f(%x: tensor<2x8xbf16>, %w: tensor<8xf32>) -> tensor<2x8xbf16> {
  // expected-error @+2 {{input element type bf16 differs from weight element type f32}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.rms_norm %x, %w : (tensor<2x8xbf16>, tensor<8xf32>) -> tensor<2x8xbf16>
  return %r : tensor<2x8xbf16>
}

// -----

// eps is not negative.
func.func @f(%x: tensor<2x8xf32>, %w: tensor<8xf32>) -> tensor<2x8xf32> {
  // expected-error @+2 {{eps must be >= 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.rms_norm %x, %w {eps = -1.0 : f32} : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}

// -----

// Norms need a last dimension.
func.func @f(%x: tensor<f32>, %w: tensor<1xf32>) -> tensor<f32> {
  // expected-error @+2 {{input must have rank >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.rms_norm %x, %w : (tensor<f32>, tensor<1xf32>) -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// Layer norm eps.
func.func @f(%x: tensor<2x8xf32>, %w: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<2x8xf32> {
  // expected-error @+2 {{eps must be >= 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.layer_norm %x, %w, %b {eps = -0.5 : f32} : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}

// -----

// Reduction axes in range.
func.func @f(%x: tensor<2x3x4xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{axis 3 is out of range for input shape [2, 3, 4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.reduce_sum %x {axes = array<i64: 3>} : (tensor<2x3x4xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// Reduction axes once.
func.func @f(%x: tensor<2x3x4xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{axis -1 is repeated}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.reduce_max %x {axes = array<i64: 2, -1>} : (tensor<2x3x4xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// Reduction result shape.
func.func @f(%x: tensor<2x3x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+2 {{inferred type(s) 'tensor<2x1x4xf32>' are incompatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.reduce_mean %x {axes = array<i64: 1>, keep_dims = true} : (tensor<2x3x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// Permutation length.
func.func @f(%x: tensor<2x3x4xf32>) -> tensor<3x2x4xf32> {
  // expected-error @+2 {{permutation has 2 entries but input shape [2, 3, 4] has rank 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.transpose %x {permutation = array<i64: 1, 0>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  return %r : tensor<3x2x4xf32>
}

// -----

// Permutation entries.
func.func @f(%x: tensor<2x3x4xf32>) -> tensor<2x2x3xf32> {
  // expected-error @+2 {{permutation [0, 0, 1] is not a permutation of [0, 3)}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.transpose %x {permutation = array<i64: 0, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<2x2x3xf32>
  return %r : tensor<2x2x3xf32>
}

// -----

// Permutation range.
func.func @f(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  // expected-error @+2 {{permutation [0, 1, 5] is not a permutation of [0, 3)}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.transpose %x {permutation = array<i64: 0, 1, 5>} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %r : tensor<2x3x4xf32>
}

// -----

// Reshape keeps the element count.
func.func @f(%x: tensor<2x3xf32>) -> tensor<7xf32> {
  // expected-error @+1 {{'xf.reshape' op input shape [2, 3] has 6 elements but result shape [7] has 7}}
  %r = xf.reshape %x : (tensor<2x3xf32>) -> tensor<7xf32>
  return %r : tensor<7xf32>
}

// -----

// Broadcast compatibility.
func.func @f(%x: tensor<3x2xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{'xf.broadcast_to' op input shape [3, 2] does not broadcast to result shape [3, 4]}}
  %r = xf.broadcast_to %x : (tensor<3x2xf32>) -> tensor<3x4xf32>
  return %r : tensor<3x4xf32>
}

// -----

// Broadcast never drops dims.
func.func @f(%x: tensor<2x3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'xf.broadcast_to' op input shape [2, 3] does not broadcast to result shape [3]}}
  %r = xf.broadcast_to %x : (tensor<2x3xf32>) -> tensor<3xf32>
  return %r : tensor<3xf32>
}

// -----

// Concat axis.
func.func @f(%x: tensor<2x3xf32>) -> tensor<2x6xf32> {
  // expected-error @+2 {{axis 2 is out of range for input #0 shape [2, 3]}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.concat %x, %x {axis = 2} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return %r : tensor<2x6xf32>
}

// -----

// Concat shapes.
func.func @f(%x: tensor<2x3xf32>, %y: tensor<3x3xf32>) -> tensor<2x6xf32> {
  // expected-error @+2 {{input #1 shape [3, 3] does not match input #0 shape [2, 3] outside axis 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.concat %x, %y {axis = 1} : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x6xf32>
  return %r : tensor<2x6xf32>
}

// -----

// Concat types.
func.func @f(%x: tensor<2x3xf32>, %y: tensor<2x3xbf16>) -> tensor<4x3xf32> {
  // expected-error @+2 {{input #0 element type f32 differs from input #1 element type bf16}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.concat %x, %y {axis = 0} : (tensor<2x3xf32>, tensor<2x3xbf16>) -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}

// -----

// Concat needs inputs.
func.func @f() -> tensor<4x3xf32> {
  // expected-error @+2 {{needs at least one input}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.concat {axis = 0} : () -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}

// -----

// Slice entry counts.
func.func @f(%x: tensor<4x5xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{offsets, sizes and strides need 2 entries each for input shape [4, 5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.slice %x {offsets = array<i64: 0>, sizes = array<i64: 2>, strides = array<i64: 1>} : (tensor<4x5xf32>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

// Slice strides.
func.func @f(%x: tensor<4x5xf32>) -> tensor<2x2xf32> {
  // expected-error @+2 {{dimension 1: offset 0, size 2, stride 0 (need offset >= 0, size >= 0, stride >= 1)}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.slice %x {offsets = array<i64: 0, 0>, sizes = array<i64: 2, 2>, strides = array<i64: 1, 0>} : (tensor<4x5xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

// Slice bounds.
func.func @f(%x: tensor<4x5xf32>) -> tensor<3x2xf32> {
  // expected-error @+2 {{dimension 0: slice reads index 5 past the end of input shape [4, 5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.slice %x {offsets = array<i64: 1, 0>, sizes = array<i64: 3, 2>, strides = array<i64: 2, 1>} : (tensor<4x5xf32>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}

// -----

// Gather table rank.
func.func @f(%t: tensor<f32>, %i: tensor<3xi32>) -> tensor<3xf32> {
  // expected-error @+2 {{table must have rank >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.gather %t[%i] : (tensor<f32>, tensor<3xi32>) -> tensor<3xf32>
  return %r : tensor<3xf32>
}

// -----

// Gather result shape.
func.func @f(%t: tensor<4x2xf32>, %i: tensor<3xi32>) -> tensor<3x4xf32> {
  // expected-error @+2 {{inferred type(s) 'tensor<3x2xf32>' are incompatible}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.gather %t[%i] : (tensor<4x2xf32>, tensor<3xi32>) -> tensor<3x4xf32>
  return %r : tensor<3x4xf32>
}

// -----

// RoPE rank.
func.func @f(%x: tensor<8xf32>, %c: tensor<1x8xf32>) -> tensor<8xf32> {
  // expected-error @+2 {{input must have rank >= 2 ([..., S, D]), got shape [8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.rope %x, %c, %c : (tensor<8xf32>, tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// RoPE head dim is even.
func.func @f(%x: tensor<2x3x7xf32>, %c: tensor<3x7xf32>) -> tensor<2x3x7xf32> {
  // expected-error @+2 {{head dimension D = 7 of input shape [2, 3, 7] must be even}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.rope %x, %c, %c : (tensor<2x3x7xf32>, tensor<3x7xf32>, tensor<3x7xf32>) -> tensor<2x3x7xf32>
  return %r : tensor<2x3x7xf32>
}

// -----

// RoPE table shape.
func.func @f(%x: tensor<2x3x8xf32>, %c: tensor<4x8xf32>, %s: tensor<3x8xf32>) -> tensor<2x3x8xf32> {
  // expected-error @+2 {{cos shape [4, 8] must be [3, 8] for input shape [2, 3, 8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.rope %x, %c, %s : (tensor<2x3x8xf32>, tensor<4x8xf32>, tensor<3x8xf32>) -> tensor<2x3x8xf32>
  return %r : tensor<2x3x8xf32>
}

// -----

// RoPE table type.
func.func @f(%x: tensor<2x3x8xf32>, %c: tensor<3x8xf32>, %s: tensor<3x8xbf16>) -> tensor<2x3x8xf32> {
  // expected-error @+2 {{input element type f32 differs from sin element type bf16}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.rope %x, %c, %s : (tensor<2x3x8xf32>, tensor<3x8xf32>, tensor<3x8xbf16>) -> tensor<2x3x8xf32>
  return %r : tensor<2x3x8xf32>
}

// -----

// Attention rank.
func.func @f(%q: tensor<1x4x6x8xf32>, %k: tensor<2x10x8xf32>, %v: tensor<1x2x10x4xf32>) -> tensor<1x4x6x4xf32> {
  // expected-error @+2 {{key must have rank 4 ([B, H, S, D]), got shape [2, 10, 8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.attention %q, %k, %v : (tensor<1x4x6x8xf32>, tensor<2x10x8xf32>, tensor<1x2x10x4xf32>) -> tensor<1x4x6x4xf32>
  return %r : tensor<1x4x6x4xf32>
}

// -----

// Attention types.
func.func @f(%q: tensor<1x4x6x8xf32>, %k: tensor<1x2x10x8xf32>, %v: tensor<1x2x10x4xbf16>) -> tensor<1x4x6x4xf32> {
  // expected-error @+2 {{query element type f32 differs from value element type bf16}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.attention %q, %k, %v : (tensor<1x4x6x8xf32>, tensor<1x2x10x8xf32>, tensor<1x2x10x4xbf16>) -> tensor<1x4x6x4xf32>
  return %r : tensor<1x4x6x4xf32>
}

// -----

// Attention batch.
func.func @f(%q: tensor<1x4x6x8xf32>, %k: tensor<2x2x10x8xf32>, %v: tensor<1x2x10x4xf32>) -> tensor<1x4x6x4xf32> {
  // expected-error @+2 {{batch sizes differ: query [1, 4, 6, 8], key [2, 2, 10, 8], value [1, 2, 10, 4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.attention %q, %k, %v : (tensor<1x4x6x8xf32>, tensor<2x2x10x8xf32>, tensor<1x2x10x4xf32>) -> tensor<1x4x6x4xf32>
  return %r : tensor<1x4x6x4xf32>
}

// -----

// Key and value agree.
func.func @f(%q: tensor<1x4x6x8xf32>, %k: tensor<1x2x10x8xf32>, %v: tensor<1x2x9x4xf32>) -> tensor<1x4x6x4xf32> {
  // expected-error @+2 {{key [1, 2, 10, 8] and value [1, 2, 9, 4] must agree on heads and sequence length}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.attention %q, %k, %v : (tensor<1x4x6x8xf32>, tensor<1x2x10x8xf32>, tensor<1x2x9x4xf32>) -> tensor<1x4x6x4xf32>
  return %r : tensor<1x4x6x4xf32>
}

// -----

// Grouped-query heads.
func.func @f(%q: tensor<1x4x6x8xf32>, %k: tensor<1x3x10x8xf32>, %v: tensor<1x3x10x4xf32>) -> tensor<1x4x6x4xf32> {
  // expected-error @+2 {{query heads 4 must be a multiple of key/value heads 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.attention %q, %k, %v : (tensor<1x4x6x8xf32>, tensor<1x3x10x8xf32>, tensor<1x3x10x4xf32>) -> tensor<1x4x6x4xf32>
  return %r : tensor<1x4x6x4xf32>
}

// -----

// Head dims.
func.func @f(%q: tensor<1x4x6x8xf32>, %k: tensor<1x2x10x16xf32>, %v: tensor<1x2x10x4xf32>) -> tensor<1x4x6x4xf32> {
  // expected-error @+2 {{query head dim 8 (shape [1, 4, 6, 8]) differs from key head dim 16 (shape [1, 2, 10, 16])}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.attention %q, %k, %v : (tensor<1x4x6x8xf32>, tensor<1x2x10x16xf32>, tensor<1x2x10x4xf32>) -> tensor<1x4x6x4xf32>
  return %r : tensor<1x4x6x4xf32>
}

// -----

// Causal queries are a suffix of the keys.
func.func @f(%q: tensor<1x4x6x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x4xf32>) -> tensor<1x4x6x4xf32> {
  // expected-error @+2 {{causal attention needs query length 6 <= key length 5}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.attention %q, %k, %v {causal = true} : (tensor<1x4x6x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x4xf32>) -> tensor<1x4x6x4xf32>
  return %r : tensor<1x4x6x4xf32>
}

// -----

// Constants are ranked tensors.
func.func @f() -> tensor<2xf32> {
  // expected-error @+2 {{value must have a ranked tensor type}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = "xf.constant"() {value = dense<1.0> : vector<2xf32>} : () -> tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

// A key bias is [batch, keys].
func.func @f(%q: tensor<2x4x6x8xf32>, %k: tensor<2x2x10x8xf32>, %v: tensor<2x2x10x4xf32>, %m: tensor<2x6xf32>) -> tensor<2x4x6x4xf32> {
  // expected-error @+2 {{key_bias must be [2, 10] (batch, keys), got shape [2, 6]}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.attention %q, %k, %v key_bias %m : (tensor<2x4x6x8xf32>, tensor<2x2x10x8xf32>, tensor<2x2x10x4xf32>, tensor<2x6xf32>) -> tensor<2x4x6x4xf32>
  return %r : tensor<2x4x6x4xf32>
}

// -----

func.func @f(%q: tensor<2x4x6x8xf32>, %k: tensor<2x2x10x8xf32>, %v: tensor<2x2x10x4xf32>, %m: tensor<2x10xbf16>) -> tensor<2x4x6x4xf32> {
  // expected-error @+2 {{element type}}
  // expected-error @+1 {{failed to infer returned types}}
  %r = xf.attention %q, %k, %v key_bias %m : (tensor<2x4x6x8xf32>, tensor<2x2x10x8xf32>, tensor<2x2x10x4xf32>, tensor<2x10xbf16>) -> tensor<2x4x6x4xf32>
  return %r : tensor<2x4x6x4xf32>
}

// -----

// A tensor of 2^63 bytes or more cannot exist: every size computed from a
// verified op fits in int64.
func.func @tensor_too_large(%a: tensor<9223372036854775807xf32>) -> tensor<9223372036854775807xf32> {
  // expected-error @+1 {{'xf.add' op operand #0 type 'tensor<9223372036854775807xf32>' has 2^63 bytes or more: no tensor can be that large}}
  %r = xf.add %a, %a : (tensor<9223372036854775807xf32>, tensor<9223372036854775807xf32>) -> tensor<9223372036854775807xf32>
  return %r : tensor<9223372036854775807xf32>
}

// -----

// The element count overflows int64 (shape inference must not run first).
func.func @element_count_overflows(%a: tensor<4294967296x4294967296xf32>) -> tensor<4294967296x4294967296xf32> {
  // expected-error @+1 {{operand #0 type 'tensor<4294967296x4294967296xf32>' has 2^63 bytes or more}}
  %r = xf.reshape %a : (tensor<4294967296x4294967296xf32>) -> tensor<4294967296x4294967296xf32>
  return %r : tensor<4294967296x4294967296xf32>
}
