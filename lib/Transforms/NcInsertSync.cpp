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
    SmallVector<uint32_t> seen(numQ, 0); // instructions emitted per queue
    std::vector<uint32_t> deps;          // producers, grouped by consumer
    std::vector<size_t> depBegin(n + 1, 0);
    SmallVector<std::pair<uint32_t, size_t>> cands; // (queue, inst index)
    for (size_t i = 0; i < n; ++i) {
      const nc::InstAccesses &in = insts[i];
      uint32_t *k = &known[in.queue * numQ];
      cands.clear();
      for (uint32_t q = 0; q < numQ; ++q) {
        if (q == in.queue || seen[q] == 0)
          continue;
        for (uint32_t r = seen[q]; r > k[q]; --r) {
          size_t j = byQueue[q][r - 1];
          if (nc::conflict(insts[j], in)) {
            cands.push_back({q, j});
            break;
          }
        }
      }
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
      ++seen[in.queue];
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
