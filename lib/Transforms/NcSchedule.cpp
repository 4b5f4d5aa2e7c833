//===- NcSchedule.cpp - list scheduling of nc instructions across engines -===//
//
// Kernels are emitted one op after another, each in a readable order; the
// engines run their queues in order, so that order decides how much their
// work overlaps. This pass reorders the instructions of a kernel (keeping
// every compute instruction on its queue; plain transfers go to whichever
// DMA queue frees first) by list scheduling against the timing model of
// the machine description:
//
//  1. Dependencies: every pair of instructions whose accesses conflict (RAW,
//     WAR, WAW, on any queue) keeps its order. Accesses are indexed by
//     memory bucket, and a write that covers an earlier access retires it
//     (later conflicts reach it through the write), so this is near-linear.
//  2. Priorities: each instruction's critical path to the end of the kernel
//     (its estimated duration plus the longest path through its successors).
//  3. Simulation: engines become free in time order; the free engine with
//     the earliest possible start takes, among its instructions whose inputs
//     are ready by then, the one with the longest critical path (PSUM banks
//     and the Vector/GpSimd bus shared as the simulator shares them).
//  4. DMA queues: the plain transfers are one list that the DMA queue
//     freeing first takes from.
//
// The emitted order is a topological order of the dependencies, so results
// are unchanged; `muir-nc-insert-sync` then derives the semaphores from it.
//
//===----------------------------------------------------------------------===//
#include "Accesses.h"
#include "muir/Conversion/Passes.h"
#include "muir/Dialect/Nc/NcUtils.h"
#include "muir/Target/Collective.h"
#include "muir/Target/Cost.h"
#include "muir/Target/Machine.h"
#include "muir/Target/NcProgram.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include <algorithm>
#include <numeric>
#include <queue>

namespace muir {
#define GEN_PASS_DEF_NCSCHEDULEPASS
#include "muir/Conversion/Passes.h.inc"
} // namespace muir

using namespace mlir;
using namespace muir;
using target::Opcode;

namespace {

//===--- dependencies ---===//

struct Record {
  uint32_t inst;
  nc::Access acc;
  bool dead = false;
  /// The last lookup that tested this record: a tile spanning several
  /// buckets meets a record listed in each of them once.
  uint64_t lastQuery = 0;
};

/// Live accesses of one memory (SBUF, PSUM, or one HBM tensor), bucketed by
/// byte (on-chip) or element (HBM) address. Reads and writes are listed
/// apart: a read conflicts only with writes, so reads of data nothing
/// overwrites (weights, rope tables, constants) never cost a later read
/// anything, however many pile up.
class AccessIndex {
public:
  explicit AccessIndex(int64_t bucketSize) : bucketSize(bucketSize) {}

  /// Calls `dep(inst)` for every live record conflicting with `a`.
  template <typename Fn> void conflicts(const nc::Access &a, Fn dep) {
    ++query;
    auto [b0, b1] = range(a);
    for (int64_t bk = b0; bk <= b1; ++bk) {
      auto it = buckets.find(bk);
      if (it == buckets.end())
        continue;
      scan(it->second.writes, a, dep);
      if (a.write)
        scan(it->second.reads, a, dep);
    }
  }

  /// Adds `a`; a write retires every live record it covers and trims the
  /// ones it covers a leading or trailing part of (see `retire`): later
  /// accesses to the trimmed part conflict with the write, which is ordered
  /// after the record, so only dependencies implied through the write are
  /// dropped, and those change neither ready times nor critical paths.
  /// Without the trimming, records that no single write covers pile up and
  /// every lookup rescans them (quadratic in the kernel's length).
  void add(uint32_t inst, const nc::Access &a) {
    auto [b0, b1] = range(a);
    if (a.write) {
      for (int64_t bk = b0; bk <= b1; ++bk) {
        auto it = buckets.find(bk);
        if (it == buckets.end())
          continue;
        retire(it->second.reads, a, bk);
        retire(it->second.writes, a, bk);
      }
    }
    uint32_t id = records.size();
    records.push_back({inst, a});
    for (int64_t bk = b0; bk <= b1; ++bk) {
      Bucket &bucket = buckets[bk];
      (a.write ? bucket.writes : bucket.reads).push_back(id);
    }
  }

private:
  using List = SmallVector<uint32_t, 8>;
  struct Bucket {
    List reads, writes;
  };

  /// Reports the live records of `list` that overlap `a` and drops, in the
  /// same pass, the ones retired through another bucket.
  template <typename Fn> void scan(List &list, const nc::Access &a, Fn &dep) {
    size_t out = 0;
    for (uint32_t r : list) {
      Record &rec = records[r];
      if (rec.dead)
        continue;
      list[out++] = r;
      if (rec.lastQuery == query)
        continue;
      rec.lastQuery = query;
      if (nc::overlaps(rec.acc, a))
        dep(rec.inst);
    }
    list.truncate(out);
  }

