//===- Gemm.cpp - the simulator's matmul kernel ---------------------------===//
//
// A register-blocked kernel in GCC vector extensions, cloned per instruction
// set (target_clones: AVX-512, AVX2+FMA, baseline) so the build stays
// portable while the CPU's vector units are used. Blocks of 4 rows x 64
// columns of R live in registers across the whole k loop.
//
//===----------------------------------------------------------------------===//
#include "Gemm.h"

#include <cstring>

namespace {
typedef float V16 __attribute__((vector_size(64)));
constexpr int64_t kRows = 4, kVecs = 4, kCols = kVecs * 16;

inline V16 load(const float *p) {
  V16 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline void store(float *p, V16 v) { std::memcpy(p, &v, sizeof(v)); }

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MUIR_GEMM_CLONES                                                       \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MUIR_GEMM_CLONES
#endif

MUIR_GEMM_CLONES
void kernel(const float *S, const float *V, float *R, int64_t K, int64_t M,
            int64_t N) {
  int64_t m0 = 0;
  for (; m0 + kRows <= M; m0 += kRows) {
    int64_t n0 = 0;
    for (; n0 + kCols <= N; n0 += kCols) {
      V16 acc[kRows][kVecs];
      for (int64_t i = 0; i < kRows; ++i)
        for (int64_t j = 0; j < kVecs; ++j)
          acc[i][j] = load(R + (m0 + i) * N + n0 + 16 * j);
      for (int64_t k = 0; k < K; ++k) {
        const float *v = V + k * N + n0;
        V16 vv[kVecs];
        for (int64_t j = 0; j < kVecs; ++j)
          vv[j] = load(v + 16 * j);
        const float *s = S + k * M + m0;
        for (int64_t i = 0; i < kRows; ++i) {
          float si = s[i];
          for (int64_t j = 0; j < kVecs; ++j)
            acc[i][j] += si * vv[j];
        }
      }
      for (int64_t i = 0; i < kRows; ++i)
        for (int64_t j = 0; j < kVecs; ++j)
          store(R + (m0 + i) * N + n0 + 16 * j, acc[i][j]);
    }
    for (int64_t i = 0; i < kRows; ++i) // ragged columns
      for (int64_t n = n0; n < N; ++n) {
        float acc = R[(m0 + i) * N + n];
        for (int64_t k = 0; k < K; ++k)
          acc += S[k * M + m0 + i] * V[k * N + n];
        R[(m0 + i) * N + n] = acc;
      }
  }
  for (; m0 < M; ++m0) // ragged rows
    for (int64_t k = 0; k < K; ++k) {
      float s = S[k * M + m0];
      float *r = R + m0 * N;
      const float *v = V + k * N;
      for (int64_t n = 0; n < N; ++n)
        r[n] += s * v[n];
    }
}
} // namespace

void muir::sim::gemmTransposedLhs(const float *S, const float *V, float *R,
                                  int64_t K, int64_t M, int64_t N,
                                  bool accumulate) {
  if (!accumulate)
    std::memset(R, 0, sizeof(float) * size_t(M) * size_t(N));
  kernel(S, V, R, K, M, N);
}
