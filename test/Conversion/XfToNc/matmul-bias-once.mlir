// RUN: muir-opt %s --muir-xf-fuse="target=trn2" --muir-lower-xf-to-nc="target=trn2" | FileCheck %s
// RUN: muir-opt %s --muir-xf-fuse="target=trn2" --muir-xf-kernel-config="target=trn2 overrides=k0.schedule=row_panel" --muir-lower-xf-to-nc="target=trn2" | FileCheck %s --check-prefix=PANEL
// RUN: muir-opt %s --muir-xf-fuse="target=trn2" | muir-run - --backend=sim --check | FileCheck %s --check-prefix=SIM

// A bias epilogue: the bias row is broadcast to every row of a [128, 512]
// tile by a zero partition stride, so one load moves 128 rows (128 KiB of
// DMA for 1 KiB of bias). Each column tile's bias is loaded once and read
// by all four row tiles, not reloaded per row tile.
// Resident B (row tiles inner): both column tiles' biases load with the
// first row tile; the other row tiles' adds read the same buffers.
// CHECK-LABEL: nc.kernel @biased
// CHECK: nc.dma <sbuf[0, 64] at [[B0:[0-9]+]] dims [512] {{.*}}, <hbm @arg2[64 x 0] at 0 dims [512]
// CHECK-NEXT: nc.dma <sbuf[64, 64] at [[B0]] dims [512] {{.*}}, <hbm @arg2[64 x 0] at 0 dims [512]
// CHECK: nc.tensor_tensor add {{.*}}, <sbuf[0, 128] at [[B0]] dims [512]
// CHECK: nc.dma <sbuf[0, 64] at [[B1:[0-9]+]] dims [512] {{.*}}, <hbm @arg2[64 x 0] at 512 dims [512]
// CHECK-NEXT: nc.dma <sbuf[64, 64] at [[B1]] dims [512] {{.*}}, <hbm @arg2[64 x 0] at 512 dims [512]
// CHECK: nc.tensor_tensor add {{.*}}, <sbuf[0, 128] at [[B1]] dims [512]
// CHECK-NOT: @arg2[
// CHECK: nc.tensor_tensor add {{.*}}, <sbuf[0, 128] at [[B0]] dims [512]
// CHECK-NOT: @arg2[
// CHECK: nc.tensor_tensor add {{.*}}, <sbuf[0, 128] at [[B1]] dims [512]
// CHECK-NOT: @arg2[
// CHECK: nc.tensor_tensor add {{.*}}, <sbuf[0, 128] at [[B0]] dims [512]
// CHECK-NOT: @arg2[
// CHECK: nc.tensor_tensor add {{.*}}, <sbuf[0, 128] at [[B1]] dims [512]
// CHECK-NOT: @arg2[
// CHECK: nc.tensor_tensor add {{.*}}, <sbuf[0, 128] at [[B0]] dims [512]
// CHECK-NOT: @arg2[
// CHECK: nc.tensor_tensor add {{.*}}, <sbuf[0, 128] at [[B1]] dims [512]
// CHECK-NOT: @arg2[
// Row panel (column tiles outer): each column tile's bias loads once, then
// its four row tiles add it.
// PANEL-LABEL: nc.kernel @biased
// PANEL: nc.dma <sbuf[0, 64] at [[P0:[0-9]+]] dims [512] {{.*}}, <hbm @arg2[64 x 0] at 0 dims [512]
// PANEL-NEXT: nc.dma <sbuf[64, 64] at [[P0]] dims [512] {{.*}}@arg2
// PANEL-COUNT-4: nc.tensor_tensor add {{.*}}, <sbuf[0, 128] at [[P0]] dims [512]
// PANEL: nc.dma <sbuf[0, 64] at [[P1:[0-9]+]] dims [512] {{.*}}, <hbm @arg2[64 x 0] at 512 dims [512]
// PANEL-NEXT: nc.dma <sbuf[64, 64] at [[P1]] dims [512] {{.*}}@arg2
// PANEL-COUNT-4: nc.tensor_tensor add {{.*}}, <sbuf[0, 128] at [[P1]] dims [512]
// PANEL-NOT: @arg2[
// SIM: check #0: vs reference {{.*}} mismatches=0/524288 OK
func.func @biased(%a: tensor<512x128xbf16>, %b: tensor<128x1024xbf16>, %bias: tensor<1024xbf16>) -> tensor<512x1024xbf16> {
  %0 = xf.matmul %a, %b : (tensor<512x128xbf16>, tensor<128x1024xbf16>) -> tensor<512x1024xbf16>
  %1 = xf.add %0, %bias : (tensor<512x1024xbf16>, tensor<1024xbf16>) -> tensor<512x1024xbf16>
  return %1 : tensor<512x1024xbf16>
}
