// Timing model checks; every expected cycle count is derived by hand from
// targets/trn2.json (DMA: fixed_latency_ns 600, chunk_overhead_ns 0.5,
// queue_bytes_per_s 28.99e9; HBM 360e9 B/s; PE 2.4 GHz, mm_min_cycles 64,
// load_stationary_speedup 4, pipeline_latency_cycles 256; vector 0.96 GHz,
// fixed 100 cycles; scalar 1.2 GHz, min 64 cycles; gpsimd 1.2 GHz, fixed 100).
// Cycles are PE cycles: ns * 2.4.
// RUN: muir-sim %s --kernel=dma_copy --report | FileCheck %s --check-prefix=COPY
// RUN: muir-sim %s --kernel=dma_strided --report | FileCheck %s --check-prefix=STRIDED
// RUN: muir-sim %s --kernel=dma_hbm_bound --report | FileCheck %s --check-prefix=HBMBOUND
// RUN: muir-sim %s --kernel=engines_overlap --report | FileCheck %s --check-prefix=OVERLAP
// RUN: muir-sim %s --kernel=engines_serial --report | FileCheck %s --check-prefix=SERIAL
// RUN: muir-sim %s --kernel=matmul_reuse --report | FileCheck %s --check-prefix=REUSE
// RUN: muir-sim %s --kernel=matmul_distinct --report | FileCheck %s --check-prefix=DISTINCT
// RUN: muir-sim %s --kernel=matmul_small_n --report | FileCheck %s --check-prefix=SMALLN

// A DMA-bound copy: 128x512 f32 (262144 B) HBM -> SBUF -> HBM. Each transfer:
// HBM rows are contiguous, SBUF has one run per partition -> 128 chunks;
// 600 + 128*0.5 + 262144/28.99e9 s = 600 + 64 + 9042.57 = 9706.57 ns (the HBM
// channel needs only 262144/360e9 = 728.18 ns). Store waits for the load:
// 2 * 9706.57 = 19413.13 ns = 46591.5 cycles.
// COPY: cycles            46592 (PE clock)
// COPY: hbm bytes read    262144
// COPY: hbm bytes written 262144
// COPY: dma0      50.0 %
// COPY: dma1      50.0 %
nc.kernel @dma_copy target = "trn2" semaphores = 1 {
  nc.tensor input @x : tensor<128x512xf32> at 0
  nc.tensor output @y : tensor<128x512xf32> at 262144
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<hbm @x[128 x 512] at 0 dims [512] strides [1] : f32> {signal = array<i64: 0>}
  nc.dma #nc.ap<hbm @y[128 x 512] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32> {queue = "dma1", wait = array<i64: 0, 1>}
}

// Every other bf16 element of each row: no two elements are contiguous in
// HBM, so 128*512 = 65536 chunks: 600 + 65536*0.5 + 131072/28.99e9 s
// = 600 + 32768 + 4521.28 = 37889.28 ns = 90934.3 cycles.
// STRIDED: cycles            90934 (PE clock)
nc.kernel @dma_strided target = "trn2" semaphores = 0 {
  nc.tensor input @x : tensor<128x1024xbf16> at 0
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : bf16>, #nc.ap<hbm @x[128 x 1024] at 0 dims [512] strides [2] : bf16>
}

