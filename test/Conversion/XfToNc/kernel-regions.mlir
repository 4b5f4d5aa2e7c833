// RUN: muir-opt %s -split-input-file -verify-diagnostics --muir-lower-xf-to-nc="target=small"

// The lowering emits what xf.kernel regions say and refuses a region it
// cannot emit as one kernel, naming the kernel, its kind and the op.

func.func @shape_mismatch(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'xf.kernel' op 'k0' of kind 'elementwise' cannot hold xf.exp: a fused elementwise op must have the root's shape}}
  %0 = xf.kernel "k0" elementwise : tensor<4x8xf32> {
    %1 = xf.exp %b : tensor<8xf32>
    %2 = xf.add %x, %1 : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
    xf.yield %2 : tensor<4x8xf32>
  }
  return %0 : tensor<4x8xf32>
}

// -----

func.func @softmax_in_chain(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'k0' of kind 'elementwise' cannot hold xf.softmax: only elementwise ops fuse into an elementwise root}}
  %0 = xf.kernel "k0" elementwise : tensor<4x8xf32> {
    %1 = xf.softmax %x {axis = -1 : i64} : tensor<4x8xf32>
    %2 = xf.exp %1 : tensor<4x8xf32>
    xf.yield %2 : tensor<4x8xf32>
  }
  return %0 : tensor<4x8xf32>
}

// -----

func.func @matmul_epilogue(%a: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'k0' of kind 'matmul' cannot hold xf.softmax: a matmul kernel fuses an elementwise epilogue of its result}}
  %0 = xf.kernel "k0" matmul : tensor<4x8xf32> {
    %1 = xf.matmul %a, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
    %2 = xf.softmax %1 {axis = -1 : i64} : tensor<4x8xf32>
    %3 = xf.exp %2 : tensor<4x8xf32>
    xf.yield %3 : tensor<4x8xf32>
  }
  return %0 : tensor<4x8xf32>
}

// -----

func.func @epilogue_without_product(%a: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'k0' of kind 'matmul' cannot hold xf.exp: a matmul kernel's epilogue root must be an elementwise op (not a cast) whose tree reads the single-use product}}
  %0 = xf.kernel "k0" matmul : tensor<4x8xf32> {
    %1 = xf.matmul %a, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
    %2 = xf.exp %a : tensor<4x8xf32>
    xf.yield %2 : tensor<4x8xf32>
  }
  return %0 : tensor<4x8xf32>
}

// -----

func.func @gated_different_a(%a: tensor<4x8xf32>, %c: tensor<4x8xf32>, %w: tensor<8x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'k0' of kind 'gated_matmul' cannot hold xf.mul: a gated product combines exactly two same-shaped matmuls of one left operand}}
  %0 = xf.kernel "k0" gated_matmul : tensor<4x8xf32> {
    %1 = xf.matmul %a, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
    %2 = xf.matmul %c, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
    %3 = xf.mul %1, %2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    xf.yield %3 : tensor<4x8xf32>
  }
  return %0 : tensor<4x8xf32>
}

// -----

func.func @two_ops(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'k0' of kind 'softmax' cannot hold xf.softmax: this kind of kernel holds one op}}
  %0 = xf.kernel "k0" softmax : tensor<4x8xf32> {
    %1 = xf.softmax %x {axis = -1 : i64} : tensor<4x8xf32>
    %2 = xf.softmax %1 {axis = -1 : i64} : tensor<4x8xf32>
    xf.yield %2 : tensor<4x8xf32>
  }
  return %0 : tensor<4x8xf32>
}

// -----

func.func @attention_extra(%q: tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32> {
  // expected-error @+1 {{'k0' of kind 'attention' cannot hold xf.exp: only head transposes}}
  %0 = xf.kernel "k0" attention : tensor<1x2x4x16xf32> {
    %1 = xf.exp %q : tensor<1x2x4x16xf32>
    %2 = xf.attention %1, %q, %q : (tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>, tensor<1x2x4x16xf32>) -> tensor<1x2x4x16xf32>
    xf.yield %2 : tensor<1x2x4x16xf32>
  }
  return %0 : tensor<1x2x4x16xf32>
}
