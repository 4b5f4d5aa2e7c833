// Values of every collective on 2, 4 and 8 simulated cores of small-mc
// (2 chips of 4 cores) against hand-computed results. Rank r's input
// element i (row-major) is i + 100 r (Inputs/rank_inputs.py).
// RUN: %python %S/Inputs/rank_inputs.py %t.x2.npy 2 2x4
// RUN: %python %S/Inputs/rank_inputs.py %t.x4.npy 4 2x4
// RUN: %python %S/Inputs/rank_inputs.py %t.x8.npy 8 2x4
// RUN: %python %S/Inputs/rank_inputs.py %t.z4.npy 4 4x4

// all_reduce add on 2 ranks: i + (i + 100).
// RUN: muir-sim %s --kernel=all_reduce_2 --cores=2 --input=x=%t.x2.npy --print | FileCheck %s --check-prefix=AR2
// AR2: rank 0:
// AR2-NEXT: @y : 2x4xf32
// AR2-NEXT:   [0] 100 102 104 106
// AR2-NEXT:   [1] 108 110 112 114
// AR2-NEXT: rank 1:
// AR2-NEXT: @y : 2x4xf32
// AR2-NEXT:   [0] 100 102 104 106
// AR2-NEXT:   [1] 108 110 112 114
nc.kernel @all_reduce_2 target = "small-mc" {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.tensor output @y : tensor<2x4xf32> at 32
  nc.all_reduce add #nc.ap<hbm @y[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64>
}

// all_reduce add on 4 ranks (one chip): 4 i + 600; on 8 ranks (two
// chips), tree algorithm: 8 i + 2800; max on 8 ranks: i + 700.
// RUN: muir-sim %s --kernel=all_reduce_4 --cores=4 --input=x=%t.x4.npy --print | FileCheck %s --check-prefix=AR4
// AR4-COUNT-4: [1] 616 620 624 628
// RUN: muir-sim %s --kernel=all_reduce_8_tree --cores=8 --input=x=%t.x8.npy --print | FileCheck %s --check-prefix=AR8
// AR8: rank 7:
// AR8-NEXT: @y : 2x4xf32
// AR8-NEXT:   [0] 2800 2808 2816 2824
// AR8-NEXT:   [1] 2832 2840 2848 2856
// RUN: muir-sim %s --kernel=all_reduce_8_max --cores=8 --input=x=%t.x8.npy --print | FileCheck %s --check-prefix=MAX8
// MAX8: rank 3:
// MAX8-NEXT: @y : 2x4xf32
// MAX8-NEXT:   [0] 700 701 702 703
// MAX8-NEXT:   [1] 704 705 706 707
nc.kernel @all_reduce_4 target = "small-mc" {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.tensor output @y : tensor<2x4xf32> at 32
  nc.all_reduce add #nc.ap<hbm @y[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>
}
nc.kernel @all_reduce_8_tree target = "small-mc" {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.tensor output @y : tensor<2x4xf32> at 32
  nc.all_reduce add #nc.ap<hbm @y[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi64> algorithm tree
}
nc.kernel @all_reduce_8_max target = "small-mc" {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.tensor output @y : tensor<2x4xf32> at 32
  nc.all_reduce max #nc.ap<hbm @y[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi64>
}

// Two groups of 4 in one instruction: ranks 0-3 sum 600 + 4 i, ranks 4-7
// (inputs + 400 each) sum 2200 + 4 i.
// RUN: muir-sim %s --kernel=two_groups --cores=8 --input=x=%t.x8.npy --print | FileCheck %s --check-prefix=GROUPS
// GROUPS: rank 3:
// GROUPS-NEXT: @y : 2x4xf32
// GROUPS-NEXT:   [0] 600 604 608 612
// GROUPS: rank 4:
// GROUPS-NEXT: @y : 2x4xf32
// GROUPS-NEXT:   [0] 2200 2204 2208 2212
nc.kernel @two_groups target = "small-mc" {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.tensor output @y : tensor<2x4xf32> at 32
  nc.all_reduce add #nc.ap<hbm @y[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1, 2, 3], [4, 5, 6, 7]]> : tensor<2x4xi64>
}

// bf16 all_reduce on 8 ranks: rank r holds 1 + r/128 (exact in bf16); the
// fp32 sum 8 + 28/128 = 8.21875 is rounded once to bf16 (spacing 1/16 at
// 8: halfway between 8.1875 and 8.25, ties to even: 8.25).
// RUN: %python -c "import numpy as np; np.save('%t.b8.npy', np.array([1 + r / 128 for r in range(8)], np.float32).reshape(8, 1, 1))"
// RUN: muir-sim %s --kernel=all_reduce_bf16 --cores=8 --input=b=%t.b8.npy --print | FileCheck %s --check-prefix=BF16
// BF16-COUNT-8: [0] 8.25
nc.kernel @all_reduce_bf16 target = "small-mc" {
  nc.tensor input @b : tensor<1x1xbf16> at 0
  nc.tensor output @c : tensor<1x1xbf16> at 64
  nc.all_reduce add #nc.ap<hbm @c[1 x 1] at 0 dims [1] strides [1] : bf16>, #nc.ap<hbm @b[1 x 1] at 0 dims [1] strides [1] : bf16> groups dense<[[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi64>
}

