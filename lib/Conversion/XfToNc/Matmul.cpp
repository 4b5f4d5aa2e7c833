//===- Matmul.cpp - the systolic-array matmul kernel ----------------------===//
//
// C[M, N] = A[M, K] . B[K, N] on the PE array, which computes
// psum[m, n] += stationary[k, m] * moving[k, n]. Schedule:
//
//   for each block of N columns (as many 512-wide moving tiles as half the
//   PSUM banks hold, and as SBUF can keep resident for all of K):
//     load B[:, block] once (it stays in SBUF for every row tile of A)
//     for each 128-row tile of A:
//       load A^T[:, rows] (DMA transpose), double-buffered
//       for each K tile: one LoadStationary, then one MultiplyMoving per
//         column tile of the block, accumulating over K in PSUM
//       evacuate the block's PSUM tiles (cast) and store them
//
// Each stationary load is reused by every moving tile of the block; the two
// PSUM halves alternate between row tiles so evacuation overlaps the next
// row tile's matmuls; the sync pass turns buffer reuse into semaphores.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"
#include "muir/Target/Cost.h"

using namespace mlir;
using namespace muir;
using namespace muir::lower;

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

static const char *scheduleName(MatmulPlan::Schedule k) {
  switch (k) {
  case MatmulPlan::Resident:
    return "resident";
  case MatmulPlan::RowPanel:
    return "row_panel";
  case MatmulPlan::WeightRing:
    return "weight_ring";
  case MatmulPlan::Stream:
    return "stream";
  }
  return "?";
}

DictionaryAttr MatmulPlan::toAttr(MLIRContext *ctx) const {
  Builder b(ctx);
  SmallVector<NamedAttribute> a{
      b.getNamedAttr("schedule", b.getStringAttr(scheduleName(schedule)))};
  if (schedule == RowPanel) {
    a.push_back(b.getNamedAttr("panel_rows", b.getI64IntegerAttr(panelRows)));
  } else {
    a.push_back(b.getNamedAttr("block_tiles", b.getI64IntegerAttr(blockTiles)));
    if (schedule == Resident)
      a.push_back(b.getNamedAttr("b_buffers", b.getI64IntegerAttr(bBuffers)));
    if (schedule == WeightRing)
      a.push_back(b.getNamedAttr("ring_slots", b.getI64IntegerAttr(ringSlots)));
  }
  return b.getDictionaryAttr(a);
}

