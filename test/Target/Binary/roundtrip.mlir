// nc -> binary -> nc for a kernel that uses every opcode, then the same
// again: the two binaries must be byte-identical and the assembly of the
// original and of the round-tripped kernel must be equal.
// RUN: muir-translate --nc-to-bin %s -o %t.bin
// RUN: muir-translate --bin-to-nc %t.bin -o %t.mlir
// RUN: FileCheck %s --input-file=%t.mlir
// RUN: muir-translate --nc-to-bin %t.mlir -o %t2.bin
// RUN: cmp %t.bin %t2.bin
// RUN: muir-translate --nc-to-asm %s -o %t.orig.s
// RUN: muir-translate --nc-to-asm %t.mlir -o %t.rt.s
// RUN: diff %t.orig.s %t.rt.s
// The result is a module that muir-opt parses and verifies.
// RUN: muir-opt %t.mlir -o /dev/null
// The header starts with the magic and version 1.
// RUN: od -A d -t x1 -N 12 %t.bin | FileCheck %s --check-prefix=MAGIC
// MAGIC: 0000000 4d 55 49 52 4e 43 00 01 01 00 00 00

// CHECK-LABEL: nc.kernel @every_instruction target = "trn2" semaphores = 3
// CHECK-NEXT: nc.tensor input @x : tensor<128x512xbf16> at 0
// CHECK-NEXT: nc.tensor const @w : tensor<2x2xf32> at 131072 = dense_resource<w> : tensor<2x2xf32>
// CHECK-NEXT: nc.tensor output @y : tensor<128x512xf32> at 131088
// CHECK-NEXT: nc.dma <sbuf[0, 128] at 0 dims [512] strides [1] : bf16>, <hbm @x[128 x 512] at 0 dims [512] strides [1] : bf16> {queue = #nc.queue<dma3>, signal = array<i64: 0>}
// CHECK-NEXT: nc.dma <sbuf[0, 128] at 1024 dims [128] strides [1] : bf16>, <sbuf[0, 128] at 0 dims [128] strides [1] : bf16> {transpose, wait = array<i64: 0, 1>}
// CHECK-NEXT: nc.matmul <psum[0, 128] at 0 dims [512] strides [1] : f32>, <sbuf[0, 128] at 1024 dims [128] strides [1] : bf16>, <sbuf[0, 128] at 0 dims [512] strides [1] : bf16> {accumulate, signal = array<i64: 1>, wait = array<i64: 0, 1>}
// CHECK-NEXT: nc.transpose <psum[0, 64] at 2048 dims [128] strides [1] : f32>, <sbuf[0, 128] at 0 dims [64] strides [1] : bf16>
// CHECK-NEXT: nc.activation gelu_tanh <sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, <psum[0, 128] at 0 dims [512] strides [1] : f32> {accum = #nc.ap<sbuf[0, 128] at 8192 dims [1] strides [1] : f32>, bias = #nc.ap<sbuf[0, 128] at 8196 dims [1] strides [1] : f32>, scale = 1.000000e-01 : f32, wait = array<i64: 1, 1>}
// CHECK-NEXT: nc.tensor_tensor add <sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, <sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, <sbuf[0, 128] at 12288 dims [4, 128] strides [128, 1] : f32> {queue = #nc.queue<pool>}
// CHECK-NEXT: nc.tensor_scalar mul then add <sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, <sbuf[0, 128] at 4096 dims [512] strides [1] : f32> {imm1 = 1.000000e+00 : f32, scalar0 = #nc.ap<sbuf[0, 128] at 8192 dims [1] strides [1] : f32>}
// CHECK-NEXT: nc.tensor_reduce max <sbuf[0, 128] at 8200 dims [4] strides [1] : f32>, <sbuf[0, 128] at 4096 dims [4, 128] strides [128, 1] : f32>
// CHECK-NEXT: nc.tensor_copy <sbuf[0, 128] at 10000 dims [512] strides [1] : bf16>, <sbuf[0, 128] at 4096 dims [512] strides [1] : f32> {queue = #nc.queue<act>}
// CHECK-NEXT: nc.iota <sbuf[0, 128] at 12000 dims [128] strides [1] : i32> {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: -1>}
// CHECK-NEXT: nc.affine_select <sbuf[0, 128] at 4096 dims [128] strides [1] : f32>, <sbuf[0, 128] at 4096 dims [128] strides [1] : f32> {base = 0 : i64, channel_multiplier = 1 : i64, coefficients = array<i64: -1>, fill = -3.000000e+38 : f32}
// CHECK-NEXT: nc.dma <hbm @y[128 x 512] at 0 dims [512] strides [1] : f32>, <sbuf[0, 128] at 4096 dims [512] strides [1] : f32> {queue = #nc.queue<dma15>, signal = array<i64: 2>}
// CHECK-NEXT: nc.nop {queue = #nc.queue<pool>, wait = array<i64: 2, 1>}
// CHECK-NEXT: }
// The constant's bytes survive (resource blobs start with their alignment).
// CHECK: w: "0x080000000000803F000000400000404000008040"

