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
#include "Accesses.h"
#include "muir/Conversion/Passes.h"
#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/Target/Program.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

namespace muir {
#define GEN_PASS_DEF_NCINSERTSYNCPASS
#include "muir/Conversion/Passes.h.inc"
} // namespace muir

using namespace mlir;
using namespace muir;

namespace {
/// The accesses seen so far, by memory region (SBUF and PSUM byte ranges,
/// each HBM tensor's element ranges, in buckets) and queue, in program
/// order: finding the newest instruction of a queue that conflicts with a
/// new one looks only at the accesses sharing a bucket with it, newest
/// first, and stops at the first conflict or at what is already known to
/// be done. Overlapping accesses always share a bucket, so the answer is
/// the one a scan of the queue's whole history gives.
class AccessIndex {
public:
  explicit AccessIndex(uint32_t numQ) : numQ(numQ) {}

  /// Raises `newest[q]` (a rank on queue q) to the newest access on each
  /// queue but `self` that conflicts with `a`, looking only above
  /// `known[q]` and above what `newest` already holds.
  void newestConflicts(const nc::Access &a, uint32_t self,
                       const uint32_t *known,
                       SmallVectorImpl<uint32_t> &newest) {
    auto [id, b0, b1] = key(a);
    for (int64_t bk = b0; bk <= b1; ++bk) {
      auto it = buckets.find({id, bk});
      if (it == buckets.end())
        continue;
      for (uint32_t q = 0; q < numQ; ++q) {
        if (q == self)
          continue;
        // A read conflicts with writes only; a write with everything.
        const std::vector<Entry> &list =
            a.write ? it->second[q].all : it->second[q].writes;
        uint32_t floor = std::max(known[q], newest[q]);
        for (size_t e = list.size(); e-- > 0;) {
          const Entry &x = list[e];
          if (x.rank <= floor)
            break;
          if (nc::overlaps(*x.access, a)) {
            newest[q] = x.rank;
            break;
          }
        }
      }
    }
  }

  /// Records access `a` (kept alive by the caller) of the instruction of
  /// rank `rank` on queue `q`.
  void add(const nc::Access &a, uint32_t q, uint32_t rank) {
    auto [id, b0, b1] = key(a);
    for (int64_t bk = b0; bk <= b1; ++bk) {
      auto &perQueue = buckets[{id, bk}];
      if (perQueue.empty())
        perQueue.resize(numQ);
      perQueue[q].all.push_back({rank, &a});
      if (a.write)
        perQueue[q].writes.push_back({rank, &a});
    }
  }

private:
  struct Entry {
    uint32_t rank;
    const nc::Access *access;
  };
  struct Lists {
    std::vector<Entry> all, writes;
  };
  // SBUF and PSUM bytes per bucket, HBM elements per bucket.
  static constexpr int64_t kChipBucket = 2048, kHbmBucket = 1 << 16;

  /// The region id (0 SBUF, 1 PSUM, 2 + n HBM tensor n) and the bucket
  /// range [b0, b1] an access touches.
  std::tuple<uint32_t, int64_t, int64_t> key(const nc::Access &a) {
    uint32_t id = a.space == nc::MemSpace::sbuf   ? 0
                  : a.space == nc::MemSpace::psum ? 1
                                                  : 2 + tensorId(a.tensor);
    int64_t size = a.space == nc::MemSpace::hbm ? kHbmBucket : kChipBucket;
    return {id, a.lo / size, std::max(a.lo, a.hi - 1) / size};
  }
  uint32_t tensorId(StringRef name) {
    return tensors.try_emplace(name, tensors.size()).first->second;
  }

