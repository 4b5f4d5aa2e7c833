//===- Elementwise.cpp - elementwise maps and data movement kernels -------===//
//
// Both walk an output index space in [partition rows x free columns] tiles,
// with each input read through its own (possibly broadcasting, zero-stride)
// access pattern. Buffers are double-buffered; the sync pass orders reuse.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"
#include "Walk.h"

using namespace mlir;
using namespace muir;
using namespace muir::lower;

namespace {
/// Row-major strides of `in` aligned to the last dims of `outShape`, with 0
/// where `in` broadcasts.
SmallVector<int64_t> broadcastStrides(const HbmValue &in,
                                      ArrayRef<int64_t> outShape) {
  SmallVector<int64_t> own = in.strides();
  size_t r = outShape.size(), ir = in.shape.size();
  SmallVector<int64_t> s(r, 0);
  for (size_t i = 0; i < ir; ++i)
    s[r - ir + i] = in.shape[i] == 1 ? 0 : own[i];
  return s;
}

/// Free columns per tile so `buffers` copies of every operand fit in SBUF.
int64_t columnsThatFit(Emitter &e, int64_t bytesPerColumn, int64_t buffers,
                       int64_t n) {
  // Half of SBUF at most: neighbouring kernels overlap a streaming one.
  int64_t budget = e.sbufFree() / 2 - 1024;
  int64_t cols = std::max<int64_t>(
      1, budget / std::max<int64_t>(1, bytesPerColumn * buffers));
  // Beyond a few thousand columns, bigger tiles only delay the pipeline.
  return std::min({cols, n, (int64_t)4096});
}
} // namespace

LogicalResult muir::lower::emitElementwise(Emitter &e, Operation *op,
                                           const HbmValue &out,
                                           ArrayRef<HbmValue> ins, TileFn fn) {
  return emitElementwise(e, op, out, ins, {},
                         [&](Emitter &e, nc::AccessAttr o,
                             ArrayRef<nc::AccessAttr> in,
                             ArrayRef<nc::AccessAttr>) { fn(e, o, in); });
}

/// The iteration spaces of an elementwise kernel: the whole tensor spread
/// over the partitions (plus a ragged tail), or the output's own shape when
/// inputs broadcast.
static SmallVector<Space, 2>
elementwiseSpaces(int64_t rows, const HbmValue &out, ArrayRef<HbmValue> ins) {
  Space s;
  bool sameShapes = llvm::all_of(
      ins, [&](const HbmValue &v) { return v.shape == out.shape; });
  int64_t total = out.numElements();
  if (sameShapes && total >= rows && total % rows == 0) {
    // Contiguous and unbroadcast: spread the whole tensor over all partitions.
    int64_t q = total / rows;
    s.shape = {rows, q};
    for (size_t i = 0; i <= ins.size(); ++i)
      s.strides.push_back({q, 1});
  } else {
    s.shape = out.shape.empty() ? SmallVector<int64_t>{1} : out.shape;
    if (s.shape.size() == 1)
      s.shape.insert(s.shape.begin(), 1);
    HbmValue o2 = out;
    o2.shape = s.shape;
    s.strides.push_back(o2.strides());
    for (const HbmValue &in : ins) {
      HbmValue i2 = in;
      if (i2.shape.empty())
        i2.shape = {1};
      s.strides.push_back(broadcastStrides(i2, s.shape));
    }
  }
  s.offsets.assign(ins.size() + 1, 0);
  // A length the partitions do not divide still spreads over them: the
  // ragged remainder is a second, small space.
  SmallVector<Space, 2> spaces{s};
  if (std::optional<Space> tail = coalesce(spaces[0], rows, true))
    spaces.push_back(*tail);
  for (Space &sp : spaces)
    if (sp.shape.size() == 1) {
      sp.shape.insert(sp.shape.begin(), 1);
      for (auto &st : sp.strides)
        st.insert(st.begin(), 0);
    }
  return spaces;
}

DictionaryAttr ElementwisePlan::toAttr(MLIRContext *ctx) const {
  Builder b(ctx);
  return b.getDictionaryAttr(
      {b.getNamedAttr("buffers", b.getI64IntegerAttr(buffers)),
       b.getNamedAttr("tile_cols", b.getI64IntegerAttr(cols))});
}

