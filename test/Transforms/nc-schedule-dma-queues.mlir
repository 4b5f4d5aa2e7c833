// RUN: muir-opt %s -split-input-file --pass-pipeline='builtin.module(nc.kernel(muir-nc-schedule))' | FileCheck %s
// RUN: muir-opt %s -split-input-file --pass-pipeline='builtin.module(nc.kernel(muir-nc-schedule{assign-dma-queues=false}))' | FileCheck %s --check-prefix=KEEP

// The DMA queues are one pool: both operands of the matmul were emitted on
// dma0, where the second would wait for the first; the scheduler puts it
// on a free queue (dma1), so both arrive together.
// CHECK-LABEL: nc.kernel @pooled
// CHECK:      nc.dma <sbuf[0, 128] at 0 dims [512] {{.*}}@a{{.*}}>{{$}}
// CHECK-NEXT: nc.dma <sbuf[0, 128] at 4096 dims [128] {{.*}}@b{{.*}} {queue = #nc.queue<dma1>}
// CHECK-NEXT: nc.matmul
// KEEP-LABEL: nc.kernel @pooled
// KEEP:      nc.dma <sbuf[0, 128] at 0 dims [512] {{.*}}@a{{.*}}>{{$}}
// KEEP-NEXT: nc.dma <sbuf[0, 128] at 4096 dims [128] {{.*}}@b{{.*}}>{{$}}
nc.kernel @pooled target = "trn2" {
  nc.tensor input @a : tensor<128x512xbf16> at 0
  nc.tensor input @b : tensor<128x128xbf16> at 131072
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : bf16>, #nc.ap<hbm @a[128 x 512] at 0 dims [512] strides [1] : bf16>
  nc.dma #nc.ap<sbuf[0, 128] at 4096 dims [128] strides [1] : bf16>, #nc.ap<hbm @b[128 x 128] at 0 dims [128] strides [1] : bf16>
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 4096 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : bf16>
}

// -----

// Transfers that keep their queue: a write whose HBM rows interleave
// (partition stride 1, shorter than a row: ordered on its queue for the
// hazard checker) and a loop's transfers. The plain load between them goes
// to the queue that frees first.
// CHECK-LABEL: nc.kernel @pinned
// CHECK-DAG: nc.dma <hbm @out[128 x 1] at 0 dims [64] strides [128] : f32>, {{.*}} {queue = #nc.queue<dma5>}
// CHECK-DAG: nc.dma <sbuf[0, 128] at 1024 dims [64] {{.*}}@in{{.*}}>{{$}}
// CHECK-DAG: nc.loop 2
// CHECK-DAG: nc.dma <sbuf[0, 128] at 2048 dims [64] {{.*}} {queue = #nc.queue<dma5>}
nc.kernel @pinned target = "trn2" {
  nc.tensor input @in : tensor<128x64xf32> at 0
  nc.tensor output @out : tensor<64x128xf32> at 65536
  nc.dma #nc.ap<hbm @out[128 x 1] at 0 dims [64] strides [128] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [64] strides [1] : f32> {queue = #nc.queue<dma5>}
  nc.dma #nc.ap<sbuf[0, 128] at 1024 dims [64] strides [1] : f32>, #nc.ap<hbm @in[128 x 64] at 0 dims [64] strides [1] : f32> {queue = #nc.queue<dma5>}
  nc.loop 2 steps [0, 0, 0, 256] {
    nc.dma #nc.ap<sbuf[0, 128] at 2048 dims [64] strides [1] : f32>, #nc.ap<hbm @in[128 x 64] at 0 dims [64] strides [1] : f32> {queue = #nc.queue<dma5>}
  }
}
