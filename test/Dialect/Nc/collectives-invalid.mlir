// RUN: muir-opt %s -split-input-file -verify-diagnostics

// Every rule of the collective verifiers, one case each (small-mc: 8
// cores, 2 chips of 4; trn2: one core).

nc.kernel @rank_out_of_range target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  // expected-error @+1 {{replica group 0 names rank 8, not a core of target 'small-mc', which has 8 cores}}
  nc.all_reduce add #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 8]]> : tensor<1x2xi64>
}

// -----

nc.kernel @single_core_target target = "trn2" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  // expected-error @+1 {{replica group 0 names rank 1, not a core of target 'trn2', which has 1 core}}
  nc.all_reduce add #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64>
}

// -----

nc.kernel @rank_twice target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  // expected-error @+1 {{rank 1 appears twice in the replica groups}}
  nc.all_reduce add #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1], [1, 2]]> : tensor<2x2xi64>
}

// -----

nc.kernel @negative_rank target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  // expected-error @+1 {{replica group 0 names rank -1, not a core}}
  nc.all_reduce add #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, -1]]> : tensor<1x2xi64>
}

// -----

nc.kernel @groups_not_2d target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  // expected-error @+1 {{replica_groups must be a 2-D tensor, one row of ranks per group}}
  nc.all_reduce add #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> groups dense<[0, 1]> : tensor<2xi64>
}

// -----

nc.kernel @no_groups target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  // expected-error @+1 {{replica groups list 0 ranks, not a positive multiple of the group size 2}}
  nc.all_reduce add #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> groups dense<> : tensor<0x2xi64>
}

// -----

nc.kernel @reduce_op target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  // expected-error @+1 {{reduction op 'sub' is not one of add, max, min}}
  nc.all_reduce sub #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64>
}

// -----

nc.kernel @tree_not_all_reduce target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  nc.tensor output @y : tensor<8x8xf32> at 128
  // expected-error @+1 {{algorithm 'tree' is for all_reduce only (use ring or ring2d)}}
  nc.all_gather #nc.ap<hbm @y[8 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64> algorithm tree
}

// -----

// An all-to-all along torus rows then columns needs them rectangular too.
nc.kernel @ring2d_all_to_all_uneven_rows target = "trn2-instance" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  // expected-error @+1 {{algorithm 'ring2d' needs replica group 0 to fill equal torus rows, but its rows hold 3 and 1 ranks}}
  nc.all_to_all #nc.ap<sbuf[0, 4] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 8, 16, 32]]> : tensor<1x4xi64> algorithm ring2d
}

// -----

// small-mc's 2 x 1 torus has one row; trn2-chip-lnc2 has one chip. A group
// of 3 ranks on one chip and 1 on the other is not rectangular only on a
// torus with two rows: trn2-instance (4 x 4 chips of 8 cores).
nc.kernel @ring2d_uneven_rows target = "trn2-instance" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  // expected-error @+1 {{algorithm 'ring2d' needs replica group 0 to fill equal torus rows, but its rows hold 3 and 1 ranks}}
  nc.all_reduce add #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1, 2, 32]]> : tensor<1x4xi64> algorithm ring2d
}

// -----

nc.kernel @all_reduce_counts target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  nc.tensor output @y : tensor<8x8xf32> at 128
  // expected-error @+1 {{dst has 64 elements and src 32, but all_reduce needs them equal (group size 2)}}
  nc.all_reduce add #nc.ap<hbm @y[8 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64>
}

// -----

nc.kernel @all_gather_counts target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  nc.tensor output @y : tensor<8x8xf32> at 128
  // expected-error @+1 {{dst has 64 elements and src 32, but all_gather needs dst = group size x src (group size 4)}}
  nc.all_gather #nc.ap<hbm @y[8 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>
}

// -----

nc.kernel @reduce_scatter_counts target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  nc.tensor output @y : tensor<8x8xf32> at 128
  // expected-error @+1 {{dst has 64 elements and src 32, but reduce_scatter needs src = group size x dst (group size 2)}}
  nc.reduce_scatter add #nc.ap<hbm @y[8 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64>
}

// -----

nc.kernel @all_to_all_counts target = "small-mc" {
  nc.tensor input @x : tensor<3x1xf32> at 0
  nc.tensor output @y : tensor<3x1xf32> at 128
  // expected-error @+1 {{dst has 3 elements and src 3, but all_to_all needs them equal and divisible by the group size (group size 2)}}
  nc.all_to_all #nc.ap<hbm @y[3 x 1] at 0 dims [1] strides [1] : f32>, #nc.ap<hbm @x[3 x 1] at 0 dims [1] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64>
}

// -----

