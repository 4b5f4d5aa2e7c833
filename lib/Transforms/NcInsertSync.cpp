//===- NcInsertSync.cpp - minimal semaphores for cross-queue dependencies -===//
//
// Phase 1 walks the kernel in program order and finds, for each instruction,
// the latest conflicting instruction on every other queue that is not
// already ordered before it (vector clocks make ordering transitive). Phase
// 2 turns each producer that something depends on into a signal of its
// queue's counting semaphore and each dependency into a wait for that count.
// Queues complete in order, so "count >= n" means "the n-th producer is done".
//
//===----------------------------------------------------------------------===//
#include "muir/Conversion/Passes.h"
#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/Target/Program.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"

namespace muir {
#define GEN_PASS_DEF_NCINSERTSYNCPASS
#include "muir/Conversion/Passes.h.inc"
} // namespace muir

using namespace mlir;
using namespace muir;

namespace {
struct Access {
  nc::AccessAttr ap;
  bool write;
};

struct Inst {
  Operation *op;
  uint32_t queue;
  int64_t rank; // position within its queue, from 1
  SmallVector<Access, 4> accesses;
  SmallVector<int64_t> clock; // per queue: highest rank known done before
};

/// Inclusive element extent [lo, hi] of a tile's free pattern.
std::pair<int64_t, int64_t> freeExtent(nc::AccessAttr a) {
  int64_t hi = 0;
  for (auto [size, stride] : llvm::zip(a.getSizes(), a.getStrides()))
    hi += (size - 1) * stride;
  return {0, hi};
}

bool intervalsOverlap(int64_t a0, int64_t a1, int64_t b0, int64_t b1) {
  return a0 < b1 && b0 < a1;
}

bool overlaps(nc::AccessAttr a, nc::AccessAttr b) {
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
  int64_t sa = freeExtent(a).second + 1, sb = freeExtent(b).second + 1;
  int64_t oa = a.getOffset(), ob = b.getOffset();
  int64_t na = a.getPartitions(), nb = b.getPartitions();
  int64_t psa = a.getPartitionStride(), psb = b.getPartitionStride();
  if (psa == psb && psa >= std::max(sa, sb) && psa > 0) {
    // Row pa of a meets row pb of b iff -sa < (oa - ob) + (pa - pb) ps < sb.
    int64_t d = oa - ob;
    // Smallest delta with d + delta*ps > -sa, largest with d + delta*ps < sb.
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

bool conflict(const Inst &x, const Inst &y) {
  for (const Access &a : x.accesses)
    for (const Access &b : y.accesses)
      if ((a.write || b.write) && overlaps(a.ap, b.ap))
        return true;
  return false;
}

struct NcInsertSyncPass
    : public muir::impl::NcInsertSyncPassBase<NcInsertSyncPass> {
  void runOnOperation() override {
    nc::KernelOp kernel = getOperation();
    constexpr uint32_t kMaxQueues = target::kNumComputeQueues + 64;
    std::vector<Inst> insts;
    SmallVector<SmallVector<size_t>> byQueue(kMaxQueues);
    for (Operation &op : kernel.getBody().front()) {
      if (llvm::isa<nc::TensorOp>(op))
        continue;
      auto opcode = target::parseOpcode(op.getName().stripDialect());
      if (!opcode) {
        op.emitOpError() << "is not an nc instruction";
        return signalPassFailure();
      }
      uint32_t q = target::defaultQueue(*opcode);
      if (auto qa = op.getAttrOfType<StringAttr>("queue")) {
        auto parsed = target::parseQueueName(qa.getValue());
        if (!parsed || *parsed >= kMaxQueues) {
          op.emitOpError() << "unknown queue '" << qa.getValue() << "'";
          return signalPassFailure();
        }
        q = *parsed;
      }
      Inst in{&op, q, (int64_t)byQueue[q].size() + 1, {}, {}};
      for (NamedAttribute na : op.getAttrs())
        if (auto ap = llvm::dyn_cast<nc::AccessAttr>(na.getValue())) {
          StringRef n = na.getName().getValue();
          bool write = n == "dst" || n == "accum";
          in.accesses.push_back({ap, write});
          // Accumulating matmuls read their PSUM tile as well.
          if (write && op.hasAttr("accumulate"))
            in.accesses.push_back({ap, false});
        }
      byQueue[q].push_back(insts.size());
      insts.push_back(std::move(in));
    }

    // Phase 1: dependencies, pruned by what each queue already knows.
    SmallVector<SmallVector<int64_t>> known(kMaxQueues,
                                            SmallVector<int64_t>(kMaxQueues, 0));
    SmallVector<int64_t> seen(kMaxQueues, 0); // instructions emitted per queue
    std::vector<SmallVector<std::pair<uint32_t, int64_t>>> deps(insts.size());
    for (size_t i = 0; i < insts.size(); ++i) {
      Inst &in = insts[i];
      SmallVector<int64_t> &k = known[in.queue];
      SmallVector<std::pair<uint32_t, size_t>> cands; // (queue, inst index)
      for (uint32_t q = 0; q < kMaxQueues; ++q) {
        if (q == in.queue || seen[q] == 0)
          continue;
        for (int64_t r = seen[q]; r > k[q]; --r) {
          size_t j = byQueue[q][r - 1];
          if (conflict(insts[j], in)) {
            cands.push_back({q, j});
            break;
          }
        }
      }
      // Drop candidates implied through another candidate's history.
      for (auto [q, j] : cands) {
        bool implied = false;
        for (auto [q2, j2] : cands)
          if (j2 != j && insts[j2].clock[q] >= insts[j].rank)
            implied = true;
        if (!implied)
          deps[i].push_back({q, insts[j].rank});
      }
      for (auto [q, j] : cands) {
        k[q] = std::max(k[q], insts[j].rank);
        for (uint32_t q2 = 0; q2 < kMaxQueues; ++q2)
          k[q2] = std::max(k[q2], insts[j].clock[q2]);
      }
      k[in.queue] = in.rank;
      in.clock.assign(k.begin(), k.end());
      ++seen[in.queue];
    }

    // Phase 2: signals on every producer, counts in queue order.
    llvm::DenseMap<std::pair<uint32_t, int64_t>, int64_t> needed;
    for (auto &d : deps)
      for (auto dep : d)
        needed[dep] = 0;
    SmallVector<int64_t> semOf(kMaxQueues, -1);
    int64_t numSems = 0;
    for (uint32_t q = 0; q < kMaxQueues; ++q) {
      int64_t count = 0;
      for (size_t j : byQueue[q]) {
        auto it = needed.find({q, insts[j].rank});
        if (it == needed.end())
          continue;
        if (semOf[q] < 0)
          semOf[q] = numSems++;
        it->second = ++count;
      }
    }
    Builder b(kernel.getContext());
    for (size_t i = 0; i < insts.size(); ++i) {
      Operation *op = insts[i].op;
      op->removeAttr("wait");
      op->removeAttr("signal");
      auto it = needed.find({insts[i].queue, insts[i].rank});
      if (it != needed.end())
        op->setAttr("signal", b.getDenseI64ArrayAttr({semOf[insts[i].queue]}));
      if (deps[i].empty())
        continue;
      SmallVector<int64_t> w;
      for (auto [q, r] : deps[i]) {
        w.push_back(semOf[q]);
        w.push_back(needed.lookup({q, r}));
      }
      op->setAttr("wait", b.getDenseI64ArrayAttr(w));
    }
    kernel.setSemaphores(numSems);
  }
};
} // namespace
