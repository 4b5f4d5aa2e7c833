// One bf16 matmul on trn2: load both operands, multiply, evacuate PSUM, store.
// RUN: muir-sim %s --report | FileCheck %s
// RUN: muir-sim %s --timing-only --report | FileCheck %s
// RUN: muir-sim %s --report-json=%t.json && %python -c "import json; r = json.load(open('%t.json')); print('cycles', round(r['cycles'], 1)); print('pe', round(r['busy']['pe'], 6))" | FileCheck %s --check-prefix=JSON
//
// Hand derivation from targets/trn2.json (times in ns; DMA efficiency by
// bytes per descriptor: 256 B -> 0.5, 1 KiB -> 0.85, 2 KiB -> 0.95):
//  dma0 (a, 128x128 bf16 = 32768 B; one 256 B descriptor per partition):
//  600 + 32768/(23e9*0.5)*1e9 = 3449.39 (HBM channel 32768/(360e9*0.9) =
//  101.14 ns, not the bound)
//  dma1 (b, 128x512 bf16 = 131072 B, 1 KiB per partition):
//  600 + 131072/(23e9*0.85)*1e9 = 7304.45 (HBM: 101.14 + 404.54, not the bound)
//  matmul: waits for both: 7304.45 + compute semaphore latency 120 = 7424.45.
//  LoadStationary max(128, 64)*1/4 = 32 cycles is exposed (PE idle before),
//  then issue 16 + MultiplyMoving max(512, 64)*1 = 528 cycles, result
//  visible pipeline_latency 256 cycles later:
//  7424.45 + (32 + 528 + 256)/2.4 = 7764.45
//  tensor_copy (dve, f32 PSUM -> f32 SBUF, no performance mode):
//  + 120 + (60 + max(64, 512))/0.96 = 8480.28
//  dma2 (c, 128x512 f32 = 262144 B, 2 KiB per partition): + 700 (DMA
//  semaphore latency) + 600 + 262144/(23e9*0.95)*1e9 = 12597.44 -> 21777.72 ns
//  = 52266.5 PE cycles at 2.4 GHz.
//  pe busy = (32 + 528)/2.4 = 233.33 ns -> 233.33/21777.72 = 0.010714
//  pe utilization = 128*128*512 MACs / (128*128 MACs/cycle * 52266.5) = 1.0 %

// CHECK: cycles            52267 (PE clock)
// CHECK: pe utilization    1.0 %
// CHECK: hbm bytes read    163840
// CHECK: hbm bytes written 262144
// CHECK: sbuf peak bytes   3328 per partition
// CHECK: psum peak bytes   2048 per partition
// CHECK: instructions      5
// JSON: cycles 52266.5
// JSON: pe 0.010714

nc.kernel @one_matmul target = "trn2" semaphores = 3 {
  nc.tensor input @a : tensor<128x128xbf16> at 0
  nc.tensor input @b : tensor<128x512xbf16> at 32768
  nc.tensor output @c : tensor<128x512xf32> at 163840
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 0 dims [128] strides [1] : bf16> {queue = #nc.queue<dma0>, signal = array<i64: 0>}
  nc.dma #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16>, #nc.ap<hbm @b[128 x 512] at 0 dims [512] strides [1] : bf16> {queue = #nc.queue<dma1>, signal = array<i64: 0>}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16> {wait = array<i64: 0, 2>, signal = array<i64: 1>}
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 1280 dims [512] strides [1] : f32>, #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32> {wait = array<i64: 1, 1>, signal = array<i64: 2>}
  nc.dma #nc.ap<hbm @c[128 x 512] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 1280 dims [512] strides [1] : f32> {queue = #nc.queue<dma2>, wait = array<i64: 2, 1>}
}