std::optional<int64_t> muir::lower::configValue(NamedAttribute na, int64_t hi,
                                                StringRef kind, StringRef keys,
                                                std::string &error,
                                                int64_t lo) {
  StringRef key = na.getName().getValue();
  auto v = llvm::dyn_cast<IntegerAttr>(na.getValue());
  if (!hi)
    error = ("kernel config: unknown key '" + key + "' for " +
             (StringRef("aeiou").contains(kind.front()) ? "an " : "a ") + kind +
             " kernel (" + keys + ")")
                .str();
  else if (!v)
    error = ("kernel config: '" + key + "' must be an integer").str();
  else if (int64_t x = v.getValue().getSExtValue(); x < lo || x > hi)
    error = ("kernel config: '" + key + "' = " + Twine(x) + " is outside [" +
             Twine(lo) + ", " + Twine(hi) + "] for this " + kind + " kernel")
                .str();
  else
    return x;
  return std::nullopt;
}

ElementwisePlan
muir::lower::planElementwise(const target::Machine &m, int64_t sbufFree,
                             const HbmValue &out, ArrayRef<HbmValue> ins,
                             ArrayRef<Type> temps, DictionaryAttr config) {
  ElementwisePlan plan;
  int64_t widest = 0;
  for (const Space &sp : elementwiseSpaces(m.pe.rows, out, ins))
    widest = std::max(widest, sp.shape.back());
  int64_t bytesPerCol = Emitter::bytesOf(out.elemType);
  for (const HbmValue &in : ins)
    bytesPerCol += Emitter::bytesOf(in.elemType);
  for (Type t : temps)
    bytesPerCol += Emitter::bytesOf(t);
  // Three sets of buffers: load, compute and store of consecutive tiles
  // overlap.
  // Every buffer starts on an sbuf.alignment_bytes boundary: reserve that
  // slack, and drop to double-buffering when a large fused expression is
  // tight.
  int64_t nbuf = 1 + ins.size() + temps.size();
  int kRing = 3;
  // (Each buffer may lose up to one alignment granule.)
  int64_t align = m.sbuf.alignBytes;
  if (sbufFree - 3 * nbuf * align < 3 * bytesPerCol * 8)
    kRing = 2;
  // Half of SBUF at most, as above.
  auto colsFor = [&](int ring, int64_t space) {
    int64_t budget = space - 2 * align - ring * nbuf * align;
    return std::min<int64_t>(
        {std::max<int64_t>(1, budget / (bytesPerCol * ring)), widest,
         (int64_t)4096});
  };
  int64_t cols = colsFor(kRing, sbufFree / 2);
  // A wide fused expression on a small SBUF: the alignment slack of its many
  // buffers can leave (almost) no columns in half of SBUF, and one-element
  // tiles multiply the instructions by the row length. Use all of SBUF, and
  // fewer buffer sets, before settling for narrow tiles.
  int64_t enough = std::min<int64_t>(widest, 32);
  for (int ring = kRing; cols < enough && ring >= 1; --ring) {
    int64_t c = colsFor(ring, sbufFree);
    if (c > cols) {
      cols = c;
      kRing = ring;
    }
  }
  plan.cols = cols;
  plan.buffers = kRing;
  // Explicit values (checked; whether they fit is checked on allocation).
  if (config)
    for (NamedAttribute na : config) {
      StringRef key = na.getName().getValue();
      int64_t hi = key == "buffers"     ? 3
                   : key == "tile_cols" ? std::max<int64_t>(1, widest)
                                        : 0;
      std::optional<int64_t> x =
          configValue(na, hi, "elementwise", "tile_cols, buffers", plan.error);
      if (!x)
        return plan;
      (key == "buffers" ? plan.buffers : plan.cols) = *x;
    }
  return plan;
}

