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

namespace muir {
#define GEN_PASS_DEF_NCINSERTSYNCPASS
#include "muir/Conversion/Passes.h.inc"
} // namespace muir

using namespace mlir;
using namespace muir;

namespace {
struct Inst {
  nc::InstAccesses acc;
  int64_t rank;               // position within its queue, from 1
  SmallVector<int64_t> clock; // per queue: highest rank known done before
};

struct NcInsertSyncPass
    : public muir::impl::NcInsertSyncPassBase<NcInsertSyncPass> {
  void runOnOperation() override {
    nc::KernelOp kernel = getOperation();
    std::vector<nc::InstAccesses> collected;
    if (failed(nc::collectInstructions(kernel, collected)))
      return signalPassFailure();
    // Only the queues the kernel uses take part (clocks are per queue).
    uint32_t numQ = 1;
    for (const nc::InstAccesses &c : collected)
      numQ = std::max(numQ, c.queue + 1);
    std::vector<Inst> insts;
    SmallVector<SmallVector<size_t>> byQueue(numQ);
    for (nc::InstAccesses &c : collected) {
      uint32_t q = c.queue;
      byQueue[q].push_back(insts.size());
      insts.push_back({std::move(c), (int64_t)byQueue[q].size(), {}});
    }

    // Phase 1: dependencies, pruned by what each queue already knows.
    SmallVector<SmallVector<int64_t>> known(numQ,
                                            SmallVector<int64_t>(numQ, 0));
    SmallVector<int64_t> seen(numQ, 0); // instructions emitted per queue
    std::vector<SmallVector<std::pair<uint32_t, int64_t>>> deps(insts.size());
    for (size_t i = 0; i < insts.size(); ++i) {
      Inst &in = insts[i];
      SmallVector<int64_t> &k = known[in.acc.queue];
      SmallVector<std::pair<uint32_t, size_t>> cands; // (queue, inst index)
      for (uint32_t q = 0; q < numQ; ++q) {
        if (q == in.acc.queue || seen[q] == 0)
          continue;
        for (int64_t r = seen[q]; r > k[q]; --r) {
          size_t j = byQueue[q][r - 1];
          if (nc::conflict(insts[j].acc, in.acc)) {
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
        for (uint32_t q2 = 0; q2 < numQ; ++q2)
          k[q2] = std::max(k[q2], insts[j].clock[q2]);
      }
      k[in.acc.queue] = in.rank;
      in.clock.assign(k.begin(), k.end());
      ++seen[in.acc.queue];
    }

    // Phase 2: signals on every producer, counts in queue order.
    llvm::DenseMap<std::pair<uint32_t, int64_t>, int64_t> needed;
    for (auto &d : deps)
      for (auto dep : d)
        needed[dep] = 0;
    SmallVector<int64_t> semOf(numQ, -1);
    int64_t numSems = 0;
    for (uint32_t q = 0; q < numQ; ++q) {
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
      Operation *op = insts[i].acc.op;
      op->removeAttr("wait");
      op->removeAttr("signal");
      auto it = needed.find({insts[i].acc.queue, insts[i].rank});
      if (it != needed.end())
        op->setAttr("signal",
                    b.getDenseI64ArrayAttr({semOf[insts[i].acc.queue]}));
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
