// RUN: muir-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect | FileCheck %s

// xf.kernel round-trips with its name, kind and config.
// CHECK-LABEL: func.func @roundtrip
// CHECK: xf.kernel "k0" matmul config {schedule = "resident"} : tensor<4x4xf32> {
// CHECK: xf.yield %{{.*}} : tensor<4x4xf32>
func.func @roundtrip(%a: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %0 = xf.kernel "k0" matmul config {schedule = "resident"} : tensor<4x4xf32> {
    %1 = xf.matmul %a, %a : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    xf.yield %1 : tensor<4x4xf32>
  }
  return %0 : tensor<4x4xf32>
}

// -----

func.func @yield_types(%a: tensor<4xf32>) -> tensor<4xbf16> {
  // expected-error @+1 {{yields 1 values whose types differ from the 1 results}}
  %0 = xf.kernel "k0" elementwise : tensor<4xbf16> {
    %1 = xf.exp %a : tensor<4xf32>
    xf.yield %1 : tensor<4xf32>
  }
  return %0 : tensor<4xbf16>
}

// -----

func.func @no_anchor(%a: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{of kind 'attention' has no anchor op}}
  %0 = xf.kernel "k0" attention : tensor<4x4xf32> {
    %1 = xf.exp %a : tensor<4x4xf32>
    xf.yield %1 : tensor<4x4xf32>
  }
  return %0 : tensor<4x4xf32>
}

// -----

func.func @two_matmuls(%a: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{of kind 'matmul' has no anchor op}}
  %0 = xf.kernel "k0" matmul : tensor<4x4xf32> {
    %1 = xf.matmul %a, %a : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    %2 = xf.matmul %1, %a : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    xf.yield %2 : tensor<4x4xf32>
  }
  return %0 : tensor<4x4xf32>
}

// -----

func.func @nested(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = xf.kernel "k0" elementwise : tensor<4xf32> {
    // expected-error @+1 {{cannot be nested in another xf.kernel}}
    %1 = xf.kernel "k1" elementwise : tensor<4xf32> {
      %2 = xf.exp %a : tensor<4xf32>
      xf.yield %2 : tensor<4xf32>
    }
    xf.yield %1 : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @foreign(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = xf.kernel "k0" elementwise : tensor<4xf32> {
    // expected-error @+1 {{cannot be part of an xf.kernel: only xf ops are fused}}
    %1 = "test.op"(%a) : (tensor<4xf32>) -> tensor<4xf32>
    xf.yield %1 : tensor<4xf32>
  }
  return %0 : tensor<4xf32>
}

// -----

func.func @no_yield(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{body must end with xf.yield}}
  %0 = "xf.kernel"() <{name = "k0", kind = 0 : i32}> ({
    %1 = xf.exp %a : tensor<4xf32>
  }) : () -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A multi_matmul is anchored on its first op, which must be a matmul; it
// round-trips with several results.
// CHECK-LABEL: func.func @multi
// CHECK: %{{.*}}:2 = xf.kernel "k0" multi_matmul : tensor<4x4xf32>, tensor<4x2xf32> {
func.func @multi(%a: tensor<4x4xf32>, %b: tensor<4x2xf32>) -> (tensor<4x4xf32>, tensor<4x2xf32>) {
  %0:2 = xf.kernel "k0" multi_matmul : tensor<4x4xf32>, tensor<4x2xf32> {
    %1 = xf.matmul %a, %a : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    %2 = xf.matmul %a, %b : (tensor<4x4xf32>, tensor<4x2xf32>) -> tensor<4x2xf32>
    xf.yield %1, %2 : tensor<4x4xf32>, tensor<4x2xf32>
  }
  return %0#0, %0#1 : tensor<4x4xf32>, tensor<4x2xf32>
}

// -----

func.func @multi_no_matmul_first(%a: tensor<4x4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>) {
  // expected-error @+1 {{of kind 'multi_matmul' has no anchor op}}
  %0:2 = xf.kernel "k0" multi_matmul : tensor<4x4xf32>, tensor<4x4xf32> {
    %1 = xf.neg %a : tensor<4x4xf32>
    %2 = xf.matmul %1, %a : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    xf.yield %1, %2 : tensor<4x4xf32>, tensor<4x4xf32>
  }
  return %0#0, %0#1 : tensor<4x4xf32>, tensor<4x4xf32>
}
