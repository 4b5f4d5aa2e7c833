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

  /// Gives loop `l`'s instructions their signals and waits. Iteration k of
  /// a body instruction needs, per semaphore, some count need(k) and may
  /// wait for any count up to free(k) (what is already known done before
  /// it, so waiting for it costs nothing): a loop keeps one wait per
  /// semaphore, its count a + k * step, so the pass looks for an affine
  /// rule inside those bounds for every iteration. Iterations before the
  /// rule holds (a loop's first iterations wait on the kernels before it)
  /// are peeled off in front of the loop (up to kMaxPeel); a loop may run
  /// u iterations per trip (its waits stepping once per u iterations), the
  /// iterations after its last whole trip written out behind it; of the
  /// forms that fit, the one writing out the fewest instructions is kept,
  /// and with none the loop is written out. Every count is at most what
  /// is known done, so it names an earlier signal: no deadlock, and no
  /// wait longer than the written-out program's.
  LogicalResult placeLoop(
      const nc::LoopSpan &l, ArrayRef<nc::InstAccesses> insts,
      ArrayRef<uint32_t> count, ArrayRef<int64_t> semOf,
      ArrayRef<std::vector<uint32_t>> signalsUpTo, ArrayRef<uint32_t> clocks,
      uint32_t numQ,
      llvm::function_ref<void(size_t, SmallVectorImpl<int64_t> &)> neededWaits,
      llvm::function_ref<void(Operation *, uint32_t, bool)> setSignal,
      llvm::function_ref<void(Operation *, ArrayRef<int64_t>)> setWaits) {
    uint32_t B = l.bodySize, N = l.trips;
    auto at = [&](uint32_t k, uint32_t b) { return l.begin + k * B + b; };
    SmallVector<int64_t> queueOfSem;
    for (uint32_t q = 0; q < numQ; ++q)
      if (semOf[q] >= 0) {
        if (queueOfSem.size() <= size_t(semOf[q]))
          queueOfSem.resize(semOf[q] + 1, -1);
        queueOfSem[semOf[q]] = q;
      }
    // Each instance's needed waits, and each queue's signals per iteration.
    std::vector<SmallVector<int64_t, 4>> need(l.count);
    for (uint32_t i = 0; i < l.count; ++i)
      neededWaits(l.begin + i, need[i]);
    SmallVector<int64_t> perIteration(numQ, 0);
    for (uint32_t b = 0; b < B; ++b)
      if (count[at(0, b)])
        ++perIteration[insts[at(0, b)].queue];
    auto needOf = [&](uint32_t k, uint32_t b, int64_t sem) -> int64_t {
      ArrayRef<int64_t> w = need[k * B + b];
      for (size_t x = 0; x + 1 < w.size(); x += 2)
        if (w[x] == sem)
          return w[x + 1];
      return 0;
    };
    auto freeOf = [&](uint32_t k, uint32_t b, int64_t sem) -> int64_t {
      uint32_t q = queueOfSem[sem];
      return signalsUpTo[q][clocks[size_t(at(k, b)) * numQ + q]];
    };
    struct Rule {
      int64_t sem, first, step;
    };
    // Rules for a loop of M iterations from iteration p, each running u
    // iterations of the body (position j * B + b: body instruction b of
    // iteration p + K * u + j in the loop's iteration K), if every wait of
    // every position has one.
    auto solve = [&](uint32_t p, uint32_t u, uint32_t M,
                     std::vector<SmallVector<Rule, 4>> &rules) -> bool {
      rules.assign(size_t(u) * B, {});
      for (uint32_t j = 0; j < u; ++j)
        for (uint32_t b = 0; b < B; ++b) {
          auto k = [&](uint32_t K) { return p + K * u + j; };
          SmallVector<int64_t, 4> sems;
          for (uint32_t K = 0; K < M; ++K) {
            ArrayRef<int64_t> w = need[size_t(k(K)) * B + b];
            for (size_t x = 0; x < w.size(); x += 2)
              if (!llvm::is_contained(sems, w[x]))
                sems.push_back(w[x]);
          }
          llvm::sort(sems);
          for (int64_t sem : sems) {
            SmallVector<int64_t, 4> candidates;
            int64_t last = needOf(k(M - 1), b, sem),
                    prev = needOf(k(M - 2), b, sem);
            if (last > 0 && prev > 0 && last >= prev)
              candidates.push_back(last - prev);
            candidates.push_back(perIteration[queueOfSem[sem]] * u);
            candidates.push_back(0);
            // The line through the first and last iterations' needs (the
            // first at least 1): two iterations always have one.
            int64_t lo = std::max<int64_t>(1, needOf(k(0), b, sem));
            if (last > lo)
              candidates.push_back((last - lo + (M - 2)) / (M - 1));
            bool found = false;
            for (int64_t step : candidates) {
              int64_t first = 1;
              for (uint32_t K = 0; K < M; ++K)
                first = std::max(first, needOf(k(K), b, sem) - step * K);
              bool fits = true;
              for (uint32_t K = 0; K < M && fits; ++K)
                fits = first + step * K <= freeOf(k(K), b, sem);
              if (fits) {
                rules[size_t(j) * B + b].push_back({sem, first, step});
                found = true;
                break;
              }
            }
            if (!found)
              return false;
          }
        }
      return true;
    };
    // The form that writes out the fewest instructions: for each number u
    // of iterations per loop iteration (1, 2, 4, 8, 16: a wait on a queue
    // that one iteration in u signals steps once per u iterations), the
    // fewest iterations peeled in front; the iterations after the last
    // whole loop iteration and the u copies of the body count too.
    std::vector<SmallVector<Rule, 4>> rules, tried;
    uint32_t peel = N, unroll = 1, trips = 0;
    uint64_t best = N; // iterations written out when nothing fits
    for (uint32_t u : {1u, 2u, 4u, 8u, 16u})
      for (uint32_t p = 0; p <= kMaxPeel && p < N; ++p) {
        uint32_t M = (N - p) / u;
        uint64_t cost = p + (N - p) % u + u;
        if (M < 2 || cost >= best)
          break;
        if (solve(p, u, M, tried)) {
          peel = p, unroll = u, trips = M, best = cost;
          rules.swap(tried);
          break;
        }
      }

    nc::LoopOp loop = l.op;
    SmallVector<Operation *> body;
    for (Operation &op : loop.getBody().front())
      body.push_back(&op);
    SmallVector<SmallVector<target::AccessStep, 0>> steps;
    for (uint32_t b = 0; b < B; ++b)
      steps.push_back(nc::bodySteps(loop, b, insts[at(0, b)].opcode));
    SmallVector<int64_t> w;
    // Iteration k of body instruction b written out (before `builder`'s
    // insertion point), with exact waits.
    auto writeOut = [&](OpBuilder &builder, uint32_t k, uint32_t b) {
      const nc::InstAccesses &in = insts[at(k, b)];
      Operation *c = builder.clone(*body[b]);
      nc::stepTiles(c, in.opcode, steps[b], k);
      setSignal(c, in.queue, count[at(k, b)] != 0);
      neededWaits(at(k, b), w);
      setWaits(c, w);
    };
    // Peeled iterations in front of the loop; with no rule, all of them.
    OpBuilder front(loop);
    for (uint32_t k = 0; k < peel; ++k)
      for (uint32_t b = 0; b < B; ++b)
        writeOut(front, k, b);
    if (!trips) {
      loop.erase();
      return success();
    }
    // Iterations after the last whole loop iteration, behind the loop.
    OpBuilder behind(loop->getBlock(), std::next(loop->getIterator()));
    for (uint32_t k = peel + trips * unroll; k < N; ++k)
      for (uint32_t b = 0; b < B; ++b)
        writeOut(behind, k, b);
    // The loop: `unroll` copies of the body, from iteration `peel`.
    Block &lb = loop.getBody().front();
    SmallVector<Operation *> ops(body.begin(), body.end());
    for (uint32_t j = 1; j < unroll; ++j)
      for (uint32_t b = 0; b < B; ++b) {
        Operation *c = body[b]->clone();
        lb.push_back(c);
        ops.push_back(c);
      }
    SmallVector<int64_t> table, waitSteps;
    for (uint32_t j = 0; j < unroll; ++j)
      for (uint32_t b = 0; b < B; ++b) {
        size_t pos = size_t(j) * B + b;
        const nc::InstAccesses &in = insts[at(peel + j, b)];
        nc::stepTiles(ops[pos], in.opcode, steps[b], peel + j);
        for (auto [r, st] : llvm::enumerate(steps[b]))
          if (!st.isZero())
            table.append({int64_t(pos), int64_t(r), st.partition * unroll,
                          st.offset * unroll});
        setSignal(ops[pos], in.queue, count[at(peel + j, b)] != 0);
        w.clear();
        for (auto [x, r] : llvm::enumerate(rules[pos])) {
          w.append({r.sem, r.first});
          if (r.step)
            waitSteps.append({int64_t(pos), int64_t(x), r.step});
        }
        setWaits(ops[pos], w);
      }
    Builder b(loop.getContext());
    loop.setTrips(trips);
    loop.setStepsAttr(b.getDenseI64ArrayAttr(table));
    loop.setWaitStepsAttr(b.getDenseI64ArrayAttr(waitSteps));
    return success();
  }

  /// Iterations peeled off a loop at most before it is written out whole.
  static constexpr uint32_t kMaxPeel = 8;

  void runOnOperation() override {
    nc::KernelOp kernel = getOperation();
    // Loops are analysed iteration by iteration (their bodies' tiles
    // stepped), then kept as loops where the semaphores allow (below).
    std::vector<nc::InstAccesses> insts;
    std::vector<nc::LoopSpan> loops;
    if (failed(nc::collectInstructions(kernel, insts, nc::LoopMode::Expand,
                                       &loops)))
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

    // Phase 2: signals on every producer, counts in queue order. A loop
    // body's instruction signals in every iteration if it is a producer in
    // any (its signal is one attribute for all of them).
    std::vector<uint32_t> count(n, 0); // the producer's count, 0 if none
    for (uint32_t j : deps)
      count[j] = 1;
    for (const nc::LoopSpan &l : loops)
      for (uint32_t b = 0; b < l.bodySize; ++b) {
        bool any = false;
        for (uint32_t k = 0; k < l.trips && !any; ++k)
          any = count[l.begin + k * l.bodySize + b] != 0;
        if (any)
          for (uint32_t k = 0; k < l.trips; ++k)
            count[l.begin + k * l.bodySize + b] = 1;
      }
    SmallVector<int64_t> semOf(numQ, -1);
    int64_t numSems = 0;
    // signalsUpTo[q][r]: signals among the first r instructions of queue q.
    SmallVector<std::vector<uint32_t>> signalsUpTo(numQ);
    for (uint32_t q = 0; q < numQ; ++q) {
      uint32_t c = 0;
      signalsUpTo[q].reserve(byQueue[q].size() + 1);
      signalsUpTo[q].push_back(0);
      for (uint32_t j : byQueue[q]) {
        if (count[j]) {
          if (semOf[q] < 0)
            semOf[q] = numSems++;
          count[j] = ++c;
        }
        signalsUpTo[q].push_back(c);
      }
    }
    // The waits an instruction needs: (semaphore, count) by semaphore.
    auto neededWaits = [&](size_t i, SmallVectorImpl<int64_t> &w) {
      w.clear();
      SmallVector<std::pair<int64_t, int64_t>, 4> pairs;
      for (size_t d = depBegin[i]; d < depBegin[i + 1]; ++d) {
        uint32_t j = deps[d];
        pairs.push_back({semOf[insts[j].queue], count[j]});
      }
      llvm::sort(pairs);
      for (auto [sem, c] : pairs)
        w.append({sem, c});
    };
    Builder b(kernel.getContext());
    StringAttr waitName = b.getStringAttr("wait");
    StringAttr signalName = b.getStringAttr("signal");
    SmallVector<DenseI64ArrayAttr> signalOf(numQ);
    auto setSignal = [&](Operation *op, uint32_t q, bool signals) {
      if (signals) {
        if (!signalOf[q])
          signalOf[q] = b.getDenseI64ArrayAttr({semOf[q]});
        op->setAttr(signalName, signalOf[q]);
      } else {
        op->removeAttr(signalName);
      }
    };
    auto setWaits = [&](Operation *op, ArrayRef<int64_t> w) {
      if (w.empty())
        op->removeAttr(waitName);
      else
        op->setAttr(waitName, b.getDenseI64ArrayAttr(w));
    };
    SmallVector<int64_t> w;
    for (size_t i = 0; i < n; ++i) {
      if (insts[i].loop != nc::kNoLoop)
        continue;
      Operation *op = insts[i].op;
      setSignal(op, insts[i].queue, count[i] != 0);
      neededWaits(i, w);
      setWaits(op, w);
    }
    for (const nc::LoopSpan &l : loops)
      if (failed(placeLoop(l, insts, count, semOf, signalsUpTo, clocks, numQ,
                           neededWaits, setSignal, setWaits)))
        return signalPassFailure();
    kernel.setSemaphores(numSems);
  }
};
} // namespace
