// RUN: muir-opt %s --muir-xf-fuse --muir-xf-kernel-config | FileCheck %s
// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" | FileCheck %s --check-prefix=SMALL
// RUN: muir-opt %s --muir-xf-fuse --muir-xf-kernel-config --muir-lower-xf-to-nc | FileCheck %s --check-prefix=NC
// RUN: muir-opt %s --muir-xf-fuse --muir-xf-kernel-config="overrides=k0.buffers=1,k3.heads_per_tile=1" --muir-lower-xf-to-nc | FileCheck %s --check-prefix=OVR

// The row kernels' plans: buffer sets in flight (two: the next row tile
// loads while this one computes; one where two do not fit, as for these
// 1000-wide f32 softmax rows on the small target's 4 KiB partitions; the
// norm's rows do not fit beside their weight there, so they stream in
// chunks of 160 columns) and, for rope,
// the heads rotated per instruction (all four here; one on small, where a
// quarter of SBUF holds one).
// CHECK: xf.kernel "k0" softmax config {buffers = 2 : i64}
// CHECK: xf.kernel "k1" norm config {buffers = 2 : i64}
// CHECK: xf.kernel "k3" rope config {buffers = 2 : i64, heads_per_tile = 4 : i64}
// SMALL: xf.kernel "k0" softmax config {buffers = 1 : i64}
// SMALL: xf.kernel "k1" norm config {buffers = 2 : i64, chunk_cols = 160 : i64}
// SMALL: xf.kernel "k3" rope config {buffers = 2 : i64, heads_per_tile = 1 : i64}

// The lowering follows the plans. Two softmax buffers: consecutive row
// tiles load into different SBUF addresses; with one, into the same (the
// second tile waits for the first to leave). Rope moves four heads of a
// position tile per DMA (in two 64-partition pieces) by default, one when
// told.
// NC-LABEL: nc.kernel @rows
// NC: nc.dma <sbuf[0, 16] at [[X0:[0-9]+]] dims [1000] {{.*}}, <hbm @arg0[16 x 1000] at 0 dims
// NC-NOT: nc.dma <sbuf[0, 16] at [[X0]] dims [1000] {{.*}}, <hbm @arg0[16 x 1000] at 128000 dims
// NC: nc.dma <sbuf[0, 16] at {{[0-9]+}} dims [1000] {{.*}}, <hbm @arg0[16 x 1000] at 128000 dims
// NC: nc.dma <sbuf[0, 64] at {{[0-9]+}} dims [4, 64] strides [64, 1] : f32>, <hbm @arg2[64 x 64] at 0 dims [4, 64] strides [16384, 1] : f32>
// OVR-LABEL: nc.kernel @rows
// OVR: nc.dma <sbuf[0, 16] at [[X0:[0-9]+]] dims [1000] {{.*}}, <hbm @arg0[16 x 1000] at 0 dims
// OVR: nc.dma <sbuf[0, 16] at [[X0]] dims [1000] {{.*}}, <hbm @arg0[16 x 1000] at 128000 dims
// OVR: nc.dma <sbuf[0, 128] at {{[0-9]+}} dims [1, 64] strides [64, 1] : f32>, <hbm @arg2[128 x 64] at 0 dims [1, 64] strides [16384, 1] : f32>
func.func @rows(%x: tensor<300x1000xf32>, %w: tensor<1000xf32>, %q: tensor<1x4x256x64xf32>, %c: tensor<256x64xf32>) -> (tensor<300x1000xbf16>, tensor<300x1000xf32>, tensor<1x4x256x64xf32>) {
  %0 = xf.softmax %x {axis = -1 : i64} : tensor<300x1000xf32>
  %1 = xf.rms_norm %0, %w {eps = 1.0e-6 : f32} : (tensor<300x1000xf32>, tensor<1000xf32>) -> tensor<300x1000xf32>
  %2 = xf.cast %1 : tensor<300x1000xf32> to tensor<300x1000xbf16>
  %3 = xf.rope %q, %c, %c : (tensor<1x4x256x64xf32>, tensor<256x64xf32>, tensor<256x64xf32>) -> tensor<1x4x256x64xf32>
  return %2, %0, %3 : tensor<300x1000xbf16>, tensor<300x1000xf32>, tensor<1x4x256x64xf32>
}
