//===- Normalization.cpp - softmax, layer/RMS norm and reductions ---------===//
//
// Rows on partitions, the normalised axis along the free dimension, whole
// rows on chip: statistics come from tensor_reduce and from the Scalar
// engine's free accumulate, and are applied as per-partition scalars.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"
#include "Walk.h"

using namespace mlir;
using namespace muir;
using namespace muir::lower;
using nc::ActFunc;
using nc::AluOp;

namespace {
/// Rows x one axis: walks `axis` of a row-major shape as the free dimension
/// and every other index as a row, for input and output alike.
Space axisSpace(ArrayRef<int64_t> shape, int64_t axis) {
  int64_t outer = 1, inner = 1, a = shape.empty() ? 1 : shape[axis];
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
  Space s;
  if (inner == 1) {
    // Softmax over the last axis: rows are contiguous.
    s.shape = {outer, a};
    s.strides = {{a, 1}, {a, 1}};
  } else {
    s.shape = {outer, inner, a};
    s.strides = {{a * inner, 1, inner}, {a * inner, 1, inner}};
  }
  s.offsets = {0, 0};
  return s;
}
} // namespace

static int64_t align64(int64_t x) { return (x + 63) / 64 * 64; }

DictionaryAttr RowPlan::toAttr(MLIRContext *ctx) const {
  Builder b(ctx);
  SmallVector<NamedAttribute> a{
      b.getNamedAttr("buffers", b.getI64IntegerAttr(buffers))};
  if (cols)
    a.push_back(b.getNamedAttr("chunk_cols", b.getI64IntegerAttr(cols)));
  if (lead)
    a.push_back(b.getNamedAttr("heads_per_tile", b.getI64IntegerAttr(lead)));
  return b.getDictionaryAttr(a);
}

/// The SBUF bytes per partition free after allocating buffers of `sizes` in
/// order (each starting on a 64-byte boundary, as Emitter::allocSbuf does)
/// when `sbufFree` were free.
static int64_t freeAfter(const target::Machine &m, int64_t sbufFree,
                         ArrayRef<int64_t> sizes) {
  int64_t top = m.sbuf.bytesPerPartition - sbufFree;
  for (int64_t b : sizes)
    top = align64(top) + b;
  return m.sbuf.bytesPerPartition - top;
}

/// Buffer sets of these sizes that fit in `free` bytes (1 .. maxSets), the
/// first starting on a 64-byte boundary (Emitter::setsThatFit).
static int64_t setsIn(int64_t free, ArrayRef<int64_t> bytes, int64_t maxSets) {
  free = free / 64 * 64; // the used part rounded up (partitions are 64-byte
                         // multiples)
  int64_t perSet = 0;
  for (int64_t b : bytes)
    perSet += align64(b);
  return std::clamp<int64_t>(free / std::max<int64_t>(1, perSet), 1, maxSets);
}

/// Applies a row kernel's config: `buffers` in [1, maxBuffers], when
/// `maxLead` > 0 `heads_per_tile` in [1, maxLead], when `maxCols` > 0
/// `chunk_cols` in [1, maxCols] (maxCols itself: whole rows).
static void applyRowConfig(RowPlan &plan, StringRef kind, int64_t maxBuffers,
                           int64_t maxLead, DictionaryAttr config,
                           int64_t maxCols = 0) {
  if (!config)
    return;
  for (NamedAttribute na : config) {
    StringRef key = na.getName().getValue();
    int64_t hi = key == "buffers"                         ? maxBuffers
                 : key == "heads_per_tile" && maxLead > 0 ? maxLead
                 : key == "chunk_cols" && maxCols > 0     ? maxCols
                                                          : 0;
    std::string keys = "buffers";
    if (maxLead > 0)
      keys += ", heads_per_tile";
    if (maxCols > 0)
      keys += ", chunk_cols";
    std::optional<int64_t> x = configValue(na, hi, kind, keys, plan.error);
    if (!x)
      return;
    (key == "buffers"          ? plan.buffers
     : key == "heads_per_tile" ? plan.lead
                               : plan.cols) = *x;
  }
  if (maxCols > 0 && plan.cols >= maxCols)
    plan.cols = 0; // a whole row
}