// 16 queues each load 8 rows of 2048 f32 (65536 B): per queue
// 600 + 8*0.5 + 65536/28.99e9 s = 2864.64 ns, but together they move 1 MiB
// through the core's HBM channel: 16*65536/360e9 s = 2912.71 ns, which
// bounds the last transfer: 2912.71 ns = 6990.5 cycles.
// HBMBOUND: cycles            6991 (PE clock)
// HBMBOUND: hbm bytes read    1048576
nc.kernel @dma_hbm_bound target = "trn2" semaphores = 0 {
  nc.tensor input @x : tensor<128x2048xf32> at 0
  nc.dma #nc.ap<sbuf[0, 8] at 0 dims [2048] strides [1] : f32>, #nc.ap<hbm @x[8 x 2048] at 0 dims [2048] strides [1] : f32> {queue = "dma0"}
  nc.dma #nc.ap<sbuf[8, 8] at 0 dims [2048] strides [1] : f32>, #nc.ap<hbm @x[8 x 2048] at 16384 dims [2048] strides [1] : f32> {queue = "dma1"}
  nc.dma #nc.ap<sbuf[16, 8] at 0 dims [2048] strides [1] : f32>, #nc.ap<hbm @x[8 x 2048] at 32768 dims [2048] strides [1] : f32> {queue = "dma2"}
  nc.dma #nc.ap<sbuf[24, 8] at 0 dims [2048] strides [1] : f32>, #nc.ap<hbm @x[8 x 2048] at 49152 dims [2048] strides [1] : f32> {queue = "dma3"}
  nc.dma #nc.ap<sbuf[32, 8] at 0 dims [2048] strides [1] : f32>, #nc.ap<hbm @x[8 x 2048] at 65536 dims [2048] strides [1] : f32> {queue = "dma4"}
  nc.dma #nc.ap<sbuf[40, 8] at 0 dims [2048] strides [1] : f32>, #nc.ap<hbm @x[8 x 2048] at 81920 dims [2048] strides [1] : f32> {queue = "dma5"}
  nc.dma #nc.ap<sbuf[48, 8] at 0 dims [2048] strides [1] : f32>, #nc.ap<hbm @x[8 x 2048] at 98304 dims [2048] strides [1] : f32> {queue = "dma6"}
  nc.dma #nc.ap<sbuf[56, 8] at 0 dims [2048] strides [1] : f32>, #nc.ap<hbm @x[8 x 2048] at 114688 dims [2048] strides [1] : f32> {queue = "dma7"}
  nc.dma #nc.ap<sbuf[64, 8] at 0 dims [2048] strides [1] : f32>, #nc.ap<hbm @x[8 x 2048] at 131072 dims [2048] strides [1] : f32> {queue = "dma8"}
  nc.dma #nc.ap<sbuf[72, 8] at 0 dims [2048] strides [1] : f32>, #nc.ap<hbm @x[8 x 2048] at 147456 dims [2048] strides [1] : f32> {queue = "dma9"}
  nc.dma #nc.ap<sbuf[80, 8] at 0 dims [2048] strides [1] : f32>, #nc.ap<hbm @x[8 x 2048] at 163840 dims [2048] strides [1] : f32> {queue = "dma10"}
  nc.dma #nc.ap<sbuf[88, 8] at 0 dims [2048] strides [1] : f32>, #nc.ap<hbm @x[8 x 2048] at 180224 dims [2048] strides [1] : f32> {queue = "dma11"}
  nc.dma #nc.ap<sbuf[96, 8] at 0 dims [2048] strides [1] : f32>, #nc.ap<hbm @x[8 x 2048] at 196608 dims [2048] strides [1] : f32> {queue = "dma12"}
  nc.dma #nc.ap<sbuf[104, 8] at 0 dims [2048] strides [1] : f32>, #nc.ap<hbm @x[8 x 2048] at 212992 dims [2048] strides [1] : f32> {queue = "dma13"}
  nc.dma #nc.ap<sbuf[112, 8] at 0 dims [2048] strides [1] : f32>, #nc.ap<hbm @x[8 x 2048] at 229376 dims [2048] strides [1] : f32> {queue = "dma14"}
  nc.dma #nc.ap<sbuf[120, 8] at 0 dims [2048] strides [1] : f32>, #nc.ap<hbm @x[8 x 2048] at 245760 dims [2048] strides [1] : f32> {queue = "dma15"}
}

// pool iota [128 x 512] f32: (100 + 512*1)/1.2 GHz = 510 ns. Then dve
// (tensor_scalar, one input: (100 + 512)/0.96 = 637.5 ns) and act
// (activation: max(64, 512)/1.2 = 426.67 ns) both wait only for pool and
// overlap: 510 + 637.5 = 1147.5 ns = 2754 cycles, less than the serial
// 510 + 637.5 + 426.67 = 1574.17 ns = 3778 cycles of @engines_serial.
// OVERLAP: cycles            2754 (PE clock)
// OVERLAP: act       37.2 %
// OVERLAP: dve       55.6 %
// OVERLAP: pool      44.4 %
// SERIAL: cycles            3778 (PE clock)
nc.kernel @engines_overlap target = "trn2" semaphores = 1 {
  nc.iota #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32> {base = 0, channel_multiplier = 1, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.tensor_scalar mul #nc.ap<sbuf[0, 128] at 2048 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32> {imm0 = 2.0 : f32, wait = array<i64: 0, 1>}
  nc.activation exp #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32> {wait = array<i64: 0, 1>}
}
nc.kernel @engines_serial target = "trn2" semaphores = 2 {
  nc.iota #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32> {base = 0, channel_multiplier = 1, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.tensor_scalar mul #nc.ap<sbuf[0, 128] at 2048 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32> {imm0 = 2.0 : f32, wait = array<i64: 0, 1>, signal = array<i64: 1>}
  nc.activation exp #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32> {wait = array<i64: 1, 1>}
}

