// Collective times derived by hand from the machine descriptions (timing
// only; every collective starts at 0 on every rank, so the run's time is
// the collective's). small-mc: 2 chips of 4 cores on a 2 x 1 torus;
// core to core on a chip 180e9 B/s, one NeuronLink 125e9 B/s, every step
// 1300 ns, plus 2000 ns per NeuronLink hop; PE clock 2.4 GHz.

// Ring all-reduce of S = 1 MiB (64 x 4096 f32) over ranks 0..7: the ring
// crosses chips on 3->4 and 7->0 (one hop: latency 3300 ns, 125e9 B/s), so
// every step takes 3300 + (S/8) / 125e9 = 3300 + 1048.576 ns and there are
// 2 (8 - 1) = 14: 60880.064 ns = 146112.15 cycles. Each ring edge carries
// 14 x S/8 = 1835008 bytes.
// RUN: muir-sim %s --kernel=ring8 --cores=8 --timing-only --report | FileCheck %s --check-prefix=RING8
// RING8: cores             8
// RING8-NEXT: cycles            146112 (PE clock)
// RING8-NEXT: time              60.880 us
// RING8-NEXT: collectives       1
// RING8: links:
// RING8-NEXT: chip0 core0->core1       1835008 bytes      60.880 us  1 transfers
// RING8-NEXT: chip0 core1->core2       1835008 bytes
// RING8-NEXT: chip0 core2->core3       1835008 bytes
// RING8-NEXT: chip1 core0->core1       1835008 bytes
// RING8-NEXT: chip1 core1->core2       1835008 bytes
// RING8-NEXT: chip1 core2->core3       1835008 bytes
// RING8-NEXT: nl chip0->chip1          1835008 bytes
// RING8-NEXT: nl chip1->chip0          1835008 bytes
nc.kernel @ring8 target = "small-mc" {
  nc.tensor input @x : tensor<64x4096xf32> at 0
  nc.tensor output @y : tensor<64x4096xf32> at 1048576
  nc.all_reduce add #nc.ap<hbm @y[64 x 4096] at 0 dims [4096] strides [1] : f32>, #nc.ap<hbm @x[64 x 4096] at 0 dims [4096] strides [1] : f32> groups dense<[[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi64>
}

// Tree all-reduce of the same S: levels pair ranks 1 apart (on a chip:
// 1300 + S / 180e9 = 7125.422 ns), 2 apart (on a chip, the same) and 4
// apart (across chips: 3300 + S / 125e9 = 11688.608 ns), each up and down:
// 2 (7125.422 + 7125.422 + 11688.608) = 51878.905 ns = 124509.37 cycles.
// RUN: muir-sim %s --kernel=tree8 --cores=8 --timing-only --report | FileCheck %s --check-prefix=TREE8
// TREE8: cycles            124509 (PE clock)
nc.kernel @tree8 target = "small-mc" {
  nc.tensor input @x : tensor<64x4096xf32> at 0
  nc.tensor output @y : tensor<64x4096xf32> at 1048576
  nc.all_reduce add #nc.ap<hbm @y[64 x 4096] at 0 dims [4096] strides [1] : f32>, #nc.ap<hbm @x[64 x 4096] at 0 dims [4096] strides [1] : f32> groups dense<[[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi64> algorithm tree
}

// All-gather to S = 1 MiB from 128 KiB per rank: 8 - 1 = 7 steps of S/8
// over the same ring: 7 x 4348.576 = 30440.032 ns = 73056.08 cycles.
// RUN: muir-sim %s --kernel=gather8 --cores=8 --timing-only --report | FileCheck %s --check-prefix=GATHER8
// GATHER8: cycles            73056 (PE clock)
nc.kernel @gather8 target = "small-mc" {
  nc.tensor input @x : tensor<8x4096xf32> at 0
  nc.tensor output @y : tensor<64x4096xf32> at 131072
  nc.all_gather #nc.ap<hbm @y[64 x 4096] at 0 dims [4096] strides [1] : f32>, #nc.ap<hbm @x[8 x 4096] at 0 dims [4096] strides [1] : f32> groups dense<[[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi64>
}

