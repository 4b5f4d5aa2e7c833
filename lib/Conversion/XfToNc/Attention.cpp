//===- Attention.cpp - flash attention and rotary embedding kernels -------===//
//
// Attention is one tiled kernel with an online softmax: for each 128-query
// tile it streams key blocks, keeps the running max, sum and output on chip,
// and never writes the Sq x Sk scores to HBM. K^T and V of a key/value head
// are loaded once and reused by every query head of its group.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

using namespace mlir;
using namespace muir;
using namespace muir::lower;
using nc::ActFunc;
using nc::AluOp;

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

LogicalResult muir::lower::emitAttention(Emitter &e, Operation *op,
                                         const HbmValue &q, const HbmValue &k,
                                         const HbmValue &v, const HbmValue &out,
                                         float scale, bool causal) {
  const target::Machine &m = e.m;
  int64_t B = q.shape[0], Hq = q.shape[1], Sq = q.shape[2], D = q.shape[3];
  int64_t Hkv = k.shape[1], Sk = k.shape[2], Dv = v.shape[3];
  int64_t group = Hq / Hkv;
  Type et = q.elemType, f32 = e.f32();
  int64_t eb = Emitter::bytesOf(et);
  bool dmaT = eb == 2 || eb == 4;
  int64_t P = e.rows();
  int64_t bankElems = m.psum.bankBytes() / 4;
  if (Dv > bankElems || Dv > m.pe.movingFreeMax)
    return op->emitError() << "value head dim " << Dv << " exceeds one PSUM "
                           << "bank (" << bankElems << " fp32) on target '"
                           << m.name << "'";
  int64_t kw = std::min<int64_t>({m.pe.movingFreeMax, bankElems, Sk});
  kw = std::max<int64_t>(P, kw / P * P); // whole 128-key chunks per block
  if (kw > bankElems || kw > m.pe.movingFreeMax)
    kw = std::min<int64_t>(m.pe.movingFreeMax, bankElems);
  int64_t DC = ceilDiv(D, P), KC = ceilDiv(Sk, P);
  int64_t qt = std::min<int64_t>(P, Sq);

  Emitter::Mark mk = e.mark();
  auto kT = e.allocSbuf(DC * Sk * eb, op, "K^T of one key/value head");
  auto vB = e.allocSbuf(KC * Dv * eb, op, "V of one key/value head");
  auto qT = e.allocSbuf(DC * qt * eb, op, "a Q^T tile");
  auto sc = e.allocSbuf(kw * 4, op, "a score block");
  auto pt = e.allocSbuf(ceilDiv(kw, P) * qt * eb, op, "P^T of a score block");
  auto oAcc = e.allocSbuf(Dv * 4, op, "the output accumulator");
  auto oOut = e.allocSbuf(Dv * std::max<int64_t>(4, eb), op, "an output tile");
  auto st = e.allocSbuf(8 * 4, op, "softmax statistics");
  int64_t banks = std::min<int64_t>(3, m.psum.banks);
  auto ps = e.allocPsumBanks(banks, op, "attention accumulators");
  if (failed(kT) || failed(vB) || failed(qT) || failed(sc) || failed(pt) ||
      failed(oAcc) || failed(oOut) || failed(st) || failed(ps))
    return failure();
  int64_t bankS = 0, bankT = banks >= 3 ? 1 : 0, bankO = banks >= 3 ? 2 : 1;
  if (banks < 2)
    return op->emitError() << "attention needs 2 PSUM banks";
  auto psTile = [&](int64_t bank, int64_t np, int64_t n, int64_t col = 0) {
    return e.dense(*ps, np, n, f32, bank * bankElems + col);
  };
  auto col = [&](int64_t i, int64_t np) { return e.column(*st, np, i); };

  for (int64_t b = 0; b < B; ++b) {
    for (int64_t kh = 0; kh < Hkv; ++kh) {
      int64_t kBase = (b * Hkv + kh) * Sk * D, vBase = (b * Hkv + kh) * Sk * Dv;
      // K^T [D (chunks of P) partitions, Sk] and V [Sk (chunks) partitions, Dv].
      for (int64_t dc = 0; dc < DC; ++dc) {
        int64_t d0 = dc * P, dn = std::min(P, D - d0);
        for (int64_t c = 0; c < KC; ++c) {
          int64_t k0 = c * P, kn = std::min(P, Sk - k0);
          nc::AccessAttr dst = e.dense(*kT, dn, kn, et, dc * Sk + k0);
          if (dmaT)
            e.dma(dst, e.hbm(k, kBase + k0 * D + d0, kn, D, {dn}, {1}), true);
          else
            e.dma(dst, e.hbm(k, kBase + k0 * D + d0, dn, 1, {kn}, {D}));
        }
      }
      for (int64_t c = 0; c < KC; ++c) {
        int64_t k0 = c * P, kn = std::min(P, Sk - k0);
        e.dma(e.dense(*vB, kn, Dv, et, c * Dv),
              e.hbm(v, vBase + k0 * Dv, kn, Dv, {Dv}, {1}));
      }
      for (int64_t hg = 0; hg < group; ++hg) {
        int64_t h = kh * group + hg;
        int64_t qBase = (b * Hq + h) * Sq * D, oBase = (b * Hq + h) * Sq * Dv;
        for (int64_t q0 = 0; q0 < Sq; q0 += qt) {
          int64_t qn = std::min(qt, Sq - q0);
          for (int64_t dc = 0; dc < DC; ++dc) {
            int64_t d0 = dc * P, dn = std::min(P, D - d0);
            nc::AccessAttr dst = e.dense(*qT, dn, qn, et, dc * qt);
            if (dmaT)
              e.dma(dst, e.hbm(q, qBase + q0 * D + d0, qn, D, {dn}, {1}), true);
            else
              e.dma(dst, e.hbm(q, qBase + q0 * D + d0, dn, 1, {qn}, {D}));
          }
          // Keys visible to the last query of the tile bound the blocks.
          int64_t kEnd = causal ? std::min(Sk, q0 + qn + (Sk - Sq)) : Sk;
          nc::AccessAttr mRun = col(0, qn), lRun = col(1, qn),
                         mBlk = col(2, qn), corr = col(3, qn),
                         sum = col(4, qn), negm = col(5, qn);
          for (int64_t k0 = 0; k0 < kEnd; k0 += kw) {
            bool first = k0 == 0;
            int64_t kn = std::min(kw, kEnd - k0);
            nc::AccessAttr s = psTile(bankS, qn, kn);
            for (int64_t dc = 0; dc < DC; ++dc) {
              int64_t dn = std::min(P, D - dc * P);
              e.matmul(s, e.dense(*qT, dn, qn, et, dc * qt),
                       e.dense(*kT, dn, kn, et, dc * Sk + k0), dc > 0);
            }
            nc::AccessAttr sct = e.dense(*sc, qn, kn, f32);
            e.act(ActFunc::identity, sct, s, scale);
            int64_t base = q0 + (Sk - Sq) - k0;
            if (causal && base < kn - 1)
              e.select(sct, sct, -3.0e38f, base, 1, {-1});
            if (first) {
              e.reduce(AluOp::max, mRun, sct, 1);
            } else {
              e.reduce(AluOp::max, mBlk, sct, 1);
              e.tt(AluOp::max, mBlk, mBlk, mRun);   // new max
              e.tt(AluOp::sub, corr, mRun, mBlk);   // old - new <= 0
              e.act(ActFunc::exp, corr, corr);
              e.copy(mRun, mBlk);
            }
            e.ts(AluOp::mul, negm, mRun, -1.0f);
            e.act(ActFunc::exp, sct, sct, 1.0f, negm, first ? lRun : sum);
            if (!first) {
              e.ts(AluOp::mul, lRun, lRun, 0.0f, corr); // rescale the old sum
              e.tt(AluOp::add, lRun, lRun, sum);
            }
            // P^T chunks through the PE array, then O_blk = P . V.
            int64_t chunks = ceilDiv(kn, P);
            for (int64_t c = 0; c < chunks; ++c) {
              int64_t cn = std::min(P, kn - c * P);
              nc::AccessAttr tps = psTile(bankT, cn, qn, c * qt);
              e.transpose(tps, e.tile(nc::MemSpace::sbuf,
                                      sc->offset + c * P * 4, 0, qn, {cn},
                                      {1}, f32));
              e.copy(e.dense(*pt, cn, qn, et, c * qt), tps);
            }
            nc::AccessAttr o = psTile(bankO, qn, Dv);
            for (int64_t c = 0; c < chunks; ++c) {
              int64_t cn = std::min(P, kn - c * P);
              int64_t vc = (k0 + c * P) / P;
              e.matmul(o, e.dense(*pt, cn, qn, et, c * qt),
                       e.dense(*vB, cn, Dv, et, vc * Dv), c > 0);
            }
            nc::AccessAttr acc = e.dense(*oAcc, qn, Dv, f32);
            if (first) {
              e.copy(acc, o);
            } else {
              e.ts(AluOp::mul, acc, acc, 0.0f, corr);
              e.tt(AluOp::add, acc, acc, o);
            }
          }
          e.act(ActFunc::reciprocal, lRun, lRun);
          nc::AccessAttr ot = e.dense(*oOut, qn, Dv, out.elemType);
          e.ts(AluOp::mul, ot, e.dense(*oAcc, qn, Dv, f32), 0.0f, lRun);
          e.dma(e.hbm(out, oBase + q0 * Dv, qn, Dv, {Dv}, {1}), ot);
        }
      }
    }
  }
  e.release(mk);
  return success();
}

