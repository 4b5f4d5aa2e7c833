//===- Gather.cpp - row lookups and row updates by indirect DMA -----------===//
//
// xf.gather and xf.index_copy move whole rows chosen by indices known only
// when the program runs. Both become indirect DMAs: the indices are loaded
// into SBUF (one per partition) and nc.dma_gather / nc.dma_scatter read or
// write the selected HBM rows, so no engine computes anything and an index
// outside the table is reported by the simulator, never read as zeros.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

using namespace mlir;
using namespace muir;
using namespace muir::lower;

namespace {
/// Round-robin DMA queues for the indirect transfers (the Emitter spreads
/// its own plain DMAs the same way).
struct Queues {
  const target::Machine &m;
  unsigned next = 0;
  void place(Emitter &e, Operation *op) {
    unsigned q = next++ % std::max<int64_t>(1, m.dma.queues);
    if (q != 0)
      op->setAttr("queue",
                  nc::QueueAttr::get(e.b.getContext(), target::dmaQueue(q)));
    ++e.instructions;
  }
};

/// Row chunk (elements per partition) for `sets` buffer sets of `eb`-byte
/// rows, each set also holding an index column.
int64_t rowChunk(Emitter &e, int64_t rowElems, unsigned eb, int64_t sets) {
  int64_t perSet = e.sbufFree() / sets - 64; // the index column, aligned
  return std::max<int64_t>(1, std::min<int64_t>(rowElems, perSet / eb));
}
} // namespace

LogicalResult muir::lower::emitGatherRows(Emitter &e, Operation *op,
                                          const HbmValue &table,
                                          const HbmValue &indices,
                                          const HbmValue &out) {
  // out[t, :] = table[indices[t], :]: per tile of up to 128 indices, load
  // them one per partition, gather the rows, store them.
  int64_t V = table.shape.empty() ? 1 : table.shape[0];
  int64_t D = table.numElements() / std::max<int64_t>(1, V);
  int64_t T = indices.numElements();
  if (V < 1 || D < 1 || T < 1)
    return success();
  Type et = table.elemType;
  unsigned eb = Emitter::bytesOf(et);
  int64_t P = e.m.sbuf.partitions;
  // Buffer sets in flight (indices load, rows gather and store overlap):
  // one per index tile up to 16 when whole rows fit. Rows wider than that
  // allows go in column chunks through two row buffers per set (the next
  // chunk gathers while the last one is stored), with two sets when there
  // are several index tiles.
  int64_t tiles = (T + P - 1) / P;
  int64_t fullSets = e.sbufFree() / (D * eb + 128); // + index column, align
  int64_t sets = std::min<int64_t>({16, tiles, fullSets});
  int64_t dn0 = D, rowBufs = 1;
  if (sets < std::min<int64_t>(2, tiles)) {
    sets = std::min<int64_t>(2, tiles);
    rowBufs = 2;
    dn0 = rowChunk(e, D, eb, sets * rowBufs);
  }
  Emitter::Mark mk = e.mark();
  SmallVector<Buffer> idxB, rowB;
  for (int64_t s = 0; s < sets; ++s) {
    auto ib = e.allocSbuf(4, op, "gather indices");
    if (failed(ib))
      return failure();
    idxB.push_back(*ib);
    for (int64_t r = 0; r < rowBufs; ++r) {
      auto rb = e.allocSbuf(dn0 * eb, op, "gathered rows");
      if (failed(rb))
        return failure();
      rowB.push_back(*rb);
    }
  }
  Queues qs{e.m};
  // A tile's rows are gathered in partition slices over several queues, in
  // pieces of at least the bytes the Emitter gives a plain DMA's piece.
  int64_t pieceBytes = std::max<int64_t>(1, e.dmaBytesForFixedMultiple(4.0));
  int64_t set = 0, chunk = 0;
  for (int64_t t0 = 0; t0 < T; t0 += P) {
    int64_t tn = std::min(P, T - t0);
    const Buffer &ib = idxB[set];
    int64_t firstRowBuf = set * rowBufs;
    set = (set + 1) % sets;
    nc::AccessAttr idx = e.dense(ib, tn, 1, indices.elemType);
    e.dma(idx, e.hbm(indices, t0, tn, 1, {1}, {1}));
    for (int64_t d0 = 0; d0 < D; d0 += dn0, ++chunk) {
      int64_t dn = std::min(dn0, D - d0);
      const Buffer &rb = rowB[firstRowBuf + chunk % rowBufs];
      // The table's V rows, columns [d0, d0 + dn) of each.
      nc::AccessAttr tab = e.hbm(table, d0, V, D, {dn}, {1});
      int64_t pieces =
          std::min<int64_t>({std::max<int64_t>(1, tn * dn * eb / pieceBytes),
                             tn, std::max<int64_t>(1, e.m.dma.queues / 2)});
      int64_t per = (tn + pieces - 1) / pieces;
      for (int64_t p0 = 0; p0 < tn; p0 += per) {
        int64_t pn = std::min(per, tn - p0);
        qs.place(e, nc::DmaGatherOp::create(
                        e.b, e.loc, e.dense(rb, pn, dn, et, 0, p0), tab,
                        e.dense(ib, pn, 1, indices.elemType, 0, p0), nullptr,
                        nullptr, nullptr));
      }
      e.dma(e.hbm(out, t0 * D + d0, tn, D, {dn}, {1}), e.dense(rb, tn, dn, et));
    }
  }
  e.release(mk);
  return success();
}

