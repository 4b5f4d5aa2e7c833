//===- LinearAlgebra.cpp - matmul, batch_matmul and attention via Eigen
//----===//
//
// Products go through Eigen's float GEMM (f32 accumulation, like the
// target's fp32 PSUM); Eigen spreads large products over OpenMP threads.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "muir/Dialect/Xf/XfDialect.h"

#include "llvm/ADT/TypeSwitch.h"

#include <Eigen/Dense>

#include <cmath>
#include <limits>

using namespace mlir;
using namespace muir;
using namespace muir::ref;
using namespace muir::ref::detail;

namespace {
using RowMat =
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMat>;
using MutMap = Eigen::Map<RowMat>;

/// C[M, N] = op(A) * op(B), A stored [aRows, aCols] row-major (B likewise),
/// then rounded once to `dt`.
void gemm(const float *a, int64_t aRows, int64_t aCols, bool ta, const float *b,
          int64_t bRows, int64_t bCols, bool tb, float *c, DType dt) {
  ConstMap A(a, aRows, aCols), B(b, bRows, bCols);
  int64_t m = ta ? aCols : aRows, n = tb ? bRows : bCols;
  MutMap C(c, m, n);
  if (!ta && !tb)
    C.noalias() = A * B;
  else if (ta && !tb)
    C.noalias() = A.transpose() * B;
  else if (!ta && tb)
    C.noalias() = A * B.transpose();
  else
    C.noalias() = A.transpose() * B.transpose();
  if (dt != DType::F32)
    for (int64_t i = 0; i < m * n; ++i)
      c[i] = roundTo(dt, c[i]);
}

void matmul(xf::MatmulOp op, const HostTensor &l, const HostTensor &r,
            HostTensor &out) {
  gemm(l.data.data(), l.shape[0], l.shape[1], op.getTransposeLhs(),
       r.data.data(), r.shape[0], r.shape[1], op.getTransposeRhs(),
       out.data.data(), out.dtype);
}

void batchMatmul(xf::BatchMatmulOp op, const HostTensor &l, const HostTensor &r,
                 HostTensor &out) {
  ArrayRef<int64_t> ls = l.shape, rs = r.shape, os = out.shape;
  int64_t lr = ls[ls.size() - 2], lc = ls.back();
  int64_t rr = rs[rs.size() - 2], rc = rs.back();
  int64_t om = os[os.size() - 2], on = os.back();
  ArrayRef<int64_t> outBatch = os.drop_back(2);
  // Strides in whole matrices, scaled to elements below.
  auto sl = broadcastStrides(ls.drop_back(2), outBatch);
  auto sr = broadcastStrides(rs.drop_back(2), outBatch);
  bool tl = op.getTransposeLhs(), tr = op.getTransposeRhs();
  forEachStrided<2>(outBatch, {ArrayRef<int64_t>(sl), ArrayRef<int64_t>(sr)},
                    {0, 0}, [&](int64_t o, int64_t li, int64_t ri) {
                      gemm(l.data.data() + li * lr * lc, lr, lc, tl,
                           r.data.data() + ri * rr * rc, rr, rc, tr,
                           out.data.data() + o * om * on, out.dtype);
                    });
}

void attention(xf::AttentionOp op, const HostTensor &q, const HostTensor &k,
               const HostTensor &v, const HostTensor *bias, HostTensor &out) {
  int64_t B = q.shape[0], Hq = q.shape[1], Sq = q.shape[2], D = q.shape[3];
  int64_t Hkv = k.shape[1], Sk = k.shape[2], Dv = v.shape[3];
  int64_t group = Hkv == 0 ? 1 : Hq / Hkv;
  float scale = op.getScale() ? op.getScale()->convertToFloat()
                              : (float)(1.0 / std::sqrt((double)D));
  bool causal = op.getCausal();
  int64_t units = B * Hq;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float ninf = -std::numeric_limits<float>::infinity();

  // Heads are independent; Eigen sees it is inside a parallel region and
  // keeps each product single-threaded.
#pragma omp parallel for schedule(dynamic) if (units > 1)
  for (int64_t u = 0; u < units; ++u) {
    int64_t b = u / Hq, h = u % Hq, hk = h / group;
    ConstMap Q(q.data.data() + (b * Hq + h) * Sq * D, Sq, D);
    ConstMap K(k.data.data() + (b * Hkv + hk) * Sk * D, Sk, D);
    ConstMap V(v.data.data() + (b * Hkv + hk) * Sk * Dv, Sk, Dv);
    RowMat S(Sq, Sk);
    S.noalias() = Q * K.transpose();
    for (int64_t i = 0; i < Sq; ++i) {
      float mx = ninf;
      for (int64_t j = 0; j < Sk; ++j) {
        float s = S(i, j) * scale;
        if (bias)
          s += bias->data[b * Sk + j];
        if (causal && j > i + (Sk - Sq))
          s = ninf;
        S(i, j) = s;
        mx = (std::isnan(s) || std::isnan(mx)) ? nan : std::max(mx, s);
      }
      double sum = 0;
      for (int64_t j = 0; j < Sk; ++j) {
        float e = std::exp(S(i, j) - mx);
        S(i, j) = e;
        sum += e;
      }
      float fs = (float)sum;
      for (int64_t j = 0; j < Sk; ++j)
        S(i, j) /= fs;
    }
    MutMap O(out.data.data() + (b * Hq + h) * Sq * Dv, Sq, Dv);
    O.noalias() = S * V;
    if (out.dtype != DType::F32)
      for (int64_t i = 0; i < Sq * Dv; ++i)
        O.data()[i] = roundTo(out.dtype, O.data()[i]);
  }
}
} // namespace

LogicalResult muir::ref::detail::evalLinearAlgebra(Operation *op, Operands in,
                                                   HostTensor &out) {
  using namespace xf;
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](MatmulOp m) {
        matmul(m, *in[0], *in[1], out);
        return success();
      })
      .Case([&](BatchMatmulOp m) {
        batchMatmul(m, *in[0], *in[1], out);
        return success();
      })
      .Case([&](AttentionOp a) {
        attention(a, *in[0], *in[1], *in[2], in.size() > 3 ? in[3] : nullptr,
                  out);
        return success();
      })
      .Default([&](Operation *) {
        return op->emitError()
               << "reference backend: unsupported op '" << op->getName() << "'";
      });
}
