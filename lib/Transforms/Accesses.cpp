//===- Accesses.cpp - the memory accesses of nc instructions --------------===//
#include "Accesses.h"

#include <optional>

using namespace mlir;
using namespace muir;
using namespace muir::nc;

SmallVector<target::AccessStep, 0> muir::nc::bodySteps(LoopOp loop, int64_t i,
                                                       target::Opcode opcode) {
  SmallVector<target::AccessStep, 0> out;
  ArrayRef<int64_t> steps = loop.getSteps();
  size_t numOperands = target::opcodeInfo(opcode).operands.size();
  for (size_t at = 0; at + 3 < steps.size(); at += 4) {
    if (steps[at] != i || steps[at + 1] < 0 ||
        size_t(steps[at + 1]) >= numOperands)
      continue;
    out.resize(numOperands);
    out[steps[at + 1]] = {steps[at + 2], steps[at + 3]};
  }
  return out;
}

void muir::nc::stepTiles(Operation *op, target::Opcode opcode,
                         ArrayRef<target::AccessStep> steps, int64_t k) {
  ArrayRef<StringRef> roles = target::opcodeInfo(opcode).operands;
  for (size_t r = 0; r < steps.size() && r < roles.size(); ++r) {
    if (steps[r].isZero() || k == 0)
      continue;
    StringRef role = roles[r];
    role.consume_back("?");
    auto t = op->getAttrOfType<AccessAttr>(role);
    if (!t)
      continue;
    op->setAttr(
        role, AccessAttr::get(t.getContext(), t.getSpace(), t.getTensor(),
                              t.getPartition() + k * steps[r].partition,
                              t.getPartitions(), t.getPartitionStride(),
                              t.getOffset() + k * steps[r].offset, t.getSizes(),
                              t.getStrides(), t.getElementType()));
  }
}

namespace {
/// Reads one instruction: opcode, queue and tiles.
LogicalResult readInstruction(Operation &op, InstAccesses &in,
                              SmallVectorImpl<TileAccess> &tiles) {
  auto inst = llvm::dyn_cast<InstructionOpInterface>(op);
  if (!inst)
    return op.emitOpError() << "is not an nc instruction";
  FailureOr<uint32_t> q = inst.getQueueIndex();
  if (failed(q) || *q >= kMaxQueues)
    return op.emitOpError() << "has queue " << (failed(q) ? 0u : *q)
                            << ", beyond the queues an nc kernel can have";
  in = InstAccesses{&op, inst.getOpcode(), *q, {}};
  tiles.clear();
  inst.getTileAccesses(tiles);
  return success();
}

/// The steps of each of a body instruction's tiles: the steps of the
/// schema operands holding that tile (one tile may be two operands).
LogicalResult
tileSteps(Operation &op, target::Opcode opcode,
          ArrayRef<target::AccessStep> steps, ArrayRef<TileAccess> tiles,
          SmallVectorImpl<SmallVector<target::AccessStep, 2>> &out) {
  ArrayRef<StringRef> roles = target::opcodeInfo(opcode).operands;
  out.assign(tiles.size(), {});
  for (auto [t, tile] : llvm::enumerate(tiles)) {
    bool found = false;
    for (size_t r = 0; r < roles.size(); ++r) {
      StringRef role = roles[r];
      role.consume_back("?");
      if (op.getAttrOfType<AccessAttr>(role) != tile.tile)
        continue;
      found = true;
      target::AccessStep st =
          r < steps.size() ? steps[r] : target::AccessStep();
      if (!llvm::is_contained(out[t], st))
        out[t].push_back(st);
    }
    if (!found)
      return op.emitOpError()
             << "has a tile that is none of its operands: cannot step it in "
                "an nc.loop";
  }
  return success();
}
} // namespace

uint64_t muir::nc::executedInstructions(KernelOp kernel) {
  uint64_t n = 0;
  for (Operation &op : kernel.getBody().front()) {
    if (auto loop = llvm::dyn_cast<LoopOp>(op))
      n += uint64_t(std::max<int64_t>(0, loop.getTrips())) *
           loop.getBody().front().getOperations().size();
    else if (!llvm::isa<TensorOp>(op))
      ++n;
  }
  return n;
}

