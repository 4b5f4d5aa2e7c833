// Timing model checks; every expected cycle count is derived by hand from
// targets/trn2.json: DMA fixed_ns 600 per transfer, queue_bytes_per_s 23e9
// times the size efficiency of the bytes per descriptor (256 B 0.5, 512 B
// 0.7, 1 KiB 0.85, 2 KiB 0.95, >= 4 KiB 1.0, below 256 B proportional),
// strided (innermost stride > 16 B) 0.5, transpose HBM->SBUF 0.9; HBM 360e9
// B/s at efficiency 0.9; semaphore latency 120 ns (compute) / 700 ns (DMA);
// PE 2.4 GHz, issue 16 cycles, mm_min_cycles 64, load_stationary_speedup 4,
// pipeline_latency_cycles 256; vector 0.96 GHz, access start 60, min 64
// cycles, performance mode x4 (bf16 copy), x2 (bf16 tensor_tensor), bf16
// reduce x2; scalar 1.2 GHz, access start 60, min 64; gpsimd 1.2 GHz, fixed
// 150; engine access with an innermost stride > 16 B at half rate.
// Cycles are PE cycles: ns * 2.4.
// RUN: muir-sim %s --kernel=dma_copy --report | FileCheck %s --check-prefix=COPY
// RUN: muir-sim %s --kernel=dma_strided --report | FileCheck %s --check-prefix=STRIDED
// RUN: muir-sim %s --kernel=dma_hbm_bound --report | FileCheck %s --check-prefix=HBMBOUND
// RUN: muir-sim %s --kernel=engines_overlap --report | FileCheck %s --check-prefix=OVERLAP
// RUN: muir-sim %s --kernel=engines_serial --report | FileCheck %s --check-prefix=SERIAL
// RUN: muir-sim %s --kernel=matmul_reuse --report | FileCheck %s --check-prefix=REUSE
// RUN: muir-sim %s --kernel=matmul_distinct --report | FileCheck %s --check-prefix=DISTINCT
// RUN: muir-sim %s --kernel=matmul_small_n --report | FileCheck %s --check-prefix=SMALLN
// RUN: muir-sim %s --kernel=dma_strided_wide --report | FileCheck %s --check-prefix=WIDE
// RUN: muir-sim %s --kernel=dma_small_rows --report | FileCheck %s --check-prefix=SMALLROWS
// RUN: muir-sim %s --kernel=dma_transpose --report | FileCheck %s --check-prefix=DMATR
// RUN: muir-sim %s --kernel=vector_modes --report | FileCheck %s --check-prefix=VMODES
// RUN: muir-sim %s --kernel=engine_strided --report | FileCheck %s --check-prefix=ESTRIDED
// RUN: muir-sim %s --kernel=psum_same_bank --report | FileCheck %s --check-prefix=SAMEBANK
// RUN: muir-sim %s --kernel=psum_two_banks --report | FileCheck %s --check-prefix=TWOBANKS
// RUN: muir-sim %s --kernel=gpsimd_bus --report | FileCheck %s --check-prefix=BUS
// RUN: muir-sim %s --kernel=dma_copy --target=trn1 --report | FileCheck %s --check-prefix=TRN1

// A DMA-bound copy: 128x512 f32 (262144 B) HBM -> SBUF -> HBM. Each transfer
// moves one 2 KiB descriptor per partition (efficiency 0.95):
// 600 + 262144/(23e9*0.95) s = 600 + 11997.44 = 12597.44 ns (the HBM channel
// needs only 262144/324e9 = 809.09 ns). The store waits for the load and
// the DMA semaphore latency: 2 * 12597.44 + 700 = 25894.87 ns = 62147.7 cycles.
// COPY: cycles            62148 (PE clock)
// COPY: hbm bytes read    262144
// COPY: hbm bytes written 262144
// COPY: dma0      48.6 %
// COPY: dma1      48.6 %
// On targets/trn1.json (17 B/ns per queue, PE clock 2.8 GHz):
// (600 + 262144/(17e9*0.95) s) * 2 + 700 = 34363.65 ns = 96218.2 cycles.
// TRN1: cycles            96218 (PE clock)
nc.kernel @dma_copy target = "trn2" semaphores = 1 {
  nc.tensor input @x : tensor<128x512xf32> at 0
  nc.tensor output @y : tensor<128x512xf32> at 262144
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<hbm @x[128 x 512] at 0 dims [512] strides [1] : f32> {signal = array<i64: 0>}
  nc.dma #nc.ap<hbm @y[128 x 512] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32> {queue = #nc.queue<dma1>, wait = array<i64: 0, 1>}
}