LogicalResult muir::lower::emitElementwise(Emitter &e, Operation *op,
                                           const HbmValue &out,
                                           ArrayRef<HbmValue> ins,
                                           ArrayRef<Type> temps,
                                           FusedTileFn fn) {
  if (out.numElements() == 0)
    return success();
  SmallVector<Space, 2> spaces = elementwiseSpaces(e.rows(), out, ins);
  ElementwisePlan plan =
      planElementwise(e.m, e.sbufFree(), out, ins, temps, configOf(op));
  if (!plan.error.empty())
    return op->emitError() << plan.error;
  int64_t cols = plan.cols;
  int kRing = plan.buffers;
  Emitter::Mark mk = e.mark();
  SmallVector<SmallVector<Buffer>, 3> bufs(kRing);
  for (int k = 0; k < kRing; ++k) {
    for (size_t i = 0; i <= ins.size(); ++i) {
      Type t = i == 0 ? out.elemType : ins[i - 1].elemType;
      auto buf =
          e.allocSbuf(cols * Emitter::bytesOf(t), op, "an elementwise tile");
      if (failed(buf))
        return failure();
      bufs[k].push_back(*buf);
    }
    for (Type t : temps) {
      auto buf = e.allocSbuf(cols * Emitter::bytesOf(t), op,
                             "a fused intermediate tile");
      if (failed(buf))
        return failure();
      bufs[k].push_back(*buf);
    }
  }
  int64_t tileNo = 0;
  for (const Space &sp : spaces)
    walk(sp, e.rows(), cols, [&](const TileRef &t) {
      SmallVector<Buffer> &b = bufs[tileNo++ % kRing];
      SmallVector<nc::AccessAttr> inTiles;
      for (size_t i = 0; i < ins.size(); ++i) {
        nc::AccessAttr sb = e.dense(b[i + 1], t.np, t.n, ins[i].elemType);
        e.dma(sb, e.hbm(ins[i], t.offsets[i + 1], t.np, t.pstrides[i + 1],
                        {t.n}, {t.fstrides[i + 1]}));
        inTiles.push_back(sb);
      }
      nc::AccessAttr o = e.dense(b[0], t.np, t.n, out.elemType);
      SmallVector<nc::AccessAttr> tempTiles;
      for (auto [i, ty] : llvm::enumerate(temps))
        tempTiles.push_back(e.dense(b[ins.size() + 1 + i], t.np, t.n, ty));
      fn(e, o, inTiles, tempTiles);
      e.dma(
          e.hbm(out, t.offsets[0], t.np, t.pstrides[0], {t.n}, {t.fstrides[0]}),
          o);
    });
  e.release(mk);
  return success();
}

