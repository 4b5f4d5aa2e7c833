// rope keeps two sets of cos/sin tables and x/out/scratch tiles so loads
// overlap compute; where two sets do not fit (D = 128 on the 4 KiB SBUF
// partitions of the small target) it uses one set instead of failing with
// "does not fit". The double-buffered trn2 schedule is unchanged.
// RUN: muir-run %s --backend=sim --check --target=small | FileCheck %s
// RUN: muir-run %s --backend=sim --check --target=trn2 | FileCheck %s
// RUN: muir-opt %s --muir-lower-xf-to-nc="target=small" | FileCheck %s --check-prefix=SMALL

// CHECK: check #0: {{.*}} mismatches=0/25600 OK
// One cos table tile (the top 512 bytes of SBUF) reused by all 7 position
// tiles of 16 rows.
// SMALL-COUNT-7: nc.dma <sbuf[0, {{[0-9]+}}] at 3584 dims [128] strides [1] : f32>, <hbm @arg1[
func.func @main(%x: tensor<2x100x128xbf16>, %c: tensor<100x128xbf16>, %s: tensor<100x128xbf16>) -> tensor<2x100x128xbf16> {
  %0 = xf.rope %x, %c, %s : (tensor<2x100x128xbf16>, tensor<100x128xbf16>, tensor<100x128xbf16>) -> tensor<2x100x128xbf16>
  return %0 : tensor<2x100x128xbf16>
}
