// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-xf-layout | FileCheck %s
// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-xf-layout="views=false" | FileCheck %s --check-prefix=COPY
// Every transpose a copy: one transpose kernel per head transpose.
// RUN: muir-opt %s -split-input-file --muir-xf-fuse="target=small" --muir-xf-layout="views=false" --muir-lower-xf-to-nc="target=small" | FileCheck %s --check-prefix=COPYNC
// Either way the numbers are the reference's.
// RUN: muir-opt %s --muir-xf-fuse="target=small" --muir-xf-layout="views=false" -o %t.mlir
// RUN: muir-run %t.mlir --backend=sim --target=small --check | FileCheck %s --check-prefix=EXEC
// RUN: muir-run %s --backend=sim --target=small --check | FileCheck %s --check-prefix=EXEC
// EXEC: check #0: {{.*}} mismatches=0/256 OK
// RUN: not muir-opt %s --muir-xf-layout="entry=nope" 2>&1 | FileCheck %s --check-prefix=ENTRY
// ENTRY: error: no function @nope in the module

// Rope and attention read the [S, H, D] projections' head transposes in
// place: positions H*D = 32 apart, heads D = 16 apart (strides of the
// transposed [B, H, S, D] order); the attention writes its result straight
// in the merged [B, S, H, D] order its transpose asks for.
// CHECK-LABEL: func.func @main
// CHECK: xf.transpose {{.*}}xf.layout = "view", xf.view_strides = array<i64: 256, 16, 32, 1>
// CHECK: xf.rope
// CHECK: xf.transpose {{.*}}xf.layout = "view", xf.view_strides = array<i64: 256, 16, 32, 1>
// CHECK: xf.transpose {{.*}}xf.layout = "view", xf.view_strides = array<i64: 256, 16, 32, 1>
// CHECK: xf.attention
// CHECK: xf.transpose {{.*}}xf.layout = "in_place", xf.view_strides = array<i64: 256, 16, 32, 1>
// COPY-LABEL: func.func @main
// COPY-COUNT-4: xf.layout = "copy"
// COPY-NOT: xf.view_strides
// Views: two scratch tensors (rope's output and the attention result,
// written in the merged order); copies: four transposes' tensors more.
// COPYNC-LABEL: nc.kernel @main
// COPYNC-COUNT-6: nc.tensor scratch
// COPYNC-NOT: nc.tensor scratch
// COPYNC-LABEL: nc.kernel @qkv
func.func @main(%q: tensor<8x32xf32>, %k: tensor<8x32xf32>, %v: tensor<8x32xf32>,
                 %cos: tensor<8x16xf32>, %sin: tensor<8x16xf32>) -> tensor<8x32xf32> {
  %q4 = xf.reshape %q : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
  %qt = xf.transpose %q4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
  %qr = xf.rope %qt, %cos, %sin : (tensor<1x2x8x16xf32>, tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<1x2x8x16xf32>
  %k4 = xf.reshape %k : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
  %kt = xf.transpose %k4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
  %v4 = xf.reshape %v : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
  %vt = xf.transpose %v4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
  %a = xf.attention %qr, %kt, %vt {causal = true} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  %at = xf.transpose %a {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x2x8x16xf32>) -> tensor<1x8x2x16xf32>
  %o = xf.reshape %at : (tensor<1x8x2x16xf32>) -> tensor<8x32xf32>
  return %o : tensor<8x32xf32>
}

// -----

// A fused QKV projection's slices, reshaped into heads, are views of the
// [S, 3 * H * D] tensor: K starts 32 elements into each 96-element row.
// With views=false the slices stay views (an attention kernel has no other
// way to read them) and the head transposes become copies.
// COPY-LABEL: func.func @qkv
// COPY-COUNT-3: xf.layout = "view", xf.view_offset
// COPY-COUNT-3: xf.layout = "copy"
// CHECK-LABEL: func.func @qkv
// CHECK: xf.slice {{.*}}offsets = array<i64: 0, 32>{{.*}}xf.layout = "view", xf.view_offset = 32 : i64, xf.view_strides = array<i64: 96, 1>
// CHECK: xf.transpose {{.*}}xf.layout = "view", xf.view_strides = array<i64: 0, 16, 96, 1>
func.func @qkv(%qkv: tensor<8x96xf32>) -> tensor<1x2x8x16xf32> {
  %q = xf.slice %qkv {offsets = array<i64: 0, 0>, sizes = array<i64: 8, 32>, strides = array<i64: 1, 1>} : (tensor<8x96xf32>) -> tensor<8x32xf32>
  %k = xf.slice %qkv {offsets = array<i64: 0, 32>, sizes = array<i64: 8, 32>, strides = array<i64: 1, 1>} : (tensor<8x96xf32>) -> tensor<8x32xf32>
  %v = xf.slice %qkv {offsets = array<i64: 0, 64>, sizes = array<i64: 8, 32>, strides = array<i64: 1, 1>} : (tensor<8x96xf32>) -> tensor<8x32xf32>
  %q4 = xf.reshape %q : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
  %k4 = xf.reshape %k : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
  %v4 = xf.reshape %v : (tensor<8x32xf32>) -> tensor<1x8x2x16xf32>
  %qt = xf.transpose %q4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
  %kt = xf.transpose %k4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
  %vt = xf.transpose %v4 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x8x2x16xf32>) -> tensor<1x2x8x16xf32>
  %a = xf.attention %qt, %kt, %vt {causal = true} : (tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x2x8x16xf32>
  return %a : tensor<1x2x8x16xf32>
}
