//===- Rows.cpp - vectorised pointwise maps, rounding and softmax ---------===//
//
// Each kernel is compiled per instruction set (see Simd.h) and processes a
// row kWidth lanes at a time; a partial last step runs on a padded copy, so
// every element goes through the same lane code.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"
#include "Simd.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace muir::ref;
using namespace muir::ref::detail;
using namespace muir::ref::detail::simd;

namespace {

/// out[i] = fn(x[i]) over a row, kWidth lanes at a time; x may be out.
template <typename Fn>
MUIR_REF_INLINE void mapRow(const float *x, float *out, int64_t n, Fn fn) {
  int64_t i = 0;
  for (; i + kWidth <= n; i += kWidth)
    store(out + i, fn(load<VF>(x + i)));
  if (i == n)
    return;
  float buf[kWidth] = {};
  std::memcpy(buf, x + i, (n - i) * sizeof(float));
  store(buf, fn(load<VF>(buf)));
  std::memcpy(out + i, buf, (n - i) * sizeof(float));
}

/// out[i] = fn(a[i * sa], b[i * sb]), strides 0 (one value broadcast) or 1.
template <typename Fn>
MUIR_REF_INLINE void zipRow(const float *a, int64_t sa, const float *b,
                            int64_t sb, float *out, int64_t n, Fn fn) {
  auto at = [](const float *p, int64_t s, int64_t i) {
    return s ? load<VF>(p + i) : splat<VF>(*p);
  };
  int64_t i = 0;
  for (; i + kWidth <= n; i += kWidth)
    store(out + i, fn(at(a, sa, i), at(b, sb, i)));
  if (i == n)
    return;
  float ba[kWidth] = {}, bb[kWidth] = {};
  std::memcpy(ba, a + i * sa, (sa ? n - i : 1) * sizeof(float));
  std::memcpy(bb, b + i * sb, (sb ? n - i : 1) * sizeof(float));
  VF r = fn(at(ba, sa, 0), at(bb, sb, 0));
  std::memcpy(out + i, &r, (n - i) * sizeof(float));
}

/// Applies a scalar libm function lane by lane (for the rarely hot ones).
template <typename Fn> MUIR_REF_INLINE VF eachLane(VF v, Fn fn) {
  for (int l = 0; l < kWidth; ++l)
    v[l] = fn(v[l]);
  return v;
}

/// NumPy's maximum/minimum propagate NaN (as a quiet NaN).
MUIR_REF_INLINE VF nanOr(VF x, VF y, VF r) {
  return (x != x) | (y != y) ? splat<VF>(__builtin_nanf("")) : r;
}

} // namespace

MUIR_REF_MULTIVERSION
void muir::ref::detail::unaryRow(UnaryFn fn, const float *x, float *out,
                                 int64_t n) {
  const float k = 0.7978845608028654f; // sqrt(2 / pi)
  switch (fn) {
  case UnaryFn::Neg:
    return mapRow(x, out, n, [](VF v) { return -v; });
  case UnaryFn::Exp:
    return mapRow(x, out, n, [](VF v) { return simd::exp<kWidth>(v); });
  case UnaryFn::Log:
    return mapRow(x, out, n, [](VF v) {
      return eachLane(v, [](float a) { return std::log(a); });
    });
  case UnaryFn::Tanh:
    return mapRow(x, out, n, [](VF v) { return simd::tanh<kWidth>(v); });
  case UnaryFn::Sqrt:
    return mapRow(x, out, n, [](VF v) {
      return eachLane(v, [](float a) { return std::sqrt(a); });
    });
  case UnaryFn::Rsqrt:
    return mapRow(x, out, n, [](VF v) {
      return eachLane(v, [](float a) { return 1.0f / std::sqrt(a); });
    });
  case UnaryFn::Sigmoid:
    return mapRow(x, out, n,
                  [](VF v) { return 1.0f / (1.0f + simd::exp<kWidth>(-v)); });
  case UnaryFn::Relu:
    // x < 0 keeps NaN as NaN, like torch.relu.
    return mapRow(x, out, n, [](VF v) { return v < 0 ? VF{} : v; });
  case UnaryFn::Silu:
    return mapRow(x, out, n,
                  [](VF v) { return v / (1.0f + simd::exp<kWidth>(-v)); });
  case UnaryFn::GeluTanh:
    return mapRow(x, out, n, [k](VF v) {
      return 0.5f * v *
             (1.0f + simd::tanh<kWidth>(k * (v + 0.044715f * v * v * v)));
    });
  case UnaryFn::GeluErf:
    return mapRow(x, out, n, [](VF v) {
      return eachLane(v, [](float a) {
        return 0.5f * a * (1.0f + std::erf(a * (float)M_SQRT1_2));
      });
    });
  case UnaryFn::Copy:
    return mapRow(x, out, n, [](VF v) { return v; });
  }
}