RowPlan muir::lower::planSoftmax(const target::Machine &m, int64_t sbufFree,
                                 int64_t a, int64_t outBytes,
                                 DictionaryAttr config) {
  // Two sets of row, output and statistics tiles overlap loads with
  // compute; one where two do not fit (rows of 16k+ f32 on trn2).
  RowPlan plan;
  // An f32 result is written in place over its row tile.
  int64_t ob = outBytes == 4 ? 0 : outBytes;
  int64_t whole = align64(a * 4) + align64(a * ob) + align64(4 * 4);
  if (whole <= sbufFree / 64 * 64) {
    plan.buffers = setsIn(sbufFree, {a * 4, a * ob, 4 * 4}, 2);
  } else {
    // Rows wider than SBUF (a 128k-entry vocabulary in f32 on trn2): two
    // sets of chunks as wide as fit beside two statistics tiles, in
    // 16-column steps (64-byte aligned f32 chunks).
    plan.buffers = 2;
    int64_t room = sbufFree / 64 * 64 - 2 * align64(8 * 4);
    plan.cols = std::max<int64_t>(16, room / (2 * (4 + ob)) / 16 * 16);
    while (plan.cols > 16 &&
           2 * (align64(plan.cols * 4) + align64(plan.cols * ob)) > room)
      plan.cols -= 16;
  }
  applyRowConfig(plan, "softmax", 2, 0, config, a);
  return plan;
}

RowPlan muir::lower::planNorm(const target::Machine &m, int64_t sbufFree,
                              int64_t d, int64_t outBytes, bool bias,
                              DictionaryAttr config) {
  // The weight (and bias) stay resident; two sets of row, output and
  // statistics tiles overlap loads with compute, one where two do not fit.
  RowPlan plan;
  int64_t ob = std::max<int64_t>(4, outBytes);
  int64_t resident = align64(d * 4) * (bias ? 2 : 1);
  int64_t free = sbufFree / 64 * 64 - resident;
  if (align64(d * 4) + align64(d * ob) + align64(4 * 4) <= free) {
    plan.buffers = setsIn(free, {d * 4, d * ob, 4 * 4}, 2);
  } else {
    // Rows wider than SBUF beside their weight: every row tile streams its
    // chunks (two or three passes; the weight and bias chunks alongside),
    // two sets of x, weight, bias and output chunks in flight.
    plan.buffers = 2;
    int64_t room = sbufFree / 64 * 64 - 2 * align64(8 * 4);
    int64_t perCol = 2 * (4 + 4 + (bias ? 4 : 0) + ob);
    plan.cols = std::max<int64_t>(16, room / perCol / 16 * 16);
    auto need = [&](int64_t c) {
      return 2 * (align64(c * 4) * (bias ? 3 : 2) + align64(c * ob));
    };
    while (plan.cols > 16 && need(plan.cols) > room)
      plan.cols -= 16;
  }
  applyRowConfig(plan, "norm", 2, 0, config, d);
  return plan;
}

RowPlan muir::lower::planRope(const target::Machine &m, int64_t sbufFree,
                              int64_t d, int64_t lead, DictionaryAttr config) {
  // Two cos/sin sets (the next position tile's tables load while this one's
  // are read) where two sets of everything fit, else one. Leading indices
  // per tile: two sets of x/out/scratch within a quarter of SBUF; larger
  // tiles gain nothing for a streaming kernel, and the free space lets the
  // projections around rope overlap it (measured: Llama-7B prefill 12.17 ->
  // 11.80 ms against filling SBUF).
  // Rows wider than one set of tables and one leading index allow (3100
  // f32 on the small target's 4 KiB) go in chunks of `cols` columns of each
  // half (chunk_cols; a rotation pairs column i with i + d/2).
  RowPlan plan;
  int64_t h = d / 2;
  auto sizesFor = [](int64_t w, int64_t hc) {
    return SmallVector<int64_t, 5>{w * 4, w * 4, w * 4, w * 4, hc * 4};
  };
  int64_t one = 0;
  for (int64_t b : sizesFor(d, h))
    one += align64(b);
  int64_t hc = h;
  if (one > sbufFree / 64 * 64) {
    // Two sets of cos, sin, x and out chunks (2 hc each) and the scratch
    // (hc), 36 hc bytes a set, within three quarters of SBUF.
    hc = std::max<int64_t>(1, (sbufFree * 3 / 4 - 10 * 64) / (2 * 9 * 4));
    plan.cols = hc < h ? hc : 0;
  }
  applyRowConfig(plan, "rope", 2, std::max<int64_t>(1, lead), config,
                 std::max<int64_t>(1, h));
  if (!plan.error.empty())
    return plan;
  hc = plan.cols > 0 ? plan.cols : h;
  int64_t w = 2 * hc, perLead = (w + w + hc) * 4;
  if (!config || !config.get("buffers"))
    plan.buffers = setsIn(sbufFree, sizesFor(w, hc), 2);
  SmallVector<int64_t, 4> tables(2 * plan.buffers, w * 4);
  int64_t afterTables = freeAfter(m, sbufFree, tables);
  if (!config || !config.get("heads_per_tile"))
    plan.lead = std::max<int64_t>(
        1, std::min<int64_t>(lead, (afterTables / 4 - 512) /
                                       (plan.buffers * perLead)));
  return plan;
}

