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

// -----

// A multi_matmul's products share their left operand.
func.func @multi_matmul_two_lhs(%x: tensor<32x16xf32>, %y: tensor<32x16xf32>, %w: tensor<16x8xf32>) -> (tensor<32x8xf32>, tensor<32x8xf32>) {
  // expected-error @+1 {{'xf.kernel' op 'k0' of kind 'multi_matmul' cannot hold xf.matmul: the products of a multi_matmul share their left operand, transposes and element types}}
  %0:2 = xf.kernel "k0" multi_matmul : tensor<32x8xf32>, tensor<32x8xf32> {
    %a = xf.matmul %x, %w : (tensor<32x16xf32>, tensor<16x8xf32>) -> tensor<32x8xf32>
    %b = xf.matmul %y, %w : (tensor<32x16xf32>, tensor<16x8xf32>) -> tensor<32x8xf32>
    xf.yield %a, %b : tensor<32x8xf32>, tensor<32x8xf32>
  }
  return %0#0, %0#1 : tensor<32x8xf32>, tensor<32x8xf32>
}

// -----

// ... holds only matmuls ...
func.func @multi_matmul_other_op(%x: tensor<32x16xf32>, %w: tensor<16x8xf32>) -> (tensor<32x8xf32>, tensor<32x8xf32>) {
  // expected-error @+1 {{'xf.kernel' op 'k0' of kind 'multi_matmul' cannot hold xf.neg: a multi_matmul holds only matmuls}}
  %0:2 = xf.kernel "k0" multi_matmul : tensor<32x8xf32>, tensor<32x8xf32> {
    %a = xf.matmul %x, %w : (tensor<32x16xf32>, tensor<16x8xf32>) -> tensor<32x8xf32>
    %b = xf.neg %a : tensor<32x8xf32>
    xf.yield %a, %b : tensor<32x8xf32>, tensor<32x8xf32>
  }
  return %0#0, %0#1 : tensor<32x8xf32>, tensor<32x8xf32>
}

// -----

// ... and yields each product once, in order.
func.func @multi_matmul_yield_order(%x: tensor<32x16xf32>, %w: tensor<16x8xf32>, %v: tensor<16x4xf32>) -> (tensor<32x4xf32>, tensor<32x8xf32>) {
  // expected-error @+1 {{'xf.kernel' op 'k0' of kind 'multi_matmul' must yield each product once, in order}}
  %0:2 = xf.kernel "k0" multi_matmul : tensor<32x4xf32>, tensor<32x8xf32> {
    %a = xf.matmul %x, %w : (tensor<32x16xf32>, tensor<16x8xf32>) -> tensor<32x8xf32>
    %b = xf.matmul %x, %v : (tensor<32x16xf32>, tensor<16x4xf32>) -> tensor<32x4xf32>
    xf.yield %b, %a : tensor<32x4xf32>, tensor<32x8xf32>
  }
  return %0#0, %0#1 : tensor<32x4xf32>, tensor<32x8xf32>
}

// -----

// A kernel of any other kind yields one value.
func.func @matmul_two_results(%x: tensor<32x16xf32>, %w: tensor<16x8xf32>) -> (tensor<32x8xf32>, tensor<32x8xf32>) {
  // expected-error @+1 {{'xf.kernel' op 'k0' must yield exactly one value to be lowered}}
  %0:2 = xf.kernel "k0" matmul : tensor<32x8xf32>, tensor<32x8xf32> {
    %a = xf.matmul %x, %w : (tensor<32x16xf32>, tensor<16x8xf32>) -> tensor<32x8xf32>
    %b = xf.neg %a : tensor<32x8xf32>
    xf.yield %a, %b : tensor<32x8xf32>, tensor<32x8xf32>
  }
  return %0#0, %0#1 : tensor<32x8xf32>, tensor<32x8xf32>
}