  /// Retires or trims, in the list of bucket `bk`, the records a write
  /// `a` covers. On chip a record is trimmed to what the write leaves of
  /// it: its partitions when the write covers all its bytes for a leading
  /// or trailing part of them, its bytes when the write covers all its
  /// partitions for a leading or trailing part of its bytes. A record
  /// trimmed out of the bucket's bytes leaves the bucket.
  void retire(List &list, const nc::Access &a, int64_t bk) {
    bool onChip = !a.ap.isHbm();
    llvm::erase_if(list, [&](uint32_t r) {
      Record &rec = records[r];
      if (rec.dead)
        return true;
      nc::Access &ra = rec.acc;
      if (!onChip) {
        // A loop's union of tiles covers nothing it does not write.
        rec.dead = !a.hull && !ra.hull && nc::covers(a.ap, ra.ap);
        return rec.dead;
      }
      if (ra.space != a.space || !(a.p0 < ra.p1 && ra.p0 < a.p1) ||
          !(a.lo < ra.hi && ra.lo < a.hi))
        return false;
      bool allBytes = a.lo <= ra.lo && ra.hi <= a.hi;
      bool allParts = a.p0 <= ra.p0 && ra.p1 <= a.p1;
      if (allBytes && allParts)
        rec.dead = true;
      else if (allBytes && a.p0 <= ra.p0)
        ra.p0 = a.p1;
      else if (allBytes && ra.p1 <= a.p1)
        ra.p1 = a.p0;
      else if (allParts && a.lo <= ra.lo)
        ra.lo = a.hi;
      else if (allParts && ra.hi <= a.hi)
        ra.hi = a.lo;
      return rec.dead || ra.hi <= bk * bucketSize ||
             ra.lo >= (bk + 1) * bucketSize;
    });
  }

  /// The buckets an access touches (its bounds: a loop's union of tiles
  /// for a loop's instruction).
  std::pair<int64_t, int64_t> range(const nc::Access &a) const {
    return {a.lo / bucketSize, std::max(a.lo, a.hi - 1) / bucketSize};
  }

  uint64_t query = 0;
  int64_t bucketSize;
  std::vector<Record> records;
  llvm::DenseMap<int64_t, Bucket> buckets;
};

/// An AccessIndex per memory: SBUF and PSUM by 2 KiB, each HBM tensor by
/// 64 Ki elements.
struct MemoryIndex {
  AccessIndex sbuf{2048}, psum{2048};
  llvm::StringMap<AccessIndex> hbm;
  AccessIndex &of(const nc::Access &a) {
    if (a.space == nc::MemSpace::sbuf)
      return sbuf;
    if (a.space == nc::MemSpace::psum)
      return psum;
    return hbm.try_emplace(a.tensor, 1 << 16).first->second;
  }
};

//===--- costs (the simulator's formulas, from the machine description) ---===//

struct Node {
  double dur = 0;     // estimated busy time on its queue
  double latency = 0; // extra time before consumers see its result
  double priority = 0;
  double readyAt = 0;
  uint32_t pending = 0;
  SmallVector<uint32_t, 4> succs;
};

struct NcSchedulePass : public muir::impl::NcSchedulePassBase<NcSchedulePass> {
  using Base::Base;

  struct Unit {
    uint32_t first, count;
    int32_t loop;   // index into `loops`, or -1
    uint32_t queue; // the queue it is scheduled on (a loop's first's)
  };

