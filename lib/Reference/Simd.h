//===- Simd.h - lane-parallel arithmetic for reference kernels --*- C++ -*-===//
//
// Private to lib/Reference. Hot loops are written once with GCC vector
// extensions and compiled once per instruction set (MUIR_REF_MULTIVERSION:
// AVX-512, AVX2 and the x86-64 baseline; the dynamic loader picks one for
// the CPU), so the build stays portable. Every lane performs the same IEEE
// operations in the same order in every version, and lib/Reference is built
// with -ffp-contract=off, so all versions give bit-identical results; the
// one-lane instantiation (N = 1) is the scalar form of the same code.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_LIB_REFERENCE_SIMD_H
#define MUIR_LIB_REFERENCE_SIMD_H

#include <cstdint>
#include <cstring>

// (GCC only: clang, used for the fuzzing build, rejects the 8-wide vector
// helpers in the default clone; without clones the kernels are the same
// FMA chains, so results do not change.)
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__) &&          \
    !defined(__clang__)
#define MUIR_REF_MULTIVERSION                                                  \
  __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MUIR_REF_MULTIVERSION
#endif
/// Helpers are inlined into each multiversioned caller, so they are compiled
/// for the caller's instruction set.
#define MUIR_REF_INLINE inline __attribute__((always_inline))

