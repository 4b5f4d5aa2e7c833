// Collectives inside nc.loop: each iteration is its own collective instance
// (every rank's k-th meets the others' k-th), its tiles advanced by the
// loop's steps; one after the loop follows them. Rank r's x is i + 100 r.
// RUN: %python %S/Inputs/rank_inputs.py %t.x2.npy 2 3x4
// RUN: muir-sim %s --cores=2 --input=x=%t.x2.npy --print --report | FileCheck %s --check-prefixes=CHECK,REPORT
// RUN: muir-translate --nc-to-bin %s -o %t.bin
// RUN: muir-sim %t.bin --cores=2 --input=x=%t.x2.npy --print | FileCheck %s
// CHECK: rank 1:
// CHECK-NEXT: @y : 3x4xf32
// CHECK-NEXT:   [0] 100 102 104 106
// CHECK-NEXT:   [1] 108 110 112 114
// CHECK-NEXT:   [2] 116 118 120 122
// CHECK-NEXT: @z : 3x4xf32
// CHECK-NEXT:   [0] 100 101 102 103
// CHECK-NEXT:   [1] 104 105 106 107
// CHECK-NEXT:   [2] 108 109 110 111
// The report (with --report) counts 4 collectives.
// REPORT: collectives       4
nc.kernel @looped target = "small-mc" {
  nc.tensor input @x : tensor<3x4xf32> at 0
  nc.tensor output @y : tensor<3x4xf32> at 64
  nc.tensor output @z : tensor<3x4xf32> at 128
  nc.loop 3 steps [0, 0, 0, 4, 0, 1, 0, 4] {
    nc.all_reduce add #nc.ap<hbm @y[1 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[1 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64>
  }
  nc.all_reduce max #nc.ap<hbm @z[3 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[3 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64> {queue = #nc.queue<dma1>}
}
