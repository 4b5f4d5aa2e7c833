// SBUF buffers start on the machine description's sbuf.alignment_bytes
// (64 on every shipped target): with a 256-byte granule on the small
// target, the elementwise kernel's tiles sit 256 bytes apart, from the top
// of the partition down (the first kernel is placed at the high end), and
// the plan, which keeps a granule of slack per buffer, takes 35 columns a
// tile instead of 37; with 64, 192 bytes apart. The plan (Elementwise.cpp,
// 3 buffers x 3 sets of 12 bytes a column): with 64, half of SBUF: (2048 -
// 2 x 64 - 9 x 64) / 36 = 37; with 256, half leaves nothing (2048 - 512 -
// 2304 < 0), so all of it: (4096 - 512 - 2304) / 36 = 35.
// RUN: sed 's/"alignment_bytes": 64,/"alignment_bytes": 256,/' %muir_src/targets/small.json > %t.json
// RUN: muir-opt %s --muir-lower-xf-to-nc="target=%t.json" | FileCheck %s --check-prefix=A256
// RUN: muir-opt %s --muir-lower-xf-to-nc="target=small" | FileCheck %s --check-prefix=A64
// A256: nc.dma <sbuf[0, 10] at 3584 dims [35] {{.*}} <hbm @arg0
// A256-NEXT: nc.dma <sbuf[0, 10] at 3328 dims [35] {{.*}} <hbm @arg1
// A256-NEXT: nc.tensor_tensor add <sbuf[0, 10] at 3840 dims [35]
// A64: nc.dma <sbuf[0, 10] at 3712 dims [37] {{.*}} <hbm @arg0
// A64-NEXT: nc.dma <sbuf[0, 10] at 3520 dims [37] {{.*}} <hbm @arg1
// A64-NEXT: nc.tensor_tensor add <sbuf[0, 10] at 3904 dims [37]
func.func @main(%a: tensor<16x40xf32>, %b: tensor<16x40xf32>) -> tensor<16x40xf32> {
  %0 = xf.add %a, %b : (tensor<16x40xf32>, tensor<16x40xf32>) -> tensor<16x40xf32>
  return %0 : tensor<16x40xf32>
}