// Four bf16 matmuls [K=128, M=128] x [128, N=512] with one stationary tile.
// Operands come from a pool iota over 640 bf16: (100 + 640)/1.2 = 616.67 ns.
// LoadStationary max(128, 64)/4 = 32 cycles is exposed once (PE idle), then
// it is reused; 4 MultiplyMoving of max(512, 64) = 512 cycles back to back;
// the last result drains 256 cycles later:
// 616.67 ns + (32 + 4*512 + 256)/2.4 ns = 1590 ns = 3816 cycles.
// PE utilisation: 4*128*128*512 MACs / (128*128 per cycle * 3816) = 53.7 %.
// REUSE: cycles            3816 (PE clock)
// REUSE: pe utilization    53.7 %
// pe busy: (32 + 4*512)/2.4 = 866.67 ns of 1590 ns = 54.5 %.
// REUSE: pe         54.5 %
nc.kernel @matmul_reuse target = "trn2" semaphores = 1 {
  nc.iota #nc.ap<sbuf[0, 128] at 0 dims [640] strides [1] : bf16> {base = 0, channel_multiplier = 1, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16> {wait = array<i64: 0, 1>}
  nc.matmul #nc.ap<psum[0, 128] at 2048 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16>
  nc.matmul #nc.ap<psum[0, 128] at 4096 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16>
  nc.matmul #nc.ap<psum[0, 128] at 6144 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16>
}

// Four distinct stationary tiles: each LoadStationary (32 cycles) runs under
// the previous 512-cycle MultiplyMoving, so only the first is exposed; iota
// over 1024 bf16 takes (100 + 1024)/1.2 = 936.67 ns:
// 936.67 + (32 + 4*512 + 256)/2.4 = 1910 ns = 4584 cycles.
// DISTINCT: cycles            4584 (PE clock)
nc.kernel @matmul_distinct target = "trn2" semaphores = 1 {
  nc.iota #nc.ap<sbuf[0, 128] at 0 dims [1024] strides [1] : bf16> {base = 0, channel_multiplier = 1, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 1024 dims [512] strides [1] : bf16> {wait = array<i64: 0, 1>}
  nc.matmul #nc.ap<psum[0, 128] at 2048 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 256 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 1024 dims [512] strides [1] : bf16>
  nc.matmul #nc.ap<psum[0, 128] at 4096 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 512 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 1024 dims [512] strides [1] : bf16>
  nc.matmul #nc.ap<psum[0, 128] at 6144 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 768 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 1024 dims [512] strides [1] : bf16>
}

// N = 32 is below mm_min_cycles: each MultiplyMoving still costs 64 cycles:
// 616.67 + (32 + 4*64 + 256)/2.4 = 843.33 ns = 2024 cycles.
// SMALLN: cycles            2024 (PE clock)
nc.kernel @matmul_small_n target = "trn2" semaphores = 1 {
  nc.iota #nc.ap<sbuf[0, 128] at 0 dims [640] strides [1] : bf16> {base = 0, channel_multiplier = 1, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [32] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [32] strides [1] : bf16> {wait = array<i64: 0, 1>}
  nc.matmul #nc.ap<psum[0, 128] at 2048 dims [32] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [32] strides [1] : bf16>
  nc.matmul #nc.ap<psum[0, 128] at 4096 dims [32] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [32] strides [1] : bf16>
  nc.matmul #nc.ap<psum[0, 128] at 6144 dims [32] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [32] strides [1] : bf16>
}