// all_gather on 4 ranks: rows 2r and 2r+1 of g are rank r's x.
// RUN: muir-sim %s --kernel=all_gather_4 --cores=4 --input=x=%t.x4.npy --print | FileCheck %s --check-prefix=AG4
// AG4: rank 2:
// AG4-NEXT: @g : 8x4xf32
// AG4-NEXT:   [0] 0 1 2 3
// AG4-NEXT:   [1] 4 5 6 7
// AG4-NEXT:   [2] 100 101 102 103
// AG4-NEXT:   [3] 104 105 106 107
// AG4-NEXT:   [4] 200 201 202 203
// AG4-NEXT:   [5] 204 205 206 207
// AG4-NEXT:   [6] 300 301 302 303
// AG4-NEXT:   [7] 304 305 306 307
nc.kernel @all_gather_4 target = "small-mc" {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.tensor output @g : tensor<8x4xf32> at 32
  nc.all_gather #nc.ap<hbm @g[8 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>
}

// reduce_scatter add on 4 ranks over z (16 elements): rank i gets
// elements 4i..4i+3 of the sum, 4 e + 600.
// RUN: muir-sim %s --kernel=reduce_scatter_4 --cores=4 --input=z=%t.z4.npy --print | FileCheck %s --check-prefix=RS4
// RS4: rank 0:
// RS4-NEXT: @s : 1x4xf32
// RS4-NEXT:   [0] 600 604 608 612
// RS4-NEXT: rank 1:
// RS4-NEXT: @s : 1x4xf32
// RS4-NEXT:   [0] 616 620 624 628
// RS4-NEXT: rank 2:
// RS4-NEXT: @s : 1x4xf32
// RS4-NEXT:   [0] 632 636 640 644
// RS4-NEXT: rank 3:
// RS4-NEXT: @s : 1x4xf32
// RS4-NEXT:   [0] 648 652 656 660
nc.kernel @reduce_scatter_4 target = "small-mc" {
  nc.tensor input @z : tensor<4x4xf32> at 0
  nc.tensor output @s : tensor<1x4xf32> at 64
  nc.reduce_scatter add #nc.ap<hbm @s[1 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @z[4 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>
}

// all_to_all on 4 ranks over z: rank i's row j is row i of rank j's z,
// 4 i + k + 100 j.
// RUN: muir-sim %s --kernel=all_to_all_4 --cores=4 --input=z=%t.z4.npy --print | FileCheck %s --check-prefix=A2A
// A2A: rank 1:
// A2A-NEXT: @t : 4x4xf32
// A2A-NEXT:   [0] 4 5 6 7
// A2A-NEXT:   [1] 104 105 106 107
// A2A-NEXT:   [2] 204 205 206 207
// A2A-NEXT:   [3] 304 305 306 307
nc.kernel @all_to_all_4 target = "small-mc" {
  nc.tensor input @z : tensor<4x4xf32> at 0
  nc.tensor output @t : tensor<4x4xf32> at 64
  nc.all_to_all #nc.ap<hbm @t[4 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @z[4 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>
}

// send/recv around a ring of 4 (through SBUF on the receiving side): rank
// r receives rank r-1's x.
// RUN: muir-sim %s --kernel=ring_shift --cores=4 --input=x=%t.x4.npy --print | FileCheck %s --check-prefix=SHIFT
// SHIFT: rank 0:
// SHIFT-NEXT: @y : 2x4xf32
// SHIFT-NEXT:   [0] 300 301 302 303
// SHIFT: rank 2:
// SHIFT-NEXT: @y : 2x4xf32
// SHIFT-NEXT:   [0] 100 101 102 103
// SHIFT-NEXT:   [1] 104 105 106 107
nc.kernel @ring_shift target = "small-mc" semaphores = 1 {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.tensor output @y : tensor<2x4xf32> at 32
  nc.send #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> pairs dense<[[0, 1], [1, 2], [2, 3], [3, 0]]> : tensor<4x2xi64>
  nc.recv #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> pairs dense<[[0, 1], [1, 2], [2, 3], [3, 0]]> : tensor<4x2xi64> {queue = #nc.queue<dma1>, signal = array<i64: 0>}
  nc.dma #nc.ap<hbm @y[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {queue = #nc.queue<dma1>, wait = array<i64: 0, 1>}
}
