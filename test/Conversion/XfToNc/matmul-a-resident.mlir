// A resident-B matmul with several row tiles and several B blocks keeps
// every row tile's A^T in SBUF when the room the plan leaves holds them:
// each A^T tile loads once (3 row tiles x 2 K tiles = 6 transposing DMAs)
// instead of once per B block (16 blocks of 64 columns here: 96).
// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small overrides=k0.schedule=resident,k0.block_tiles=1,k0.b_buffers=1" --muir-lower-xf-to-nc="target=small" | FileCheck %s
// CHECK-COUNT-6: nc.dma {{.*}} <hbm @arg0[16 x 32] {{.*}}transpose}
// CHECK-NOT: @arg0
// Numerics (the same schedule, run and checked against the reference).
// RUN: muir-run %s --backend=sim --target=small --kernel-config=k0.schedule=resident,k0.block_tiles=1,k0.b_buffers=1 --check | FileCheck %s --check-prefix=NUM
// NUM: check #0: vs reference {{.*}} OK
func.func @main(%a: tensor<48x32xbf16>, %b: tensor<32x1024xbf16>) -> tensor<48x1024xbf16> {
  %0 = xf.matmul %a, %b : (tensor<48x32xbf16>, tensor<32x1024xbf16>) -> tensor<48x1024xbf16>
  return %0 : tensor<48x1024xbf16>
}
