//===- Elements.cpp - element codecs with round-to-nearest-even -----------===//
//
// Bit-level conversions so every run is bit-exact and independent of the host
// FPU's narrow-type support. The small-float encoder follows IEEE 754 rounding
// (ties to even, unbounded-exponent overflow test) and matches llvm::APFloat
// for f16, f8E5M2 and f8E4M3FN (whose overflow gives NaN: it has no infinity).
//
//===----------------------------------------------------------------------===//
#include "SimInternal.h"

#include <array>
#include <cmath>
#include <cstring>
#include <limits>

using namespace muir;
using target::ElemType;

namespace {
/// A small binary float format: `ebits` exponent bits, `mbits` mantissa bits.
/// `ieee`: the all-ones exponent holds inf/NaN; otherwise (the "FN" formats)
/// only the all-ones pattern is NaN and there is no infinity.
struct SmallFormat {
  int ebits, mbits, bias;
  bool ieee;
  uint32_t nanBits;

  double maxFinite() const {
    int maxExpField = (1 << ebits) - (ieee ? 2 : 1);
    int maxMant = (1 << mbits) - (ieee ? 1 : 2);
    return std::ldexp(1.0 + maxMant / double(1 << mbits), maxExpField - bias);
  }

  double decode(uint32_t bits) const {
    uint32_t sign = bits >> (ebits + mbits);
    uint32_t e = (bits >> mbits) & ((1u << ebits) - 1);
    uint32_t m = bits & ((1u << mbits) - 1);
    double v;
    if (ieee && e == (1u << ebits) - 1)
      v = m ? std::numeric_limits<double>::quiet_NaN()
            : std::numeric_limits<double>::infinity();
    else if (!ieee && e == (1u << ebits) - 1 && m == (1u << mbits) - 1)
      v = std::numeric_limits<double>::quiet_NaN();
    else if (e == 0)
      v = std::ldexp(double(m), 1 - bias - mbits);
    else
      v = std::ldexp(double(m | (1u << mbits)), int(e) - bias - mbits);
    return sign ? -v : v;
  }

  uint32_t encode(float x) const {
    uint32_t signBit = 1u << (ebits + mbits);
    if (std::isnan(x))
      return nanBits;
    uint32_t sign = std::signbit(x) ? signBit : 0;
    double a = std::fabs(double(x));
    if (std::isinf(a))
      return ieee ? sign | (((1u << ebits) - 1) << mbits) : sign | nanBits;
    if (a == 0)
      return sign;
    int ex;
    std::frexp(a, &ex); // a = f * 2^ex, f in [0.5, 1)
    int e = ex - 1;
    int minExp = 1 - bias;
    if (e < minExp)
      e = minExp;
    // a / 2^(e - mbits) is exact in double; nearbyint rounds ties to even.
    double q = std::nearbyint(std::ldexp(a, mbits - e));
    if (q >= double(2u << mbits)) {
      q /= 2; // carried into the next binade; q is even, so still exact
      ++e;
    }
    double rounded = std::ldexp(q, e - mbits);
    if (rounded > maxFinite())
      return ieee ? sign | (((1u << ebits) - 1) << mbits) : sign | nanBits;
    uint32_t qi = uint32_t(q);
    if (qi < (1u << mbits)) // subnormal (e == minExp)
      return sign | qi;
    uint32_t expField = uint32_t(e + bias);
    return sign | (expField << mbits) | (qi - (1u << mbits));
  }
};

const SmallFormat kF16{5, 10, 15, true, 0x7E00};
const SmallFormat kE5M2{5, 2, 15, true, 0x7E};
const SmallFormat kE4M3FN{4, 3, 7, false, 0x7F};

template <unsigned N> struct DecodeTable {
  std::array<float, N> v;
  explicit DecodeTable(const SmallFormat &f) {
    for (unsigned i = 0; i < N; ++i)
      v[i] = float(f.decode(i));
  }
};

const DecodeTable<65536> &f16Table() {
  static const DecodeTable<65536> t(kF16);
  return t;
}
const DecodeTable<256> &e5m2Table() {
  static const DecodeTable<256> t(kE5M2);
  return t;
}
const DecodeTable<256> &e4m3Table() {
  static const DecodeTable<256> t(kE4M3FN);
  return t;
}

} // namespace

float sim::decodeElement(ElemType t, const uint8_t *p) {
  switch (t) {
  case ElemType::F32: {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case ElemType::BF16:
    return decodeBF16(p);
  case ElemType::F16:
    return f16Table().v[p[0] | (p[1] << 8)];
  case ElemType::F8E4M3FN:
    return e4m3Table().v[p[0]];
  case ElemType::F8E5M2:
    return e5m2Table().v[p[0]];
  case ElemType::I32: {
    int32_t v;
    std::memcpy(&v, p, 4);
    return float(v);
  }
  }
  return 0;
}

void sim::encodeElement(ElemType t, float v, uint8_t *p) {
  switch (t) {
  case ElemType::F32:
    std::memcpy(p, &v, 4);
    return;
  case ElemType::BF16:
    encodeBF16(v, p);
    return;
  case ElemType::F16: {
    uint32_t h = kF16.encode(v);
    p[0] = uint8_t(h);
    p[1] = uint8_t(h >> 8);
    return;
  }
  case ElemType::F8E4M3FN:
    p[0] = uint8_t(kE4M3FN.encode(v));
    return;
  case ElemType::F8E5M2:
    p[0] = uint8_t(kE5M2.encode(v));
    return;
  case ElemType::I32: {
    int32_t i;
    if (std::isnan(v))
      i = 0;
    else if (v >= 2147483648.0f)
      i = std::numeric_limits<int32_t>::max();
    else if (v < -2147483648.0f)
      i = std::numeric_limits<int32_t>::min();
    else
      i = int32_t(std::nearbyint(v));
    std::memcpy(p, &i, 4);
    return;
  }
  }
}
