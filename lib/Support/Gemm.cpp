//===- Gemm.cpp - the f32 matrix product behind matmul and attention ------===//
//
// Every element of C = A B is one chain of fused multiply-adds over k in
// order, from +0: c = fma(a[i, k], b[k, j], c) for k = 0, 1, ..., K-1. The
// result therefore depends neither on the blocking nor on the instruction
// set: the AVX-512 and AVX2 micro-kernels (picked at run time) and the
// portable one (std::fma) agree bit for bit.
//
// The blocking is BLIS's: a kc x nc block of B is packed into nr-wide
// panels, an mc x kc block of A into mr-high panels, and the micro-kernel
// keeps an mr x nr block of C in registers across a kc-long panel, reloading
// it from C (never re-rounding: it is f32 throughout) for the next panel.
//
//===----------------------------------------------------------------------===//
#include "muir/Support/Gemm.h"

#include "llvm/Support/Process.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MUIR_REF_X86_KERNELS 1
#endif

using llvm::StringRef;
using muir::MatrixView;

namespace {

// kc x nc of B (1 MiB) stays in L2 with an mc x kc block of A (192 KiB);
// one nr-wide panel of B (32 KiB) stays in L1 while A's panels stream by.
constexpr int64_t kKc = 256, kMc = 192, kNc = 1024;
constexpr int kMaxMr = 12, kMaxTile = kMaxMr * 32;

/// c[mr x nr] (row stride ldc) = (accumulate ? c : 0) + a-panel * b-panel,
/// a-panel [kc][mr] and b-panel [kc][nr] packed.
using MicroKernel = void (*)(int64_t kc, const float *a, const float *b,
                             float *c, int64_t ldc, bool accumulate);
struct Kernel {
  int mr, nr;
  MicroKernel run;
};

template <int MR, int NR>
void portableKernel(int64_t kc, const float *a, const float *b, float *c,
                    int64_t ldc, bool accumulate) {
  float acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NR; ++j)
      acc[r][j] = accumulate ? c[r * ldc + j] : 0.0f;
  for (int64_t p = 0; p < kc; ++p, a += MR, b += NR)
    for (int r = 0; r < MR; ++r)
      for (int j = 0; j < NR; ++j)
        acc[r][j] = std::fma(a[r], b[j], acc[r][j]);
  for (int r = 0; r < MR; ++r)
    std::memcpy(c + r * ldc, acc[r], NR * sizeof(float));
}

#ifdef MUIR_REF_X86_KERNELS
/// The x86 micro-kernels: MR rows of NR = 16 * V lanes, one broadcast of a
/// and V fused multiply-adds per row and k step.
#define MUIR_REF_DEFINE_KERNEL(NAME, TARGET, VEC, LANES, LOAD, STORE, ZERO,    \
                               SET1, FMA, MR, V)                               \
  __attribute__((target(TARGET))) void NAME(int64_t kc, const float *a,        \
                                            const float *b, float *c,          \
                                            int64_t ldc, bool accumulate) {    \
    VEC acc[MR][V];                                                            \
    _Pragma("GCC unroll 16") for (int r = 0; r < MR; ++r)                      \
        _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) acc[r][v] =        \
            accumulate ? LOAD(c + r * ldc + v * LANES) : ZERO();               \
    for (int64_t p = 0; p < kc; ++p, a += MR, b += V * LANES) {                \
      VEC bv[V];                                                               \
      _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) bv[v] =              \
          LOAD(b + v * LANES);                                                 \
      _Pragma("GCC unroll 16") for (int r = 0; r < MR; ++r) {                  \
        VEC av = SET1(a[r]);                                                   \
        _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v) acc[r][v] =        \
            FMA(av, bv[v], acc[r][v]);                                         \
      }                                                                        \
    }                                                                          \
    _Pragma("GCC unroll 16") for (int r = 0; r < MR; ++r)                      \
        _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v)                    \
            STORE(c + r * ldc + v * LANES, acc[r][v]);                         \
  }

MUIR_REF_DEFINE_KERNEL(avx512Kernel, "avx512f,avx2,fma", __m512, 16,
                       _mm512_loadu_ps, _mm512_storeu_ps, _mm512_setzero_ps,
                       _mm512_set1_ps, _mm512_fmadd_ps, 12, 2)
MUIR_REF_DEFINE_KERNEL(avx2Kernel, "avx2,fma", __m256, 8, _mm256_loadu_ps,
                       _mm256_storeu_ps, _mm256_setzero_ps, _mm256_set1_ps,
                       _mm256_fmadd_ps, 6, 2)
#undef MUIR_REF_DEFINE_KERNEL
#endif

