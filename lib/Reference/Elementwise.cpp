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

/// Elementwise binary op with NumPy broadcasting, one innermost row at a time.
void binary(BinaryFn fn, const HostTensor &a, const HostTensor &b,
            HostTensor &out) {
  if (out.data.empty())
    return;
  if (a.shape == out.shape && b.shape == out.shape) {
    binaryRow(fn, a.data.data(), 1, b.data.data(), 1, out.data.data(),
              out.numElements());
  } else {
    SmallVector<int64_t> sa = broadcastStrides(a.shape, out.shape);
    SmallVector<int64_t> sb = broadcastStrides(b.shape, out.shape);
    int64_t inner = out.shape.back();
    forEachStrided<2>(
        ArrayRef<int64_t>(out.shape).drop_back(),
        {ArrayRef<int64_t>(sa).drop_back(), ArrayRef<int64_t>(sb).drop_back()},
        {0, 0}, [&](int64_t o, int64_t ia, int64_t ib) {
          binaryRow(fn, a.data.data() + ia, sa.back(), b.data.data() + ib,
                    sb.back(), out.data.data() + o * inner, inner);
        });
  }
  roundInPlace(out);
}

void unary(UnaryFn fn, const HostTensor &a, HostTensor &out) {
  unaryRow(fn, a.data.data(), out.data.data(), out.numElements());
  roundInPlace(out);
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
  std::vector<float> row(v.size);
  for (int64_t o = 0; o < v.outer; ++o) {
    for (int64_t i = 0; i < v.inner; ++i) {
      int64_t base = o * v.size * v.inner + i;
      for (int64_t k = 0; k < v.size; ++k)
        row[k] = x.data[base + k * v.inner];
      softmaxRow(row.data(), v.size, v.size);
      for (int64_t k = 0; k < v.size; ++k)
        out.data[base + k * v.inner] = row[k];
    }
  }
  roundInPlace(out);
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
      out.data[r * d + k] = (row[k] - fmean) * inv * w.data[k] + b.data[k];
  }
  roundInPlace(out);
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
      out.data[r * d + k] = row[k] * inv * w.data[k];
  }
  roundInPlace(out);
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
    out.data[i] = (float)v;
  }
  roundInPlace(out);
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
        op[i * D + j] =
            xp[i * D + j] * c.data[i * D + j] + rot * s.data[i * D + j];
      }
    }
  }
  roundInPlace(out);
}

} // namespace

LogicalResult muir::ref::detail::evalElementwise(Operation *op, Operands in,
                                      HostTensor &out) {
  using namespace xf;
  auto binaryOp = [&](BinaryFn fn) {
    binary(fn, *in[0], *in[1], out);
    return success();
  };
  auto unaryOp = [&](UnaryFn fn) {
    unary(fn, *in[0], out);
    return success();
  };
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](AddOp) { return binaryOp(BinaryFn::Add); })
      .Case([&](SubOp) { return binaryOp(BinaryFn::Sub); })
      .Case([&](MulOp) { return binaryOp(BinaryFn::Mul); })
      .Case([&](DivOp) { return binaryOp(BinaryFn::Div); })
      .Case([&](MaxOp) { return binaryOp(BinaryFn::Max); })
      .Case([&](MinOp) { return binaryOp(BinaryFn::Min); })
      .Case([&](NegOp) { return unaryOp(UnaryFn::Neg); })
      .Case([&](ExpOp) { return unaryOp(UnaryFn::Exp); })
      .Case([&](LogOp) { return unaryOp(UnaryFn::Log); })
      .Case([&](TanhOp) { return unaryOp(UnaryFn::Tanh); })
      .Case([&](SqrtOp) { return unaryOp(UnaryFn::Sqrt); })
      .Case([&](RsqrtOp) { return unaryOp(UnaryFn::Rsqrt); })
      .Case([&](SigmoidOp) { return unaryOp(UnaryFn::Sigmoid); })
      .Case([&](ReluOp) { return unaryOp(UnaryFn::Relu); })
      .Case([&](SiluOp) { return unaryOp(UnaryFn::Silu); })
      .Case([&](GeluOp g) {
        return unaryOp(g.getApproximate() == GeluApproximation::tanh
                           ? UnaryFn::GeluTanh
                           : UnaryFn::GeluErf);
      })
      .Case([&](CastOp) { return unaryOp(UnaryFn::Copy); })
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