/// Softmax over rows wider than SBUF: each row tile streams its chunks
/// twice. Pass 1 keeps a running -max (NM, two alternating columns) and sum
/// (S): for chunk j, NM' = min(NM, -max(x_j)), S = S exp(NM' - NM)... in
/// the form S *= exp(-NM + NM') (the Scalar engine's scale -1 and bias NM'),
/// then S += sum exp(x_j + NM'). Pass 2 reloads each chunk and writes
/// exp(x_j + NM) / S. HBM: the input read twice, the output written once.
static LogicalResult emitSoftmaxChunked(Emitter &e, Operation *op,
                                        const HbmValue &in, const HbmValue &out,
                                        const Space &s, const RowPlan &plan) {
  int64_t a = s.shape.back(), C = plan.cols;
  int nbuf = plan.buffers;
  Type f32 = e.f32();
  bool inPlace = Emitter::bytesOf(out.elemType) == 4;
  Emitter::Mark mk = e.mark();
  Buffer x[2], o[2], stats[2];
  for (int k = 0; k < nbuf; ++k) {
    auto xb = e.allocSbuf(C * 4, op, "a softmax row chunk");
    auto ob = inPlace ? xb
                      : e.allocSbuf(C * Emitter::bytesOf(out.elemType), op,
                                    "a softmax output chunk");
    if (failed(xb) || failed(ob))
      return failure();
    x[k] = *xb, o[k] = *ob;
  }
  for (int k = 0; k < 2; ++k) {
    auto sb = e.allocSbuf(8 * 4, op, "softmax statistics");
    if (failed(sb))
      return failure();
    stats[k] = *sb;
  }
  int64_t tileNo = 0, chunkNo = 0;
  walk(s, e.rows(), a, [&](const TileRef &t) {
    const Buffer &st = stats[tileNo++ % 2];
    int64_t np = t.np;
    nc::AccessAttr nm[2] = {e.column(st, np, 0), e.column(st, np, 1)};
    nc::AccessAttr sum = e.column(st, np, 2), mj = e.column(st, np, 3),
                   corr = e.column(st, np, 4), sj = e.column(st, np, 5),
                   rs = e.column(st, np, 6);
    auto load = [&](int64_t c0, int64_t cn) {
      int k = chunkNo++ % nbuf;
      nc::AccessAttr xt = e.dense(x[k], np, cn, f32);
      e.dma(xt, e.hbm(in, t.offsets[1] + c0 * t.fstrides[1], np, t.pstrides[1],
                      {cn}, {t.fstrides[1]}));
      return std::make_pair(xt, k);
    };
    int cur = 0;
    for (int64_t c0 = 0; c0 < a; c0 += C) {
      int64_t cn = std::min(C, a - c0);
      nc::AccessAttr xt = load(c0, cn).first;
      e.reduce(AluOp::max, mj, xt, 1);
      e.ts(AluOp::mul, mj, mj, -1.0f);
      if (c0 == 0) {
        e.act(ActFunc::exp, xt, xt, 1.0f, /*bias=*/mj, /*accum=*/sum);
        e.ts(AluOp::mul, nm[cur], mj, 1.0f);
        continue;
      }
      e.tt(AluOp::min, nm[1 - cur], nm[cur], mj);
      e.act(ActFunc::exp, corr, nm[cur], -1.0f, /*bias=*/nm[1 - cur]);
      e.tt(AluOp::mul, sum, sum, corr);
      cur = 1 - cur;
      e.act(ActFunc::exp, xt, xt, 1.0f, /*bias=*/nm[cur], /*accum=*/sj);
      e.tt(AluOp::add, sum, sum, sj);
    }
    e.act(ActFunc::reciprocal, rs, sum);
    for (int64_t c0 = 0; c0 < a; c0 += C) {
      int64_t cn = std::min(C, a - c0);
      auto [xt, k] = load(c0, cn);
      e.act(ActFunc::exp, xt, xt, 1.0f, /*bias=*/nm[cur]);
      nc::AccessAttr ot = e.dense(o[k], np, cn, out.elemType);
      e.ts(AluOp::mul, ot, xt, 0.0f, /*s0=*/rs);
      e.dma(e.hbm(out, t.offsets[0] + c0 * t.fstrides[0], np, t.pstrides[0],
                  {cn}, {t.fstrides[0]}),
            ot);
    }
  });
  e.release(mk);
  return success();
}