LogicalResult muir::lower::emitRope(Emitter &e, Operation *op,
                                    const HbmValue &x, const HbmValue &cos,
                                    const HbmValue &sin, const HbmValue &out) {
  int64_t rank = x.shape.size();
  int64_t S = x.shape[rank - 2], D = x.shape[rank - 1], h = D / 2;
  int64_t lead = x.numElements() / (S * D);
  Type f32 = e.f32();
  Emitter::Mark mk = e.mark();
  auto xb = e.allocSbuf(D * 4, op, "a rope input tile");
  auto cb = e.allocSbuf(D * 4, op, "a cos tile");
  auto sb = e.allocSbuf(D * 4, op, "a sin tile");
  auto ob = e.allocSbuf(D * 4, op, "a rope output tile");
  auto tb = e.allocSbuf(h * 4, op, "a rope scratch tile");
  if (failed(xb) || failed(cb) || failed(sb) || failed(ob) || failed(tb))
    return failure();
  for (int64_t s0 = 0; s0 < S; s0 += e.rows()) {
    int64_t np = std::min(e.rows(), S - s0);
    nc::AccessAttr c = e.dense(*cb, np, D, f32), sn = e.dense(*sb, np, D, f32);
    e.dma(c, e.hbm(cos, s0 * D, np, D, {D}, {1}));
    e.dma(sn, e.hbm(sin, s0 * D, np, D, {D}, {1}));
    for (int64_t l = 0; l < lead; ++l) {
      int64_t off = l * S * D + s0 * D;
      auto xt = [&](int64_t c0, int64_t n) { return e.dense(*xb, np, n, f32, c0); };
      auto ct = [&](int64_t c0) { return e.dense(*cb, np, h, f32, c0); };
      auto st = [&](int64_t c0) { return e.dense(*sb, np, h, f32, c0); };
      auto ot = [&](int64_t c0) { return e.dense(*ob, np, h, f32, c0); };
      nc::AccessAttr tmp = e.dense(*tb, np, h, f32);
      e.dma(xt(0, D), e.hbm(x, off, np, D, {D}, {1}));
      // out[:h] = x[:h] cos[:h] - x[h:] sin[:h]; out[h:] = x[h:] cos[h:] + x[:h] sin[h:]
      e.tt(AluOp::mul, ot(0), xt(0, h), ct(0));
      e.tt(AluOp::mul, tmp, xt(h, h), st(0));
      e.tt(AluOp::sub, ot(0), ot(0), tmp);
      e.tt(AluOp::mul, ot(h), xt(h, h), ct(h));
      e.tt(AluOp::mul, tmp, xt(0, h), st(h));
      e.tt(AluOp::add, ot(h), ot(h), tmp);
      e.dma(e.hbm(out, off, np, D, {D}, {1}), e.dense(*ob, np, D, f32));
    }
  }
  e.release(mk);
  return success();
}