// Send/recv of 32 KiB between ranks 3 and 4 (one NeuronLink hop each
// way): 3300 + 32768 / 125e9 = 3562.144 ns = 8549.15 cycles; the other
// ranks take no part (their instructions end when they start).
// RUN: muir-sim %s --kernel=exchange --cores=8 --timing-only --report | FileCheck %s --check-prefix=P2P
// P2P: cycles            8549 (PE clock)
// P2P: links:
// P2P-NEXT: nl chip0->chip1            32768 bytes       3.562 us  1 transfers
// P2P-NEXT: nl chip1->chip0            32768 bytes       3.562 us  1 transfers
nc.kernel @exchange target = "small-mc" {
  nc.tensor input @x : tensor<8x1024xf32> at 0
  nc.tensor output @y : tensor<8x1024xf32> at 32768
  nc.send #nc.ap<hbm @x[8 x 1024] at 0 dims [1024] strides [1] : f32> pairs dense<[[3, 4], [4, 3]]> : tensor<2x2xi64>
  nc.recv #nc.ap<hbm @y[8 x 1024] at 0 dims [1024] strides [1] : f32> pairs dense<[[3, 4], [4, 3]]> : tensor<2x2xi64> {queue = #nc.queue<dma1>}
}

// A Trn2 instance (4 x 4 chips of 8 cores): all-reduce of S = 1 MiB over
// all 128 cores. The ring in rank order steps from chip 3 (x 3, y 0) to
// chip 4 (x 0, y 1), and from chip 15 back to chip 0: two NeuronLink hops
// (1300 + 2 x 2000 = 5300 ns), the slowest edge; 2 x 127 steps of S/128:
// 254 x (5300 + 65.536) = 1362846.144 ns = 3270830.7 cycles. Torus-aware
// ring2d: rows of C = 32 ranks (4 chips of one torus row), R = 4 rows,
// every ring edge one hop (3300 ns) or on a chip; 2 (C - 1) = 62 row steps
// of S/32 (3300 + 262.144 ns) and 2 (R - 1) = 6 column steps of S/128
// (3300 + 65.536 ns): 220852.928 + 20193.216 = 241046.144 ns = 578510.7
// cycles, 5.65x faster.
// RUN: muir-sim %s --kernel=instance_ring --cores=128 --timing-only --report | FileCheck %s --check-prefix=INSTRING
// INSTRING: cycles            3270831 (PE clock)
// RUN: muir-sim %s --kernel=instance_ring2d --cores=128 --timing-only --report | FileCheck %s --check-prefix=INST2D
// INST2D: cycles            578511 (PE clock)
nc.kernel @instance_ring target = "trn2-instance" {
  nc.tensor input @x : tensor<64x4096xf32> at 0
  nc.tensor output @y : tensor<64x4096xf32> at 1048576
  nc.all_reduce add #nc.ap<hbm @y[64 x 4096] at 0 dims [4096] strides [1] : f32>, #nc.ap<hbm @x[64 x 4096] at 0 dims [4096] strides [1] : f32> groups dense<[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127]]> : tensor<1x128xi64>
}
nc.kernel @instance_ring2d target = "trn2-instance" {
  nc.tensor input @x : tensor<64x4096xf32> at 0
  nc.tensor output @y : tensor<64x4096xf32> at 1048576
  nc.all_reduce add #nc.ap<hbm @y[64 x 4096] at 0 dims [4096] strides [1] : f32>, #nc.ap<hbm @x[64 x 4096] at 0 dims [4096] strides [1] : f32> groups dense<[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127]]> : tensor<1x128xi64> algorithm ring2d
}

// Groups of one collective run at once and share the links their routes
// cross. All-gather to S = 1 MiB over the pairs (r, 4 + r): each pair's
// ring alone takes one step of S/2 over a NeuronLink hop, 3300 + 524288 /
// 125e9 = 7494.304 ns; the four pairs all cross the one
// link each way, which carries 4 x S/2 = 2 MiB: 1300 (one step's latency)
// + 2097152 / 125e9 = 18077.216 ns = 43385.32 cycles (PAIRS4).
// RUN: muir-sim %s --kernel=pairs4 --cores=8 --timing-only --report | FileCheck %s --check-prefix=PAIRS4
// PAIRS4: cycles            43385 (PE clock)
// Four group instances, each spanning the run: 4 x 18.077 us summed, but
// every rank spends 18.077 us (its own group's) in collectives.
// PAIRS4: collective time   72.309 us (sum of spans, 400.0 % of the run)
// PAIRS4-NEXT: per rank          18.077 us in collectives (100.0 % of the run)
// PAIRS4: links:
// PAIRS4-NEXT: nl chip0->chip1          2097152 bytes
// PAIRS4-NEXT: nl chip1->chip0          2097152 bytes
nc.kernel @pairs4 target = "small-mc" {
  nc.tensor input @x : tensor<32x4096xf32> at 0
  nc.tensor output @y : tensor<64x4096xf32> at 524288
  nc.all_gather #nc.ap<hbm @y[64 x 4096] at 0 dims [4096] strides [1] : f32>, #nc.ap<hbm @x[32 x 4096] at 0 dims [4096] strides [1] : f32> groups dense<[[0, 4], [1, 5], [2, 6], [3, 7]]> : tensor<4x2xi64>
}