LogicalResult muir::lower::emitSoftmax(Emitter &e, Operation *op,
                                       const HbmValue &in, const HbmValue &out,
                                       int64_t axis) {
  Space s = axisSpace(in.shape, axis);
  int64_t a = s.shape.back();
  Type f32 = e.f32();
  RowPlan plan = planSoftmax(e.m, e.sbufFree(), a,
                             Emitter::bytesOf(out.elemType), configOf(op));
  if (!plan.error.empty())
    return op->emitError() << plan.error;
  if (plan.cols > 0 && plan.cols < a)
    return emitSoftmaxChunked(e, op, in, out, s, plan);
  int nbuf = plan.buffers;
  Emitter::Mark mk = e.mark();
  Buffer x[2], o[2], stats[2];
  for (int k = 0; k < nbuf; ++k) {
    auto xb = e.allocSbuf(a * 4, op, "a softmax row tile");
    // An f32 result is written in place over its row tile.
    bool inPlace = Emitter::bytesOf(out.elemType) == 4;
    auto ob = inPlace ? xb
                      : e.allocSbuf(a * Emitter::bytesOf(out.elemType), op,
                                    "a softmax output tile");
    auto sb = e.allocSbuf(4 * 4, op, "softmax statistics");
    if (failed(xb) || failed(ob) || failed(sb))
      return failure();
    x[k] = *xb, o[k] = *ob, stats[k] = *sb;
  }
  int64_t tileNo = 0;
  walk(s, e.rows(), a, [&](const TileRef &t) {
    int k = tileNo++ % nbuf;
    nc::AccessAttr xt = e.dense(x[k], t.np, a, f32);
    nc::AccessAttr mx = e.column(stats[k], t.np, 0);
    nc::AccessAttr sum = e.column(stats[k], t.np, 1);
    nc::AccessAttr rs = e.column(stats[k], t.np, 2);
    e.dma(xt,
          e.hbm(in, t.offsets[1], t.np, t.pstrides[1], {a}, {t.fstrides[1]}));
    e.reduce(AluOp::max, mx, xt, 1);
    e.ts(AluOp::mul, mx, mx, -1.0f);
    e.act(ActFunc::exp, xt, xt, 1.0f, /*bias=*/mx, /*accum=*/sum);
    e.act(ActFunc::reciprocal, rs, sum);
    nc::AccessAttr ot = e.dense(o[k], t.np, a, out.elemType);
    e.ts(AluOp::mul, ot, xt, 0.0f, /*s0=*/rs);
    e.dma(e.hbm(out, t.offsets[0], t.np, t.pstrides[0], {a}, {t.fstrides[0]}),
          ot);
  });
  e.release(mk);
  return success();
}

