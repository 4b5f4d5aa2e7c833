// Each kernel's on-chip buffers are one block, emitted from one end of the
// memory (the ends alternate between kernels) and moved where the most
// recent kernel it overlaps lies furthest back (then the least overlap), so
// a kernel can load while the kernels before it still run. On the small
// target (4096 bytes per SBUF partition) the first product takes the top
// half (its first B tile at 3072), the softmax the bottom, the norm
// (emitted at the top, over the first product) moves up against the
// softmax, and the second product (emitted at the bottom, over the softmax
// and the norm) moves onto the oldest kernel's bytes, the first product's (its first B
// tile from 0 to 2048).
// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-lower-xf-to-nc="target=small" | FileCheck %s
// RUN: muir-run %s --backend=sim --target=small --check | FileCheck %s --check-prefix=EXEC

// CHECK-LABEL: nc.kernel @main
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