  /// List-schedules `units` (instructions `insts[first, first + count)`
  /// each; `unitOf` maps those instructions to their unit): the units'
  /// new order, or failure on a dependency cycle.
  FailureOr<std::vector<uint32_t>>
  schedule(ArrayRef<Unit> units, ArrayRef<uint32_t> unitOf,
           ArrayRef<nc::InstAccesses> insts, ArrayRef<nc::LoopSpan> loops,
           ArrayRef<target::InstrCost> costs, const target::Machine &m,
           double *makespan = nullptr,
           std::vector<uint32_t> *dmaQueueOf = nullptr) {
    uint32_t numUnits = units.size();
    // 1. Dependencies.
    std::vector<Node> nodes(numUnits);
    MemoryIndex mem;
    auto indexOf = [&](const nc::Access &a) -> AccessIndex & {
      return mem.of(a);
    };
    std::vector<uint32_t> stamp(numUnits, UINT32_MAX);
    auto addDep = [&](uint32_t from, uint32_t to) {
      if (from != to && stamp[from] != to) {
        stamp[from] = to;
        nodes[from].succs.push_back(to);
        ++nodes[to].pending;
      }
    };
    // Point-to-point transfers pair up in order (a rank's k-th recv on a
    // pair takes its source's k-th send), and every rank runs this one
    // schedule: sends keep their program order among themselves, and so do
    // recvs, or a recv would take another step's data.
    uint32_t lastSend = UINT32_MAX, lastRecv = UINT32_MAX;
    for (const Unit &un : units)
      for (uint32_t i = un.first; i < un.first + un.count; ++i) {
        uint32_t u = unitOf[i];
        uint32_t *chain = insts[i].opcode == target::Opcode::Send   ? &lastSend
                          : insts[i].opcode == target::Opcode::Recv ? &lastRecv
                                                                    : nullptr;
        if (chain) {
          if (*chain != UINT32_MAX)
            addDep(*chain, u);
          *chain = u;
        }
        for (const nc::Access &a : insts[i].accesses)
          indexOf(a).conflicts(a, [&](uint32_t j) { addDep(unitOf[j], u); });
        // Reads first, then writes: a write covering this instruction's own
        // read retires that record, and later conflicts reach the instruction
        // through its write record instead.
        for (const nc::Access &a : insts[i].accesses)
          if (!a.write)
            indexOf(a).add(i, a);
        for (const nc::Access &a : insts[i].accesses)
          if (a.write)
            indexOf(a).add(i, a);
      }

    // 2. Durations and critical-path priorities (reverse program order is
    // a reverse topological order). A loop's time on each of its queues is
    // its trips times its body's work there; its duration the longest.
    uint32_t numQ = 1; // only the queues the units use
    for (const Unit &un : units)
      for (uint32_t i = un.first; i < un.first + un.count; ++i)
        numQ = std::max(numQ, insts[i].queue + 1);
    // With `dmaQueueOf`, the DMA queues are one pool: a transfer goes to
    // whichever queue frees first (they are interchangeable; the emitted
    // queue is only a round-robin guess), and `dmaQueueOf` returns each
    // unit's queue. Loops, the indirect and collective transfers, and a
    // write whose HBM rows interleave (ordered on its queue for the hazard
    // checker, see Emitter::dma) keep theirs.
    uint32_t firstDma = target::dmaQueue(0),
             numDma = uint32_t(std::max<int64_t>(0, m.dma.queues));
    std::vector<bool> pooled(numUnits, false);
    if (dmaQueueOf) {
      dmaQueueOf->assign(numUnits, UINT32_MAX);
      for (uint32_t u = 0; u < numUnits && numDma > 0; ++u) {
        const Unit &un = units[u];
        if (un.loop >= 0 || un.count != 1 ||
            insts[un.first].opcode != target::Opcode::Dma)
          continue;
        auto dma = llvm::dyn_cast<nc::DmaOp>(insts[un.first].op);
        if (!dma || nc::hbmRowsInterleave(dma.getDst()))
          continue;
        pooled[u] = true;
        numQ = std::max(numQ, firstDma + numDma);
      }
    }
    std::vector<SmallVector<std::pair<uint32_t, double>, 4>> parts(numUnits);
    std::vector<uint64_t> unitHbm(numUnits, 0);
    for (uint32_t u = 0; u < numUnits; ++u) {
      const Unit &un = units[u];
      if (un.loop < 0) {
        nodes[u].dur =
            costs[un.first].busyNs + costs[un.first].loadStationaryNs;
        nodes[u].latency = costs[un.first].visibleDelayNs;
        unitHbm[u] = costs[un.first].dma.hbmBytes;
        continue;
      }
      double trips = loops[un.loop].trips;
      SmallVector<double> perQ(numQ, 0);
      for (uint32_t i = un.first; i < un.first + un.count; ++i) {
        perQ[insts[i].queue] +=
            trips * (costs[i].busyNs + costs[i].loadStationaryNs);
        nodes[u].latency = std::max(nodes[u].latency, costs[i].visibleDelayNs);
        unitHbm[u] += uint64_t(trips) * costs[i].dma.hbmBytes;
      }
      for (uint32_t q = 0; q < numQ; ++q)
        if (perQ[q] > 0 || q == un.queue) {
          parts[u].push_back({q, perQ[q]});
          nodes[u].dur = std::max(nodes[u].dur, perQ[q]);
        }
    }
    for (uint32_t u = numUnits; u-- > 0;) {
      double tail = 0;
      for (uint32_t s : nodes[u].succs)
        tail = std::max(tail, nodes[s].priority);
      nodes[u].priority = nodes[u].dur + nodes[u].latency + tail;
    }

    // 3. Simulation. Per queue: units whose predecessors are all placed,
    // waiting (by ready time) or available (by priority).
    struct ByReady {
      const std::vector<Node> *nodes;
      bool operator()(uint32_t a, uint32_t b) const {
        const Node &x = (*nodes)[a], &y = (*nodes)[b];
        if (x.readyAt != y.readyAt)
          return x.readyAt > y.readyAt;
        return a > b;
      }
    };
    struct ByPriority {
      const std::vector<Node> *nodes;
      bool operator()(uint32_t a, uint32_t b) const {
        const Node &x = (*nodes)[a], &y = (*nodes)[b];
        if (x.priority != y.priority)
          return x.priority < y.priority;
        return a > b;
      }
    };
    using WaitQ = std::priority_queue<uint32_t, std::vector<uint32_t>, ByReady>;
    using AvailQ =
        std::priority_queue<uint32_t, std::vector<uint32_t>, ByPriority>;
    // One list per queue, and the DMA pool's last (index numQ).
    const uint32_t pool = numQ;
    auto listOf = [&](uint32_t u) { return pooled[u] ? pool : units[u].queue; };
    std::vector<WaitQ> waiting(numQ + 1, WaitQ(ByReady{&nodes}));
    std::vector<AvailQ> avail(numQ + 1, AvailQ(ByPriority{&nodes}));
    std::vector<double> freeAt(numQ, 0);
    double hbmFreeAt = 0;
    nc::AccessAttr lastStationary;
    // What the simulator shares between compute engines (Sim/Simulator.cpp):
    // a PSUM bank that one of the Vector and Scalar engines is accessing
    // holds the other back, and Vector performance-mode instructions and
    // GpSimd take turns on one bus. Without them here, the schedule counts
    // on overlap the machine does not give.
    int64_t bankBytes = m.psum.bankBytes(), numBanks = m.psum.banks;
    std::vector<std::pair<double, uint32_t>> bankBusy(
        std::max<int64_t>(numBanks, 0), {0.0, UINT32_MAX});
    double perfBusFreeAt = 0, gpsimdBusFreeAt = 0;
    auto psumBanks = [&](uint32_t i) {
      SmallVector<int64_t, 4> banks;
      target::Engine eng = target::engineOfQueue(insts[i].queue);
      if (eng != target::Engine::Vector && eng != target::Engine::Scalar)
        return banks;
      for (const nc::Access &a : insts[i].accesses) {
        if (a.space != nc::MemSpace::psum || a.hi <= a.lo || bankBytes <= 0)
          continue;
        if (!m.psum.parallelBankAccess) {
          for (int64_t b = 0; b < numBanks; ++b)
            banks.push_back(b);
          break;
        }
        for (int64_t b = a.lo / bankBytes;
             b <= (a.hi - 1) / bankBytes && b < numBanks; ++b)
          banks.push_back(b);
      }
      return banks;
    };
    // When unit `u` (on queue q) could start, from `t` on, as far as the
    // shared resources go.
    auto sharedDelay = [&](uint32_t u, uint32_t q, double t) {
      if (units[u].loop >= 0)
        return t;
      uint32_t i = units[u].first;
      for (int64_t b : psumBanks(i))
        if (bankBusy[b].second != q)
          t = std::max(t, bankBusy[b].first);
      if (m.vector.perfModeSharesGpSimdBus) {
        target::Engine eng = target::engineOfQueue(q);
        if (eng == target::Engine::GpSimd)
          t = std::max(t, perfBusFreeAt);
        else if (eng == target::Engine::Vector && costs[i].perfMode)
          t = std::max(t, gpsimdBusFreeAt);
      }
      return t;
    };
    for (uint32_t u = 0; u < numUnits; ++u)
      if (nodes[u].pending == 0)
        waiting[listOf(u)].push(u);

    std::vector<uint32_t> order;
    order.reserve(numUnits);
    while (order.size() < numUnits) {
      // The queue that can start something soonest.
      uint32_t bestQ = UINT32_MAX;
      double bestT = 0;
      for (uint32_t q = 0; q < numQ; ++q) {
        while (!waiting[q].empty() &&
               nodes[waiting[q].top()].readyAt <= freeAt[q]) {
          avail[q].push(waiting[q].top());
          waiting[q].pop();
        }
        double t;
        if (!avail[q].empty())
          t = freeAt[q];
        else if (!waiting[q].empty())
          t = nodes[waiting[q].top()].readyAt;
        else
          continue;
        if (bestQ == UINT32_MAX || t < bestT)
          bestQ = q, bestT = t;
      }
      // The pool's transfers, on the DMA queue that frees first.
      bool fromPool = false;
      if (!waiting[pool].empty() || !avail[pool].empty()) {
        uint32_t qd = firstDma;
        for (uint32_t q = firstDma + 1; q < firstDma + numDma; ++q)
          if (freeAt[q] < freeAt[qd])
            qd = q;
        while (!waiting[pool].empty() &&
               nodes[waiting[pool].top()].readyAt <= freeAt[qd]) {
          avail[pool].push(waiting[pool].top());
          waiting[pool].pop();
        }
        double t =
            !avail[pool].empty()
                ? freeAt[qd]
                : std::max(freeAt[qd], nodes[waiting[pool].top()].readyAt);
        if (bestQ == UINT32_MAX || t < bestT)
          bestQ = qd, bestT = t, fromPool = true;
      }
      if (bestQ == UINT32_MAX)
        return failure();
      uint32_t q = bestQ, list = fromPool ? pool : q;
      while (!waiting[list].empty() &&
             nodes[waiting[list].top()].readyAt <= bestT) {
        avail[list].push(waiting[list].top());
        waiting[list].pop();
      }
      // The highest priority, unless a shared resource holds it back: then
      // the first of the next few that starts sooner (an engine stalled on
      // a PSUM bank or the bus while it has other ready work is lost time).
      uint32_t u = avail[list].top();
      avail[list].pop();
      if (fromPool)
        (*dmaQueueOf)[u] = q;
      else if (double held = sharedDelay(u, q, bestT); held > bestT) {
        SmallVector<uint32_t, 8> skipped;
        double bestStart = held;
        uint32_t pick = u;
        while (!avail[q].empty() && skipped.size() < 7) {
          uint32_t c = avail[q].top();
          avail[q].pop();
          skipped.push_back(c);
          double t = sharedDelay(c, q, bestT);
          if (t < bestStart) {
            bestStart = t;
            pick = c;
            if (t <= bestT)
              break;
          }
        }
        if (pick != u) {
          skipped.push_back(u);
          llvm::erase(skipped, pick);
          u = pick;
        }
        for (uint32_t c : skipped)
          avail[q].push(c);
      }
      Node &nd = nodes[u];
      double start = std::max(freeAt[q], nd.readyAt);
      double end;
      if (units[u].loop >= 0) {
        // Each queue of the loop takes its part when it is free.
        end = start;
        for (auto [pq, busy] : parts[u]) {
          freeAt[pq] = std::max(freeAt[pq], nd.readyAt) + busy;
          end = std::max(end, freeAt[pq]);
        }
        lastStationary = nullptr;
      } else {
        uint32_t i = units[u].first;
        double dur = nd.dur;
        nc::AccessAttr st;
        if (auto mm = llvm::dyn_cast<nc::MatmulOp>(insts[i].op))
          st = mm.getStationary();
        else if (auto tr = llvm::dyn_cast<nc::TransposeOp>(insts[i].op))
          st = tr.getSrc();
        if (st) {
          dur = costs[i].busyNs +
                (lastStationary == st ? 0 : costs[i].loadStationaryNs);
          lastStationary = st;
        }
        start = sharedDelay(u, q, start);
        SmallVector<int64_t, 4> banks = psumBanks(i);
        target::Engine eng = target::engineOfQueue(q);
        bool perf = eng == target::Engine::Vector && costs[i].perfMode;
        end = start + dur;
        for (int64_t b : banks)
          bankBusy[b] = {std::max(bankBusy[b].first, end), q};
        if (eng == target::Engine::GpSimd)
          gpsimdBusFreeAt = end;
        else if (perf)
          perfBusFreeAt = end;
      }
      if (uint64_t hb = unitHbm[u]) {
        hbmFreeAt = std::max(hbmFreeAt, start) + target::hbmChannelNs(m, hb);
        end = std::max(end, hbmFreeAt);
      }
      if (units[u].loop < 0)
        freeAt[q] = end;
      if (makespan)
        *makespan = std::max(*makespan, end);
      order.push_back(u);
      for (uint32_t s : nd.succs) {
        // A consumer on another queue waits on a semaphore.
        // (A pooled transfer's queue is not known yet: counted as another.)
        double sync = units[s].queue == q && !pooled[s]
                          ? 0
                          : target::semaphoreLatencyNs(m, units[s].queue);
        nodes[s].readyAt = std::max(nodes[s].readyAt, end + nd.latency + sync);
        if (--nodes[s].pending == 0)
          waiting[listOf(s)].push(s);
      }
    }

    return order;
  }