/// Layer/RMS norm over rows wider than SBUF: every row tile streams its
/// chunks, for layer norm three times (the sum, then the squared
/// deviations from the mean: the same two-pass statistics as whole rows),
/// for RMS norm twice; the last pass scales each chunk and applies the
/// weight (and bias) chunks, loaded beside it.
static LogicalResult emitNormChunked(Emitter &e, Operation *op,
                                     const HbmValue &in, const HbmValue &weight,
                                     const HbmValue *bias, const HbmValue &out,
                                     float eps, bool rms, const RowPlan &plan) {
  int64_t d = in.shape.back(), C = plan.cols;
  int64_t rows = in.numElements() / std::max<int64_t>(1, d);
  Type f32 = e.f32();
  int64_t ob = std::max<int64_t>(4, Emitter::bytesOf(out.elemType));
  Emitter::Mark mk = e.mark();
  Buffer x[2], w[2], bb[2], o[2], st[2];
  for (int k = 0; k < 2; ++k) {
    auto xb = e.allocSbuf(C * 4, op, "a norm row chunk");
    auto wb = e.allocSbuf(C * 4, op, "a norm weight chunk");
    FailureOr<Buffer> bc = Buffer{};
    if (bias)
      bc = e.allocSbuf(C * 4, op, "a norm bias chunk");
    auto obuf = e.allocSbuf(C * ob, op, "a norm output chunk");
    auto sb = e.allocSbuf(8 * 4, op, "norm statistics");
    if (failed(xb) || failed(wb) || failed(bc) || failed(obuf) || failed(sb))
      return failure();
    x[k] = *xb, w[k] = *wb, bb[k] = *bc, o[k] = *obuf, st[k] = *sb;
  }
  int64_t tileNo = 0, chunkNo = 0;
  for (int64_t r0 = 0; r0 < rows; r0 += e.rows()) {
    int64_t np = std::min(e.rows(), rows - r0);
    const Buffer &stats = st[tileNo++ % 2];
    nc::AccessAttr negMean = e.column(stats, np, 0),
                   ss = e.column(stats, np, 1), part = e.column(stats, np, 2);
    auto load = [&](int64_t c0, int64_t cn) {
      int k = chunkNo++ % 2;
      nc::AccessAttr xt = e.dense(x[k], np, cn, f32);
      e.dma(xt, e.hbm(in, r0 * d + c0, np, d, {cn}, {1}));
      return std::make_pair(xt, k);
    };
    // Accumulates a per-row column over the chunks: the first chunk's
    // value in `acc`, the others through `part`.
    auto accumulate = [&](nc::AccessAttr acc, int64_t c0, auto step) {
      step(c0 == 0 ? acc : part);
      if (c0 != 0)
        e.tt(AluOp::add, acc, acc, part);
    };
    if (!rms) {
      for (int64_t c0 = 0; c0 < d; c0 += C) {
        nc::AccessAttr xt = load(c0, std::min(C, d - c0)).first;
        accumulate(negMean, c0, [&](nc::AccessAttr dst) {
          e.reduce(AluOp::add, dst, xt, 1);
        });
      }
      e.ts(AluOp::mul, negMean, negMean, -1.0f / d);
    }
    for (int64_t c0 = 0; c0 < d; c0 += C) {
      nc::AccessAttr xt = load(c0, std::min(C, d - c0)).first;
      if (!rms)
        e.ts(AluOp::add, xt, xt, 0.0f, /*s0=*/negMean); // x - mean
      accumulate(ss, c0, [&](nc::AccessAttr dst) {
        e.act(ActFunc::square, xt, xt, 1.0f, {}, /*accum=*/dst);
      });
    }
    e.ts(AluOp::mul, ss, ss, 1.0f / d, {}, AluOp::add, eps);
    e.act(ActFunc::rsqrt, ss, ss);
    for (int64_t c0 = 0; c0 < d; c0 += C) {
      int64_t cn = std::min(C, d - c0);
      auto [xt, k] = load(c0, cn);
      nc::AccessAttr wt = e.dense(w[k], np, cn, f32);
      e.dma(wt, e.hbm(weight, c0, np, 0, {cn}, {1}));
      nc::AccessAttr bt;
      if (bias) {
        bt = e.dense(bb[k], np, cn, f32);
        e.dma(bt, e.hbm(*bias, c0, np, 0, {cn}, {1}));
      }
      if (!rms)
        e.ts(AluOp::add, xt, xt, 0.0f, /*s0=*/negMean, AluOp::mul, 0.0f,
             /*s1=*/ss);
      else
        e.ts(AluOp::mul, xt, xt, 0.0f, /*s0=*/ss);
      nc::AccessAttr ot = e.dense(o[k], np, cn, out.elemType);
      Emitter::OnQueue q(e, "pool");
      if (bias) {
        e.tt(AluOp::mul, xt, xt, wt);
        e.tt(AluOp::add, ot, xt, bt);
      } else {
        e.tt(AluOp::mul, ot, xt, wt);
      }
      e.dma(e.hbm(out, r0 * d + c0, np, d, {cn}, {1}), ot);
    }
  }
  e.release(mk);
  return success();
}