// All-to-all along torus rows, then columns (ring2d), over a Trn2
// instance's first 8 chips, one rank per chip in each of 8 groups (ranks k,
// 8 + k, ..., 56 + k: the mesh columns of context parallelism); S = 64 KiB
// per rank. The chips form 2 torus rows of 4: first 3 steps of S/4 along
// the rows (1, 2 and again 1 NeuronLink hop: 3300 + 16384 / 125e9 =
// 3431.072 ns, 5300 + 131.072 = 5431.072 ns, 3431.072 ns), then 1 step of
// S/2 between the rows (3300 + 262.144 = 3562.144 ns): 15855.36 ns =
// 38052.86 cycles, against 7 steps of up to 3 hops in one ring. The 8
// groups share the links (the busiest carries 8 x 3/4 S = 384 KiB: 4 x 1300
// + 3145.728 = 8345.728 ns), which does not bind here.
// RUN: muir-sim %s --kernel=a2a_torus --cores=64 --timing-only --report | FileCheck %s --check-prefix=A2A2D
// A2A2D: cycles            38053 (PE clock)
// A2A2D: time              15.855 us
// RUN: muir-sim %s --kernel=a2a_ring --cores=64 --timing-only --report | FileCheck %s --check-prefix=A2ARING
// The pairwise ring over the same groups: step s sends S/8 = 8192 B
// (65.536 ns) from chip i to chip i + s of the 4 x 2 block; its slowest
// route has 2 hops for s = 1, 3, 5, 7 (5365.536 ns), 3 for s = 2, 6
// (7365.536 ns) and 1 for s = 4 (3365.536 ns): 39558.752 ns.
// A2ARING: time              39.559 us
nc.kernel @a2a_torus target = "trn2-instance" {
  nc.tensor input @x : tensor<4x4096xf32> at 0
  nc.tensor output @y : tensor<4x4096xf32> at 65536
  nc.all_to_all #nc.ap<hbm @y[4 x 4096] at 0 dims [4096] strides [1] : f32>, #nc.ap<hbm @x[4 x 4096] at 0 dims [4096] strides [1] : f32> groups dense<[[0, 8, 16, 24, 32, 40, 48, 56], [1, 9, 17, 25, 33, 41, 49, 57], [2, 10, 18, 26, 34, 42, 50, 58], [3, 11, 19, 27, 35, 43, 51, 59], [4, 12, 20, 28, 36, 44, 52, 60], [5, 13, 21, 29, 37, 45, 53, 61], [6, 14, 22, 30, 38, 46, 54, 62], [7, 15, 23, 31, 39, 47, 55, 63]]> : tensor<8x8xi64> algorithm ring2d
}
nc.kernel @a2a_ring target = "trn2-instance" {
  nc.tensor input @x : tensor<4x4096xf32> at 0
  nc.tensor output @y : tensor<4x4096xf32> at 65536
  nc.all_to_all #nc.ap<hbm @y[4 x 4096] at 0 dims [4096] strides [1] : f32>, #nc.ap<hbm @x[4 x 4096] at 0 dims [4096] strides [1] : f32> groups dense<[[0, 8, 16, 24, 32, 40, 48, 56], [1, 9, 17, 25, 33, 41, 49, 57], [2, 10, 18, 26, 34, 42, 50, 58], [3, 11, 19, 27, 35, 43, 51, 59], [4, 12, 20, 28, 36, 44, 52, 60], [5, 13, 21, 29, 37, 45, 53, 61], [6, 14, 22, 30, 38, 46, 54, 62], [7, 15, 23, 31, 39, 47, 55, 63]]> : tensor<8x8xi64>
}
