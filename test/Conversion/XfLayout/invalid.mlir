// RUN: muir-opt %s -split-input-file -verify-diagnostics --muir-xf-layout
// RUN: muir-opt %s -split-input-file -verify-diagnostics --muir-lower-xf-to-nc="target=small"

// Each layout override that cannot be realised, with why.

func.func @unknown(%q: tensor<8x32xf32>, %cos: tensor<8x16xf32>, %sin: tensor<8x16xf32>) -> tensor<1x2x8x16xf32> {
  %q4 = xf.reshape %q : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
  %0 = xf.kernel "k0" rope : tensor<1x2x8x16xf32> {
    // expected-error @+1 {{xf.layout must be "view", "in_place" or "copy", not "strided"}}
    %qt = xf.transpose %q4 {permutation = array<i64: 0, 2, 1, 3>, xf.layout = "strided"} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
    %qr = xf.rope %qt, %cos, %sin : (tensor<1x2x8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<1x2x8x16xf32>
    xf.yield %qr : tensor<1x2x8x16xf32>
  }
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @not_a_string(%q: tensor<8x32xf32>, %cos: tensor<8x16xf32>, %sin: tensor<8x16xf32>) -> tensor<1x2x8x16xf32> {
  %q4 = xf.reshape %q : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
  %0 = xf.kernel "k0" rope : tensor<1x2x8x16xf32> {
    // expected-error @+1 {{xf.layout must be a string ("view", "in_place" or "copy"), not 1 : i64}}
    %qt = xf.transpose %q4 {permutation = array<i64: 0, 2, 1, 3>, xf.layout = 1} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
    %qr = xf.rope %qt, %cos, %sin : (tensor<1x2x8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<1x2x8x16xf32>
    xf.yield %qr : tensor<1x2x8x16xf32>
  }
  return %0 : tensor<1x2x8x16xf32>
}

// -----

func.func @in_place_rope(%q: tensor<8x32xf32>, %cos: tensor<8x16xf32>, %sin: tensor<8x16xf32>) -> tensor<1x2x8x16xf32> {
  %q4 = xf.reshape %q : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
  %0 = xf.kernel "k0" rope : tensor<1x2x8x16xf32> {
    // expected-error @+1 {{xf.layout "in_place" cannot be realised here: only an attention's output transpose is written in place}}
    %qt = xf.transpose %q4 {permutation = array<i64: 0, 2, 1, 3>, xf.layout = "in_place"} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
    %qr = xf.rope %qt, %cos, %sin : (tensor<1x2x8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<1x2x8x16xf32>
    xf.yield %qr : tensor<1x2x8x16xf32>
  }
  return %0 : tensor<1x2x8x16xf32>
}

// -----

// Attention reads 4-D heads with a contiguous last dimension: this
// transpose moves the head dimension's stride to 16.
func.func @view_not_contiguous(%k: tensor<1x2x16x8xf32>, %q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %0 = xf.kernel "k0" attention : tensor<1x2x8x16xf32> {
    // expected-error @+1 {{xf.layout "view" cannot be realised here: attention reads 4-D heads with a contiguous last dimension}}
    %kt = xf.transpose %k {permutation = array<i64: 0, 1, 3, 2>, xf.layout = "view"} : (tensor<1x2x16x8xf32>) -> tensor<1x2x8x16xf32>
    %a = xf.attention %q, %kt, %q : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
    xf.yield %a : tensor<1x2x8x16xf32>
  }
  return %0 : tensor<1x2x8x16xf32>
}

// -----

// Rope's leading dimensions must collapse to one stride.
func.func @rope_not_collapsible(%q: tensor<2x8x3x16xf32>, %cos: tensor<8x16xf32>, %sin: tensor<8x16xf32>) -> tensor<3x2x8x16xf32> {
  %0 = xf.kernel "k0" rope : tensor<3x2x8x16xf32> {
    // expected-error @+1 {{xf.layout "view" cannot be realised here: rope needs the last dimension contiguous and the leading ones to collapse to one stride}}
    %qt = xf.transpose %q {permutation = array<i64: 2, 0, 1, 3>, xf.layout = "view"} : (tensor<2x8x3x16xf32>) -> tensor<3x2x8x16xf32>
    %qr = xf.rope %qt, %cos, %sin : (tensor<3x2x8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<3x2x8x16xf32>
    xf.yield %qr : tensor<3x2x8x16xf32>
  }
  return %0 : tensor<3x2x8x16xf32>
}

// -----

// A fused QKV slice inside an attention kernel has no copy form.
func.func @slice_copy(%qkv: tensor<8x96xf32>, %q: tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32> {
  %0 = xf.kernel "k0" attention : tensor<1x2x8x16xf32> {
    // expected-error @+1 {{xf.layout "copy" cannot be realised here: a slice of an attention kernel is always read in place}}
    %k = xf.slice %qkv {offsets = array<i64: 0, 32>, sizes = array<i64: 8, 32>, strides = array<i64: 1, 1>, xf.layout = "copy"} : (tensor<8x96xf32>) -> tensor<8x32xf32>
    %k4 = xf.reshape %k : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
    %kt = xf.transpose %k4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
    %a = xf.attention %q, %kt, %q : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
    xf.yield %a : tensor<1x2x8x16xf32>
  }
  return %0 : tensor<1x2x8x16xf32>
}

// -----

// Outside rope and attention kernels every value is a tensor of its own.
func.func @view_outside(%x: tensor<8x32xf32>) -> tensor<32x8xf32> {
  // expected-error @+1 {{xf.layout "view" cannot be realised here: only head transposes of rope and attention kernels (and fused QKV slices of attention kernels) are views}}
  %t = xf.transpose %x {permutation = array<i64: 1, 0>, xf.layout = "view"} : (tensor<8x32xf32>) -> tensor<32x8xf32>
  return %t : tensor<32x8xf32>
}
