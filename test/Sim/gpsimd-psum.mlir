// Program validation (binaries, --no-verify) refuses a GpSimd instruction
// touching PSUM as the verifier does (test/Dialect/Nc/invalid.mlir); the
// lowering sends such work to the Vector engine
// (test/Conversion/XfToNc/attention.mlir).
// RUN: not muir-sim %s --no-verify --timing-only 2>&1 | FileCheck %s
// CHECK: instruction #0 (pool tensor_copy){{.*}}: operand 'src' is in PSUM, which the GpSimd engine cannot access (only the Vector and Scalar engines read and write PSUM)
nc.kernel @main target = "small" {
  nc.tensor_copy #nc.ap<sbuf[0, 16] at 0 dims [4] strides [1] : f32>, #nc.ap<psum[0, 16] at 0 dims [4] strides [1] : f32> {queue = #nc.queue<pool>}
}
