//===- Elementwise.cpp - pointwise ops, casts, softmax, norms, reductions --===//
//
// Every kernel computes in f32 from the operands' (already rounded) values
// and rounds once to the result dtype. Reductions accumulate in double so the
// oracle's own summation error stays far below any backend's tolerance.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "muir/Dialect/Xf/XfDialect.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace muir;
using namespace muir::ref;
using namespace muir::ref::detail;

namespace {

template <typename F>
void binary(const HostTensor &a, const HostTensor &b, HostTensor &out, F f) {
  DType dt = out.dtype;
  if (a.shape == out.shape && b.shape == out.shape) {
    for (size_t i = 0; i < out.data.size(); ++i)
      out.data[i] = roundTo(dt, f(a.data[i], b.data[i]));
    return;
  }
  auto sa = broadcastStrides(a.shape, out.shape);
  auto sb = broadcastStrides(b.shape, out.shape);
  forEachStrided<2>(out.shape, {ArrayRef<int64_t>(sa), ArrayRef<int64_t>(sb)},
                    {0, 0}, [&](int64_t o, int64_t ia, int64_t ib) {
                      out.data[o] = roundTo(dt, f(a.data[ia], b.data[ib]));
                    });
}

template <typename F> void unary(const HostTensor &a, HostTensor &out, F f) {
  for (size_t i = 0; i < out.data.size(); ++i)
    out.data[i] = roundTo(out.dtype, f(a.data[i]));
}

/// NumPy's maximum/minimum propagate NaN; std::max would not.
float nanMax(float x, float y) {
  if (std::isnan(x) || std::isnan(y))
    return std::numeric_limits<float>::quiet_NaN();
  return x < y ? y : x;
}
float nanMin(float x, float y) {
  if (std::isnan(x) || std::isnan(y))
    return std::numeric_limits<float>::quiet_NaN();
  return y < x ? y : x;
}

/// Views `shape` as [outer, axisSize, inner] around `axis`.
struct AxisView {
  int64_t outer = 1, size = 1, inner = 1;
  AxisView(ArrayRef<int64_t> shape, int64_t axis) {
    for (int64_t d = 0; d < (int64_t)shape.size(); ++d) {
      if (d < axis)
        outer *= shape[d];
      else if (d == axis)
        size = shape[d];
      else
        inner *= shape[d];
    }
  }
};

LogicalResult softmax(xf::SoftmaxOp op, const HostTensor &x, HostTensor &out) {
  int64_t rank = x.shape.size();
  auto axis = xf::normalizeAxis(op.getAxis(), rank);
  if (failed(axis))
    return op.emitError() << "axis " << op.getAxis() << " out of range";
  AxisView v(x.shape, *axis);
  std::vector<float> e(v.size);
  for (int64_t o = 0; o < v.outer; ++o) {
    for (int64_t i = 0; i < v.inner; ++i) {
      int64_t base = o * v.size * v.inner + i;
      float mx = -std::numeric_limits<float>::infinity();
      bool nan = false;
      for (int64_t k = 0; k < v.size; ++k) {
        float val = x.data[base + k * v.inner];
        nan |= std::isnan(val);
        mx = std::max(mx, val);
      }
      double sum = 0;
      for (int64_t k = 0; k < v.size; ++k) {
        // All -inf gives -inf - -inf = NaN, as NumPy does.
        e[k] = std::exp(x.data[base + k * v.inner] - mx);
        sum += e[k];
      }
      float s = (float)sum;
      for (int64_t k = 0; k < v.size; ++k)
        out.data[base + k * v.inner] =
            nan ? std::numeric_limits<float>::quiet_NaN()
                : roundTo(out.dtype, e[k] / s);
    }
  }
  return success();
}

void layerNorm(xf::LayerNormOp op, const HostTensor &x, const HostTensor &w,
               const HostTensor &b, HostTensor &out) {
  int64_t d = x.shape.empty() ? 1 : x.shape.back();
  int64_t rows = d == 0 ? 0 : x.numElements() / d;
  double eps = op.getEps().convertToFloat();
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = x.data.data() + r * d;
    double sum = 0;
    for (int64_t k = 0; k < d; ++k)
      sum += row[k];
    double mean = sum / d;
    double sq = 0;
    for (int64_t k = 0; k < d; ++k)
      sq += (row[k] - mean) * (row[k] - mean);
    float inv = (float)(1.0 / std::sqrt(sq / d + eps));
    float fmean = (float)mean;
    for (int64_t k = 0; k < d; ++k)
      out.data[r * d + k] =
          roundTo(out.dtype, (row[k] - fmean) * inv * w.data[k] + b.data[k]);
  }
}