// Every other bf16 element of each row: the innermost stride (4 B) is not
// above 16 B, so each row is one 1 KiB descriptor at full rate (0.85):
// 600 + 131072/(23e9*0.85) s = 600 + 6704.45 = 7304.45 ns = 17530.7 cycles.
// STRIDED: cycles            17531 (PE clock)
nc.kernel @dma_strided target = "trn2" semaphores = 0 {
  nc.tensor input @x : tensor<128x1024xbf16> at 0
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : bf16>, #nc.ap<hbm @x[128 x 1024] at 0 dims [512] strides [2] : bf16>
}

// 16 queues each load 8 rows of 8192 f32 (262144 B, 32 KiB descriptors):
// per queue 600 + 262144/23e9 s = 11997.57 ns, but together they move 4 MiB
// through the core's HBM channel: 16*262144/324e9 s = 12945.38 ns, which
// bounds the last transfer: 12945.38 ns = 31068.9 cycles.
// HBMBOUND: cycles            31069 (PE clock)
// HBMBOUND: hbm bytes read    4194304
nc.kernel @dma_hbm_bound target = "trn2" semaphores = 0 {
  nc.tensor input @x : tensor<128x8192xf32> at 0
  nc.dma #nc.ap<sbuf[0, 8] at 0 dims [8192] strides [1] : f32>, #nc.ap<hbm @x[8 x 8192] at 0 dims [8192] strides [1] : f32> {queue = #nc.queue<dma0>}
  nc.dma #nc.ap<sbuf[8, 8] at 0 dims [8192] strides [1] : f32>, #nc.ap<hbm @x[8 x 8192] at 65536 dims [8192] strides [1] : f32> {queue = #nc.queue<dma1>}
  nc.dma #nc.ap<sbuf[16, 8] at 0 dims [8192] strides [1] : f32>, #nc.ap<hbm @x[8 x 8192] at 131072 dims [8192] strides [1] : f32> {queue = #nc.queue<dma2>}
  nc.dma #nc.ap<sbuf[24, 8] at 0 dims [8192] strides [1] : f32>, #nc.ap<hbm @x[8 x 8192] at 196608 dims [8192] strides [1] : f32> {queue = #nc.queue<dma3>}
  nc.dma #nc.ap<sbuf[32, 8] at 0 dims [8192] strides [1] : f32>, #nc.ap<hbm @x[8 x 8192] at 262144 dims [8192] strides [1] : f32> {queue = #nc.queue<dma4>}
  nc.dma #nc.ap<sbuf[40, 8] at 0 dims [8192] strides [1] : f32>, #nc.ap<hbm @x[8 x 8192] at 327680 dims [8192] strides [1] : f32> {queue = #nc.queue<dma5>}
  nc.dma #nc.ap<sbuf[48, 8] at 0 dims [8192] strides [1] : f32>, #nc.ap<hbm @x[8 x 8192] at 393216 dims [8192] strides [1] : f32> {queue = #nc.queue<dma6>}
  nc.dma #nc.ap<sbuf[56, 8] at 0 dims [8192] strides [1] : f32>, #nc.ap<hbm @x[8 x 8192] at 458752 dims [8192] strides [1] : f32> {queue = #nc.queue<dma7>}
  nc.dma #nc.ap<sbuf[64, 8] at 0 dims [8192] strides [1] : f32>, #nc.ap<hbm @x[8 x 8192] at 524288 dims [8192] strides [1] : f32> {queue = #nc.queue<dma8>}
  nc.dma #nc.ap<sbuf[72, 8] at 0 dims [8192] strides [1] : f32>, #nc.ap<hbm @x[8 x 8192] at 589824 dims [8192] strides [1] : f32> {queue = #nc.queue<dma9>}
  nc.dma #nc.ap<sbuf[80, 8] at 0 dims [8192] strides [1] : f32>, #nc.ap<hbm @x[8 x 8192] at 655360 dims [8192] strides [1] : f32> {queue = #nc.queue<dma10>}
  nc.dma #nc.ap<sbuf[88, 8] at 0 dims [8192] strides [1] : f32>, #nc.ap<hbm @x[8 x 8192] at 720896 dims [8192] strides [1] : f32> {queue = #nc.queue<dma11>}
  nc.dma #nc.ap<sbuf[96, 8] at 0 dims [8192] strides [1] : f32>, #nc.ap<hbm @x[8 x 8192] at 786432 dims [8192] strides [1] : f32> {queue = #nc.queue<dma12>}
  nc.dma #nc.ap<sbuf[104, 8] at 0 dims [8192] strides [1] : f32>, #nc.ap<hbm @x[8 x 8192] at 851968 dims [8192] strides [1] : f32> {queue = #nc.queue<dma13>}
  nc.dma #nc.ap<sbuf[112, 8] at 0 dims [8192] strides [1] : f32>, #nc.ap<hbm @x[8 x 8192] at 917504 dims [8192] strides [1] : f32> {queue = #nc.queue<dma14>}
  nc.dma #nc.ap<sbuf[120, 8] at 0 dims [8192] strides [1] : f32>, #nc.ap<hbm @x[8 x 8192] at 983040 dims [8192] strides [1] : f32> {queue = #nc.queue<dma15>}
}