LogicalResult muir::lower::emitStridedCopy(
    Emitter &e, Operation *op, const HbmValue &dst, ArrayRef<int64_t> dstShape,
    ArrayRef<int64_t> dstStrides, int64_t dstOffset, const HbmValue &src,
    ArrayRef<int64_t> srcStrides, int64_t srcOffset) {
  Space s;
  s.shape.assign(dstShape.begin(), dstShape.end());
  s.strides.push_back(SmallVector<int64_t>(dstStrides));
  s.strides.push_back(SmallVector<int64_t>(srcStrides));
  if (s.shape.empty()) {
    s.shape = {1};
    s.strides[0] = {1};
    s.strides[1] = {1};
  }
  for (int64_t d : s.shape)
    if (d == 0)
      return success();
  if (s.shape.size() == 1) {
    s.shape.insert(s.shape.begin(), 1);
    s.strides[0].insert(s.strides[0].begin(), 0);
    s.strides[1].insert(s.strides[1].begin(), 0);
  }
  s.offsets = {dstOffset, srcOffset};
  coalesce(s, e.rows());
  if (s.shape.size() == 1) {
    s.shape.insert(s.shape.begin(), 1);
    s.strides[0].insert(s.strides[0].begin(), 0);
    s.strides[1].insert(s.strides[1].begin(), 0);
  }
  int64_t bytes = Emitter::bytesOf(dst.elemType);
  // `n` copy tiles of `size` bytes each, in `bufs`.
  SmallVector<Buffer> bufs;
  auto allocRing = [&](int n, int64_t size) -> LogicalResult {
    for (int k = 0; k < n; ++k) {
      auto buf = e.allocSbuf(size, op, "a copy tile");
      if (failed(buf))
        return failure();
      bufs.push_back(*buf);
    }
    return success();
  };
  // A ring of buffers keeps several transfers in flight per direction.
  constexpr int kRing = 12;
  // [A, R, C] with short rows (head split/merge transposes): put R on
  // partitions and move all of A x C per tile, as two free dimensions.
  if (s.shape.size() == 3 && s.shape[0] > s.shape[1]) {
    // Put the longer of the two outer dims on partitions.
    std::swap(s.shape[0], s.shape[1]);
    for (auto &st : s.strides)
      std::swap(st[0], st[1]);
  }
  if (s.shape.size() == 3 && s.shape[1] >= e.rows() / 2 &&
      s.shape[0] * s.shape[2] * bytes * kRing <= e.sbufFree() - 1024 &&
      s.shape[2] * 4 < 4096) {
    int64_t A = s.shape[0], R = s.shape[1], C = s.shape[2];
    Emitter::Mark mk = e.mark();
    if (failed(allocRing(kRing, A * C * bytes)))
      return failure();
    auto &ds = s.strides[0], &ss = s.strides[1];
    int64_t tileNo = 0;
    for (int64_t r0 = 0; r0 < R; r0 += e.rows(), ++tileNo) {
      int64_t np = std::min(e.rows(), R - r0);
      nc::AccessAttr sb =
          e.tile(nc::MemSpace::sbuf, bufs[tileNo % kRing].offset, 0, np, {A, C},
                 {C, 1}, dst.elemType);
      e.dma(sb, e.hbm(src, srcOffset + r0 * ss[1], np, ss[1], {A, C},
                      {ss[0], ss[2]}));
      e.dma(
          e.hbm(dst, dstOffset + r0 * ds[1], np, ds[1], {A, C}, {ds[0], ds[2]}),
          sb);
    }
    e.release(mk);
    return success();
  }
  // [R, C] with many short rows (a broadcast of a column or of one row to
  // R x C): one row per partition per tile would be R / rows pairs of tiny
  // transfers (a million rows: 125k DMAs). Give each partition k
  // consecutive rows instead, as two free dimensions, so a tile moves
  // rows x k x C elements; these larger transfers need fewer in flight.
  constexpr int kRowRing = 4;
  int64_t rowCols = s.shape.size() == 2
                        ? columnsThatFit(e, bytes, kRowRing, s.shape[0] * 4096)
                        : 0;
  if (s.shape.size() == 2 && s.shape[0] > e.rows() &&
      2 * s.shape[1] <= rowCols) {
    int64_t R = s.shape[0], C = s.shape[1];
    int64_t k = std::min(rowCols / C, (R + e.rows() - 1) / e.rows());
    Emitter::Mark mk = e.mark();
    if (failed(allocRing(kRowRing, k * C * bytes)))
      return failure();
    auto &ds = s.strides[0], &ss = s.strides[1];
    int64_t tileNo = 0;
    for (int64_t r0 = 0; r0 < R; ++tileNo) {
      // Full tiles, then one with fewer rows per partition, then the last
      // rows (fewer than the partitions) one per partition.
      int64_t np = e.rows(), kk = std::min(k, (R - r0) / e.rows());
      if (kk == 0)
        np = R - r0, kk = 1;
      nc::AccessAttr sb =
          e.tile(nc::MemSpace::sbuf, bufs[tileNo % kRowRing].offset, 0, np,
                 {kk, C}, {C, 1}, dst.elemType);
      e.dma(sb, e.hbm(src, s.offsets[1] + r0 * ss[0], np, kk * ss[0], {kk, C},
                      {ss[0], ss[1]}));
      e.dma(e.hbm(dst, s.offsets[0] + r0 * ds[0], np, kk * ds[0], {kk, C},
                  {ds[0], ds[1]}),
            sb);
      r0 += np * kk;
    }
    e.release(mk);
    return success();
  }
  int64_t cols = columnsThatFit(e, bytes, kRing, s.shape.back());
  Emitter::Mark mk = e.mark();
  if (failed(allocRing(kRing, cols * bytes)))
    return failure();
  int64_t tileNo = 0;
  walk(s, e.rows(), cols, [&](const TileRef &t) {
    nc::AccessAttr sb =
        e.dense(bufs[tileNo++ % kRing], t.np, t.n, dst.elemType);
    e.dma(sb, e.hbm(src, t.offsets[1], t.np, t.pstrides[1], {t.n},
                    {t.fstrides[1]}));
    e.dma(e.hbm(dst, t.offsets[0], t.np, t.pstrides[0], {t.n}, {t.fstrides[0]}),
          sb);
  });
  e.release(mk);
  return success();
}

LogicalResult muir::lower::emitCopy(Emitter &e, Operation *op,
                                    const HbmValue &dst, const HbmValue &src) {
  HbmValue s = src;
  s.shape = dst.shape;
  return emitElementwise(e, op, dst, {s},
                         [](Emitter &e, nc::AccessAttr o,
                            ArrayRef<nc::AccessAttr> in) { e.copy(o, in[0]); });
}