void rmsNorm(xf::RmsNormOp op, const HostTensor &x, const HostTensor &w,
             HostTensor &out) {
  int64_t d = x.shape.empty() ? 1 : x.shape.back();
  int64_t rows = d == 0 ? 0 : x.numElements() / d;
  double eps = op.getEps().convertToFloat();
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = x.data.data() + r * d;
    double sq = 0;
    for (int64_t k = 0; k < d; ++k)
      sq += (double)row[k] * row[k];
    float inv = (float)(1.0 / std::sqrt(sq / d + eps));
    for (int64_t k = 0; k < d; ++k)
      out.data[r * d + k] = roundTo(out.dtype, row[k] * inv * w.data[k]);
  }
}

enum class ReduceKind { Sum, Max, Mean };

LogicalResult reduce(Operation *op, ArrayRef<int64_t> axes, ReduceKind kind,
                     const HostTensor &x, HostTensor &out) {
  int64_t rank = x.shape.size();
  SmallVector<bool> reduced(rank, false);
  for (int64_t a : axes) {
    auto n = xf::normalizeAxis(a, rank);
    if (failed(n))
      return op->emitError() << "axis " << a << " out of range";
    reduced[*n] = true;
  }
  // Output strides in input index space: reduced axes do not move the output.
  SmallVector<int64_t> keptShape;
  for (int64_t d = 0; d < rank; ++d)
    keptShape.push_back(reduced[d] ? 1 : x.shape[d]);
  SmallVector<int64_t> outStrides = stridesOf(keptShape);
  for (int64_t d = 0; d < rank; ++d)
    if (reduced[d])
      outStrides[d] = 0;
  int64_t count = 1;
  for (int64_t d = 0; d < rank; ++d)
    if (reduced[d])
      count *= x.shape[d];
  if (kind == ReduceKind::Max && count == 0 && out.numElements() > 0)
    return op->emitError() << "reduce_max over an empty axis has no identity";

  size_t n = out.data.size();
  std::vector<double> acc(n, kind == ReduceKind::Max
                                 ? -std::numeric_limits<double>::infinity()
                                 : 0.0);
  forEachStrided<1>(x.shape, {ArrayRef<int64_t>(outStrides)}, {0},
                    [&](int64_t flat, int64_t o) {
                      double v = x.data[flat];
                      if (kind != ReduceKind::Max)
                        acc[o] += v;
                      else if (std::isnan(v) || std::isnan(acc[o]))
                        acc[o] = std::numeric_limits<double>::quiet_NaN();
                      else if (v > acc[o])
                        acc[o] = v;
                    });
  for (size_t i = 0; i < n; ++i) {
    double v = acc[i];
    if (kind == ReduceKind::Mean)
      v = v / (double)count;
    out.data[i] = roundTo(out.dtype, (float)v);
  }
  return success();
}

void rope(const HostTensor &x, const HostTensor &c, const HostTensor &s,
          HostTensor &out) {
  int64_t rank = x.shape.size();
  int64_t S = x.shape[rank - 2], D = x.shape[rank - 1], half = D / 2;
  int64_t plane = S * D;
  int64_t planes = plane == 0 ? 0 : x.numElements() / plane;
  for (int64_t p = 0; p < planes; ++p) {
    const float *xp = x.data.data() + p * plane;
    float *op = out.data.data() + p * plane;
    for (int64_t i = 0; i < S; ++i) {
      for (int64_t j = 0; j < D; ++j) {
        float rot = j < half ? -xp[i * D + j + half] : xp[i * D + j - half];
        op[i * D + j] = roundTo(out.dtype, xp[i * D + j] * c.data[i * D + j] +
                                               rot * s.data[i * D + j]);
      }
    }
  }
}