// pool iota [128 x 512] f32: (150 + 512)/1.2 GHz = 551.67 ns. Then dve
// (tensor_scalar, one f32 input: (60 + 512)/0.96 = 595.83 ns) and act
// (activation: (60 + max(64, 512))/1.2 = 476.67 ns) both wait only for pool
// (+120 ns semaphore latency) and overlap: 551.67 + 120 + 595.83 = 1267.5 ns
// = 3042 cycles, less than the serial 551.67 + 120 + 595.83 + 120 + 476.67
// = 1864.17 ns = 4474 cycles of @engines_serial.
// OVERLAP: cycles            3042 (PE clock)
// OVERLAP: act       37.6 %
// OVERLAP: dve       47.0 %
// OVERLAP: pool      43.5 %
// SERIAL: cycles            4474 (PE clock)
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
// Operands come from a pool iota over 640 bf16: (150 + 640)/1.2 = 658.33 ns,
// + 120 ns semaphore latency. LoadStationary max(128, 64)/4 = 32 cycles is
// exposed once (PE idle), then it is reused; 4 matmuls of 16 + max(512, 64)
// = 528 cycles back to back; the last result drains 256 cycles later:
// 778.33 ns + (32 + 4*528 + 256)/2.4 ns = 1778.33 ns = 4268 cycles.
// PE utilisation: 4*128*128*512 MACs / (128*128 per cycle * 4268) = 48.0 %.
// REUSE: cycles            4268 (PE clock)
// REUSE: pe utilization    48.0 %
// pe busy: (32 + 4*528)/2.4 = 893.33 ns of 1778.33 ns = 50.2 %.
// REUSE: pe         50.2 %
nc.kernel @matmul_reuse target = "trn2" semaphores = 1 {
  nc.iota #nc.ap<sbuf[0, 128] at 0 dims [640] strides [1] : bf16> {base = 0, channel_multiplier = 1, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16> {wait = array<i64: 0, 1>}
  nc.matmul #nc.ap<psum[0, 128] at 2048 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16>
  nc.matmul #nc.ap<psum[0, 128] at 4096 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16>
  nc.matmul #nc.ap<psum[0, 128] at 6144 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16>
}

// Four distinct stationary tiles: each LoadStationary (32 cycles) runs under
// the previous 528-cycle matmul, so only the first is exposed; iota over
// 1024 bf16 takes (150 + 1024)/1.2 = 978.33 ns:
// 978.33 + 120 + (32 + 4*528 + 256)/2.4 = 2098.33 ns = 5036 cycles.
// DISTINCT: cycles            5036 (PE clock)
nc.kernel @matmul_distinct target = "trn2" semaphores = 1 {
  nc.iota #nc.ap<sbuf[0, 128] at 0 dims [1024] strides [1] : bf16> {base = 0, channel_multiplier = 1, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 1024 dims [512] strides [1] : bf16> {wait = array<i64: 0, 1>}
  nc.matmul #nc.ap<psum[0, 128] at 2048 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 256 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 1024 dims [512] strides [1] : bf16>
  nc.matmul #nc.ap<psum[0, 128] at 4096 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 512 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 1024 dims [512] strides [1] : bf16>
  nc.matmul #nc.ap<psum[0, 128] at 6144 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 768 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 1024 dims [512] strides [1] : bf16>
}