LogicalResult muir::nc::collectInstructions(KernelOp kernel,
                                            std::vector<InstAccesses> &out,
                                            LoopMode mode,
                                            std::vector<LoopSpan> *loops) {
  // Each instruction states its opcode, queue and tiles itself
  // (InstructionOpInterface).
  SmallVector<TileAccess, 6> tiles;
  SmallVector<SmallVector<target::AccessStep, 2>, 6> perTile;
  uint32_t numLoops = 0;
  for (Operation &op : kernel.getBody().front()) {
    if (llvm::isa<TensorOp>(op))
      continue;
    if (auto section = llvm::dyn_cast<SectionOp>(op))
      return section.emitOpError()
             << "\"" << section.getName()
             << "\" is not placed yet: run muir-nc-allocate first";
    if (auto loop = llvm::dyn_cast<LoopOp>(op)) {
      if (mode == LoopMode::Refuse)
        return loop.emitOpError()
               << "is not supported by this pass: run it before "
                  "muir-nc-roll-loops";
      int64_t trips = loop.getTrips();
      Block &body = loop.getBody().front();
      LoopSpan span{loop, uint32_t(out.size()), 0,
                    uint32_t(body.getOperations().size()), uint32_t(trips)};
      if (trips < 1 || trips > int64_t(UINT32_MAX))
        return loop.emitOpError() << "has trip count " << trips;
      if (mode == LoopMode::Expand &&
          out.size() + uint64_t(trips) * span.bodySize >
              kMaxExpandedInstructions)
        return loop.emitOpError()
               << "of " << trips << " trips over " << span.bodySize
               << " instructions takes the kernel past "
               << kMaxExpandedInstructions
               << " instruction instances, more than this pass analyses "
                  "one by one: write fewer iterations per loop";
      // Each body instruction once, with the steps of its tiles.
      std::vector<InstAccesses> bodyInsts;
      std::vector<SmallVector<SmallVector<target::AccessStep, 2>, 6>> steps;
      int64_t i = 0;
      for (Operation &inner : body) {
        InstAccesses in{nullptr, target::Opcode::Nop, 0, {}};
        if (failed(readInstruction(inner, in, tiles)))
          return failure();
        if (failed(tileSteps(inner, in.opcode, bodySteps(loop, i++, in.opcode),
                             tiles, perTile)))
          return failure();
        in.loop = numLoops;
        for (auto [t, tile] : llvm::enumerate(tiles))
          in.accesses.push_back({tile.tile, tile.write});
        bodyInsts.push_back(std::move(in));
        steps.push_back(perTile);
      }
      if (mode == LoopMode::Hull) {
        for (auto [in, st] : llvm::zip(bodyInsts, steps)) {
          SmallVector<Access, 4> hull;
          for (auto [a, s] : llvm::zip(in.accesses, st))
            for (target::AccessStep step : s) {
              Access first = a, last = a.stepped(step, trips - 1);
              first.p0 = std::min(first.p0, last.p0);
              first.p1 = std::max(first.p1, last.p1);
              first.lo = std::min(first.lo, last.lo);
              first.hi = std::max(first.hi, last.hi);
              first.hull = first.hull || !step.isZero();
              hull.push_back(first);
            }
          in.accesses = std::move(hull);
          out.push_back(std::move(in));
        }
      } else {
        for (int64_t k = 0; k < trips; ++k)
          for (auto [in, st] : llvm::zip(bodyInsts, steps)) {
            InstAccesses copy{in.op, in.opcode, in.queue,
                              {},    in.loop,   uint32_t(k)};
            for (auto [a, s] : llvm::zip(in.accesses, st))
              for (target::AccessStep step : s)
                copy.accesses.push_back(a.stepped(step, k));
            out.push_back(std::move(copy));
          }
      }
      span.count = out.size() - span.begin;
      if (loops)
        loops->push_back(span);
      ++numLoops;
      continue;
    }
    InstAccesses in{nullptr, target::Opcode::Nop, 0, {}};
    if (failed(readInstruction(op, in, tiles)))
      return failure();
    for (const TileAccess &t : tiles)
      in.accesses.push_back({t.tile, t.write});
    out.push_back(std::move(in));
  }
  return success();
}

/// Elements spanned by one row of a tile's free pattern.
static int64_t rowSpan(AccessAttr a) {
  int64_t hi = 0;
  for (auto [size, stride] : llvm::zip(a.getSizes(), a.getStrides()))
    hi += (size - 1) * stride;
  return hi + 1;
}

static bool intervalsOverlap(int64_t a0, int64_t a1, int64_t b0, int64_t b1) {
  return a0 < b1 && b0 < a1;
}

namespace {
struct Dim {
  int64_t sizeA, sizeB, stride;
};
} // namespace