  /// Puts `loop`'s body ops in the order `order` (positions in the current
  /// body) and renumbers its step tables to match.
  static void reorderBody(nc::LoopOp loop, ArrayRef<Operation *> ops,
                          ArrayRef<uint32_t> order) {
    Block &lb = loop.getBody().front();
    for (uint32_t j : order)
      ops[j]->moveBefore(&lb, lb.end());
    std::vector<int64_t> position(ops.size());
    for (auto [at, j] : llvm::enumerate(order))
      position[j] = at;
    auto renumber = [&](ArrayRef<int64_t> table, size_t width) {
      SmallVector<SmallVector<int64_t, 4>> entries;
      for (size_t at = 0; at + width <= table.size(); at += width) {
        entries.emplace_back(table.begin() + at, table.begin() + at + width);
        entries.back()[0] = position[entries.back()[0]];
      }
      llvm::sort(entries);
      SmallVector<int64_t> out;
      for (auto &e : entries)
        out.append(e.begin(), e.end());
      return out;
    };
    Builder b(loop.getContext());
    loop.setStepsAttr(b.getDenseI64ArrayAttr(renumber(loop.getSteps(), 4)));
    loop.setWaitStepsAttr(
        b.getDenseI64ArrayAttr(renumber(loop.getWaitSteps(), 3)));
  }

