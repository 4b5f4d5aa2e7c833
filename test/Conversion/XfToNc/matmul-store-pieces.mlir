// RUN: muir-opt %s --muir-lower-xf-to-nc="target=trn2" | FileCheck %s

// Two row tiles with B resident (prefill): the PE bounds the kernel, so
// each row tile's [128, 512] bf16 result (128 KiB) leaves in the default
// pieces, two transfers of 64 partitions on two queues (at least four
// times the bytes of one transfer's fixed cost each), not as one 7 us
// transfer that would hold the kernel's end. Only the decode weight ring
// asks for larger pieces (matmul-weight-ring.mlir).
// CHECK-LABEL: nc.kernel @prefill_projection
// CHECK: nc.tensor_copy <sbuf[0, 128] at [[C0:[0-9]+]] dims [512] {{.*}}, <psum[0, 128]
// CHECK-NEXT: nc.dma <hbm @out0[64 x 512] at 0 dims [512] {{.*}}, <sbuf[0, 64] at [[C0]] dims [512] {{.*}} {queue = #nc.queue<[[Q0:dma[0-9]+]]>}
// CHECK-NEXT: nc.dma <hbm @out0[64 x 512] at 32768 dims [512] {{.*}}, <sbuf[64, 64] at [[C0]] dims [512] {{.*}} {queue = #nc.queue<[[Q1:dma[0-9]+]]>}
// CHECK: nc.tensor_copy <sbuf[0, 128] at [[C1:[0-9]+]] dims [512] {{.*}}, <psum[0, 128]
// CHECK-NEXT: nc.dma <hbm @out0[64 x 512] at 65536 dims [512] {{.*}}, <sbuf[0, 64] at [[C1]] dims [512]
// CHECK-NEXT: nc.dma <hbm @out0[64 x 512] at 98304 dims [512] {{.*}}, <sbuf[64, 64] at [[C1]] dims [512]
// CHECK-NOT: nc.dma
func.func @prefill_projection(%a: tensor<256x128xbf16>, %b: tensor<128x512xbf16>) -> tensor<256x512xbf16> {
  %0 = xf.matmul %a, %b : (tensor<256x128xbf16>, tensor<128x512xbf16>) -> tensor<256x512xbf16>
  return %0 : tensor<256x512xbf16>
}