/// Exact test for two HBM tiles with the same strides (sizes may differ),
/// each dimension's stride beyond the reach of the smaller ones: the offset
/// difference then has at most one digit expansion sum(delta_k * stride_k)
/// with delta_k in [-(sizeB_k - 1), sizeA_k - 1], found greedily from the
/// outermost dimension. nullopt when the strides do not have that shape.
static std::optional<bool> stridedOverlap(AccessAttr a, AccessAttr b,
                                          int64_t d) {
  if (a.getSizes().size() != b.getSizes().size())
    return std::nullopt;
  SmallVector<Dim, 6> dims;
  if (a.getPartitionStride() != b.getPartitionStride())
    return std::nullopt;
  dims.push_back(
      {a.getPartitions(), b.getPartitions(), a.getPartitionStride()});
  for (size_t i = 0; i < a.getSizes().size(); ++i) {
    if (a.getStrides()[i] != b.getStrides()[i])
      return std::nullopt;
    dims.push_back({a.getSizes()[i], b.getSizes()[i], a.getStrides()[i]});
  }
  // Dimensions of one element each, or zero stride, add no offsets.
  llvm::erase_if(dims, [](const Dim &d) {
    return d.stride == 0 || (d.sizeA == 1 && d.sizeB == 1);
  });
  if (llvm::any_of(dims, [](const Dim &d) { return d.stride < 0; }))
    return std::nullopt;
  llvm::sort(dims,
             [](const Dim &x, const Dim &y) { return x.stride < y.stride; });
  // Merge dense runs: a dimension whose stride is the extent of the one
  // inside it (same inner size in both tiles) continues it.
  SmallVector<Dim, 6> merged;
  for (const Dim &d : dims) {
    if (!merged.empty() && merged.back().sizeA == merged.back().sizeB &&
        d.stride == merged.back().sizeA * merged.back().stride) {
      merged.back().sizeA *= d.sizeA;
      merged.back().sizeB *= d.sizeB;
      continue;
    }
    merged.push_back(d);
  }
  // Reach of the dimensions inside each one, per tile.
  SmallVector<int64_t, 6> reachA(merged.size() + 1, 0),
      reachB(merged.size() + 1, 0);
  for (size_t k = 0; k < merged.size(); ++k) {
    reachA[k + 1] = reachA[k] + (merged[k].sizeA - 1) * merged[k].stride;
    reachB[k + 1] = reachB[k] + (merged[k].sizeB - 1) * merged[k].stride;
    if (merged[k].stride <= reachA[k] + reachB[k])
      return std::nullopt;
  }
  for (size_t k = merged.size(); k-- > 0;) {
    const Dim &dm = merged[k];
    // The one digit that can leave the rest within [-reachB, reachA].
    int64_t x = d + reachB[k];
    int64_t delta =
        x >= 0 ? x / dm.stride : -((-x + dm.stride - 1) / dm.stride);
    if (delta < -(dm.sizeB - 1) || delta > dm.sizeA - 1)
      return false;
    d -= delta * dm.stride;
    if (d < -reachB[k] || d > reachA[k])
      return false;
  }
  return d == 0;
}

/// `overlaps` for HBM tiles of one tensor with their first elements at
/// `oa` and `ob` (their own offsets, or stepped ones).
static bool hbmOverlap(AccessAttr a, int64_t oa, AccessAttr b, int64_t ob) {
  // HBM, in elements: rows `p * ps + [0, span]` from each tile's offset.
  int64_t sa = rowSpan(a), sb = rowSpan(b);
  int64_t na = a.getPartitions(), nb = b.getPartitions();
  int64_t psa = a.getPartitionStride(), psb = b.getPartitionStride();
  if (psa == psb && psa >= std::max(sa, sb) && psa > 0) {
    // Row pa of a meets row pb of b iff -sa < (oa - ob) + (pa - pb) ps < sb.
    int64_t d = oa - ob;
    auto floorDiv = [](int64_t x, int64_t y) {
      return x >= 0 ? x / y : -((-x + y - 1) / y);
    };
    int64_t lo = floorDiv(-sa - d, psa) + 1;
    int64_t hi = floorDiv(sb - d - 1, psa);
    lo = std::max(lo, -(nb - 1));
    hi = std::min(hi, na - 1);
    return lo <= hi;
  }
  int64_t ea = oa + (na - 1) * psa + sa, eb = ob + (nb - 1) * psb + sb;
  if (!intervalsOverlap(oa, ea, ob, eb))
    return false;
  if (std::optional<bool> exact = stridedOverlap(a, b, ob - oa))
    return *exact;
  return true;
}

