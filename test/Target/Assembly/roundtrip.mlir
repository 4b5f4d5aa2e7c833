// nc -> assembly -> nc -> assembly for a kernel that uses every opcode: the
// printed text is checked line by line, the second printing must equal the
// first, and the binary of the round-tripped kernel equals the original's.
// RUN: muir-translate --nc-to-asm %s -o %t.s
// RUN: FileCheck %s --input-file=%t.s --match-full-lines
// RUN: muir-translate --asm-to-nc %t.s -o %t.mlir
// RUN: muir-translate --nc-to-asm %t.mlir -o %t2.s
// RUN: diff %t.s %t2.s
// RUN: muir-translate --nc-to-bin %s -o %t.bin
// RUN: muir-translate --nc-to-bin %t.mlir -o %t2.bin
// RUN: cmp %t.bin %t2.bin
// RUN: muir-opt %t.mlir | FileCheck %s --check-prefix=NC
// NC: nc.activation gelu_tanh {{.*}} scale = 1.000000e-01 : f32
// NC: nc.nop {queue = #nc.queue<pool>, wait = array<i64: 2, 1>}

// CHECK: .kernel every_instruction target=trn2 semaphores=3
// CHECK-NEXT: .tensor x input bf16 [128, 512] at 0
// CHECK-NEXT: .tensor w const f32 [2, 2] at 131072 data=0x0000803f000000400000404000008040
// CHECK-NEXT: .tensor y output f32 [128, 512] at 131088
// CHECK-EMPTY:
// CHECK-NEXT: dma3  dma           dst=sbuf[0, 128]+0 {512:1} bf16, src=hbm:x[128 x 512]+0 {512:1} bf16, transpose=0 ; signal s0
// CHECK-NEXT: dma0  dma           dst=sbuf[0, 128]+1024 {128:1} bf16, src=sbuf[0, 128]+0 {128:1} bf16, transpose=1 ; wait s0>=1
// CHECK-NEXT: pe    matmul        dst=psum[0, 128]+0 {512:1} f32, stationary=sbuf[0, 128]+1024 {128:1} bf16, moving=sbuf[0, 128]+0 {512:1} bf16, accumulate=1 ; wait s0>=1 ; signal s1
// CHECK-NEXT: pe    transpose     dst=psum[0, 64]+2048 {128:1} f32, src=sbuf[0, 128]+0 {64:1} bf16
// CHECK-NEXT: act   activation    dst=sbuf[0, 128]+4096 {512:1} f32, src=psum[0, 128]+0 {512:1} f32, bias=sbuf[0, 128]+8196 {1:1} f32, accum=sbuf[0, 128]+8192 {1:1} f32, func=gelu_tanh, scale=0.10000000149011612 ; wait s1>=1
// CHECK-NEXT: pool  tensor_tensor dst=sbuf[0, 128]+4096 {512:1} f32, lhs=sbuf[0, 128]+4096 {512:1} f32, rhs=sbuf[0, 128]+12288 {4:128, 128:1} f32, op=add
// CHECK-NEXT: dve   tensor_scalar dst=sbuf[0, 128]+4096 {512:1} f32, src=sbuf[0, 128]+4096 {512:1} f32, scalar0=sbuf[0, 128]+8192 {1:1} f32, op0=mul, imm0=0, op1=add, imm1=1
// CHECK-NEXT: dve   tensor_reduce dst=sbuf[0, 128]+8200 {4:1} f32, src=sbuf[0, 128]+4096 {4:128, 128:1} f32, op=max, naxes=1
// CHECK-NEXT: act   tensor_copy   dst=sbuf[0, 128]+10000 {512:1} bf16, src=sbuf[0, 128]+4096 {512:1} f32
// CHECK-NEXT: pool  iota          dst=sbuf[0, 128]+12000 {128:1} i32, base=0, channel_multiplier=1, coefficients=[-1]
// CHECK-NEXT: pool  affine_select dst=sbuf[0, 128]+4096 {128:1} f32, src=sbuf[0, 128]+4096 {128:1} f32, fill=-3.0000000054977558e+38, base=0, channel_multiplier=1, coefficients=[-1]
// CHECK-NEXT: dma15 dma           dst=hbm:y[128 x 512]+0 {512:1} f32, src=sbuf[0, 128]+4096 {512:1} f32, transpose=0 ; signal s2
// CHECK-NEXT: pool  nop           ; wait s2>=1

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