LogicalResult muir::lower::emitNorm(Emitter &e, Operation *op,
                                    const HbmValue &in, const HbmValue &weight,
                                    const HbmValue *bias, const HbmValue &out,
                                    float eps, bool rms) {
  int64_t d = in.shape.back();
  int64_t rows = in.numElements() / std::max<int64_t>(1, d);
  Type f32 = e.f32();
  RowPlan plan = planNorm(e.m, e.sbufFree(), d, Emitter::bytesOf(out.elemType),
                          bias != nullptr, configOf(op));
  if (!plan.error.empty())
    return op->emitError() << plan.error;
  if (plan.cols > 0 && plan.cols < d)
    return emitNormChunked(e, op, in, weight, bias, out, eps, rms, plan);
  Emitter::Mark mk = e.mark();
  // Weight and bias, broadcast to every partition once (zero partition stride).
  auto wb = e.allocSbuf(d * 4, op, "the norm weight");
  FailureOr<Buffer> bb = Buffer{};
  if (bias)
    bb = e.allocSbuf(d * 4, op, "the norm bias");
  if (failed(wb) || failed(bb))
    return failure();
  int64_t P = std::min(e.rows(), rows);
  nc::AccessAttr w = e.dense(*wb, P, d, f32);
  e.dma(w, e.hbm(weight, 0, P, 0, {d}, {1}));
  nc::AccessAttr bt;
  if (bias) {
    bt = e.dense(*bb, P, d, f32);
    e.dma(bt, e.hbm(*bias, 0, P, 0, {d}, {1}));
  }
  int64_t outBytes = d * std::max<int64_t>(4, Emitter::bytesOf(out.elemType));
  int nbuf = plan.buffers;
  Buffer x[2], o[2], st[2];
  for (int k = 0; k < nbuf; ++k) {
    auto xb = e.allocSbuf(d * 4, op, "a norm row tile");
    auto ob = e.allocSbuf(outBytes, op, "a norm output tile");
    auto sb = e.allocSbuf(4 * 4, op, "norm statistics");
    if (failed(xb) || failed(ob) || failed(sb))
      return failure();
    x[k] = *xb, o[k] = *ob, st[k] = *sb;
  }
  Space s;
  s.shape = {rows, d};
  s.strides = {{d, 1}, {d, 1}};
  s.offsets = {0, 0};
  int64_t tileNo = 0;
  walk(s, e.rows(), d, [&](const TileRef &t) {
    int k = tileNo++ % nbuf;
    int64_t np = t.np;
    nc::AccessAttr xt = e.dense(x[k], np, d, f32);
    nc::AccessAttr junk = e.dense(o[k], np, d, f32);
    nc::AccessAttr mean = e.column(st[k], np, 0);
    nc::AccessAttr ss = e.column(st[k], np, 1);
    e.dma(xt, e.hbm(in, t.offsets[1], np, d, {d}, {1}));
    if (!rms) {
      e.reduce(AluOp::add, mean, xt, 1);
      e.ts(AluOp::mul, mean, mean, -1.0f / d);
      e.ts(AluOp::add, xt, xt, 0.0f, /*s0=*/mean); // x - mean
    }
    e.act(ActFunc::square, junk, xt, 1.0f, {}, /*accum=*/ss);
    e.ts(AluOp::mul, ss, ss, 1.0f / d, {}, AluOp::add, eps);
    e.act(ActFunc::rsqrt, ss, ss);
    e.ts(AluOp::mul, xt, xt, 0.0f, /*s0=*/ss);
    nc::AccessAttr wt = e.dense(*wb, np, d, f32);
    nc::AccessAttr ot = e.dense(o[k], np, d, out.elemType);
    // The two-input weight/bias steps go to GpSimd (one pass per element,
    // where the Vector engine takes two), the per-row scaling stays on Vector,
    // so consecutive rows overlap on the two engines.
    Emitter::OnQueue q(e, "pool");
    if (bias) {
      e.tt(AluOp::mul, xt, xt, wt);
      e.tt(AluOp::add, ot, xt, e.dense(*bb, np, d, f32));
    } else {
      e.tt(AluOp::mul, ot, xt, wt);
    }
    e.dma(e.hbm(out, t.offsets[0], np, d, {d}, {1}), ot);
  });
  e.release(mk);
  return success();
}

/// The reduction's free elements per row: the innermost reduced group
/// (reduced axes adjacent in memory merge) and the product of the others.
static std::pair<int64_t, int64_t> reducedGroups(ArrayRef<int64_t> shape,
                                                 ArrayRef<int64_t> axes) {
  int64_t rank = shape.size(), count = 1, inner = 1;
  SmallVector<bool> reduced(rank, false);
  for (int64_t a : axes)
    reduced[a < 0 ? a + rank : a] = true;
  // As emitReduce merges them over a dense tensor: a kept dim of size 1
  // between two reduced ones does not separate them in memory.
  bool adjacent = false;
  for (int64_t d = 0; d < rank; ++d) {
    if (!reduced[d]) {
      adjacent = adjacent && shape[d] == 1;
      continue;
    }
    count *= shape[d];
    inner = adjacent ? inner * shape[d] : shape[d];
    adjacent = true;
  }
  return {inner, count / std::max<int64_t>(1, inner)};
}