LogicalResult
muir::lower::emitIndexCopy(Emitter &e, Operation *op, const HbmValue &dest,
                           const HbmValue &indices, const HbmValue &source,
                           const HbmValue &out, int64_t axis, bool inPlace) {
  // dest [O, C, I] (C at `axis`), source [O, N, I]: for each outer index o
  // the C rows of I elements at o form a table; source row (o, j) goes to
  // its row indices[j]. The index tile is loaded once per 128 indices and
  // serves every o (each o's table is its own tile, so an index is checked
  // against C and the scatters of different o never overlap).
  auto prod = [](ArrayRef<int64_t> s) {
    int64_t n = 1;
    for (int64_t d : s)
      n *= d;
    return n;
  };
  ArrayRef<int64_t> shape = dest.shape;
  int64_t O = prod(shape.take_front(axis)), C = shape[axis],
          I = prod(shape.drop_front(axis + 1));
  int64_t N = indices.numElements();
  if (inPlace) {
    // The result lies on the donated argument's bytes: move its tensor
    // declaration there (the nc verifier allows an output or scratch
    // tensor exactly on an input).
    Block *body = e.b.getInsertionBlock();
    nc::TensorOp from, to;
    for (auto t : body->getOps<nc::TensorOp>()) {
      if (t.getSymName() == dest.tensor)
        from = t;
      if (t.getSymName() == out.tensor)
        to = t;
    }
    if (!from || !to || from.getKind() != nc::TensorKind::input ||
        dest.offset != 0 || out.offset != 0)
      return op->emitError() << "cannot update '" << dest.tensor
                             << "' in place: it is not a whole input tensor";
    to.setOffset(from.getOffset());
  } else if (failed(emitCopy(e, op, out, dest))) {
    return failure();
  }
  if (O < 1 || C < 1 || I < 1 || N < 1)
    return success();
  Type et = source.elemType;
  unsigned eb = Emitter::bytesOf(et);
  int64_t P = e.m.sbuf.partitions;
  constexpr int64_t kSets = 2;
  int64_t dn0 = rowChunk(e, I, eb, kSets + 1);
  // Source rows of `oc` outer indices load in one DMA ([j, o, i] on chip).
  int64_t oc = std::max<int64_t>(
      1, std::min<int64_t>(O, (e.sbufFree() / (kSets + 1) - 64) / (dn0 * eb)));
  Emitter::Mark mk = e.mark();
  auto ib = e.allocSbuf(4, op, "index_copy positions");
  if (failed(ib))
    return failure();
  SmallVector<Buffer> rowB;
  for (int64_t s = 0; s < kSets; ++s) {
    auto rb = e.allocSbuf(oc * dn0 * eb, op, "index_copy rows");
    if (failed(rb))
      return failure();
    rowB.push_back(*rb);
  }
  Queues qs{e.m};
  int64_t set = 0;
  for (int64_t j0 = 0; j0 < N; j0 += P) {
    int64_t jn = std::min(P, N - j0);
    nc::AccessAttr idx = e.dense(*ib, jn, 1, indices.elemType);
    e.dma(idx, e.hbm(indices, j0, jn, 1, {1}, {1}));
    for (int64_t o0 = 0; o0 < O; o0 += oc)
      for (int64_t d0 = 0; d0 < I; d0 += dn0) {
        int64_t on = std::min(oc, O - o0), dn = std::min(dn0, I - d0);
        const Buffer &rb = rowB[set];
        set = (set + 1) % kSets;
        e.dma(
            e.dense(rb, jn, on * dn, et),
            e.hbm(source, (o0 * N + j0) * I + d0, jn, I, {on, dn}, {N * I, 1}));
        for (int64_t o = o0; o < o0 + on; ++o) {
          nc::AccessAttr rows = e.dense(rb, jn, dn, et, (o - o0) * dn);
          nc::AccessAttr tab = e.hbm(out, o * C * I + d0, C, I, {dn}, {1});
          qs.place(e, nc::DmaScatterOp::create(e.b, e.loc, tab, rows, idx,
                                               nullptr, nullptr, nullptr));
        }
      }
  }
  e.release(mk);
  return success();
}