  /// List-schedules loop `l`'s body as one iteration (any order of a body
  /// keeps every dependency between iterations, iteration k staying before
  /// k + 1; those within one are kept over the union of the iterations'
  /// tiles), then tries to pipeline it.
  LogicalResult scheduleBody(const nc::LoopSpan &l, uint32_t li,
                             std::vector<uint32_t> &unitOf,
                             ArrayRef<nc::InstAccesses> insts,
                             ArrayRef<nc::LoopSpan> loops,
                             ArrayRef<target::InstrCost> costs,
                             const target::Machine &m) {
    nc::LoopOp loop = l.op;
    std::vector<Unit> bodyUnits;
    SmallVector<Operation *> ops;
    for (uint32_t i = l.begin; i < l.begin + l.count; ++i) {
      unitOf[i] = bodyUnits.size();
      bodyUnits.push_back({i, 1, -1, insts[i].queue});
      ops.push_back(insts[i].op);
    }
    if (!estimates) {
      FailureOr<std::vector<uint32_t>> order =
          schedule(bodyUnits, unitOf, insts, loops, costs, m);
      if (failed(order))
        return loop.emitError()
               << "instruction scheduling found a dependency cycle";
      reorderBody(loop, ops, *order);
      return success();
    }
    double span = 0;
    FailureOr<std::vector<uint32_t>> order =
        bestBodyOrder(l, li, unitOf, insts, loops, costs, m, span);
    if (failed(order))
      return failure();
    reorderBody(loop, ops, *order);
    const nc::LoopSpan &el = expandedLoops[li];
    uint32_t B = ops.size();
    auto instance = [&](uint32_t j, uint32_t k) {
      return el.begin + k * B + j;
    };
    // Body units and ops in the scheduled order.
    std::vector<Unit> sorted;
    SmallVector<Operation *> sortedOps;
    for (uint32_t u : *order) {
      sorted.push_back(bodyUnits[u]);
      sortedOps.push_back(ops[u]);
    }
    return pipelineLoop(loop, sorted, sortedOps, *order, span, unitOf, insts,
                        loops, costs, m, instance);
  }

