// One bf16 matmul on trn2: load both operands, multiply, evacuate PSUM, store.
// RUN: muir-sim %s --report | FileCheck %s
// RUN: muir-sim %s --report-json=%t.json && %python -c "import json; r = json.load(open('%t.json')); print('cycles', round(r['cycles'], 1)); print('pe', round(r['busy']['pe'], 6))" | FileCheck %s --check-prefix=JSON
//
// Hand derivation from targets/trn2.json (times in ns):
//  dma0 (a, 128x128 bf16 = 32768 B; HBM rows contiguous, SBUF one chunk per
//  partition -> 128 chunks): 600 + 128*0.5 + 32768/28.99e9*1e9 = 1794.32
//  (HBM channel: 32768/360e9 = 91.02 ns, not the bound)
//  dma1 (b, 128x512 bf16 = 131072 B, 128 chunks): 600 + 64 + 4521.28 = 5185.28
//  (HBM: starts after a's 91.02 ns, ends at 455.11 -> not the bound)
//  matmul: waits for both (5185.28). LoadStationary max(128, 64)*1/4 = 32
//  cycles is exposed (PE idle before), MultiplyMoving max(512, 64)*1 = 512
//  cycles, result visible pipeline_latency 256 cycles later:
//  5185.28 + (32 + 512 + 256)/2.4 = 5518.62
//  tensor_copy (dve): (100 + 512*1)/0.96 = 637.5 -> 6156.12
//  dma2 (c, 128x512 f32 = 262144 B, 128 chunks): 600 + 64 + 9042.57 = 9706.57
//  -> 15862.68 ns = 38070.44 PE cycles at 2.4 GHz.
//  pe busy = (32 + 512)/2.4 = 226.67 ns -> 226.67/15862.68 = 0.014289
//  pe utilization = 128*128*512 MACs / (128*128 MACs/cycle * 38070.44) = 1.3 %

// CHECK: cycles            38070 (PE clock)
// CHECK: pe utilization    1.3 %
// CHECK: hbm bytes read    163840
// CHECK: hbm bytes written 262144
// CHECK: sbuf peak bytes   3328 per partition
// CHECK: psum peak bytes   2048 per partition
// CHECK: instructions      5
// JSON: cycles 38070.4
// JSON: pe 0.014289

nc.kernel @one_matmul target = "trn2" semaphores = 3 {
  nc.tensor input @a : tensor<128x128xbf16> at 0
  nc.tensor input @b : tensor<128x512xbf16> at 32768
  nc.tensor output @c : tensor<128x512xf32> at 163840
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<hbm @a[128 x 128] at 0 dims [128] strides [1] : bf16> {queue = "dma0", signal = array<i64: 0>}
  nc.dma #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16>, #nc.ap<hbm @b[128 x 512] at 0 dims [512] strides [1] : bf16> {queue = "dma1", signal = array<i64: 0>}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 256 dims [512] strides [1] : bf16> {wait = array<i64: 0, 2>, signal = array<i64: 1>}
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 1280 dims [512] strides [1] : f32>, #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32> {wait = array<i64: 1, 1>, signal = array<i64: 2>}
  nc.dma #nc.ap<hbm @c[128 x 512] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 1280 dims [512] strides [1] : f32> {queue = "dma2", wait = array<i64: 2, 1>}
}
