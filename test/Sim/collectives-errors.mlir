// Runs that cannot complete: each fails with a message naming the rank,
// the instruction and the rule, never a crash or a hang.

// A collective outside a multi-core run.
// RUN: not muir-sim %s --kernel=pair --timing-only 2>&1 | FileCheck %s --check-prefix=SINGLE
// SINGLE: muir-sim: instruction #0 (dma0 all_reduce): a collective needs a multi-core run (muir-sim --cores=N)

// More cores than the target has, and --sim-threads without --cores.
// RUN: not muir-sim %s --kernel=pair --cores=9 --timing-only 2>&1 | FileCheck %s --check-prefix=TOOMANY
// TOOMANY: muir-sim: target 'small-mc' has 8 cores, the run asks for 9
// RUN: not muir-sim %s --kernel=pair --sim-threads=2 --timing-only 2>&1 | FileCheck %s --check-prefix=THREADS
// THREADS: muir-sim: --sim-threads needs --cores

// A rank in no replica group ([[0, 1]] on 4 cores), and a group naming a
// rank the run does not have.
// RUN: not muir-sim %s --kernel=pair --cores=4 --timing-only 2>&1 | FileCheck %s --check-prefix=NOGROUP
// NOGROUP: muir-sim: rank {{2|3}}: instruction #0 (all_reduce): the rank is in no replica group; every rank of a 4-core run must be in one
// RUN: not muir-sim %s --kernel=four --cores=2 --timing-only 2>&1 | FileCheck %s --check-prefix=BEYOND
// BEYOND: muir-sim: rank {{0|1}}: instruction #0 (all_reduce): replica group names rank 2, but the run has 2 cores
nc.kernel @pair target = "small-mc" {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.all_reduce add #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64>
}
nc.kernel @four target = "small-mc" {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.all_reduce add #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>
}

// A receive no rank sends to: every rank waits.
// RUN: not muir-sim %s --kernel=recv_only --cores=2 --timing-only 2>&1 | FileCheck %s --check-prefix=DEADLOCK
// DEADLOCK: muir-sim: deadlock across cores: rank 0: instruction #0 (recv) waits for a send from rank 1; rank 1: instruction #0 (recv) waits for a send from rank 0
nc.kernel @recv_only target = "small-mc" {
  nc.tensor output @y : tensor<2x4xf32> at 0
  nc.recv #nc.ap<hbm @y[2 x 4] at 0 dims [4] strides [1] : f32> pairs dense<[[0, 1], [1, 0]]> : tensor<2x2xi64>
}

// Collectives wait for each other in program order: a collective that
// waits on a semaphore signalled only after the other ranks' next
// collective... here the all_reduce waits on a semaphore nothing signals,
// a deadlock inside each core, reported as the single-core simulator does.
// RUN: not muir-sim %s --kernel=never_signalled --cores=2 --timing-only 2>&1 | FileCheck %s --check-prefix=LOCAL
// LOCAL: muir-sim: rank {{0|1}}: deadlock: no queue can make progress; instruction #0 (dma0 all_reduce) waits for semaphore 0 to reach 1 but it was signalled 0 times
nc.kernel @never_signalled target = "small-mc" semaphores = 1 {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.all_reduce add #nc.ap<sbuf[0, 2] at 0 dims [4] strides [1] : f32>, #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> groups dense<[[0, 1]]> : tensor<1x2xi64> {wait = array<i64: 0, 1>}
}

// A receive smaller than the send.
// RUN: not muir-sim %s --kernel=short_recv --cores=2 --timing-only 2>&1 | FileCheck %s --check-prefix=SHORT
// SHORT: muir-sim: rank {{0|1}}: instruction #1 (recv): receives 16 bytes but rank {{0|1}}'s send #0 sent 32
nc.kernel @short_recv target = "small-mc" {
  nc.tensor input @x : tensor<2x4xf32> at 0
  nc.tensor output @y : tensor<1x4xf32> at 32
  nc.send #nc.ap<hbm @x[2 x 4] at 0 dims [4] strides [1] : f32> pairs dense<[[0, 1], [1, 0]]> : tensor<2x2xi64>
  nc.recv #nc.ap<hbm @y[1 x 4] at 0 dims [4] strides [1] : f32> pairs dense<[[0, 1], [1, 0]]> : tensor<2x2xi64>
}

// Per-rank inputs that name a rank the run does not have, a tensor that is
// not an input, or a stacked array of the wrong size.
// RUN: %python -c "import numpy as np; np.save('%t.x.npy', np.zeros((2, 4), np.float32)); np.save('%t.x3.npy', np.zeros((3, 2, 4), np.float32))"
// RUN: not muir-sim %s --kernel=pair --cores=2 --input=x@2=%t.x.npy 2>&1 | FileCheck %s --check-prefix=BADRANK
// BADRANK: muir-sim: --input 'x@2={{.*}}' names rank '2', not one of the 2 ranks
// RUN: not muir-sim %s --kernel=pair --cores=2 --input=w@1=%t.x.npy 2>&1 | FileCheck %s --check-prefix=NOTINPUT
// NOTINPUT: muir-sim: --input names 'w', which is not an input tensor of kernel 'pair'
// RUN: not muir-sim %s --kernel=pair --cores=2 --input=x=%t.x3.npy 2>&1 | FileCheck %s --check-prefix=STACK
// STACK: muir-sim: '{{.*}}x3.npy' holds 24 elements (3, 2, 4) but tensor 'x' has 8 (one for every rank) or 2 x 8 with a leading dimension of 2 (one per rank)
// RUN: not muir-sim %s --kernel=pair --cores=2 --input=x@one=%t.x.npy 2>&1 | FileCheck %s --check-prefix=RANKTEXT
// RANKTEXT: muir-sim: --input 'x@one={{.*}}' names rank 'one', not one of the 2 ranks