nc.kernel @types_differ target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  nc.tensor output @y : tensor<4x8xbf16> at 128
  // expected-error @+1 {{dst element type bf16 differs from src's f32 (collectives do not convert)}}
  nc.all_reduce add #nc.ap<hbm @y[4 x 8] at 0 dims [8] strides [1] : bf16>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64>
}

// -----

nc.kernel @reduce_fp8 target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf8E4M3FN> at 0
  nc.tensor output @y : tensor<4x8xf8E4M3FN> at 128
  // expected-error @+1 {{reduces f32, bf16 or f16, not f8E4M3FN}}
  nc.all_reduce add #nc.ap<hbm @y[4 x 8] at 0 dims [8] strides [1] : f8E4M3FN>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f8E4M3FN> groups dense<[[0, 1]]> : tensor<1x2xi64>
}

// -----

nc.kernel @psum_operand target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  // expected-error @+1 {{dst must be in hbm or sbuf, not psum}}
  nc.all_reduce add #nc.ap<psum[0, 4] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64>
}

// -----

nc.kernel @compute_queue target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  // expected-error @+1 {{cannot run on queue 'dve' (dve engine)}}
  nc.all_reduce add #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64> {queue = #nc.queue<dve>}
}

// -----

nc.kernel @tile_out_of_tensor target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  // expected-error @+1 {{src tile reads element 39 of tensor @x, which has 32}}
  nc.all_reduce add #nc.ap<sbuf[0, 5] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[5 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64>
}

// -----

nc.kernel @pairs_shape target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  // expected-error @+1 {{pairs must be an N x 2 tensor of (source, target) ranks}}
  nc.send #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> pairs dense<[[0, 1, 2]]> : tensor<1x3xi64>
}

// -----

nc.kernel @send_to_self target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  // expected-error @+1 {{pair 1 (2 -> 2) sends a rank to itself}}
  nc.send #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> pairs dense<[[0, 1], [2, 2]]> : tensor<2x2xi64>
}

// -----

nc.kernel @two_sources target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  // expected-error @+1 {{rank 0 is the source of more than one pair}}
  nc.send #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> pairs dense<[[0, 1], [0, 2]]> : tensor<2x2xi64>
}

// -----

nc.kernel @two_targets target = "small-mc" {
  nc.tensor output @y : tensor<4x8xf32> at 0
  // expected-error @+1 {{rank 1 is the target of more than one pair}}
  nc.recv #nc.ap<hbm @y[4 x 8] at 0 dims [8] strides [1] : f32> pairs dense<[[0, 1], [2, 1]]> : tensor<2x2xi64>
}

// -----

nc.kernel @pair_rank_range target = "small-mc" {
  nc.tensor output @y : tensor<4x8xf32> at 0
  // expected-error @+1 {{pair 0 names rank 9, not a core of target 'small-mc', which has 8 cores}}
  nc.recv #nc.ap<hbm @y[4 x 8] at 0 dims [8] strides [1] : f32> pairs dense<[[9, 1]]> : tensor<1x2xi64>
}

// -----

nc.kernel @no_pairs target = "small-mc" {
  nc.tensor output @y : tensor<4x8xf32> at 0
  // expected-error @+1 {{pairs must list (source, target) rank pairs, got 0 numbers}}
  nc.recv #nc.ap<hbm @y[4 x 8] at 0 dims [8] strides [1] : f32> pairs dense<> : tensor<0x2xi64>
}

// -----

// A collective buffer is bounded by its tensor: 8 rows at stride 0 of a
// 4x8 tensor name 64 elements of 32 (they would only repeat).
nc.kernel @bulk_repeats target = "small-mc" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  nc.tensor output @y : tensor<8x8xf32> at 128
  // expected-error @+1 {{has 64 elements, more than tensor @x's 32}}
  nc.all_reduce add #nc.ap<hbm @y[8 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[8 x 0] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64>
}

// -----

// trn2-chip's collective-communication queues (20 per chip: 2 per core,
// dma16 and dma17 after the core's 16 DMA queues) run collectives only.
nc.kernel @dma_on_collective_queue target = "trn2-chip" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  // expected-error @+1 {{runs on queue 'dma16', a collective-communication queue of target 'trn2-chip': only collectives run there}}
  nc.dma #nc.ap<sbuf[0, 4] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> {queue = #nc.queue<dma16>}
}

// -----

nc.kernel @beyond_collective_queues target = "trn2-chip" {
  nc.tensor input @x : tensor<4x8xf32> at 0
  // expected-error @+1 {{queue 'dma18' does not exist on target 'trn2-chip' (pe, act, dve, pool, dma0..dma15; collectives also dma16..dma17)}}
  nc.all_reduce add #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32>, #nc.ap<hbm @x[4 x 8] at 0 dims [8] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64> {queue = #nc.queue<dma18>}
}
