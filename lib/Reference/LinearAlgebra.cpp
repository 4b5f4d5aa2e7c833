//===- LinearAlgebra.cpp - matmul, batch_matmul and attention -------------===//
//
// Products go through gemm (Gemm.cpp): f32 accumulation, like the target's
// fp32 PSUM, one fused multiply-add chain per element in k order. The
// backend runs on one thread, so its results and timings are reproducible.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "muir/Dialect/Xf/XfDialect.h"

#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

using namespace mlir;
using namespace muir;
using namespace muir::ref;
using namespace muir::ref::detail;

namespace {
/// A row-major [rows, cols] matrix at `data`, transposed if `t`.
MatrixView view(const float *data, int64_t cols, bool t) {
  return t ? MatrixView{data, 1, cols} : MatrixView{data, cols, 1};
}

/// C[M, N] = op(A) * op(B), A stored [aRows, aCols] row-major (B likewise),
/// then rounded once to `dt`.
void product(const float *a, int64_t aRows, int64_t aCols, bool ta,
             const float *b, int64_t bRows, int64_t bCols, bool tb, float *c,
             DType dt) {
  int64_t m = ta ? aCols : aRows, k = ta ? aRows : aCols;
  int64_t n = tb ? bRows : bCols;
  gemm(m, n, k, view(a, aCols, ta), view(b, bCols, tb), c, n);
  roundRow(dt, c, m * n);
}

void matmul(xf::MatmulOp op, const HostTensor &l, const HostTensor &r,
            HostTensor &out) {
  product(l.data.data(), l.shape[0], l.shape[1], op.getTransposeLhs(),
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
                      product(l.data.data() + li * lr * lc, lr, lc, tl,
                              r.data.data() + ri * rr * rc, rr, rc, tr,
                              out.data.data() + o * om * on, out.dtype);
                    });
}

/// Rows of scores computed per product: under a causal mask each block
/// needs only the keys up to its last row's.
constexpr int64_t kScoreRows = 64;

void attention(xf::AttentionOp op, const HostTensor &q, const HostTensor &k,
               const HostTensor &v, const HostTensor *keyBias,
               const HostTensor *bias, HostTensor &out) {
  int64_t B = q.shape[0], Hq = q.shape[1], Sq = q.shape[2], D = q.shape[3];
  int64_t Hkv = k.shape[1], Sk = k.shape[2], Dv = v.shape[3];
  int64_t group = Hkv == 0 ? 1 : Hq / Hkv;
  float scale = op.getScale() ? op.getScale()->convertToFloat()
                              : (float)(1.0 / std::sqrt((double)D));
  bool causal = op.getCausal();
  // Key j is visible from query i when j <= i + shift.
  int64_t shift = Sk - Sq;
  auto visible = [&](int64_t i) {
    return causal ? std::clamp<int64_t>(i + shift + 1, 0, Sk) : Sk;
  };
  const float ninf = -std::numeric_limits<float>::infinity();
  std::vector<float> S(Sq * Sk), Kt(D * Sk);
  // The full bias's strides: a broadcast (size 1) dimension has stride 0.
  int64_t bSt[3] = {0, 0, 0};
  if (bias) {
    bSt[2] = bias->shape[2] == 1 ? 0 : Sk;
    bSt[1] = bias->shape[1] == 1 ? 0 : bias->shape[2] * Sk;
    bSt[0] = bias->shape[0] == 1 ? 0 : bias->shape[1] * bias->shape[2] * Sk;
  }
  for (int64_t u = 0; u < B * Hq; ++u) {
    int64_t b = u / Hq, h = u % Hq, hk = h / group;
    const float *Q = q.data.data() + (b * Hq + h) * Sq * D;
    const float *K = k.data.data() + (b * Hkv + hk) * Sk * D;
    const float *V = v.data.data() + (b * Hkv + hk) * Sk * Dv;
    // K^T once per head: each block's product then packs contiguous rows.
    for (int64_t j = 0; j < Sk; ++j)
      for (int64_t d = 0; d < D; ++d)
        Kt[d * Sk + j] = K[j * D + d];
    for (int64_t i0 = 0; i0 < Sq; i0 += kScoreRows) {
      int64_t rows = std::min(kScoreRows, Sq - i0);
      // Masked scores are -inf whatever their product: not computed.
      int64_t keys = visible(i0 + rows - 1);
      gemm(rows, keys, D, view(Q + i0 * D, D, false),
           view(Kt.data(), Sk, false), S.data() + i0 * Sk, Sk);
      for (int64_t i = i0; i < i0 + rows; ++i) {
        float *row = S.data() + i * Sk;
        int64_t live = visible(i);
        binaryRow(BinaryFn::Mul, row, 1, &scale, 0, row, live);
        if (keyBias)
          binaryRow(BinaryFn::Add, row, 1, keyBias->data.data() + b * Sk, 1,
                    row, live);
        if (bias)
          binaryRow(BinaryFn::Add, row, 1,
                    bias->data.data() + b * bSt[0] + h * bSt[1] + i * bSt[2], 1,
                    row, live);
        std::fill(row + live, row + Sk, ninf);
        softmaxRow(row, Sk, live);
      }
    }
    float *O = out.data.data() + (b * Hq + h) * Sq * Dv;
    gemm(Sq, Dv, Sk, view(S.data(), Sk, false), view(V, Dv, false), O, Dv);
    roundRow(out.dtype, O, Sq * Dv);
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
        // Optional operands follow query, key, value in declaration order.
        size_t next = 3;
        const HostTensor *keyBias = a.getKeyBias() ? in[next++] : nullptr;
        const HostTensor *bias = a.getBias() ? in[next++] : nullptr;
        attention(a, *in[0], *in[1], *in[2], keyBias, bias, out);
        return success();
      })
      .Default([&](Operation *) {
        return op->emitError()
               << "reference backend: unsupported op '" << op->getName() << "'";
      });
}
