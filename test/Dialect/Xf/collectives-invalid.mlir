// RUN: muir-opt %s -split-input-file -verify-diagnostics

// Every rule of the xf collective verifiers, one case each.

func.func @groups_not_2d(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{replica_groups must be a non-empty 2-D tensor (one row per group), got 'tensor<4xi64>'}}
  %0 = xf.all_reduce %x {replica_groups = dense<[0, 1, 2, 3]> : tensor<4xi64>} : (tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @groups_empty(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{replica_groups must be a non-empty 2-D tensor}}
  %0 = xf.all_reduce %x {replica_groups = dense<> : tensor<1x0xi64>} : (tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @negative_rank(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{replica_groups has the negative rank -1}}
  %0 = xf.all_reduce %x {replica_groups = dense<[[0, -1]]> : tensor<1x2xi64>} : (tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @rank_twice(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{replica_groups names rank 1 twice}}
  %0 = xf.all_reduce %x {replica_groups = dense<[[0, 1], [1, 2]]> : tensor<2x2xi64>} : (tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @all_reduce_fp8(%x: tensor<8xf8E4M3FN>) -> tensor<8xf8E4M3FN> {
  // expected-error @+1 {{reduces f32, bf16 or f16 elements, not 'f8E4M3FN'}}
  %0 = xf.all_reduce %x {replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<8xf8E4M3FN>) -> tensor<8xf8E4M3FN>
  return %0 : tensor<8xf8E4M3FN>
}

// -----

func.func @all_reduce_shape(%x: tensor<8xf32>) -> tensor<16xf32> {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = xf.all_reduce %x {replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<8xf32>) -> tensor<16xf32>
  return %0 : tensor<16xf32>
}

// -----

func.func @gather_dim_out_of_range(%x: tensor<8x4xf32>) -> tensor<8x8xf32> {
  // expected-error @+1 {{dim 2 is outside the input's rank 2}}
  %0 = xf.all_gather %x {dim = 2 : i64, replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<8x4xf32>) -> tensor<8x8xf32>
  return %0 : tensor<8x8xf32>
}

// -----

func.func @gather_wrong_result(%x: tensor<8x4xf32>) -> tensor<16x4xf32> {
  // expected-error @+1 {{result shape [16, 4] must be [8, 8] (input [8, 4], dimension 1 times the group size 2)}}
  %0 = xf.all_gather %x {dim = -1 : i64, replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<8x4xf32>) -> tensor<16x4xf32>
  return %0 : tensor<16x4xf32>
}

// -----

func.func @gather_element_type(%x: tensor<8x4xf32>) -> tensor<16x4xbf16> {
  // expected-error @+1 {{requires the same element type for all operands and results}}
  %0 = xf.all_gather %x {replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<8x4xf32>) -> tensor<16x4xbf16>
  return %0 : tensor<16x4xbf16>
}

// -----

func.func @scatter_not_divisible(%x: tensor<6x4xf32>) -> tensor<1x4xf32> {
  // expected-error @+1 {{input dimension 0 of size 6 is not divisible by the group size 4}}
  %0 = xf.reduce_scatter %x {replica_groups = dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>} : (tensor<6x4xf32>) -> tensor<1x4xf32>
  return %0 : tensor<1x4xf32>
}

// -----

func.func @scatter_wrong_result(%x: tensor<8x4xf32>) -> tensor<8x2xf32> {
  // expected-error @+1 {{result shape [8, 2] must be [4, 4] (input [8, 4], dimension 0 divided by the group size 2)}}
  %0 = xf.reduce_scatter %x {replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<8x4xf32>) -> tensor<8x2xf32>
  return %0 : tensor<8x2xf32>
}

// -----

func.func @scatter_integer(%x: tensor<8xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{operand #0 must be statically shaped tensor}}
  %0 = xf.reduce_scatter %x {replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<8xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @all_to_all_indivisible(%x: tensor<6x4xf32>) -> tensor<6x4xf32> {
  // expected-error @+1 {{input dimension 0 of 'tensor<6x4xf32>' must be divisible by the group size 4 (one block per rank)}}
  %0 = xf.all_to_all %x {replica_groups = dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>} : (tensor<6x4xf32>) -> tensor<6x4xf32>
  return %0 : tensor<6x4xf32>
}

// -----

func.func @all_to_all_reshaped(%x: tensor<8x4xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = xf.all_to_all %x {replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<8x4xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @all_to_all_rank_twice(%x: tensor<8x4xbf16>) -> tensor<8x4xbf16> {
  // expected-error @+1 {{replica_groups names rank 1 twice}}
  %0 = xf.all_to_all %x {replica_groups = dense<[[0, 1], [1, 2]]> : tensor<2x2xi64>} : (tensor<8x4xbf16>) -> tensor<8x4xbf16>
  return %0 : tensor<8x4xbf16>
}

// -----

// xf.collective_permute: (source, target) pairs, a permutation.

func.func @permute_pairs_not_n_by_2(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{pairs must be an N x 2 tensor of (source, target) ranks, N >= 1, got 'tensor<1x3xi64>'}}
  %0 = xf.collective_permute %x, %x {pairs = dense<[[0, 1, 2]]> : tensor<1x3xi64>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @permute_no_pairs(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{pairs must be an N x 2 tensor}}
  %0 = xf.collective_permute %x, %x {pairs = dense<> : tensor<0x2xi64>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @permute_negative(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{pair 1 (2, -1) has a negative rank}}
  %0 = xf.collective_permute %x, %x {pairs = dense<[[0, 1], [2, -1]]> : tensor<2x2xi64>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @permute_source_twice(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{rank 0 is the source of two pairs}}
  %0 = xf.collective_permute %x, %x {pairs = dense<[[0, 1], [0, 2]]> : tensor<2x2xi64>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @permute_target_twice(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{rank 2 is the target of two pairs}}
  %0 = xf.collective_permute %x, %x {pairs = dense<[[0, 2], [1, 2]]> : tensor<2x2xi64>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @permute_init_type(%x: tensor<8xf32>, %i: tensor<4xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = xf.collective_permute %x, %i {pairs = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<8xf32>, tensor<4xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

func.func @permute_to_itself(%x: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{pair 1 sends rank 2 to itself}}
  %0 = xf.collective_permute %x, %x {pairs = dense<[[0, 1], [2, 2]]> : tensor<2x2xi64>} : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}