// N = 32 is below mm_min_cycles: each matmul still costs 16 + 64 cycles:
// 658.33 + 120 + (32 + 4*80 + 256)/2.4 = 1031.67 ns = 2476 cycles.
// SMALLN: cycles            2476 (PE clock)
nc.kernel @matmul_small_n target = "trn2" semaphores = 1 {
  nc.iota #nc.ap<sbuf[0, 128] at 0 dims [640] strides [1] : bf16> {base = 0, channel_multiplier = 1, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [32] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [32] strides [1] : bf16> {wait = array<i64: 0, 1>}
  nc.matmul #nc.ap<psum[0, 128] at 2048 dims [32] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [32] strides [1] : bf16>
  nc.matmul #nc.ap<psum[0, 128] at 4096 dims [32] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [32] strides [1] : bf16>
  nc.matmul #nc.ap<psum[0, 128] at 6144 dims [32] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [32] strides [1] : bf16>
}

// Every 16th bf16 element (32 B apart, above 16 B): one 1 KiB descriptor per
// row at the strided rate: 600 + 131072/(23e9*0.85*0.5) s = 600 + 13408.90
// = 14008.90 ns = 33621.4 cycles.
// WIDE: cycles            33621 (PE clock)
nc.kernel @dma_strided_wide target = "trn2" semaphores = 0 {
  nc.tensor input @x : tensor<128x8192xbf16> at 0
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : bf16>, #nc.ap<hbm @x[128 x 8192] at 0 dims [512] strides [16] : bf16>
}

// 128-byte rows (32 f32) are overhead-bound: efficiency 0.5 * 128/256 =
// 0.25: 600 + 16384/(23e9*0.25) s = 600 + 2849.39 = 3449.39 ns = 8278.5 cycles.
// SMALLROWS: cycles            8279 (PE clock)
nc.kernel @dma_small_rows target = "trn2" semaphores = 0 {
  nc.tensor input @x : tensor<128x32xf32> at 0
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [32] strides [1] : f32>, #nc.ap<hbm @x[128 x 32] at 0 dims [32] strides [1] : f32>
}

// A transposing HBM -> SBUF load of 128x128 bf16: source descriptors of 256 B
// (0.5) at the HBM->SBUF transpose efficiency 0.9:
// 600 + 32768/(23e9*0.5*0.9) s = 600 + 3165.99 = 3765.99 ns = 9038.4 cycles.
// DMATR: cycles            9038 (PE clock)
nc.kernel @dma_transpose target = "trn2" semaphores = 0 {
  nc.tensor input @x : tensor<128x128xbf16> at 0
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<hbm @x[128 x 128] at 0 dims [128] strides [1] : bf16> {transpose}
}

// Vector element rates on [128 x 2048] tiles, back to back on dve after a
// pool iota ((150 + 2048)/1.2 = 1831.67 ns, + 120 ns semaphore latency):
//  tensor_copy bf16 -> bf16, SBUF, contiguous (x4): (60 + 2048/4)/0.96 = 595.83
//  tensor_tensor bf16 (two inputs, x2): (60 + 2*2048/2)/0.96 = 2195.83
//  tensor_reduce add bf16 -> bf16 (x2): (60 + 2048/2)/0.96 = 1129.17
//  tensor_copy bf16 -> f32 (no performance mode): (60 + 2048)/0.96 = 2195.83
// 1831.67 + 120 + 595.83 + 2195.83 + 1129.17 + 2195.83 = 8068.33 ns
// = 19364 cycles.
// VMODES: cycles            19364 (PE clock)
nc.kernel @vector_modes target = "trn2" semaphores = 1 {
  nc.iota #nc.ap<sbuf[0, 128] at 0 dims [2048] strides [1] : bf16> {base = 0, channel_multiplier = 1, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 4096 dims [2048] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [2048] strides [1] : bf16> {wait = array<i64: 0, 1>}
  nc.tensor_tensor add #nc.ap<sbuf[0, 128] at 8192 dims [2048] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [2048] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 4096 dims [2048] strides [1] : bf16>
  nc.tensor_reduce add #nc.ap<sbuf[0, 128] at 12288 dims [1] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [2048] strides [1] : bf16> {naxes = 1}
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 16384 dims [2048] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [2048] strides [1] : bf16>
}