MatmulPlan muir::lower::planMatmul(const target::Machine &m, int64_t sbufFree,
                                   const MatmulShape &s, int64_t eb, int64_t cb,
                                   int64_t rb, bool gated,
                                   DictionaryAttr config) {
  MatmulPlan plan;
  auto fail = [&](const Twine &why) {
    plan.error = why.str();
    return plan;
  };
  int64_t kt = m.pe.rows, mt = std::min<int64_t>(m.pe.cols, s.m);
  int64_t nt =
      std::min<int64_t>({m.pe.movingFreeMax, s.n, m.psum.bankBytes() / 4});
  plan.mt = mt;
  plan.nt = nt;
  int64_t KT = ceilDiv(s.k, kt), MT = ceilDiv(s.m, mt), NT = ceilDiv(s.n, nt);
  // A gated product keeps two accumulators (and two B blocks) per tile.
  int64_t nOps = gated ? 2 : 1;
  int64_t halfBanks = std::max<int64_t>(1, m.psum.banks / 2 / nOps);

  // Working set: A^T for one row tile (x2), out staging (x2 per column
  // tile), and the resident B block, as wide as what is left allows.
  int64_t aBytes = KT * mt * eb;
  int64_t fixed = 2 * aBytes + 64 * 4;
  // With few row tiles (decode-like shapes) the B blocks are the stream:
  // keep two so the next block loads while the current one computes.
  int64_t bCopies = MT <= 2 && NT > 1 ? 2 : 1;
  // A streamed block needs only enough tiles to keep every DMA queue busy
  // (four per queue across the two copies); the rest of SBUF stays free so
  // the next kernel's loads can start while this one finishes.
  // It is also wide enough that each partition's row of a B load is a
  // descriptor the DMA moves near its peak (the machine's size-efficiency
  // curve), when the shape allows.
  int64_t streamCap =
      bCopies == 2
          ? std::max({int64_t(1), ceilDiv(2 * m.dma.queues, KT),
                      ceilDiv(int64_t(target::dmaEfficientBytes(m)) / eb, nt)})
          : halfBanks;

  // A config's schedule and explicit parameters. Parameters are checked
  // against the schedule they apply to and their ranges; whether buffers of
  // that size fit is checked when they are allocated.
  StringRef forced;
  std::optional<int64_t> wantTiles, wantCopies, wantSlots, wantRows;
  if (config) {
    for (NamedAttribute na : config) {
      StringRef key = na.getName().getValue();
      if (key == "schedule") {
        auto sch = llvm::dyn_cast<StringAttr>(na.getValue());
        if (!sch)
          return fail("kernel config: 'schedule' must be a string");
        forced = sch.getValue();
        continue;
      }
      auto v = llvm::dyn_cast<IntegerAttr>(na.getValue());
      if (!v)
        return fail("kernel config: '" + key + "' must be an integer");
      int64_t x = v.getValue().getSExtValue();
      std::pair<int64_t, int64_t> range;
      if (key == "block_tiles") {
        wantTiles = x;
        range = {1, std::max<int64_t>(1, m.psum.banks / nOps)};
      } else if (key == "b_buffers") {
        wantCopies = x;
        range = {1, 2};
      } else if (key == "ring_slots") {
        wantSlots = x;
        range = {1, 4 * m.dma.queues};
      } else if (key == "panel_rows") {
        wantRows = x;
        range = {1, MT};
      } else {
        return fail("kernel config: unknown key '" + key +
                    "' for a matmul (schedule, block_tiles, b_buffers, "
                    "ring_slots, panel_rows)");
      }
      if (x < range.first || x > range.second)
        return fail("kernel config: '" + key + "' = " + Twine(x) +
                    " is outside [" + Twine(range.first) + ", " +
                    Twine(range.second) + "] for this " + Twine(s.m) + "x" +
                    Twine(s.k) + "x" + Twine(s.n) + " matmul");
    }
  }
  bool anyWanted = wantTiles || wantCopies || wantSlots;

  // Weight streaming (one row tile, B row-major: decode): B is used once, so
  // it flows through a ring of slots, one K tile of a column block each, as
  // wide as half of PSUM allows (each partition's run of a transfer then
  // approaches the DMA's efficient size), with enough slots in flight to
  // keep every DMA queue busy. A^T for all K is loaded once.
  auto planRing = [&]() {
    int64_t wide =
        wantTiles ? std::min(*wantTiles, NT) : std::min(NT, halfBanks);
    for (int64_t slots = wantSlots.value_or(2 * m.dma.queues);
         slots >= (wantSlots ? *wantSlots : 2); slots /= 2) {
      int64_t need =
          fixed + slots * wide * nt * eb + 2 * wide * nt * (cb + rb) + 64 * 8;
      if (need <= sbufFree / 2 || wantSlots) {
        plan.schedule = MatmulPlan::WeightRing;
        plan.ringSlots = slots;
        plan.blockTiles = wide;
        return true;
      }
      if (wantSlots)
        break;
    }
    return false;
  };
  // B resident for all of K, in blocks as wide as SBUF allows.
  auto planResident = [&]() {
    int64_t hiCopies = wantCopies.value_or(bCopies);
    int64_t loCopies = wantCopies.value_or(1);
    for (int64_t copies = hiCopies; copies >= loCopies; --copies) {
      int64_t hi = wantTiles ? std::min(*wantTiles, NT)
                             : std::min({NT, halfBanks, streamCap});
      int64_t lo = wantTiles ? hi : 1;
      for (int64_t cand = hi; cand >= lo; --cand) {
        int64_t need = fixed + copies * KT * cand * nt * eb * nOps +
                       2 * cand * nt * (cb + rb) + 64 * 8;
        if (need <= sbufFree || (wantTiles && wantCopies)) {
          plan.schedule = MatmulPlan::Resident;
          plan.blockTiles = cand;
          plan.bBuffers = copies;
          return true;
        }
      }
    }
    return false;
  };
  // When B cannot stay resident for all of K, stream it: each row tile
  // reloads its B tiles one K step at a time (more HBM traffic, same PE
  // work).
  auto planStream = [&]() {
    int64_t streamFixed = 2 * mt * eb + 64 * 6;
    int64_t hi = wantTiles ? std::min(*wantTiles, NT) : std::min(NT, halfBanks);
    for (int64_t cand = hi; cand >= (wantTiles ? hi : 1); --cand) {
      int64_t need =
          streamFixed + 2 * cand * nt * eb + 2 * cand * nt * (cb + rb);
      if (need <= sbufFree || wantTiles) {
        plan.schedule = MatmulPlan::Stream;
        plan.blockTiles = cand;
        plan.bBuffers = 1;
        return true;
      }
    }
    return false;
  };
  // Row-panel schedule: when B is the larger operand and A^T for a panel of
  // row tiles (all of K) fits in SBUF, keep that panel resident and stream
  // B once per panel in [K, nt] column tiles (double-buffered) instead of
  // re-reading A for every B block. The analytic choice: HBM bytes of each
  // schedule, A + B * panels against B + A * NB. Returns the balanced panel
  // rows (0 when no panel of two row tiles fits).
  auto panelRows = [&](bool mustPay) -> int64_t {
    int64_t bTile = KT * nt * eb;
    int64_t stage = 4 * nt * (cb + rb);
    int64_t perRowTile = KT * mt * eb;
    // At most half of SBUF: the rest stays free so the neighbouring kernels'
    // loads and stores overlap this one (a panel filling SBUF serialises
    // kernel boundaries and cost more time than the saved traffic).
    int64_t room = sbufFree / 2 - 2 * bTile - stage - 64 * 8;
    int64_t R = room > 0 ? std::min(MT, room / perRowTile) : 0;
    if (R < 2)
      return 0;
    int64_t panels = ceilDiv(MT, R);
    int64_t NB = plan.blockTiles > 0 ? ceilDiv(NT, plan.blockTiles) : NT;
    int64_t aTotal = s.m * s.k * eb, bTotal = s.k * s.n * eb;
    if (mustPay && !(aTotal + bTotal * panels < bTotal + aTotal * NB))
      return 0;
    // Balance the panels (same number of row tiles each, up to one).
    return ceilDiv(MT, panels);
  };
  auto noFit = [&]() {
    return fail("does not fit on target '" + m.name + "': a " + Twine(s.m) +
                "x" + Twine(s.k) + "x" + Twine(s.n) +
                " matmul needs at least " +
                Twine(2 * mt * eb + 2 * nt * eb + 2 * nt * cb) +
                " bytes per SBUF partition for its streamed tiles, " +
                Twine(sbufFree) + " are free");
  };
  auto gatedNoFit = [&]() {
    return fail("does not fit on target '" + m.name + "': a gated " +
                Twine(s.m) + "x" + Twine(s.k) + "x" + Twine(s.n) +
                " matmul keeps both B blocks resident");
  };
  auto notFor = [&](StringRef key, bool applies) {
    if (!applies)
      fail("kernel config: '" + key + "' does not apply to schedule '" +
           scheduleName(plan.schedule) + "'");
    return applies;
  };
  bool ringApplies = MT == 1 && !s.transposeB;

  if (forced.empty() && !anyWanted && !wantRows) {
    // The default: ring, else resident, else (not gated) stream; a row panel
    // where it saves HBM traffic.
    if (!(ringApplies && planRing()) && !planResident()) {
      if (gated)
        return gatedNoFit();
      if (!planStream())
        return noFit();
    }
    if (plan.schedule == MatmulPlan::Resident && MT >= 2 &&
        plan.bBuffers == 1 && !gated)
      if (int64_t R = panelRows(/*mustPay=*/true)) {
        plan.schedule = MatmulPlan::RowPanel;
        plan.panelRows = R;
      }
    return plan;
  }
  if (forced.empty()) {
    // Parameters without a schedule: the schedule they belong to.
    forced = wantRows      ? "row_panel"
             : wantSlots   ? "weight_ring"
             : wantCopies  ? "resident"
             : ringApplies ? "weight_ring"
                           : "resident";
  }
  if (forced == "weight_ring") {
    plan.schedule = MatmulPlan::WeightRing;
    if (!ringApplies)
      return fail("kernel config: schedule 'weight_ring' needs one row tile "
                  "(M <= " +
                  Twine(m.pe.cols) + ") and a row-major B");
    if (!notFor("b_buffers", !wantCopies) || !notFor("panel_rows", !wantRows))
      return plan;
    if (!planRing())
      return fail("kernel config: schedule 'weight_ring' does not fit in "
                  "half of SBUF");
  } else if (forced == "resident") {
    plan.schedule = MatmulPlan::Resident;
    if (!notFor("ring_slots", !wantSlots) || !notFor("panel_rows", !wantRows))
      return plan;
    if (!planResident())
      return gated ? gatedNoFit()
                   : fail("kernel config: schedule 'resident' does not fit: "
                          "B for all of K needs more SBUF than is free");
  } else if (forced == "stream") {
    plan.schedule = MatmulPlan::Stream;
    if (gated)
      return fail("kernel config: a gated matmul has only the 'resident' or "
                  "'weight_ring' schedules");
    if (!notFor("ring_slots", !wantSlots) || !notFor("panel_rows", !wantRows) ||
        !notFor("b_buffers", !wantCopies))
      return plan;
    if (!planStream())
      return noFit();
  } else if (forced == "row_panel") {
    plan.schedule = MatmulPlan::RowPanel;
    if (gated || MT < 2)
      return fail("kernel config: schedule 'row_panel' needs two row tiles "
                  "or more and no gate");
    if (!notFor("ring_slots", !wantSlots) ||
        !notFor("b_buffers", !wantCopies) || !notFor("block_tiles", !wantTiles))
      return plan;
    int64_t R = panelRows(/*mustPay=*/false);
    plan.panelRows = wantRows ? *wantRows : R > 0 ? R : 2;
  } else {
    return fail("kernel config: unknown schedule '" + forced +
                "' (resident, row_panel, weight_ring, stream)");
  }
  return plan;
}