RowPlan muir::lower::planReduce(const target::Machine &m, int64_t sbufFree,
                                ArrayRef<int64_t> shape, ArrayRef<int64_t> axes,
                                DictionaryAttr config) {
  // Two sets of a tile of rows x (outer reduced groups x chunk) in flight;
  // the innermost reduced group is chunked (partial reductions combined)
  // when a row does not fit a third of SBUF.
  // When even one element of each outer reduced group is more than that
  // (many outer groups: reduce_sum over axes 0 and 3 of [512, 5, 2, 7]),
  // the outer groups are tiled too (emitReduce) and the chunk is what one
  // tile holds.
  auto [inner, outerRed] = reducedGroups(shape, axes);
  RowPlan plan;
  plan.buffers = 2;
  int64_t budget = std::max<int64_t>(1, (sbufFree / 3 - 256) / 4);
  int64_t chunk = std::min<int64_t>(
      inner,
      outerRed <= budget ? budget / std::max<int64_t>(1, outerRed) : budget);
  chunk = std::min<int64_t>(std::max<int64_t>(1, chunk), 8192);
  plan.cols = chunk < inner ? chunk : 0; // 0: whole groups
  applyRowConfig(plan, "reduce", 2, 0, config, std::max<int64_t>(1, inner));
  return plan;
}