// A copy reading every 8th f32 (32 B apart) runs at half rate: after the
// pool iota over 4096 f32 ((150 + 4096)/1.2 = 3538.33 ns) and 120 ns,
// (60 + 512*2)/0.96 = 1129.17 ns: 4787.5 ns = 11490 cycles.
// ESTRIDED: cycles            11490 (PE clock)
nc.kernel @engine_strided target = "trn2" semaphores = 1 {
  nc.iota #nc.ap<sbuf[0, 128] at 0 dims [4096] strides [1] : f32> {base = 0, channel_multiplier = 1, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 16384 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [8] : f32> {wait = array<i64: 0, 1>}
}

// act and dve both read PSUM bank 0 after one matmul: iota 640 bf16
// (658.33 ns) + 120, LS 32 + matmul 528 + drain 256 cycles -> visible at
// 1118.33 ns. Both are ready at 1238.33; act (first in program order) runs
// (60 + 512)/1.2 = 476.67 ns -> 1715; dve must wait for the bank:
// 1715 + (60 + 512)/0.96 = 2310.83 ns = 5546 cycles.
// SAMEBANK: cycles            5546 (PE clock)
nc.kernel @psum_same_bank target = "trn2" semaphores = 2 {
  nc.iota #nc.ap<sbuf[0, 128] at 0 dims [640] strides [1] : bf16> {base = 0, channel_multiplier = 1, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16> {wait = array<i64: 0, 1>, signal = array<i64: 1>}
  nc.activation identity #nc.ap<sbuf[0, 128] at 2048 dims [512] strides [1] : f32>, #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32> {wait = array<i64: 1, 1>}
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32> {wait = array<i64: 1, 1>}
}

// The same reads from two banks overlap: the second matmul (stationary
// reused) issues at 1011.67 and is visible at 1338.33; act runs
// 1238.33 -> 1715, dve 1338.33 + 120 -> 2054.17 ns = 4930 cycles.
// TWOBANKS: cycles            4930 (PE clock)
nc.kernel @psum_two_banks target = "trn2" semaphores = 3 {
  nc.iota #nc.ap<sbuf[0, 128] at 0 dims [640] strides [1] : bf16> {base = 0, channel_multiplier = 1, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16> {wait = array<i64: 0, 1>, signal = array<i64: 1>}
  nc.matmul #nc.ap<psum[0, 128] at 2048 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16> {signal = array<i64: 2>}
  nc.activation identity #nc.ap<sbuf[0, 128] at 2048 dims [512] strides [1] : f32>, #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32> {wait = array<i64: 1, 1>}
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, #nc.ap<psum[0, 128] at 2048 dims [512] strides [1] : f32> {wait = array<i64: 2, 1>}
}

// A performance-mode copy on dve and a GpSimd iota do not overlap (shared
// bus): pool iota A (2048 bf16, 1831.67 ns) signals; pool iota B runs
// 1831.67 -> 3663.33; the dve copy of A (ready at 1951.67) waits for the bus:
// 3663.33 + (60 + 2048/4)/0.96 = 4259.17 ns = 10222 cycles.
// BUS: cycles            10222 (PE clock)
nc.kernel @gpsimd_bus target = "trn2" semaphores = 1 {
  nc.iota #nc.ap<sbuf[0, 128] at 0 dims [2048] strides [1] : bf16> {base = 0, channel_multiplier = 1, coefficients = array<i64: 1>, signal = array<i64: 0>}
  nc.iota #nc.ap<sbuf[0, 128] at 8192 dims [2048] strides [1] : bf16> {base = 0, channel_multiplier = 1, coefficients = array<i64: 1>}
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 4096 dims [2048] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [2048] strides [1] : bf16> {wait = array<i64: 0, 1>}
}