  /// Software pipelining by one stage. A prefix of the scheduled body
  /// (closed under dependencies, as any prefix of a topological order is)
  /// moves one iteration ahead: the loop becomes the prefix of iteration 0,
  /// then N - 1 iterations each running the rest of iteration k and the
  /// prefix of iteration k + 1 list-scheduled together, then the rest of
  /// iteration N - 1. Every instance keeps its order against everything it
  /// conflicts with (the rest of k precedes the prefix of k + 1 in program
  /// order, and the scheduler keeps their conflicts, over the tiles'
  /// unions), so values are unchanged; what changes is that each queue can
  /// start the next iteration's early work (its loads, its first products)
  /// while the current one's tail runs. Tried at a quarter, half and three
  /// quarters of the body; kept when the scheduler's estimate of one
  /// iteration's time falls by at least `kPipelineGain`.
  LogicalResult
  pipelineLoop(nc::LoopOp loop, ArrayRef<Unit> sorted,
               ArrayRef<Operation *> sortedOps, ArrayRef<uint32_t> emittedPos,
               double span, std::vector<uint32_t> &unitOf,
               ArrayRef<nc::InstAccesses> insts, ArrayRef<nc::LoopSpan> loops,
               ArrayRef<target::InstrCost> costs, const target::Machine &m,
               llvm::function_ref<uint32_t(uint32_t, uint32_t)> instance) {
    uint32_t B = sorted.size();
    int64_t N = loop.getTrips();
    if (N < 4 || B < 2)
      return success();
    uint32_t iters = uint32_t(std::min<int64_t>(5, N - 1));
    uint32_t bestSplit = 0;
    double bestSpan = span * (1 - kPipelineGain);
    std::vector<uint32_t> bestOrder;
    for (uint32_t split : {B / 4, B / 2, (3 * B) / 4}) {
      if (split == 0 || split >= B)
        continue;
      // The rest of iteration k, then the prefix of iteration k + 1.
      std::vector<Unit> units(sorted.begin() + split, sorted.end());
      units.insert(units.end(), sorted.begin(), sorted.begin() + split);
      for (auto [u, un] : llvm::enumerate(units))
        unitOf[un.first] = u;
      FailureOr<std::vector<uint32_t>> order =
          schedule(units, unitOf, insts, loops, costs, m);
      if (failed(order))
        return loop.emitError()
               << "instruction scheduling found a dependency cycle";
      // Iteration t of the new loop: the rest of t, the prefix of t + 1.
      std::vector<uint32_t> seq;
      for (uint32_t t = 0; t < iters; ++t)
        for (uint32_t u : *order)
          seq.push_back(u < B - split
                            ? instance(emittedPos[split + u], t)
                            : instance(emittedPos[u - (B - split)], t + 1));
      double s = steadyTime(seq, B, costs, m);
      if (s < bestSpan) {
        bestSpan = s;
        bestSplit = split;
        bestOrder = std::move(*order);
      }
    }
    if (!bestSplit)
      return success();
    // Each op's steps, by its current position.
    SmallVector<SmallVector<target::AccessStep, 0>> steps;
    for (auto [j, op] : llvm::enumerate(sortedOps))
      steps.push_back(nc::bodySteps(loop, j, insts[sorted[j].first].opcode));
    OpBuilder before(loop);
    for (uint32_t j = 0; j < bestSplit; ++j)
      before.clone(*sortedOps[j]);
    OpBuilder after(loop->getBlock(), std::next(loop->getIterator()));
    for (uint32_t j = bestSplit; j < B; ++j) {
      Operation *c = after.clone(*sortedOps[j]);
      nc::stepTiles(c, insts[sorted[j].first].opcode, steps[j], N - 1);
    }
    for (uint32_t j = 0; j < bestSplit; ++j)
      nc::stepTiles(sortedOps[j], insts[sorted[j].first].opcode, steps[j], 1);
    // bestOrder lists units of [rest, prefix]: map back to body positions.
    std::vector<uint32_t> order;
    for (uint32_t u : bestOrder)
      order.push_back(u < B - bestSplit ? bestSplit + u : u - (B - bestSplit));
    reorderBody(loop, sortedOps, order);
    loop.setTrips(N - 1);
    return success();
  }

  /// The least fall in one iteration's estimated time that a pipelined
  /// body must give.
  static constexpr double kPipelineGain = 0.02;

  /// Whether the loop estimates run (pipeline= and a kernel whose loops
  /// can be unrolled for them).
  bool estimates = false;
  /// Every iteration of every loop (exact tiles), for the estimates.
  std::vector<nc::InstAccesses> expanded;
  std::vector<nc::LoopSpan> expandedLoops;
  /// An instruction's index in the pass's own list (its cost).
  llvm::DenseMap<Operation *, uint32_t> costIndex;

  /// The time per iteration of an in-order execution of `seq` (instances,
  /// indices into `expanded`; `per` of them make one iteration), in its
  /// steady state: every queue runs its instances in sequence order, each
  /// starting when its queue is free and the instances it conflicts with
  /// are done (their results visible, a semaphore's latency across
  /// queues), with the same costs as the list scheduler.
  double steadyTime(ArrayRef<uint32_t> seq, uint32_t per,
                    ArrayRef<target::InstrCost> costs,
                    const target::Machine &m) {
    MemoryIndex mem;
    auto indexOf = [&](const nc::Access &a) -> AccessIndex & {
      return mem.of(a);
    };
    std::vector<double> end(seq.size(), 0), visible(seq.size(), 0);
    std::vector<double> freeAt(nc::kMaxQueues, 0);
    double hbmFreeAt = 0;
    uint32_t iters = seq.size() / per;
    std::vector<double> iterEnd(iters, 0);
    for (uint32_t v = 0; v < seq.size(); ++v) {
      const nc::InstAccesses &in = expanded[seq[v]];
      const target::InstrCost &c = costs[costIndex.lookup(in.op)];
      double ready = 0;
      for (const nc::Access &a : in.accesses)
        indexOf(a).conflicts(a, [&](uint32_t p) {
          double sync = expanded[seq[p]].queue == in.queue
                            ? 0
                            : target::semaphoreLatencyNs(m, in.queue);
          ready = std::max(ready, visible[p] + sync);
        });
      for (const nc::Access &a : in.accesses)
        if (!a.write)
          indexOf(a).add(v, a);
      for (const nc::Access &a : in.accesses)
        if (a.write)
          indexOf(a).add(v, a);
      double start = std::max(freeAt[in.queue], ready);
      double e = start + c.busyNs + c.loadStationaryNs;
      if (c.dma.hbmBytes) {
        hbmFreeAt = std::max(hbmFreeAt, start) +
                    target::hbmChannelNs(m, c.dma.hbmBytes);
        e = std::max(e, hbmFreeAt);
      }
      freeAt[in.queue] = e;
      end[v] = e;
      visible[v] = e + c.visibleDelayNs;
      iterEnd[v / per] = std::max(iterEnd[v / per], e);
    }
    if (iters < 3)
      return iterEnd.back() / std::max(1u, iters);
    return (iterEnd[iters - 1] - iterEnd[1]) / double(iters - 2);
  }

