// --check compares each result under the tolerance of the least precise type
// computed on its path: a bf16 softmax cast back to f32 gets the bf16
// tolerance (one bf16 ulp is not a mismatch); a pure f32 path keeps f32's.
// RUN: muir-run %s --backend=sim --check --target=small | FileCheck %s

// CHECK: check #0: vs reference rtol=0.016 atol=0.01 {{.*}} OK
// CHECK: check #1: vs reference rtol=0.0001 atol=1e-05 {{.*}} OK
// CHECK: check #2: vs reference rtol=0.25 atol=0.05 {{.*}} OK
func.func @main(%x: tensor<4x40xf32>) -> (tensor<4x40xf32>, tensor<4x40xf32>, tensor<4x40xf32>) {
  %0 = xf.cast %x : tensor<4x40xf32> to tensor<4x40xbf16>
  %1 = xf.softmax %0 : tensor<4x40xbf16>
  %2 = xf.cast %1 : tensor<4x40xbf16> to tensor<4x40xf32>
  %3 = xf.exp %x : tensor<4x40xf32>
  // Through f8E4M3FN and bf16: the loosest of the two.
  %4 = xf.cast %x : tensor<4x40xf32> to tensor<4x40xf8E4M3FN>
  %5 = xf.cast %4 : tensor<4x40xf8E4M3FN> to tensor<4x40xbf16>
  %6 = xf.neg %5 : tensor<4x40xbf16>
  %7 = xf.cast %6 : tensor<4x40xbf16> to tensor<4x40xf32>
  return %2, %3, %7 : tensor<4x40xf32>, tensor<4x40xf32>, tensor<4x40xf32>
}