nc.kernel @every_instruction target = "trn2" semaphores = 3 {
  nc.tensor input @x : tensor<128x512xbf16> at 0
  nc.tensor const @w : tensor<2x2xf32> at 131072 = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  nc.tensor output @y : tensor<128x512xf32> at 131088
  nc.dma #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : bf16>, #nc.ap<hbm @x[128 x 512] at 0 dims [512] strides [1] : bf16> {queue = #nc.queue<dma3>, signal = array<i64: 0>}
  nc.dma #nc.ap<sbuf[0, 128] at 1024 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [128] strides [1] : bf16> {transpose, wait = array<i64: 0, 1>}
  nc.matmul #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 1024 dims [128] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : bf16> {accumulate, wait = array<i64: 0, 1>, signal = array<i64: 1>}
  nc.transpose #nc.ap<psum[0, 64] at 2048 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 0 dims [64] strides [1] : bf16>
  nc.activation gelu_tanh #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, #nc.ap<psum[0, 128] at 0 dims [512] strides [1] : f32> {scale = 0.1 : f32, bias = #nc.ap<sbuf[0, 128] at 8196 dims [1] strides [1] : f32>, accum = #nc.ap<sbuf[0, 128] at 8192 dims [1] strides [1] : f32>, wait = array<i64: 1, 1>}
  nc.tensor_tensor add #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 12288 dims [4, 128] strides [128, 1] : f32> {queue = #nc.queue<pool>}
  nc.tensor_scalar mul then add #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32> {scalar0 = #nc.ap<sbuf[0, 128] at 8192 dims [1] strides [1] : f32>, imm1 = 1.0 : f32}
  nc.tensor_reduce max #nc.ap<sbuf[0, 128] at 8200 dims [4] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 4096 dims [4, 128] strides [128, 1] : f32>
  nc.tensor_copy #nc.ap<sbuf[0, 128] at 10000 dims [512] strides [1] : bf16>, #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32> {queue = #nc.queue<act>}
  nc.iota #nc.ap<sbuf[0, 128] at 12000 dims [128] strides [1] : i32> {base = 0, channel_multiplier = 1, coefficients = array<i64: -1>}
  nc.affine_select #nc.ap<sbuf[0, 128] at 4096 dims [128] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 4096 dims [128] strides [1] : f32> {fill = -3.0e38 : f32, base = 0, channel_multiplier = 1, coefficients = array<i64: -1>}
  nc.dma #nc.ap<hbm @y[128 x 512] at 0 dims [512] strides [1] : f32>, #nc.ap<sbuf[0, 128] at 4096 dims [512] strides [1] : f32> {queue = #nc.queue<dma15>, signal = array<i64: 2>}
  nc.nop {queue = #nc.queue<pool>, wait = array<i64: 2, 1>}
}
