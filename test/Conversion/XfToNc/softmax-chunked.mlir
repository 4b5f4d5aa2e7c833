// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" | FileCheck %s --check-prefix=PLAN
// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-xf-kernel-config="target=small" --muir-lower-xf-to-nc="target=small" | FileCheck %s

// A row of 1500 f32 values does not fit a 4 KiB partition of the small
// target, so it streams in chunks of 496 columns (two chunk buffers and two
// statistics tiles fill SBUF), twice: pass 1 keeps a running -max (two
// alternating columns) and a running sum rescaled by exp(max_old - max_new);
// pass 2 reloads every chunk and writes exp(x - max) / sum in place.
// PLAN-LABEL: func.func @wide_rows
// PLAN: xf.kernel "k0" softmax config {buffers = 2 : i64, chunk_cols = 496 : i64}
// CHECK-LABEL: nc.kernel @wide_rows
// Pass 1, chunk 0: the first -max and the sum.
// CHECK: nc.dma <sbuf[0, 16] at [[X0:[0-9]+]] dims [496] {{.*}}, <hbm @arg0[16 x 1500] at 0 dims [496]
// CHECK-NEXT: nc.tensor_reduce max <sbuf[0, 16] at [[MJ:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 16] at [[X0]] dims [496]
// CHECK-NEXT: nc.tensor_scalar mul <sbuf[0, 16] at [[MJ]] {{.*}} {imm0 = -1.000000e+00 : f32}
// CHECK-NEXT: nc.activation exp <sbuf[0, 16] at [[X0]] dims [496] {{.*}} {accum = #nc.ap<sbuf[0, 16] at [[SUM:[0-9]+]] dims [1] {{.*}}>, bias = #nc.ap<sbuf[0, 16] at [[MJ]]
// CHECK-NEXT: nc.tensor_scalar mul <sbuf[0, 16] at [[NM0:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 16] at [[MJ]] {{.*}} {imm0 = 1.000000e+00 : f32}
// Chunk 1 (the other buffer): the new -max, the old sum rescaled, the
// chunk's sum added.
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[X1:[0-9]+]] dims [496] {{.*}}, <hbm @arg0[16 x 1500] at 496 dims [496]
// CHECK-NEXT: nc.tensor_reduce max <sbuf[0, 16] at [[MJ]] dims [1] {{.*}}, <sbuf[0, 16] at [[X1]] dims [496]
// CHECK-NEXT: nc.tensor_scalar mul
// CHECK-NEXT: nc.tensor_tensor min <sbuf[0, 16] at [[NM1:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 16] at [[NM0]] dims [1] {{.*}}, <sbuf[0, 16] at [[MJ]]
// CHECK-NEXT: nc.activation exp <sbuf[0, 16] at [[CORR:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 16] at [[NM0]] dims [1] {{.*}} {bias = #nc.ap<sbuf[0, 16] at [[NM1]] dims [1] {{.*}}>, scale = -1.000000e+00 : f32}
// CHECK-NEXT: nc.tensor_tensor mul <sbuf[0, 16] at [[SUM]] {{.*}}, <sbuf[0, 16] at [[SUM]] {{.*}}, <sbuf[0, 16] at [[CORR]]
// CHECK-NEXT: nc.activation exp <sbuf[0, 16] at [[X1]] dims [496] {{.*}} {accum = #nc.ap<sbuf[0, 16] at [[SJ:[0-9]+]] dims [1] {{.*}}>, bias = #nc.ap<sbuf[0, 16] at [[NM1]]
// CHECK-NEXT: nc.tensor_tensor add <sbuf[0, 16] at [[SUM]] {{.*}}, <sbuf[0, 16] at [[SUM]] {{.*}}, <sbuf[0, 16] at [[SJ]]
// Chunk 3 is the 12-column remainder; then 1 / sum.
// CHECK: nc.dma <sbuf[0, 16] at [[X1]] dims [12] {{.*}}, <hbm @arg0[16 x 1500] at 1488 dims [12]
// CHECK: nc.activation reciprocal <sbuf[0, 16] at [[RS:[0-9]+]] dims [1] {{.*}}, <sbuf[0, 16] at [[SUM]]
// Pass 2: each chunk again, normalised in place and stored.
// CHECK-NEXT: nc.dma <sbuf[0, 16] at [[X0]] dims [496] {{.*}}, <hbm @arg0[16 x 1500] at 0 dims [496]
// CHECK-NEXT: nc.activation exp <sbuf[0, 16] at [[X0]] dims [496] {{.*}}, <sbuf[0, 16] at [[X0]] dims [496] {{.*}} {bias = #nc.ap<sbuf[0, 16] at [[NM1]]
// CHECK-NEXT: nc.tensor_scalar mul <sbuf[0, 16] at [[X0]] dims [496] {{.*}}, <sbuf[0, 16] at [[X0]] dims [496] {{.*}} {scalar0 = #nc.ap<sbuf[0, 16] at [[RS]]
// CHECK-NEXT: nc.dma <hbm @out0[16 x 1500] at 0 dims [496] {{.*}}, <sbuf[0, 16] at [[X0]] dims [496]
func.func @wide_rows(%x: tensor<20x1500xf32>) -> tensor<20x1500xf32> {
  %0 = xf.softmax %x {axis = -1 : i64} : tensor<20x1500xf32>
  return %0 : tensor<20x1500xf32>
}