MUIR_REF_MULTIVERSION
void muir::ref::detail::binaryRow(BinaryFn fn, const float *a, int64_t sa,
                                  const float *b, int64_t sb, float *out,
                                  int64_t n) {
  switch (fn) {
  case BinaryFn::Add:
    return zipRow(a, sa, b, sb, out, n, [](VF x, VF y) { return x + y; });
  case BinaryFn::Sub:
    return zipRow(a, sa, b, sb, out, n, [](VF x, VF y) { return x - y; });
  case BinaryFn::Mul:
    return zipRow(a, sa, b, sb, out, n, [](VF x, VF y) { return x * y; });
  case BinaryFn::Div:
    return zipRow(a, sa, b, sb, out, n, [](VF x, VF y) { return x / y; });
  case BinaryFn::Max:
    return zipRow(a, sa, b, sb, out, n,
                  [](VF x, VF y) { return nanOr(x, y, x < y ? y : x); });
  case BinaryFn::Min:
    return zipRow(a, sa, b, sb, out, n,
                  [](VF x, VF y) { return nanOr(x, y, y < x ? y : x); });
  }
}

MUIR_REF_MULTIVERSION
void muir::ref::detail::roundRow(DType dtype, float *x, int64_t n) {
  auto narrow = [&](const NarrowFormat &f) {
    mapRow(x, x, n, [&f](VF v) { return roundNarrow<kWidth>(v, f); });
  };
  switch (dtype) {
  case DType::BF16:
    return mapRow(x, x, n, [](VF v) { return roundBF16<kWidth>(v); });
  case DType::F16:
    return narrow(kF16);
  case DType::F8E4M3FN:
    return narrow(kE4M3FN);
  case DType::F8E5M2:
    return narrow(kE5M2);
  default:
    return;
  }
}

MUIR_REF_MULTIVERSION
void muir::ref::detail::softmaxRow(float *row, int64_t n, int64_t live) {
  const float ninf = -std::numeric_limits<float>::infinity();
  // The maximum ignoring NaN, and whether there was one (max is
  // associative, so lanes give the sequential answer).
  VF mx = splat<VF>(ninf);
  Lanes<kWidth>::I nan{};
  int64_t j = 0;
  for (; j + kWidth <= n; j += kWidth) {
    VF v = load<VF>(row + j);
    nan |= v != v;
    mx = v > mx ? v : mx;
  }
  float m = ninf;
  bool anyNan = false;
  for (int l = 0; l < kWidth; ++l) {
    m = mx[l] > m ? mx[l] : m;
    anyNan |= nan[l] != 0;
  }
  for (; j < n; ++j) {
    anyNan |= std::isnan(row[j]);
    m = row[j] > m ? row[j] : m;
  }
  if (anyNan) {
    std::fill(row, row + n, std::numeric_limits<float>::quiet_NaN());
    return;
  }
  // Entries past `live` are -inf: e^(-inf - m) is exactly 0 unless m is
  // -inf too (then they are NaN), so they are neither computed nor summed.
  int64_t end = m == ninf ? n : live;
  mapRow(row, row, end, [m](VF v) { return simd::exp<kWidth>(v - m); });
  double sum = 0; // in order, in double: the oracle's reduction
  for (j = 0; j < end; ++j)
    sum += row[j];
  float s = (float)sum;
  mapRow(row, row, end, [s](VF v) { return v / s; });
  std::fill(row + end, row + n, 0.0f / s);
}