  /// The kernel's instructions (loops listed once, their tiles' unions),
  /// its loops and each instruction's cost.
  LogicalResult prepare(nc::KernelOp kernel, const target::Machine &m,
                        std::vector<nc::InstAccesses> &insts,
                        std::vector<nc::LoopSpan> &loops,
                        std::vector<target::InstrCost> &costs) {
    insts.clear();
    loops.clear();
    if (failed(
            nc::collectInstructions(kernel, insts, nc::LoopMode::Hull, &loops)))
      return failure();
    uint32_t n = insts.size();
    // Costs come from the simulator's own model (muir/Target/Cost.h).
    FailureOr<target::Program> prog =
        target::kernelToProgram(kernel, /*constantData=*/false);
    if (failed(prog))
      return failure();
    if (prog->instructions.size() != n)
      return kernel.emitError() << "instruction count mismatch in scheduling";
    costs.assign(n, {});
    for (uint32_t i = 0; i < n; ++i) {
      const target::Instruction &in = prog->instructions[i];
      costs[i] = target::instructionCost(m, in);
      // A group collective (timed by the multi-core simulator, not by
      // instructionCost) occupies its queue for the machine's collective
      // time; without it, the instructions reading its result would look
      // ready at once and queue up ahead of independent work.
      if (target::isCollective(in.op) && in.op != Opcode::Send &&
          in.op != Opcode::Recv && in.operands.size() >= 2) {
        llvm::Expected<target::CollectiveParams> c =
            target::decodeCollective(in.op, in.params, m);
        if (!c) {
          llvm::consumeError(c.takeError());
          continue;
        }
        if (c->groups.empty())
          continue;
        double bytes =
            double(target::elemBytes(in.operands[1].type)) *
            double(in.op == Opcode::AllGather ? in.operands[0].numElements()
                                              : in.operands[1].numElements());
        costs[i].busyNs =
            target::collectiveCost(m, *c, c->groups.front(), bytes).ns;
      }
    }

    return success();
  }

  /// Collects every iteration of every loop into `expanded` (for the
  /// estimates), indexing `insts`' costs by op.
  LogicalResult expandLoops(nc::KernelOp kernel,
                            ArrayRef<nc::InstAccesses> insts) {
    expanded.clear();
    expandedLoops.clear();
    costIndex.clear();
    for (auto [i, in] : llvm::enumerate(insts))
      costIndex[in.op] = i;
    return nc::collectInstructions(kernel, expanded, nc::LoopMode::Expand,
                                   &expandedLoops);
  }

  /// The body order of loop `li` (positions in its current body) that an
  /// in-order run of a few iterations finds faster: the list-scheduled one
  /// or the emitted one; `span` receives its time per iteration.
  FailureOr<std::vector<uint32_t>>
  bestBodyOrder(const nc::LoopSpan &l, uint32_t li,
                std::vector<uint32_t> &unitOf, ArrayRef<nc::InstAccesses> insts,
                ArrayRef<nc::LoopSpan> loops, ArrayRef<target::InstrCost> costs,
                const target::Machine &m, double &span) {
    std::vector<Unit> bodyUnits;
    for (uint32_t i = l.begin; i < l.begin + l.count; ++i) {
      unitOf[i] = bodyUnits.size();
      bodyUnits.push_back({i, 1, -1, insts[i].queue});
    }
    FailureOr<std::vector<uint32_t>> order =
        schedule(bodyUnits, unitOf, insts, loops, costs, m);
    if (failed(order))
      return nc::LoopOp(l.op).emitError()
             << "instruction scheduling found a dependency cycle";
    const nc::LoopSpan &el = expandedLoops[li];
    uint32_t B = l.count;
    uint32_t iters = uint32_t(std::min<int64_t>(5, l.trips));
    auto steadyOf = [&](ArrayRef<uint32_t> bodyOrder) {
      std::vector<uint32_t> seq;
      for (uint32_t k = 0; k < iters; ++k)
        for (uint32_t j : bodyOrder)
          seq.push_back(el.begin + k * B + j);
      return steadyTime(seq, B, costs, m);
    };
    std::vector<uint32_t> emitted(B);
    std::iota(emitted.begin(), emitted.end(), 0);
    span = steadyOf(*order);
    if (*order == emitted)
      return order;
    double emittedSpan = steadyOf(emitted);
    if (emittedSpan < span) {
      span = emittedSpan;
      return emitted;
    }
    return order;
  }