bool muir::nc::overlaps(AccessAttr a, AccessAttr b) {
  if (a.getSpace() != b.getSpace())
    return false;
  if (!a.isHbm()) {
    if (!intervalsOverlap(
            a.getPartition(), a.getPartition() + a.getPartitions(),
            b.getPartition(), b.getPartition() + b.getPartitions()))
      return false;
    return intervalsOverlap(a.getOffset(), a.getEndByte(), b.getOffset(),
                            b.getEndByte());
  }
  if (a.getTensor() != b.getTensor())
    return false;
  return hbmOverlap(a, a.getOffset(), b, b.getOffset());
}

bool muir::nc::covers(AccessAttr outer, AccessAttr inner) {
  if (outer.getSpace() != inner.getSpace())
    return false;
  if (!outer.isHbm()) {
    // `overlaps` compares bounding byte intervals per partition range.
    return outer.getPartition() <= inner.getPartition() &&
           inner.getPartition() + inner.getPartitions() <=
               outer.getPartition() + outer.getPartitions() &&
           outer.getOffset() <= inner.getOffset() &&
           inner.getEndByte() <= outer.getEndByte();
  }
  if (outer.getTensor() != inner.getTensor())
    return false;
  // The outer tile's rows must each be dense row-major: row p is then the
  // element interval [o0 + p*ps, o0 + p*ps + span).
  int64_t span = 1;
  for (int64_t i = outer.getSizes().size() - 1; i >= 0; --i) {
    if (outer.getSizes()[i] == 1)
      continue;
    if (outer.getStrides()[i] != span)
      return false;
    span *= outer.getSizes()[i];
  }
  int64_t o0 = outer.getOffset(), n = outer.getPartitions();
  int64_t ps = outer.getPartitionStride();
  int64_t i0 = inner.getOffset(), ni = inner.getPartitions();
  int64_t psi = inner.getPartitionStride(), si = rowSpan(inner);
  // Gapless (rows back to back): one interval.
  if (n == 1 || ps == span) {
    int64_t o1 = o0 + n * span;
    int64_t i1 = i0 + (ni - 1) * psi + si;
    return (ni == 1 || psi >= 0) && o0 <= i0 && i1 <= o1;
  }
  // Rows with gaps between them (a block of a wider tensor): every inner
  // row must lie inside one outer row. Inner rows that step by whole outer
  // rows (the same row pitch, a multiple of it, or one row) share their
  // column, so the first row's column and the row range decide.
  if (ps < span || ps <= 0)
    return false;
  if (ni > 1 && (psi < 0 || psi % ps != 0))
    return false;
  int64_t m = ni > 1 ? psi / ps : 0;
  int64_t d = i0 - o0;
  if (d < 0)
    return false;
  int64_t r = d / ps, c = d % ps;
  return c + si <= span && r + (ni - 1) * m < n;
}

muir::nc::Access::Access(AccessAttr ap, bool write)
    : ap(ap), write(write), space(ap.getSpace()) {
  if (ap.isHbm()) {
    tensor = ap.getTensor();
    offset = lo = ap.getOffset();
    hi = lo + (ap.getPartitions() - 1) * ap.getPartitionStride() + rowSpan(ap);
  } else {
    p0 = ap.getPartition();
    p1 = p0 + ap.getPartitions();
    lo = ap.getOffset();
    hi = ap.getEndByte();
  }
}

bool muir::nc::overlaps(const Access &a, const Access &b) {
  if (a.space != b.space || !intervalsOverlap(a.lo, a.hi, b.lo, b.hi))
    return false;
  if (a.space != MemSpace::hbm) // exactly what overlaps(AccessAttr) tests
    return intervalsOverlap(a.p0, a.p1, b.p0, b.p1);
  return a.tensor == b.tensor &&
         (a.hull || b.hull || hbmOverlap(a.ap, a.offset, b.ap, b.offset));
}

Access muir::nc::Access::stepped(target::AccessStep step, int64_t k) const {
  Access out = *this;
  int64_t dp = step.partition * k, doff = step.offset * k;
  out.lo += doff;
  out.hi += doff;
  if (space == MemSpace::hbm) {
    out.offset += doff;
  } else {
    out.p0 += dp;
    out.p1 += dp;
  }
  return out;
}

bool muir::nc::conflict(const InstAccesses &x, const InstAccesses &y) {
  for (const Access &a : x.accesses)
    for (const Access &b : y.accesses)
      if ((a.write || b.write) && overlaps(a, b))
        return true;
  return false;
}
