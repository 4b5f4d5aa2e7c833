// The hazard checker covers collectives: a collective reads its src and
// writes its dst on its DMA queue for its whole flight (until every rank
// of the group has finished it), so a local engine that touches either
// without waiting for the collective's signal is reported.
// RUN: %python %S/Inputs/rank_inputs.py %t.x2.npy 2 2x4

// Reading the collective's dst before it has landed.
// RUN: not muir-sim %s --kernel=read_dst_in_flight --cores=2 --input=x=%t.x2.npy 2>&1 | FileCheck %s --check-prefix=DST
// DST: muir-sim: rank {{0|1}}: hazard: instruction #0 (dma0 all_reduce) writes sbuf partitions [0, 2) bytes [0, 16) while instruction #1 (dve tensor_copy) reads them with no semaphore ordering between the two
nc.kernel @read_dst_in_flight target = "small-mc" semaphores = 1 {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.all_reduce add #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64> {signal = array<i64: 0>}
  nc.tensor_copy #nc.ap<sbuf[0, 2] at 64 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>
}

// Overwriting the collective's src while the other rank may still read it
// (ordered after the DMA that filled it, not after the collective).
// RUN: not muir-sim %s --kernel=write_src_in_flight --cores=2 --input=x=%t.x2.npy 2>&1 | FileCheck %s --check-prefix=SRC
// SRC: muir-sim: rank {{0|1}}: hazard: instruction #1 (dma0 all_reduce) reads sbuf partitions [0, 2) bytes [0, 16) while instruction #2 (dve tensor_copy) writes them with no semaphore ordering between the two
nc.kernel @write_src_in_flight target = "small-mc" semaphores = 1 {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.tensor output @y : tensor<2x4xf32> at 32
  nc.dma #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> {signal = array<i64: 0>}
  nc.all_reduce add #nc.ap<hbm @y[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64> {wait = array<i64: 0, 1>}
  nc.tensor_copy #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 64 dims [4] strides [1] : f32> {wait = array<i64: 0, 1>}
}

// Ordered by the collective's signal: no hazard, and the copy sees the sum
// (i + (i + 100)).
// RUN: muir-sim %s --kernel=ordered --cores=2 --input=x=%t.x2.npy --print | FileCheck %s --check-prefix=OK
// OK: rank 1:
// OK-NEXT: @y : 2x4xf32
// OK-NEXT:   [0] 100 102 104 106
nc.kernel @ordered target = "small-mc" semaphores = 2 {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.tensor output @y : tensor<2x4xf32> at 32
  nc.all_reduce add #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64> {signal = array<i64: 0>}
  nc.tensor_copy #nc.ap<sbuf[0, 2] at 64 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32> {wait = array<i64: 0, 1>, signal = array<i64: 1>}
  nc.dma #nc.ap<hbm @y[2 x 4] at 0 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 2] at 64 dims [4] strides [1] : f32> {queue = #nc.queue<dma1>, wait = array<i64: 1, 1>}
}
