// Each kernel's on-chip buffers are one block, emitted by the lowering from
// one end of the memory (the ends alternate between kernels) as an
// nc.section, and moved by muir-nc-allocate where the most recent kernel it
// overlaps lies furthest back (then the least overlap), so a kernel can
// load while the kernels before it still run. On the small target (4096
// bytes per SBUF partition) the first product takes the top half (its
// first B tile at 3072), the softmax the bottom, the norm (emitted at the
// top, over the first product) moves up against the softmax, and the second
// product (emitted at the bottom, over the softmax and the norm) moves onto
// the oldest kernel's bytes, the first product's (its first B tile from 0
// to 2048).
// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-lower-xf-to-nc="target=small" | FileCheck %s --check-prefix=SECTIONS
// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-lower-xf-to-nc="target=small" --muir-nc-allocate="report=true" 2>&1 | FileCheck %s
// Without placement every block stays where the lowering emitted it: the
// norm on the first product's bytes, the second product on the softmax's.
// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-lower-xf-to-nc="target=small" --muir-nc-allocate="place=false" | FileCheck %s --check-prefix=KEEP
// RUN: muir-run %s --backend=sim --target=small --check | FileCheck %s --check-prefix=EXEC

// SECTIONS: nc.section "k0" sbuf [2048, 4096] psum [1024, 2048] {
// SECTIONS: nc.section "k1" sbuf [0, 640] psum [0, 0] {
// SECTIONS: nc.section "k2" sbuf [2688, 4096] psum [0, 0] {
// SECTIONS: nc.section "k3" sbuf [0, 2048] psum [0, 1024] {
// CHECK: remark: section "k0": SBUF [2048, 4096) PSUM [1024, 2048)
// CHECK: remark: section "k1": SBUF [0, 640) PSUM [0, 0)
// CHECK: remark: section "k2": SBUF [640, 2048) PSUM [0, 0)
// CHECK: remark: section "k3": SBUF [2048, 4096) PSUM [0, 1024)
// KEEP: nc.dma <sbuf[0, 16] at 3072 dims [64] {{.*}}, <hbm @arg1[16 x 64] at 0
// KEEP: nc.activation square <sbuf[0, 16] at 3328 dims [64]
// KEEP: nc.dma <sbuf[0, 16] at 0 dims [64] {{.*}}, <hbm @arg1[16 x 64] at 0
// CHECK-LABEL: nc.kernel @main
// CHECK-NOT: nc.section
// CHECK: nc.dma <sbuf[0, 16] at 3072 dims [64] {{.*}}, <hbm @arg1[16 x 64] at 0
// CHECK: nc.matmul <psum[0, 16] at 1024 dims [64]
// CHECK-NOT: nc.activation
// CHECK: nc.activation exp <sbuf[0, 16] at 0 dims [64]
// CHECK-NOT: nc.activation square
// CHECK: nc.activation square <sbuf[0, 16] at 1280 dims [64]
// CHECK-NOT: nc.matmul
// CHECK: nc.dma <sbuf[0, 16] at 2048 dims [64] {{.*}}, <hbm @arg1[16 x 64] at 0
// The second product's PSUM banks (the bottom end) avoid the first product's.
// CHECK: nc.matmul <psum[0, 16] at 0 dims [64]
// EXEC: check #0: {{.*}} mismatches=0/4096 OK
func.func @main(%x: tensor<64x64xf32>, %w: tensor<64x64xf32>, %g: tensor<64xf32>) -> tensor<64x64xf32> {
  %a = xf.matmul %x, %w : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %b = xf.softmax %a {axis = 1 : i64} : tensor<64x64xf32>
  %c = xf.rms_norm %b, %g {eps = 1.0e-5 : f32} : (tensor<64x64xf32>, tensor<64xf32>) -> tensor<64x64xf32>
  %d = xf.matmul %c, %w : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  return %d : tensor<64x64xf32>
}