LogicalResult muir::lower::emitReduce(Emitter &e, Operation *op,
                                      const HbmValue &in, const HbmValue &out,
                                      ArrayRef<int64_t> axes, AluOp kind,
                                      bool mean) {
  int64_t rank = in.shape.size();
  SmallVector<bool> reduced(rank, false);
  for (int64_t a : axes)
    reduced[a < 0 ? a + rank : a] = true;
  SmallVector<int64_t> inStrides = in.strides();
  // Kept dims (in order) become rows; reduced dims, collapsed where they are
  // adjacent in memory, become the free dimensions.
  SmallVector<int64_t> keptShape, keptStrides, redShape, redStrides;
  int64_t count = 1;
  for (int64_t d = 0; d < rank; ++d) {
    if (!reduced[d]) {
      keptShape.push_back(in.shape[d]);
      keptStrides.push_back(inStrides[d]);
      continue;
    }
    count *= in.shape[d];
    if (!redShape.empty() && redStrides.back() == inStrides[d] * in.shape[d]) {
      redShape.back() *= in.shape[d];
      redStrides.back() = inStrides[d];
    } else {
      redShape.push_back(in.shape[d]);
      redStrides.push_back(inStrides[d]);
    }
  }
  if (redShape.empty()) {
    redShape = {1};
    redStrides = {1};
  }
  if (redShape.size() > 3)
    return op->emitError() << "reduces over " << redShape.size()
                           << " non-adjacent axis groups; at most 3 are "
                              "supported by the accelerator lowering";
  // Output: row-major over the kept dims.
  int64_t outCount = 1;
  for (int64_t k : keptShape)
    outCount *= k;
  SmallVector<int64_t> outStrides(keptShape.size(), 1);
  for (int i = (int)keptShape.size() - 2; i >= 0; --i)
    outStrides[i] = outStrides[i + 1] * keptShape[i + 1];
  if (keptShape.empty()) {
    keptShape = {1};
    keptStrides = {0};
    outStrides = {0};
  }

  // The innermost reduced group is chunked when a row does not fit; the
  // outer reduced groups are tiled when even that does not (innermost
  // first: each group is whole in a tile or the tile takes a piece of it
  // and one index of every group outside it).
  int64_t inner = redShape.back(),
          outerRed = count / std::max<int64_t>(1, inner);
  RowPlan plan = planReduce(e.m, e.sbufFree(), in.shape, axes, configOf(op));
  if (!plan.error.empty())
    return op->emitError() << plan.error;
  // (A strided view may group the reduced axes differently from the plan,
  // which saw a dense tensor: a default plan is held to the budget here.)
  int64_t budget = std::max<int64_t>(1, (e.sbufFree() / 3 - 256) / 4);
  int64_t chunk = plan.cols > 0 ? std::min(plan.cols, inner)
                                : std::min({inner, budget, int64_t(8192)});
  int64_t nRed = redShape.size();
  SmallVector<int64_t> piece(nRed, 1);
  piece[nRed - 1] = chunk;
  int64_t room = std::max<int64_t>(1, budget / chunk);
  if (outerRed <= room) {
    for (int64_t d = 0; d + 1 < nRed; ++d)
      piece[d] = redShape[d];
  } else {
    for (int64_t d = nRed - 2; d >= 0; --d) {
      piece[d] = piece[d + 1] == redShape[d + 1]
                     ? std::min(redShape[d], std::max<int64_t>(1, room))
                     : 1;
      room = std::max<int64_t>(1, room / piece[d]);
    }
  }
  int64_t tileElems = 1;
  for (int64_t p : piece)
    tileElems *= p;
  int nbuf = plan.buffers;
  Type f32 = e.f32();
  Emitter::Mark mk = e.mark();
  Buffer x[2], acc[2], part[2];
  for (int k = 0; k < nbuf; ++k) {
    auto xb = e.allocSbuf(tileElems * 4, op, "a reduction tile");
    auto ab = e.allocSbuf(64, op, "a reduction accumulator");
    auto pb = e.allocSbuf(64, op, "a partial reduction");
    if (failed(xb) || failed(ab) || failed(pb))
      return failure();
    x[k] = *xb, acc[k] = *ab, part[k] = *pb;
  }
  int64_t pd = keptShape.size() - 1;
  SmallVector<int64_t> idx(pd, 0);
  int64_t tileNo = 0;
  while (true) {
    int64_t inBase = 0, outBase = 0;
    for (int64_t i = 0; i < pd; ++i) {
      inBase += idx[i] * keptStrides[i];
      outBase += idx[i] * outStrides[i];
    }
    for (int64_t p0 = 0; p0 < keptShape[pd]; p0 += e.rows()) {
      int64_t np = std::min(e.rows(), keptShape[pd] - p0);
      int k = tileNo++ % nbuf;
      nc::AccessAttr a = e.column(acc[k], np);
      // Every tile of the reduced groups: start[d] steps by piece[d].
      SmallVector<int64_t> start(nRed, 0);
      int64_t pieceNo = 0;
      for (bool first = true;; first = false, ++pieceNo) {
        SmallVector<int64_t> sizes(nRed);
        int64_t off = inBase + p0 * keptStrides[pd];
        for (int64_t d = 0; d < nRed; ++d) {
          sizes[d] = std::min(piece[d], redShape[d] - start[d]);
          off += start[d] * redStrides[d];
        }
        // SBUF tile with the same free shape, densely packed.
        SmallVector<int64_t> dstStrides(sizes.size(), 1);
        for (int i = (int)sizes.size() - 2; i >= 0; --i)
          dstStrides[i] = dstStrides[i + 1] * sizes[i + 1];
        // The tiles of one row alternate buffers, so the next one loads
        // while this one is reduced.
        nc::AccessAttr xt =
            e.tile(nc::MemSpace::sbuf, x[(k + pieceNo) % nbuf].offset, 0, np,
                   sizes, dstStrides, f32);
        e.dma(xt, e.hbm(in, off, np, keptStrides[pd], sizes, redStrides));
        nc::AccessAttr dst = first ? a : e.column(part[k], np);
        e.reduce(kind, dst, xt, sizes.size());
        if (!first)
          e.tt(kind, a, a, dst);
        int64_t d = nRed - 1;
        for (; d >= 0; --d) {
          start[d] += piece[d];
          if (start[d] < redShape[d])
            break;
          start[d] = 0;
        }
        if (d < 0)
          break;
      }
      if (mean)
        e.ts(AluOp::mul, a, a, 1.0f / count);
      nc::AccessAttr ot = e.dense(part[k], np, 1, out.elemType);
      e.copy(ot, a);
      e.dma(e.hbm(out, outBase + p0 * outStrides[pd], np, outStrides[pd], {1},
                  {1}),
            ot);
    }
    int64_t i = pd - 1;
    for (; i >= 0; --i) {
      if (++idx[i] < keptShape[i])
        break;
      idx[i] = 0;
    }
    if (i < 0)
      break;
  }
  (void)outCount;
  e.release(mk);
  return success();
}