/// The widest micro-kernel the CPU runs; MUIR_REFERENCE_GEMM=portable, avx2
/// or avx512 picks one (if the CPU runs it) so tests can compare them.
Kernel pickKernel() {
  std::string want =
      llvm::sys::Process::GetEnv("MUIR_REFERENCE_GEMM").value_or("");
  auto allowed = [&](StringRef name) { return want.empty() || name == want; };
#ifdef MUIR_REF_X86_KERNELS
  if (allowed("avx512") && __builtin_cpu_supports("avx512f"))
    return {12, 32, avx512Kernel};
  if (allowed("avx2") && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma"))
    return {6, 16, avx2Kernel};
#endif
  return {4, 16, portableKernel<4, 16>};
}

/// Packs rows [i0, i0 + rows) x columns [p0, p0 + kc) of `a` into mr-high
/// panels laid out [panel][p][r], zero-padding the last panel's rows.
void packA(const MatrixView &a, int64_t i0, int64_t rows, int64_t p0,
           int64_t kc, int mr, float *out) {
  for (int64_t ir = 0; ir < rows; ir += mr, out += mr * kc) {
    if (a.colStride == 1 && ir + mr <= rows) {
      // Row-major A: read mr rows side by side, write the panel in order.
      const float *src[kMaxMr];
      for (int r = 0; r < mr; ++r)
        src[r] = a.at(i0 + ir + r, p0);
      for (int64_t p = 0; p < kc; ++p)
        for (int r = 0; r < mr; ++r)
          out[p * mr + r] = src[r][p];
      continue;
    }
    for (int r = 0; r < mr; ++r) {
      if (ir + r >= rows) {
        for (int64_t p = 0; p < kc; ++p)
          out[p * mr + r] = 0.0f;
        continue;
      }
      const float *src = a.at(i0 + ir + r, p0);
      for (int64_t p = 0; p < kc; ++p)
        out[p * mr + r] = src[p * a.colStride];
    }
  }
}

/// Copies one full row of a B panel; the fixed sizes let the compiler inline
/// the copy instead of calling memcpy 4 million times per large product.
void copyPanelRow(float *dst, const float *src, int nr) {
  switch (nr) {
  case 32:
    return (void)std::memcpy(dst, src, 32 * sizeof(float));
  case 16:
    return (void)std::memcpy(dst, src, 16 * sizeof(float));
  default:
    std::memcpy(dst, src, nr * sizeof(float));
  }
}

/// Packs rows [p0, p0 + kc) x columns [j0, j0 + cols) of `b` into nr-wide
/// panels laid out [panel][p][j], zero-padding the last panel's columns.
void packB(const MatrixView &b, int64_t p0, int64_t kc, int64_t j0,
           int64_t cols, int nr, float *out) {
  // Row by row of B, so the reads stream through memory; each row is
  // scattered over the panels.
  for (int64_t p = 0; p < kc; ++p) {
    const float *src = b.at(p0 + p, j0);
    float *dst = out + p * nr;
    for (int64_t jr = 0; jr < cols; jr += nr, dst += nr * kc) {
      int64_t w = std::min<int64_t>(nr, cols - jr);
      const float *s = src + jr * b.colStride;
      if (b.colStride == 1 && w == nr)
        copyPanelRow(dst, s, nr);
      else if (b.colStride == 1)
        std::memcpy(dst, s, w * sizeof(float));
      else
        for (int64_t j = 0; j < w; ++j)
          dst[j] = s[j * b.colStride];
      std::fill(dst + w, dst + nr, 0.0f);
    }
  }
}

int64_t roundUp(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

} // namespace

void muir::gemm(int64_t m, int64_t n, int64_t k, const MatrixView &a,
                const MatrixView &b, float *c, int64_t ldc) {
  static const Kernel kernel = pickKernel();
  const int mr = kernel.mr, nr = kernel.nr;
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i)
      std::fill(c + i * ldc, c + i * ldc + n, 0.0f);
    return;
  }
  std::vector<float> bPack(std::min(k, kKc) * roundUp(std::min(n, kNc), nr));
  std::vector<float> aPack(std::min(k, kKc) * roundUp(std::min(m, kMc), mr));
  float tile[kMaxTile];
  for (int64_t jc = 0; jc < n; jc += kNc) {
    int64_t nc = std::min(kNc, n - jc);
    for (int64_t pc = 0; pc < k; pc += kKc) {
      int64_t kc = std::min(kKc, k - pc);
      bool accumulate = pc > 0;
      packB(b, pc, kc, jc, nc, nr, bPack.data());
      for (int64_t ic = 0; ic < m; ic += kMc) {
        int64_t mc = std::min(kMc, m - ic);
        packA(a, ic, mc, pc, kc, mr, aPack.data());
        for (int64_t jr = 0; jr < nc; jr += nr) {
          const float *bp = bPack.data() + jr * kc;
          int64_t cols = std::min<int64_t>(nr, nc - jr);
          for (int64_t ir = 0; ir < mc; ir += mr) {
            const float *ap = aPack.data() + ir * kc;
            float *cp = c + (ic + ir) * ldc + jc + jr;
            int64_t rows = std::min<int64_t>(mr, mc - ir);
            if (rows == mr && cols == nr) {
              kernel.run(kc, ap, bp, cp, ldc, accumulate);
              continue;
            }
            // A partial block goes through a full-size tile.
            for (int64_t r = 0; accumulate && r < rows; ++r)
              std::memcpy(tile + r * nr, cp + r * ldc, cols * sizeof(float));
            kernel.run(kc, ap, bp, tile, nr, accumulate);
            for (int64_t r = 0; r < rows; ++r)
              std::memcpy(cp + r * ldc, tile + r * nr, cols * sizeof(float));
          }
        }
      }
    }
  }
}