float geluErf(float x) {
  return 0.5f * x * (1.0f + std::erf(x * (float)M_SQRT1_2));
}
float geluTanh(float x) {
  const float k = 0.7978845608028654f; // sqrt(2 / pi)
  return 0.5f * x * (1.0f + std::tanh(k * (x + 0.044715f * x * x * x)));
}

} // namespace

LogicalResult muir::ref::detail::evalElementwise(Operation *op, Operands in,
                                      HostTensor &out) {
  using namespace xf;
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](AddOp) {
        binary(*in[0], *in[1], out, [](float a, float b) { return a + b; });
        return success();
      })
      .Case([&](SubOp) {
        binary(*in[0], *in[1], out, [](float a, float b) { return a - b; });
        return success();
      })
      .Case([&](MulOp) {
        binary(*in[0], *in[1], out, [](float a, float b) { return a * b; });
        return success();
      })
      .Case([&](DivOp) {
        binary(*in[0], *in[1], out, [](float a, float b) { return a / b; });
        return success();
      })
      .Case([&](MaxOp) {
        binary(*in[0], *in[1], out, nanMax);
        return success();
      })
      .Case([&](MinOp) {
        binary(*in[0], *in[1], out, nanMin);
        return success();
      })
      .Case([&](NegOp) {
        unary(*in[0], out, [](float x) { return -x; });
        return success();
      })
      .Case([&](ExpOp) {
        unary(*in[0], out, [](float x) { return std::exp(x); });
        return success();
      })
      .Case([&](LogOp) {
        unary(*in[0], out, [](float x) { return std::log(x); });
        return success();
      })
      .Case([&](TanhOp) {
        unary(*in[0], out, [](float x) { return std::tanh(x); });
        return success();
      })
      .Case([&](SqrtOp) {
        unary(*in[0], out, [](float x) { return std::sqrt(x); });
        return success();
      })
      .Case([&](RsqrtOp) {
        unary(*in[0], out, [](float x) { return 1.0f / std::sqrt(x); });
        return success();
      })
      .Case([&](SigmoidOp) {
        unary(*in[0], out,
              [](float x) { return 1.0f / (1.0f + std::exp(-x)); });
        return success();
      })
      .Case([&](ReluOp) {
        // x < 0 keeps NaN as NaN, like torch.relu.
        unary(*in[0], out, [](float x) { return x < 0 ? 0.0f : x; });
        return success();
      })
      .Case([&](SiluOp) {
        unary(*in[0], out, [](float x) { return x / (1.0f + std::exp(-x)); });
        return success();
      })
      .Case([&](GeluOp g) {
        if (g.getApproximate() == GeluApproximation::tanh)
          unary(*in[0], out, geluTanh);
        else
          unary(*in[0], out, geluErf);
        return success();
      })
      .Case([&](CastOp) {
        unary(*in[0], out, [](float x) { return x; });
        return success();
      })
      .Case([&](SoftmaxOp s) { return softmax(s, *in[0], out); })
      .Case([&](LayerNormOp l) {
        layerNorm(l, *in[0], *in[1], *in[2], out);
        return success();
      })
      .Case([&](RmsNormOp r) {
        rmsNorm(r, *in[0], *in[1], out);
        return success();
      })
      .Case([&](ReduceSumOp r) {
        return reduce(op, r.getAxes(), ReduceKind::Sum, *in[0], out);
      })
      .Case([&](ReduceMaxOp r) {
        return reduce(op, r.getAxes(), ReduceKind::Max, *in[0], out);
      })
      .Case([&](ReduceMeanOp r) {
        return reduce(op, r.getAxes(), ReduceKind::Mean, *in[0], out);
      })
      .Case([&](RopeOp) {
        rope(*in[0], *in[1], *in[2], out);
        return success();
      })
      .Default([&](Operation *) {
        return op->emitError() << "reference backend: unsupported op '"
                               << op->getName() << "'";
      });
}