  /// Writes out the loops that would run slower than their iterations
  /// list-scheduled on their own: a loop's queues run its body in body
  /// order, iteration after iteration, which costs where the scheduler
  /// would interleave iterations (attention's tiles in flight). A loop's
  /// time is its best body order's time per iteration (an in-order run of
  /// a few iterations) times its trips; written out, the list scheduler's
  /// estimate for its iterations alone. Loops more than `kSlowLoop` slower
  /// become their iterations.
  LogicalResult unrollSlowLoops(nc::KernelOp kernel, const target::Machine &m) {
    if (llvm::none_of(kernel.getBody().front(),
                      [](Operation &op) { return llvm::isa<nc::LoopOp>(op); }))
      return success();
    std::vector<nc::InstAccesses> insts;
    std::vector<nc::LoopSpan> loops;
    std::vector<target::InstrCost> costs;
    if (failed(prepare(kernel, m, insts, loops, costs)))
      return failure();
    if (loops.empty())
      return success();
    if (nc::executedInstructions(kernel) > nc::kMaxExpandedInstructions)
      return success();
    if (failed(expandLoops(kernel, insts)))
      return failure();
    std::vector<target::InstrCost> expandedCosts(expanded.size());
    for (auto [e, in] : llvm::enumerate(expanded))
      expandedCosts[e] = costs[costIndex.lookup(in.op)];
    std::vector<uint32_t> unitOf(std::max(insts.size(), expanded.size()));
    SmallVector<nc::LoopOp> slow;
    for (auto [li, l] : llvm::enumerate(loops)) {
      double span = 0;
      if (failed(bestBodyOrder(l, li, unitOf, insts, loops, costs, m, span)))
        return failure();
      const nc::LoopSpan &el = expandedLoops[li];
      std::vector<Unit> units;
      for (uint32_t e = el.begin; e < el.begin + el.count; ++e) {
        unitOf[e] = units.size();
        units.push_back({e, 1, -1, expanded[e].queue});
      }
      double writtenOut = 0;
      if (failed(schedule(units, unitOf, expanded, expandedLoops, expandedCosts,
                          m, &writtenOut)))
        return nc::LoopOp(l.op).emitError()
               << "instruction scheduling found a dependency cycle";
      if (span * l.trips > writtenOut * (1 + kSlowLoop))
        slow.push_back(l.op);
    }
    for (nc::LoopOp loop : slow) {
      SmallVector<Operation *> body;
      for (Operation &op : loop.getBody().front())
        body.push_back(&op);
      SmallVector<SmallVector<target::AccessStep, 0>> steps;
      SmallVector<target::Opcode> opcodes;
      for (auto [b, op] : llvm::enumerate(body)) {
        opcodes.push_back(*nc::opcodeOf(op));
        steps.push_back(nc::bodySteps(loop, b, opcodes.back()));
      }
      OpBuilder before(loop);
      for (int64_t k = 0, n = int64_t(loop.getTrips()); k < n; ++k)
        for (auto [b, op] : llvm::enumerate(body))
          nc::stepTiles(before.clone(*op), opcodes[b], steps[b], k);
      loop.erase();
    }
    return success();
  }

  /// How much slower than its iterations written out a loop may run.
  static constexpr double kSlowLoop = 0.02;

  void runOnOperation() override {
    nc::KernelOp kernel = getOperation();
    llvm::Expected<target::Machine> m = target::loadMachine(
        target.empty() ? kernel.getTarget() : StringRef(target));
    if (!m) {
      kernel.emitError() << llvm::toString(m.takeError());
      return signalPassFailure();
    }
    // Loops that run slower kept than written out are written out.
    if (unrollSlow && failed(unrollSlowLoops(kernel, *m)))
      return signalPassFailure();
    // Loops stay whole: their bodies are listed once, each tile as the
    // union of its iterations', and each loop is scheduled as one unit.
    std::vector<nc::InstAccesses> insts;
    std::vector<nc::LoopSpan> loops;
    std::vector<target::InstrCost> costs;
    if (failed(prepare(kernel, *m, insts, loops, costs)))
      return signalPassFailure();
    uint32_t n = insts.size();
    if (n < 2)
      return;

    // Units: each top-level instruction, and each loop as a whole (on
    // each of its queues it runs from the time the queue is free, all
    // iterations back to back).
    std::vector<uint32_t> unitOf(n);
    std::vector<Unit> units;
    for (uint32_t i = 0; i < n;) {
      if (insts[i].loop != nc::kNoLoop) {
        const nc::LoopSpan &l = loops[insts[i].loop];
        units.push_back({i, l.count, int32_t(insts[i].loop), insts[i].queue});
        for (uint32_t j = i; j < i + l.count; ++j)
          unitOf[j] = units.size() - 1;
        i += l.count;
      } else {
        unitOf[i] = units.size();
        units.push_back({i, 1, -1, insts[i].queue});
        ++i;
      }
    }
    std::vector<uint32_t> dmaQueueOf;
    FailureOr<std::vector<uint32_t>> order =
        schedule(units, unitOf, insts, loops, costs, *m, nullptr,
                 assignDmaQueues ? &dmaQueueOf : nullptr);
    if (failed(order)) {
      kernel.emitError() << "instruction scheduling found a dependency cycle";
      return signalPassFailure();
    }
    // The DMA queues the pool's transfers ran on (dma0 is the default).
    for (auto [u, q] : llvm::enumerate(dmaQueueOf)) {
      if (q == UINT32_MAX)
        continue;
      Operation *op = insts[units[u].first].op;
      if (q == target::dmaQueue(0))
        op->removeAttr("queue");
      else
        op->setAttr("queue", nc::QueueAttr::get(op->getContext(), q));
    }
    // Re-emit in the new order after the tensor declarations.
    Block &body = kernel.getBody().front();
    for (uint32_t u : *order) {
      const Unit &un = units[u];
      Operation *op =
          un.loop >= 0 ? loops[un.loop].op.getOperation() : insts[un.first].op;
      op->moveBefore(&body, body.end());
    }

    // Each loop's body in the order one iteration runs best, then
    // software-pipelined where that pays (see pipelineLoop), judged by an
    // in-order execution of a few iterations with their exact tiles.
    // (The estimates unroll every loop: not for kernels beyond what that
    // can hold, whose loops keep their list-scheduled bodies.)
    estimates =
        pipeline && !loops.empty() &&
        nc::executedInstructions(kernel) <= nc::kMaxExpandedInstructions;
    if (estimates && failed(expandLoops(kernel, insts)))
      return signalPassFailure();
    for (auto [li, l] : llvm::enumerate(loops))
      if (failed(scheduleBody(l, li, unitOf, insts, loops, costs, *m)))
        return signalPassFailure();
  }
};
} // namespace