namespace muir::ref::detail::simd {

template <int N> struct Lanes {
  typedef float F __attribute__((vector_size(4 * N)));
  typedef uint32_t U __attribute__((vector_size(4 * N)));
  typedef int32_t I __attribute__((vector_size(4 * N)));
  typedef double D __attribute__((vector_size(8 * N)));
  typedef uint64_t UD __attribute__((vector_size(8 * N)));
};
/// Lanes per step in the row kernels: one AVX2 register of floats, so that
/// the doubles of exp and tanh fill one AVX-512 register.
constexpr int kWidth = 8;
using VF = Lanes<kWidth>::F;

template <typename V> MUIR_REF_INLINE V load(const float *p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}
template <typename V> MUIR_REF_INLINE void store(float *p, V v) {
  std::memcpy(p, &v, sizeof(V));
}
template <typename V> MUIR_REF_INLINE V splat(float x) { return V{} + x; }

/// A narrow binary float format, enough to round RNE by scaling: within one
/// binade the representable values are multiples of a power-of-two quantum.
struct NarrowFormat {
  int mantBits;
  int minExp; // exponent of the smallest normal
  double maxFinite;
  bool hasInf; // f8E4M3FN has no infinity: overflow and inf become NaN
};
constexpr NarrowFormat kF16{10, -14, 65504.0, true};
constexpr NarrowFormat kE5M2{2, -14, 57344.0, true};
constexpr NarrowFormat kE4M3FN{3, -6, 448.0, false};
constexpr NarrowFormat kBF16{7, -126, 3.3895313892515355e38, true};

/// Round-to-nearest-even of f32 lanes to bf16 (NaN stays NaN, quieted).
template <int N>
MUIR_REF_INLINE typename Lanes<N>::F roundBF16(typename Lanes<N>::F x) {
  using U = typename Lanes<N>::U;
  U u = (U)x;
  U r = (u & 0x7fffffffu) > 0x7f800000u
            ? ((u | 0x00400000u) & 0xffff0000u)
            : ((u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u);
  return (typename Lanes<N>::F)r;
}

/// Round-to-nearest-even of f32 lanes to a narrow format `f`: |x| / quantum
/// is exact (a power-of-two scale) and below 2^23, where adding and
/// subtracting 2^23 rounds it to an integer with ties to even. Overflow gives
/// inf (or NaN without infinities); NaN stays NaN; zeros keep their sign.
template <int N>
MUIR_REF_INLINE typename Lanes<N>::F roundNarrow(typename Lanes<N>::F x,
                                                 const NarrowFormat &f) {
  using F = typename Lanes<N>::F;
  using U = typename Lanes<N>::U;
  using I = typename Lanes<N>::I;
  U u = (U)x;
  U sign = u & 0x80000000u;
  U mag = u & 0x7fffffffu;
  I e = (I)(mag >> 23) - 127; // -127 for zeros and f32 subnormals
  I q = (e < f.minExp ? I{} + f.minExp : e) - f.mantBits;
  F quantum = (F)((U)(q + 127) << 23);
  F inverse = (F)((U)(127 - q) << 23);
  F r = (((F)mag * inverse + 0x1p23f) - 0x1p23f) * quantum;
  // Overflow and inf: a signed inf, or NaN for a format without infinities.
  F nan = splat<F>(__builtin_nanf(""));
  F big = f.hasInf ? (F)((U)splat<F>(__builtin_inff()) | sign) : nan;
  F out = r > (float)f.maxFinite ? big : (F)((U)r | sign);
  out = mag == 0x7f800000u ? big : out;
  return mag > 0x7f800000u ? x : out;
}

/// e^x of f32 lanes, evaluated in double (|error| < 1e-12 relative before
/// the final rounding, so the f32 result is the correctly rounded one but
/// for values within 1e-12 of a rounding boundary: at most 1 ulp off).
/// Overflow gives inf, underflow 0 or an f32 subnormal, NaN stays NaN.
template <int N>
MUIR_REF_INLINE typename Lanes<N>::D expDouble(typename Lanes<N>::D x) {
  using D = typename Lanes<N>::D;
  using UD = typename Lanes<N>::UD;
  // Beyond these e^x is inf or 0 in f32; comparisons keep NaN as it is.
  x = x > 90.0 ? D{} + 90.0 : x;
  x = x < -105.0 ? D{} - 105.0 : x;
  // x = k ln2 + r, |r| <= ln2 / 2; k*ln2Hi is exact (ln2Hi has 32 bits).
  const double shift = 0x1.8p52, ln2Hi = 0x1.62e42fee00000p-1,
               ln2Lo = 0x1.a39ef35793c76p-33;
  D z = x * 0x1.71547652b82fep0 + shift;
  D k = z - shift;
  D r = (x - k * ln2Hi) - k * ln2Lo;
  // Taylor series to r^10 / 10!: the truncation is below 3e-13 relative.
  D p = D{} + 1.0 / 3628800;
  p = p * r + 1.0 / 362880;
  p = p * r + 1.0 / 40320;
  p = p * r + 1.0 / 5040;
  p = p * r + 1.0 / 720;
  p = p * r + 1.0 / 120;
  p = p * r + 1.0 / 24;
  p = p * r + 1.0 / 6;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // 2^k from z's low bits (k + 1023 shifted into the exponent field).
  D scale = (D)(((UD)z + 1023) << 52);
  return p * scale;
}

template <int N>
MUIR_REF_INLINE typename Lanes<N>::F exp(typename Lanes<N>::F x) {
  using D = typename Lanes<N>::D;
  return __builtin_convertvector(expDouble<N>(__builtin_convertvector(x, D)),
                                 typename Lanes<N>::F);
}

/// tanh of f32 lanes, evaluated in double like exp (odd Taylor series near
/// 0, 1 - 2 / (e^2|x| + 1) elsewhere), then rounded once to f32.
template <int N>
MUIR_REF_INLINE typename Lanes<N>::F tanh(typename Lanes<N>::F x) {
  using D = typename Lanes<N>::D;
  using F = typename Lanes<N>::F;
  using U = typename Lanes<N>::U;
  D d = __builtin_convertvector((F)((U)x & 0x7fffffffu), D);
  D twice = d + d;
  D e = expDouble<N>(twice > 40.0 ? D{} + 40.0 : twice); // tanh(20) is 1 in f32
  D far = 1.0 - 2.0 / (e + 1.0);
  D s = d * d; // x - x^3/3 + 2x^5/15 - 17x^7/315, exact to 1e-18 below 0.01
  D near = d + d * s * (-1.0 / 3 + s * (2.0 / 15 + s * (-17.0 / 315)));
  F r = __builtin_convertvector(d < 0.01 ? near : far, F);
  return (F)((U)r | ((U)x & 0x80000000u));
}

} // namespace muir::ref::detail::simd

#endif // MUIR_LIB_REFERENCE_SIMD_H