  uint32_t numQ;
  llvm::StringMap<uint32_t> tensors;
  llvm::DenseMap<std::pair<uint32_t, int64_t>, SmallVector<Lists, 0>> buckets;
};

struct NcInsertSyncPass
    : public muir::impl::NcInsertSyncPassBase<NcInsertSyncPass> {
  void runOnOperation() override {
    nc::KernelOp kernel = getOperation();
    std::vector<nc::InstAccesses> insts;
    if (failed(nc::collectInstructions(kernel, insts)))
      return signalPassFailure();
    size_t n = insts.size();
    // Only the queues the kernel uses take part (clocks are per queue).
    uint32_t numQ = 1;
    for (const nc::InstAccesses &c : insts)
      numQ = std::max(numQ, c.queue + 1);
    // Ranks (position within the queue, from 1) and the vector clocks (per
    // queue: highest rank known done before) in flat arrays: a kernel can
    // have a million instructions, and per-instruction heap vectors made the
    // pass's memory traffic, not its work, grow faster than the kernel.
    std::vector<uint32_t> rank(n);
    SmallVector<std::vector<uint32_t>> byQueue(numQ);
    for (size_t i = 0; i < n; ++i) {
      std::vector<uint32_t> &list = byQueue[insts[i].queue];
      list.push_back(i);
      rank[i] = list.size();
    }
    std::vector<uint32_t> clocks(n * numQ);
    auto clock = [&](size_t i) { return &clocks[i * numQ]; };

    // Phase 1: dependencies, pruned by what each queue already knows.
    std::vector<uint32_t> known(numQ * numQ, 0);
    std::vector<uint32_t> deps; // producers, grouped by consumer
    std::vector<size_t> depBegin(n + 1, 0);
    SmallVector<std::pair<uint32_t, size_t>> cands; // (queue, inst index)
    AccessIndex index(numQ);
    SmallVector<uint32_t> newest(numQ, 0);
    for (size_t i = 0; i < n; ++i) {
      const nc::InstAccesses &in = insts[i];
      uint32_t *k = &known[in.queue * numQ];
      // The newest instruction of each other queue, not yet known to be
      // done before, that conflicts with this one (none: rank 0).
      std::fill(newest.begin(), newest.end(), 0);
      for (const nc::Access &a : in.accesses)
        index.newestConflicts(a, in.queue, k, newest);
      cands.clear();
      for (uint32_t q = 0; q < numQ; ++q)
        if (newest[q] > k[q])
          cands.push_back({q, byQueue[q][newest[q] - 1]});
      for (const nc::Access &a : in.accesses)
        index.add(a, in.queue, rank[i]);
      // Drop candidates implied through another candidate's history.
      depBegin[i] = deps.size();
      for (auto [q, j] : cands) {
        bool implied = false;
        for (auto [q2, j2] : cands)
          if (j2 != j && clock(j2)[q] >= rank[j])
            implied = true;
        if (!implied)
          deps.push_back(j);
      }
      for (auto [q, j] : cands) {
        k[q] = std::max(k[q], rank[j]);
        const uint32_t *cj = clock(j);
        for (uint32_t q2 = 0; q2 < numQ; ++q2)
          k[q2] = std::max(k[q2], cj[q2]);
      }
      k[in.queue] = rank[i];
      std::copy(k, k + numQ, clock(i));
    }
    depBegin[n] = deps.size();

    // Phase 2: signals on every producer, counts in queue order.
    std::vector<uint32_t> count(n, 0); // the producer's count, 0 if none
    for (uint32_t j : deps)
      count[j] = 1;
    SmallVector<int64_t> semOf(numQ, -1);
    int64_t numSems = 0;
    for (uint32_t q = 0; q < numQ; ++q) {
      uint32_t c = 0;
      for (uint32_t j : byQueue[q]) {
        if (!count[j])
          continue;
        if (semOf[q] < 0)
          semOf[q] = numSems++;
        count[j] = ++c;
      }
    }
    Builder b(kernel.getContext());
    StringAttr waitName = b.getStringAttr("wait");
    StringAttr signalName = b.getStringAttr("signal");
    SmallVector<DenseI64ArrayAttr> signalOf(numQ);
    SmallVector<int64_t> w;
    for (size_t i = 0; i < n; ++i) {
      Operation *op = insts[i].op;
      uint32_t q = insts[i].queue;
      if (count[i]) {
        if (!signalOf[q])
          signalOf[q] = b.getDenseI64ArrayAttr({semOf[q]});
        op->setAttr(signalName, signalOf[q]);
      } else {
        op->removeAttr(signalName);
      }
      if (depBegin[i] == depBegin[i + 1]) {
        op->removeAttr(waitName);
        continue;
      }
      w.clear();
      for (size_t d = depBegin[i]; d < depBegin[i + 1]; ++d) {
        uint32_t j = deps[d];
        w.push_back(semOf[insts[j].queue]);
        w.push_back(count[j]);
      }
      op->setAttr(waitName, b.getDenseI64ArrayAttr(w));
    }
    kernel.setSemaphores(numSems);
  }
};
} // namespace
