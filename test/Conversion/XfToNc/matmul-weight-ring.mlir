// RUN: muir-opt %s --muir-lower-xf-to-nc="target=trn2" | FileCheck %s

// One row tile on trn2 (decode): B is used once, so it streams through a
// ring of slots, one K tile of a column block each. The block is as wide as
// half of PSUM (4 banks of 512 fp32 = 2048 columns, 4 KiB of bf16 per
// partition: the DMA's efficient size); each slot's load is one transfer
// (split by partitions over queues), followed by the block's four matmuls.
// CHECK-LABEL: nc.kernel @decode_projection
// A^T for all K (two K tiles), once.
// CHECK: nc.dma <sbuf[0, 128] at [[AT:[0-9]+]] dims [1] {{.*}}<hbm @arg0[1 x 256] at 0 dims [128] {{.*}}transpose}
// CHECK: nc.dma <sbuf[0, 128] at [[AT1:[0-9]+]] dims [1] {{.*}}<hbm @arg0[1 x 256] at 128 dims [128] {{.*}}transpose}
// CHECK: nc.dma <sbuf[0, 32] at [[S0:[0-9]+]] dims [2048] {{.*}}<hbm @arg1[32 x 4096] at 0 dims [2048]
// CHECK-COUNT-3: nc.dma <sbuf[{{32|64|96}}, 32] at [[S0]] dims [2048]
// CHECK: nc.matmul <psum[0, 1] at {{[0-9]+}} dims [512] {{.*}}, <sbuf[0, 128] at [[AT]] dims [1] {{.*}}, <sbuf[0, 128] at [[S0]] dims [512]
// CHECK-COUNT-3: nc.matmul <psum[0, 1] {{.*}}, <sbuf[0, 128] at [[AT]] dims [1]
// The second K tile goes to the next slot and accumulates.
// CHECK: nc.dma <sbuf[0, 32] at [[S1:[0-9]+]] dims [2048] {{.*}}<hbm @arg1[32 x 4096] at 524288 dims [2048]
// CHECK-NOT: at [[S0]] dims [2048]
// CHECK: nc.matmul {{.*}}, <sbuf[0, 128] at [[AT1]] dims [1] {{.*}}, <sbuf[0, 128] at [[S1]] dims [512] {{.*}} {accumulate}
// CHECK-COUNT-3: nc.matmul {{.*}}, <sbuf[0, 128] at [[AT1]] dims [1] {{.*}} {accumulate}
// The second column block (columns 2048..4095) accumulates in the other half
// of PSUM while the first is evacuated.
// CHECK: nc.matmul <psum[0, 1] at 8192 dims [512] {{.*}}, <sbuf[0, 128] at [[AT]] dims [1]
// CHECK-COUNT-7: nc.matmul
// CHECK-NOT: nc.matmul
func.func @decode_projection(%a: tensor<1x256xbf16>, %b: tensor<256x4096xbf16>) -> tensor<1x4096xbf16> {
  %0 = xf.matmul %a, %b : (tensor<1x256xbf16>, tensor<256x4096xbf16>) -> tensor<1x4096xbf16>
  return %0 : tensor<1x4096xbf16>
}