LogicalResult muir::lower::emitMatmul(
    Emitter &e, Operation *op, const HbmValue &a, int64_t aOff,
    const HbmValue &b, int64_t bOff, const HbmValue &c, int64_t cOff,
    const MatmulShape &shape, const HbmValue *residual, const MatmulGate *gate,
    const MatmulEpilogue *epi, ArrayRef<MatmulPart> more) {
  const target::Machine &m = e.m;
  Type et = a.elemType, ct = c.elemType, f32 = e.f32();
  int64_t eb = Emitter::bytesOf(et), cb = Emitter::bytesOf(ct);
  // Horizontal fusion: the products' B and C laid side by side along N.
  // Every loop below runs over the total N; loads and stores split at part
  // boundaries (one part: exactly the single product's instructions).
  struct Part {
    const HbmValue *b, *c;
    int64_t bOff, cOff, n0, n;
  };
  SmallVector<Part> parts{{&b, &c, bOff, cOff, 0, shape.n}};
  for (const MatmulPart &p : more) {
    if (residual || gate || epi || p.b.elemType != b.elemType ||
        p.c.elemType != c.elemType)
      return op->emitError() << "internal: a horizontal matmul part needs "
                                "the first product's types and no epilogue";
    parts.push_back({&p.b, &p.c, 0, 0, parts.back().n0 + parts.back().n, p.n});
  }
  MatmulShape s = shape;
  s.n = parts.back().n0 + parts.back().n;
  // Calls fn(part, column in part, width, offset from c0) for each piece of
  // columns [c0, c0 + cn) inside one part.
  auto forParts =
      [&](int64_t c0, int64_t cn,
          llvm::function_ref<void(const Part &, int64_t, int64_t, int64_t)>
              fn) {
        for (const Part &p : parts) {
          int64_t lo = std::max(c0, p.n0), hi = std::min(c0 + cn, p.n0 + p.n);
          if (lo < hi)
            fn(p, lo - p.n0, hi - lo, lo - c0);
        }
      };
  if (s.m == 0 || s.n == 0)
    return success();
  if (s.k == 0)
    return op->emitError() << "matmul with K = 0 is not supported by the "
                              "accelerator lowering";
  // DMA transposes move 2- and 4-byte elements; 1-byte types are gathered
  // element by element instead (correct, slower).
  bool dmaTranspose = m.dma.transposes(eb);

  int64_t rb = residual ? Emitter::bytesOf(residual->elemType) : 0;
  if (gate)
    for (Type t : gate->tempTypes)
      rb += Emitter::bytesOf(t);
  if (epi)
    rb += epi->bytesPerColumn();
  MatmulPlan plan =
      planMatmul(m, e.sbufFree(), s, eb, cb, rb, gate != nullptr, configOf(op));
  if (!plan.error.empty())
    return op->emitError() << plan.error;
  int64_t kt = m.pe.rows, mt = plan.mt, nt = plan.nt;
  int64_t KT = ceilDiv(s.k, kt), MT = ceilDiv(s.m, mt);
  int64_t nOps = gate ? 2 : 1;
  int64_t aBytes = KT * mt * eb;
  int64_t nBlock = plan.blockTiles, bCopies = plan.bBuffers;
  int64_t ringSlots =
      plan.schedule == MatmulPlan::WeightRing ? plan.ringSlots : 0;
  bool resident = plan.schedule != MatmulPlan::Stream;
  int64_t blockCols = nBlock * nt;
  // (A row-panel plan has no B blocks: its loops use their own tiles.)
  int64_t NB = blockCols > 0 ? ceilDiv(s.n, blockCols) : 0;

  // Loads of one [kt x mt] A^T tile and one [kt x cn] B tile.
  auto loadA = [&](nc::AccessAttr dst, int64_t k0, int64_t kn, int64_t m0,
                   int64_t mn) {
    if (s.transposeA)
      e.dma(dst, e.hbm(a, aOff + k0 * s.m + m0, kn, s.m, {mn}, {1}));
    else if (dmaTranspose)
      e.dma(dst, e.hbm(a, aOff + m0 * s.k + k0, mn, s.k, {kn}, {1}),
            /*transpose=*/true);
    else
      e.dma(dst, e.hbm(a, aOff + m0 * s.k + k0, kn, 1, {mn}, {s.k}));
  };
  // B columns [c0, c0 + cn) into the [kn, cn] tile at column `col` of
  // `buf` (operand `o`: the gate's second B).
  auto loadB = [&](const Buffer &buf, int64_t col, int64_t k0, int64_t kn,
                   int64_t c0, int64_t cn, int64_t o = 0) {
    forParts(c0, cn, [&](const Part &p, int64_t pc, int64_t w, int64_t x) {
      nc::AccessAttr dst = e.dense(buf, kn, w, et, col + x);
      const HbmValue &bv = o == 0 ? *p.b : *gate->b2;
      if (!s.transposeB)
        e.dma(dst, e.hbm(bv, p.bOff + k0 * p.n + pc, kn, p.n, {w}, {1}));
      else if (dmaTranspose)
        e.dma(dst, e.hbm(bv, p.bOff + pc * s.k + k0, w, s.k, {kn}, {1}),
              /*transpose=*/true);
      else
        e.dma(dst, e.hbm(bv, p.bOff + pc * s.k + k0, kn, 1, {w}, {s.k}));
    });
  };
  // The [mn, cn] output tile in `buf` to C rows m0.., columns c0...
  auto storeC = [&](const Buffer &buf, int64_t m0, int64_t mn, int64_t c0,
                    int64_t cn) {
    forParts(c0, cn, [&](const Part &p, int64_t pc, int64_t w, int64_t x) {
      e.dma(e.hbm(*p.c, p.cOff + m0 * p.n + pc, mn, p.n, {w}, {1}),
            e.dense(buf, mn, w, ct, x));
    });
  };

  // Epilogue tiles for `slots` output tiles in flight: one per extra, then
  // the scratch tiles.
  auto allocEpilogue =
      [&](int64_t slots) -> FailureOr<SmallVector<SmallVector<Buffer>>> {
    SmallVector<SmallVector<Buffer>> bufs;
    if (!epi)
      return bufs;
    for (int64_t i = 0; i < slots; ++i) {
      bufs.emplace_back();
      for (const HbmValue &x : epi->extras) {
        auto b = e.allocSbuf(nt * Emitter::bytesOf(x.elemType), op,
                             "an epilogue operand tile");
        if (failed(b))
          return failure();
        bufs.back().push_back(*b);
      }
      for (Type t : epi->tempTypes) {
        auto b = e.allocSbuf(nt * Emitter::bytesOf(t), op,
                             "an epilogue scratch tile");
        if (failed(b))
          return failure();
        bufs.back().push_back(*b);
      }
    }
    return bufs;
  };
  // Epilogue operands broadcast over the rows (a bias row): the tile of a
  // column range is the same for every row tile, so it is loaded once and
  // kept while row tiles use it. Each such operand's slot buffers form a
  // pool (met as the slots are) holding the most recently used column
  // tiles: per buffer, its columns [c0, c0 + cn) on `rows` partitions and
  // when it was last used.
  struct Held {
    int64_t offset, c0 = -1, cn = 0, rows = 0, used = 0;
  };
  SmallVector<SmallVector<Held>> bcastPools(epi ? epi->extras.size() : 0);
  int64_t bcastClock = 0;
  // Moves one accumulator tile into `out` (casting), adding the fused
  // residual, loaded into `resBuf`, when there is one, or running the
  // epilogue on the tiles of `epiBufs`.
  auto evacuateTo = [&](nc::AccessAttr out, nc::AccessAttr acc,
                        const Buffer *resBuf, int64_t m0, int64_t mn,
                        int64_t c0, int64_t cn, ArrayRef<Buffer> epiBufs = {}) {
    if (epi) {
      SmallVector<nc::AccessAttr> xs, temps;
      for (auto [i, x] : llvm::enumerate(epi->extras)) {
        // Broadcast to [M, N] by zero strides.
        SmallVector<int64_t> st = x.strides();
        int64_t r = x.shape.size();
        int64_t cs = r >= 1 && x.shape[r - 1] != 1 ? st[r - 1] : 0;
        int64_t rs = r >= 2 && x.shape[r - 2] != 1 ? st[r - 2] : 0;
        if (rs != 0) {
          nc::AccessAttr t = e.dense(epiBufs[i], mn, cn, x.elemType);
          xs.push_back(t);
          e.dma(t, e.hbm(x, m0 * rs + c0 * cs, mn, rs, {cn}, {cs}));
          continue;
        }
        // Broadcast over the rows: a load moves a row per partition, so a
        // bias reloaded per row tile cost 128 times its bytes each time.
        // The pool's buffer holding these columns (for at least these
        // rows), else its least recently used one, loaded (the epilogue
        // only reads its operands, so a held tile stays valid).
        SmallVector<Held> &pool = bcastPools[i];
        if (llvm::none_of(pool, [&](const Held &h) {
              return h.offset == epiBufs[i].offset;
            }))
          pool.push_back({epiBufs[i].offset});
        Held *pick = llvm::find_if(pool, [&](const Held &h) {
          return h.c0 == c0 && h.cn == cn && h.rows >= mn;
        });
        bool load = pick == pool.end();
        if (load) {
          pick = llvm::min_element(pool, [](const Held &a, const Held &b) {
            return a.used < b.used;
          });
          pick->c0 = c0, pick->cn = cn, pick->rows = mn;
        }
        pick->used = ++bcastClock;
        Buffer buf = epiBufs[i];
        buf.offset = pick->offset;
        nc::AccessAttr t = e.dense(buf, mn, cn, x.elemType);
        xs.push_back(t);
        if (load)
          e.dma(t, e.hbm(x, c0 * cs, mn, 0, {cn}, {cs}));
      }
      for (auto [i, t] : llvm::enumerate(epi->tempTypes))
        temps.push_back(e.dense(epiBufs[epi->extras.size() + i], mn, cn, t));
      epi->combine(e, out, acc, xs, temps);
      return;
    }
    if (!residual) {
      e.copy(out, acc);
      return;
    }
    nc::AccessAttr r = e.dense(*resBuf, mn, cn, residual->elemType);
    e.dma(r, e.hbm(*residual, cOff + m0 * s.n + c0, mn, s.n, {cn}, {1}));
    e.tt(nc::AluOp::add, out, acc, r);
  };

  // Row-panel schedule: when B is the larger operand and A^T for a panel of
  // row tiles (all of K) fits in SBUF, keep that panel resident and stream
  // B once per panel in [K, nt] column tiles (double-buffered) instead of
  // re-reading A for every B block. The analytic choice: HBM bytes of each
  // schedule, A + B * panels against B + A * NB.
  if (plan.schedule == MatmulPlan::RowPanel) {
    int64_t bTile = KT * nt * eb;
    int64_t perRowTile = KT * mt * eb;
    int64_t R = plan.panelRows;
    {
      Emitter::Mark mk = e.mark();
      auto aPanel = e.allocSbuf(R * perRowTile, op, "an A^T row panel");
      auto bTiles = e.allocSbuf(2 * bTile, op, "two streamed B column tiles");
      SmallVector<Buffer> outs, ress;
      for (int64_t i = 0; i < 4; ++i) {
        auto ob = e.allocSbuf(nt * cb, op, "an output tile");
        if (failed(ob))
          return failure();
        outs.push_back(*ob);
        if (residual) {
          auto rbuf = e.allocSbuf(nt * rb, op, "a residual tile");
          if (failed(rbuf))
            return failure();
          ress.push_back(*rbuf);
        }
      }
      auto epiBufs = allocEpilogue(4);
      auto acc = e.allocPsumBanks(m.psum.banks, op, "matmul accumulators");
      if (failed(aPanel) || failed(bTiles) || failed(epiBufs) || failed(acc))
        return failure();
      int64_t NT = ceilDiv(s.n, nt), bankElems = m.psum.bankBytes() / 4;
      int64_t slot = 0, bank = 0;
      for (int64_t p0 = 0; p0 < MT; p0 += R) {
        int64_t rn = std::min(R, MT - p0);
        for (int64_t r = 0; r < rn; ++r) {
          int64_t m0 = (p0 + r) * mt, mn = std::min(mt, s.m - m0);
          for (int64_t k = 0; k < KT; ++k) {
            int64_t k0 = k * kt, kn = std::min(kt, s.k - k0);
            loadA(e.dense(*aPanel, kn, mn, et, (r * KT + k) * mt), k0, kn, m0,
                  mn);
          }
        }
        for (int64_t j = 0; j < NT; ++j) {
          int64_t c0 = j * nt, cn = std::min(nt, s.n - c0);
          int64_t bBase = (j % 2) * KT * nt;
          for (int64_t k = 0; k < KT; ++k) {
            int64_t k0 = k * kt, kn = std::min(kt, s.k - k0);
            loadB(*bTiles, bBase + k * nt, k0, kn, c0, cn);
          }
          for (int64_t r = 0; r < rn; ++r, bank = (bank + 1) % m.psum.banks) {
            int64_t m0 = (p0 + r) * mt, mn = std::min(mt, s.m - m0);
            nc::AccessAttr ps = e.dense(*acc, mn, cn, f32, bank * bankElems);
            for (int64_t k = 0; k < KT; ++k) {
              int64_t kn = std::min(kt, s.k - k * kt);
              e.matmul(ps, e.dense(*aPanel, kn, mn, et, (r * KT + k) * mt),
                       e.dense(*bTiles, kn, cn, et, bBase + k * nt),
                       /*accumulate=*/k > 0);
            }
            nc::AccessAttr out = e.dense(outs[slot % 4], mn, cn, ct);
            evacuateTo(out, ps, residual ? &ress[slot % 4] : nullptr, m0, mn,
                       c0, cn,
                       epi ? ArrayRef<Buffer>((*epiBufs)[slot % 4])
                           : ArrayRef<Buffer>());
            storeC(outs[slot % 4], m0, mn, c0, cn);
            ++slot;
          }
        }
      }
      e.release(mk);
      return success();
    }
  }

  Emitter::Mark mk = e.mark();
  // Resident: one B block for all K, A^T for all K twice. Streaming: two
  // K steps of each.
  int64_t bBytes = ringSlots  ? ringSlots * blockCols * eb
                   : resident ? bCopies * KT * blockCols * eb * nOps
                              : 2 * blockCols * eb;
  int64_t aTileBytes = resident ? aBytes : mt * eb;
  auto bBuf = e.allocSbuf(bBytes, op, "the B block");
  // Column offset (in elements) of B block copy `nb % bCopies`.
  auto bBase = [&](int64_t nb) { return (nb % bCopies) * KT * blockCols; };
  auto aBuf0 = e.allocSbuf(aTileBytes, op, "an A^T tile");
  auto aBuf1 = e.allocSbuf(aTileBytes, op, "an A^T tile");
  SmallVector<Buffer> outBufs;
  for (int64_t i = 0; i < 2 * nBlock; ++i) {
    auto ob = e.allocSbuf(nt * cb, op, "an output tile");
    if (failed(ob))
      return failure();
    outBufs.push_back(*ob);
  }
  // Gate scratch tiles, per output tile.
  SmallVector<SmallVector<Buffer>> gateBufs;
  if (gate)
    for (int64_t i = 0; i < 2 * nBlock; ++i) {
      gateBufs.emplace_back();
      for (Type t : gate->tempTypes) {
        auto tb =
            e.allocSbuf(nt * Emitter::bytesOf(t), op, "a gate scratch tile");
        if (failed(tb))
          return failure();
        gateBufs.back().push_back(*tb);
      }
    }
  // Residual tiles (epilogue fusion), one per output tile.
  SmallVector<Buffer> resBufs;
  if (residual)
    for (int64_t i = 0; i < 2 * nBlock; ++i) {
      auto rb = e.allocSbuf(nt * Emitter::bytesOf(residual->elemType), op,
                            "a residual tile");
      if (failed(rb))
        return failure();
      resBufs.push_back(*rb);
    }
  auto epiBufs = allocEpilogue(2 * nBlock);
  if (failed(epiBufs))
    return failure();
  // Evacuates one accumulator tile: cast, plus the residual when fused.
  auto evacuate = [&](nc::AccessAttr out, nc::AccessAttr acc, int64_t slot,
                      int64_t m0, int64_t mn, int64_t c0, int64_t cn,
                      nc::AccessAttr acc2 = {}) {
    if (gate) {
      SmallVector<nc::AccessAttr> temps;
      for (auto [buf, t] : llvm::zip(gateBufs[slot], gate->tempTypes))
        temps.push_back(e.dense(buf, mn, cn, t));
      gate->combine(e, out, acc, acc2, temps);
      return;
    }
    evacuateTo(out, acc, residual ? &resBufs[slot] : nullptr, m0, mn, c0, cn,
               epi ? ArrayRef<Buffer>((*epiBufs)[slot]) : ArrayRef<Buffer>());
  };
  auto psum =
      e.allocPsumBanks(std::min<int64_t>(2 * nBlock * nOps, m.psum.banks), op,
                       "matmul accumulators");
  if (failed(bBuf) || failed(aBuf0) || failed(aBuf1) || failed(psum))
    return failure();
  Buffer aBufs[2] = {*aBuf0, *aBuf1};
  // A^T of every row tile kept for all B blocks when the SBUF left over
  // holds them (few rows, several B blocks: a sharded layer's 256 rows
  // against 28k columns) instead of reloading each row tile's A^T by
  // transposing DMAs once per B block. The plan is unchanged: this only
  // takes room no buffer of the plan uses.
  SmallVector<Buffer> aAll;
  if (resident && MT > 1 && NB > 1 && !s.transposeA &&
      e.fits(SmallVector<int64_t>(MT - 2, aTileBytes))) {
    aAll = {aBufs[0], aBufs[1]};
    for (int64_t i = 2; i < MT; ++i) {
      auto ab = e.allocSbuf(aTileBytes, op, "an A^T tile");
      if (failed(ab))
        return failure();
      aAll.push_back(*ab);
    }
  }
  int64_t bankElems = m.psum.bankBytes() / 4;
  int64_t psumHalves =
      psum->bytes / m.psum.bankBytes() >= 2 * nBlock * nOps ? 2 : 1;
  // The accumulator of operand `o` for column tile `j` of row tile `t`.
  auto accCol = [&](int64_t t, int64_t j, int64_t o) {
    return (((t % psumHalves) * nBlock + j) * nOps + o) * bankElems;
  };

  if (!resident) {
    int64_t step = 0;
    for (int64_t nb = 0; nb < NB; ++nb) {
      int64_t n0 = nb * blockCols;
      int64_t blockTiles = std::min(nBlock, ceilDiv(s.n - n0, nt));
      for (int64_t mi = 0; mi < MT; ++mi) {
        int64_t m0 = mi * mt, mn = std::min(mt, s.m - m0);
        int64_t half = (mi % psumHalves) * nBlock;
        for (int64_t k = 0; k < KT; ++k, ++step) {
          int64_t k0 = k * kt, kn = std::min(kt, s.k - k0);
          nc::AccessAttr st = e.dense(aBufs[step % 2], kn, mn, et);
          loadA(st, k0, kn, m0, mn);
          for (int64_t j = 0; j < blockTiles; ++j) {
            int64_t c0 = n0 + j * nt, cn = std::min(nt, s.n - c0);
            nc::AccessAttr mv =
                e.dense(*bBuf, kn, cn, et, (step % 2) * blockCols + j * nt);
            loadB(*bBuf, (step % 2) * blockCols + j * nt, k0, kn, c0, cn);
            e.matmul(e.dense(*psum, mn, cn, f32, (half + j) * bankElems), st,
                     mv, /*accumulate=*/k > 0);
          }
        }
        for (int64_t j = 0; j < blockTiles; ++j) {
          int64_t c0 = n0 + j * nt, cn = std::min(nt, s.n - c0);
          nc::AccessAttr out =
              e.dense(outBufs[(mi % 2) * nBlock + j], mn, cn, ct);
          evacuate(out, e.dense(*psum, mn, cn, f32, (half + j) * bankElems),
                   (mi % 2) * nBlock + j, m0, mn, c0, cn);
          storeC(outBufs[(mi % 2) * nBlock + j], m0, mn, c0, cn);
        }
      }
    }
    e.release(mk);
    return success();
  }

  // Row tiles in order; loads for tile t+1 are emitted before tile t's
  // evacuation so the DMA queues prefetch while the PE array computes
  // (queues run in program order: a load behind a store would wait for it).
  struct RowTile {
    int64_t nb, mi;
  };
  SmallVector<RowTile> tiles;
  for (int64_t nb = 0; nb < NB; ++nb)
    for (int64_t mi = 0; mi < MT; ++mi)
      tiles.push_back({nb, mi});
  auto blockTilesOf = [&](int64_t nb) {
    return std::min(nBlock, ceilDiv(s.n - nb * blockCols, nt));
  };
  // Operand `o`'s copy of block `nb` starts this many elements later.
  auto opBase = [&](int64_t o) { return o * bCopies * KT * blockCols; };
  auto emitLoadB = [&](int64_t nb) {
    int64_t n0 = nb * blockCols;
    for (int64_t o = 0; o < nOps; ++o)
      for (int64_t k = 0; k < KT; ++k) {
        int64_t k0 = k * kt, kn = std::min(kt, s.k - k0);
        // The block's column tiles sit side by side in SBUF and in a
        // row-major B: one transfer moves them all (longer descriptors).
        if (!s.transposeB) {
          int64_t cn = std::min(blockCols, s.n - n0);
          loadB(*bBuf, opBase(o) + bBase(nb) + k * blockCols, k0, kn, n0, cn,
                o);
          continue;
        }
        for (int64_t j = 0; j < blockTilesOf(nb); ++j) {
          int64_t c0 = n0 + j * nt, cn = std::min(nt, s.n - c0);
          loadB(*bBuf, opBase(o) + bBase(nb) + k * blockCols + j * nt, k0, kn,
                c0, cn, o);
        }
      }
  };
  // With a single row tile (decode), or every row tile's A^T kept (aAll),
  // A^T is loaded once.
  auto aBufOf = [&](size_t t) -> const Buffer & {
    if (!aAll.empty())
      return aAll[tiles[t].mi];
    return aBufs[MT == 1 ? 0 : t % 2];
  };
  auto emitLoadA = [&](size_t t) {
    if ((MT == 1 && t > 0) || (!aAll.empty() && tiles[t].nb > 0))
      return;
    int64_t m0 = tiles[t].mi * mt, mn = std::min(mt, s.m - m0);
    for (int64_t k = 0; k < KT; ++k) {
      int64_t k0 = k * kt, kn = std::min(kt, s.k - k0);
      loadA(e.dense(aBufOf(t), kn, mn, et, k * mt), k0, kn, m0, mn);
    }
  };
  if (!ringSlots)
    emitLoadB(0);
  emitLoadA(0);
  int64_t ringStep = 0;
  for (size_t t = 0; t < tiles.size(); ++t) {
    int64_t nb = tiles[t].nb, n0 = nb * blockCols;
    int64_t blockTiles = blockTilesOf(nb);
    int64_t m0 = tiles[t].mi * mt, mn = std::min(mt, s.m - m0);
    const Buffer &aBuf = aBufOf(t);
    // Two B copies: the next block streams in while this one computes.
    if (!ringSlots && bCopies == 2 && tiles[t].mi == 0 && nb + 1 < NB)
      emitLoadB(nb + 1);
    // The ring streams weights on every queue (decode: DMA-bound): large
    // pieces keep the transfers' fixed cost to a ninth of queue time. Only
    // there: where the PE bounds the kernel, its row tiles' loads and
    // stores go in the default, smaller pieces over more queues, for
    // latency (a 128 KiB store in one piece holds the kernel's end 7 us).
    std::optional<Emitter::DmaPieces> stream;
    if (ringSlots)
      stream.emplace(e, e.dmaBytesForFixedMultiple(8.0));
    for (int64_t k = 0; k < KT && ringSlots; ++k) {
      int64_t k0 = k * kt, kn = std::min(kt, s.k - k0);
      int64_t cols = std::min(blockCols, s.n - n0);
      nc::AccessAttr st = e.dense(aBuf, kn, mn, et, k * mt);
      for (int64_t o = 0; o < nOps; ++o, ++ringStep) {
        int64_t slot = (ringStep % ringSlots) * blockCols;
        loadB(*bBuf, slot, k0, kn, n0, cols, o);
        for (int64_t j = 0; j < blockTiles; ++j) {
          int64_t cn = std::min(nt, s.n - (n0 + j * nt));
          e.matmul(e.dense(*psum, mn, cn, f32, accCol(t, j, o)), st,
                   e.dense(*bBuf, kn, cn, et, slot + j * nt),
                   /*accumulate=*/k > 0);
        }
      }
    }
    for (int64_t k = 0; k < KT && !ringSlots; ++k) {
      int64_t kn = std::min(kt, s.k - k * kt);
      nc::AccessAttr st = e.dense(aBuf, kn, mn, et, k * mt);
      for (int64_t j = 0; j < blockTiles; ++j) {
        int64_t cn = std::min(nt, s.n - (n0 + j * nt));
        for (int64_t o = 0; o < nOps; ++o) {
          nc::AccessAttr mv =
              e.dense(*bBuf, kn, cn, et,
                      opBase(o) + bBase(nb) + k * blockCols + j * nt);
          nc::AccessAttr acc = e.dense(*psum, mn, cn, f32, accCol(t, j, o));
          e.matmul(acc, st, mv, /*accumulate=*/k > 0);
        }
      }
    }
    if (t + 1 < tiles.size()) {
      if (!ringSlots && bCopies == 1 && tiles[t + 1].nb != nb)
        emitLoadB(tiles[t + 1].nb);
      emitLoadA(t + 1);
    }
    for (int64_t j = 0; j < blockTiles; ++j) {
      int64_t c0 = n0 + j * nt, cn = std::min(nt, s.n - c0);
      nc::AccessAttr acc = e.dense(*psum, mn, cn, f32, accCol(t, j, 0));
      nc::AccessAttr acc2 = gate ? e.dense(*psum, mn, cn, f32, accCol(t, j, 1))
                                 : nc::AccessAttr();
      nc::AccessAttr out = e.dense(outBufs[(t % 2) * nBlock + j], mn, cn, ct);
      evacuate(out, acc, (t % 2) * nBlock + j, m0, mn, c0, cn, acc2);
      storeC(outBufs[(t % 2) * nBlock + j], m0, mn, c0, cn);
    }
  }
  e.release(mk);
  return success();
}

int64_t MatmulEpilogue::bytesPerColumn() const {
  int64_t b = 0;
  for (const HbmValue &x : extras)
    b += Emitter::bytesOf(x.elemType);
  for (Type t : tempTypes)
    b += Emitter::bytesOf(t);
  return b;
}

bool muir::lower::gatedMatmulFits(const target::Machine &m,
                                  const MatmulShape &s, unsigned eb,
                                  unsigned cb, unsigned tempBytes) {
  return m.psum.banks >= 2 &&
         planMatmul(m, m.sbuf.bytesPerPartition, s, eb, cb, tempBytes,
                    /*gated=*/true)
             .error.empty();
}
