//===- Accesses.cpp - the memory accesses of nc instructions --------------===//
#include "Accesses.h"

using namespace mlir;
using namespace muir;
using namespace muir::nc;

LogicalResult muir::nc::collectInstructions(KernelOp kernel,
                                            std::vector<InstAccesses> &out) {
  for (Operation &op : kernel.getBody().front()) {
    if (llvm::isa<TensorOp>(op))
      continue;
    auto opcode = target::parseOpcode(op.getName().stripDialect());
    if (!opcode)
      return op.emitOpError() << "is not an nc instruction";
    uint32_t q = target::defaultQueue(*opcode);
    if (auto qa = op.getAttrOfType<StringAttr>("queue")) {
      auto parsed = target::parseQueueName(qa.getValue());
      if (!parsed || *parsed >= kMaxQueues)
        return op.emitOpError() << "unknown queue '" << qa.getValue() << "'";
      q = *parsed;
    }
    InstAccesses in{&op, *opcode, q, {}};
    for (NamedAttribute na : op.getAttrs())
      if (auto ap = llvm::dyn_cast<AccessAttr>(na.getValue())) {
        StringRef n = na.getName().getValue();
        bool write = n == "dst" || n == "accum";
        in.accesses.push_back({ap, write});
        // Accumulating matmuls read their PSUM tile as well.
        if (write && op.hasAttr("accumulate"))
          in.accesses.push_back({ap, false});
      }
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

bool muir::nc::overlaps(AccessAttr a, AccessAttr b) {
  if (a.getSpace() != b.getSpace())
    return false;
  if (!a.isHbm()) {
    if (!intervalsOverlap(a.getPartition(), a.getPartition() + a.getPartitions(),
                          b.getPartition(), b.getPartition() + b.getPartitions()))
      return false;
    return intervalsOverlap(a.getOffset(), a.getEndByte(), b.getOffset(),
                            b.getEndByte());
  }
  if (a.getTensor() != b.getTensor())
    return false;
  // HBM, in elements: rows `p * ps + [0, span]` from each tile's offset.
  int64_t sa = rowSpan(a), sb = rowSpan(b);
  int64_t oa = a.getOffset(), ob = b.getOffset();
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
  return intervalsOverlap(oa, ea, ob, eb);
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
  // Only a gapless outer tile (rows back to back, each row dense row-major)
  // covers its whole element interval.
  int64_t span = 1;
  for (int64_t i = outer.getSizes().size() - 1; i >= 0; --i) {
    if (outer.getSizes()[i] == 1)
      continue;
    if (outer.getStrides()[i] != span)
      return false;
    span *= outer.getSizes()[i];
  }
  if (outer.getPartitions() > 1 && outer.getPartitionStride() != span)
    return false;
  int64_t o0 = outer.getOffset(), o1 = o0 + outer.getPartitions() * span;
  int64_t i0 = inner.getOffset(),
          i1 = i0 + (inner.getPartitions() - 1) * inner.getPartitionStride() +
               rowSpan(inner);
  return o0 <= i0 && i1 <= o1;
}

bool muir::nc::conflict(const InstAccesses &x, const InstAccesses &y) {
  for (const Access &a : x.accesses)
    for (const Access &b : y.accesses)
      if ((a.write || b.write) && overlaps(a.ap, b.ap))
        return true;
  return false;
}
