//===- Gemm.h - the f32 matrix product shared by the executors ---*- C++
//-*-===//
//
// One GEMM for the reference backend and the simulator: every element of
// C = A B is a chain of fused multiply-adds over k in order from +0, so the
// result depends neither on the blocking nor on the CPU (AVX-512, AVX2 and
// portable std::fma micro-kernels, picked at run time, agree bit for bit;
// MUIR_REFERENCE_GEMM=avx512|avx2|portable forces one).
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_SUPPORT_GEMM_H
#define MUIR_SUPPORT_GEMM_H

#include <cstdint>

namespace muir {

/// A strided f32 matrix: element (i, j) at data[i * rowStride + j * colStride].
struct MatrixView {
  const float *data;
  int64_t rowStride, colStride;
  const float *at(int64_t i, int64_t j) const {
    return data + i * rowStride + j * colStride;
  }
};

/// c[m x n] (row stride ldc) = a[m x k] b[k x n] in f32.
void gemm(int64_t m, int64_t n, int64_t k, const MatrixView &a,
          const MatrixView &b, float *c, int64_t ldc);

} // namespace muir

#endif // MUIR_SUPPORT_GEMM_H
