//===- MultiCore.cpp - SPMD simulation of many NeuronCores ----------------===//
//
// A pool of threads runs the cores' simulators; a core that reaches a
// collective delivers its arrival here and suspends unless the collective is
// complete. The last arrival of a group completes it (time: the latest
// arrival plus the topology cost; values: reduced in group order in fp32)
// and makes the waiting cores runnable again. Nothing a core computes
// depends on which thread ran it or when, so results, times and reports are
// identical for any thread count.
//
//===----------------------------------------------------------------------===//
#include "muir/Sim/MultiCore.h"
#include "muir/Target/Collective.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

using namespace muir;
using namespace muir::sim;
using namespace muir::target;
using llvm::Error;
using llvm::Twine;

namespace {
Error err(const Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg.str());
}

float reduce(AluOp op, float a, float b) {
  switch (op) {
  case AluOp::Max:
    return std::max(a, b);
  case AluOp::Min:
    return std::min(a, b);
  default:
    return a + b;
  }
}

/// One collective (or one send/recv transfer), for the report and trace.
struct Record {
  /// Sort key: the instance and the group's first rank (send: its source).
  uint64_t instance;
  int64_t firstRank;
  std::string what;
  double startNs, endNs, bytes;
  std::vector<std::pair<std::string, double>> linkBytes;
  /// Ranks taking part (a group's size; a send/recv pair: 2).
  unsigned members;
};
} // namespace

namespace muir::sim {

class MultiCoreImpl : public CollectivePort {
public:
  MultiCoreImpl(const Machine &m, const Program &p, unsigned n, Options o)
      : machine(m), prog(p), n(n), opt(o) {
    // Each rank's HBM share: the chip's bandwidth split over the run's
    // cores on that chip, capped by the core's DMA rate.
    int64_t per = std::max<int64_t>(1, m.topology.logicalCoresPerChip());
    machines.reserve(n);
    for (unsigned r = 0; r < n; ++r) {
      int64_t chip = r / per;
      int64_t active = std::min<int64_t>(n, (chip + 1) * per) - chip * per;
      Machine mr = m;
      mr.hbm.bytesPerS = hbmShare(m, active);
      machines.push_back(std::move(mr));
    }
    for (unsigned r = 0; r < n; ++r) {
      sims.push_back(std::make_unique<Simulator>(machines[r], prog, opt));
      sims.back()->setCollectivePort(this, r);
    }
  }

  const Machine &machine;
  const Program &prog;
  unsigned n;
  Options opt;
  std::vector<Machine> machines;
  std::vector<std::unique_ptr<Simulator>> sims;
  MultiReport rep;
  std::vector<Record> records;

  // --- shared run state, under `mu` ---
  std::mutex mu;
  std::condition_variable cv;
  enum class State { Runnable, Running, Blocked, Done };
  std::vector<State> state;
  std::vector<bool> wakePending;
  std::deque<unsigned> runnable;
  unsigned running = 0, done = 0;
  bool sweeping = false, progressSinceStuck = true;
  std::optional<std::string> failure;
  /// What a blocked rank waits for, for deadlock messages.
  std::vector<std::string> waitingFor;

  struct Rendezvous {
    CollectiveParams params;
    llvm::SmallVector<int64_t, 8> group;
    uint32_t instr = 0;
    uint64_t instance = 0;
    std::vector<bool> arrived;
    std::vector<double> start;
    std::vector<std::vector<float>> values;
    unsigned count = 0, collected = 0;
    bool complete = false;
    double endNs = 0;
    std::vector<std::vector<float>> results; // per position (or one shared)
    uint64_t bytesIn = 0, bytesOut = 0;      // per rank, for HBM traffic
  };
  /// Open group collectives by (the ranks' ordinal, group's first rank).
  std::map<std::pair<uint64_t, int64_t>, Rendezvous> open;

  struct Message {
    double startNs;
    std::vector<float> values;
    uint64_t instance;
    double bytes;
  };
  std::map<std::pair<int64_t, int64_t>, std::deque<Message>> mailbox;

  void wake(unsigned r) {
    if (state[r] == State::Blocked) {
      state[r] = State::Runnable;
      runnable.push_back(r);
      cv.notify_all();
    } else if (state[r] == State::Running) {
      wakePending[r] = true;
    }
  }

  std::string who(const CollectiveArrival &a) const {
    return "instruction #" + std::to_string(a.instance) + " (" +
           opcodeInfo(a.instruction->op).mnemonic.str() + ")";
  }

  llvm::Expected<std::optional<CollectiveDone>>
  arrive(const CollectiveArrival &a, bool first) override {
    std::lock_guard<std::mutex> lock(mu);
    const Instruction &in = *a.instruction;
    llvm::Expected<CollectiveParams> c =
        decodeCollective(in.op, in.params, machine);
    if (!c)
      return err(who(a) + ": " + llvm::toString(c.takeError()));
    if (in.op == Opcode::Send || in.op == Opcode::Recv)
      return pointToPoint(a, *c);
    const auto *group = c->groupOf(a.rank);
    if (!group)
      return err(who(a) +
                 ": the rank is in no replica group; every rank of "
                 "a " +
                 Twine(n) + "-core run must be in one");
    for (int64_t r : *group)
      if (r >= int64_t(n))
        return err(who(a) + ": replica group names rank " + Twine(r) +
                   ", but the run has " + Twine(n) + " cores");
    auto key = std::make_pair(a.ordinal, (*group)[0]);
    auto [it, added] = open.try_emplace(key);
    Rendezvous &z = it->second;
    size_t pos = llvm::find(*group, int64_t(a.rank)) - group->begin();
    if (added) {
      z.params = *c;
      z.group = *group;
      z.instr = a.instructionIndex;
      z.instance = a.instance;
      z.arrived.assign(group->size(), false);
      z.start.assign(group->size(), 0);
      z.values.resize(group->size());
    } else if (z.instr != a.instructionIndex || z.instance != a.instance) {
      return err(who(a) + ": its collective #" + Twine(key.first) +
                 " is not the one rank " + Twine(z.group[0]) +
                 "'s group runs (instruction #" + Twine(z.instance) +
                 "); ranks must run their collectives in one order");
    }
    if (first && !z.arrived[pos]) {
      z.arrived[pos] = true;
      z.start[pos] = a.startNs;
      z.values[pos] = a.values;
      ++z.count;
      if (z.count == z.group.size())
        complete(z, in, a.rank);
    }
    if (!z.complete) {
      std::string missing;
      for (size_t i = 0; i < z.group.size(); ++i)
        if (!z.arrived[i])
          missing += (missing.empty() ? "" : ", ") + std::to_string(z.group[i]);
      waitingFor[a.rank] = "rank " + std::to_string(a.rank) + ": " + who(a) +
                           " waits for rank(s) " + missing;
      return std::nullopt;
    }
    CollectiveDone d;
    d.endNs = z.endNs;
    if (!z.results.empty())
      d.values = z.results.size() == 1 ? z.results[0] : z.results[pos];
    bool hbmSrc = in.operands[1].space == MemSpace::HBM;
    bool hbmDst = in.operands[0].space == MemSpace::HBM;
    d.hbmBytesRead = hbmSrc ? z.bytesIn : 0;
    d.hbmBytesWritten = hbmDst ? z.bytesOut : 0;
    if (++z.collected == z.group.size())
      open.erase(it);
    return d;
  }

  /// The last arrival completes a group collective: its end time and every
  /// member's result.
  void complete(Rendezvous &z, const Instruction &in, uint32_t last) {
    size_t N = z.group.size();
    double t0 = *std::max_element(z.start.begin(), z.start.end());
    int64_t srcElems = in.operands[1].numElements();
    int64_t dstElems = in.operands[0].numElements();
    unsigned eb = elemBytes(in.operands[1].type);
    double bytes =
        double(eb) * double(in.op == Opcode::AllGather ? dstElems : srcElems);
    CollectiveCost cost = collectiveCost(machine, z.params, z.group, bytes);
    z.endNs = t0 + cost.ns;
    z.bytesIn = uint64_t(srcElems) * eb;
    z.bytesOut = uint64_t(dstElems) * eb;
    z.complete = true;
    records.push_back({z.instance, z.group[0],
                       opcodeInfo(in.op).mnemonic.str() + " " +
                           algorithmName(z.params.algorithm).str(),
                       t0, z.endNs, bytes, std::move(cost.linkBytes),
                       unsigned(z.group.size())});
    bool numerics = llvm::all_of(
        z.values, [&](const auto &v) { return int64_t(v.size()) == srcElems; });
    if (opt.numerics && numerics) {
      AluOp op = z.params.reduce;
      switch (in.op) {
      case Opcode::AllReduce: {
        std::vector<float> out = z.values[0];
        for (size_t j = 1; j < N; ++j)
          for (int64_t e = 0; e < srcElems; ++e)
            out[e] = reduce(op, out[e], z.values[j][e]);
        z.results.push_back(std::move(out));
        break;
      }
      case Opcode::AllGather: {
        std::vector<float> out;
        for (size_t j = 0; j < N; ++j)
          out.insert(out.end(), z.values[j].begin(), z.values[j].end());
        z.results.push_back(std::move(out));
        break;
      }
      case Opcode::ReduceScatter: {
        int64_t B = srcElems / N;
        for (size_t i = 0; i < N; ++i) {
          std::vector<float> out(z.values[0].begin() + i * B,
                                 z.values[0].begin() + (i + 1) * B);
          for (size_t j = 1; j < N; ++j)
            for (int64_t e = 0; e < B; ++e)
              out[e] = reduce(op, out[e], z.values[j][i * B + e]);
          z.results.push_back(std::move(out));
        }
        break;
      }
      case Opcode::AllToAll: {
        int64_t B = srcElems / N;
        for (size_t i = 0; i < N; ++i) {
          std::vector<float> out;
          for (size_t j = 0; j < N; ++j)
            out.insert(out.end(), z.values[j].begin() + i * B,
                       z.values[j].begin() + (i + 1) * B);
          z.results.push_back(std::move(out));
        }
        break;
      }
      default:
        break;
      }
    }
    z.values.clear(); // contributions are no longer needed
    for (int64_t r : z.group)
      if (r != int64_t(last))
        wake(unsigned(r));
  }

  llvm::Expected<std::optional<CollectiveDone>>
  pointToPoint(const CollectiveArrival &a, const CollectiveParams &c) {
    const Instruction &in = *a.instruction;
    bool send = in.op == Opcode::Send;
    int64_t peer = -1;
    for (auto [src, dst] : c.pairs)
      if ((send ? src : dst) == int64_t(a.rank))
        peer = send ? dst : src;
    CollectiveDone d;
    d.endNs = a.startNs;
    if (peer < 0)
      return d; // this rank takes no part
    if (peer >= int64_t(n))
      return err(who(a) + ": its pair names rank " + Twine(peer) +
                 ", but the run has " + Twine(n) + " cores");
    const AccessPattern &tile = in.operands[0];
    unsigned eb = elemBytes(tile.type);
    if (send) {
      double bytes = double(tile.numElements()) * eb;
      CollectiveCost cost = pointToPointCost(machine, a.rank, peer, bytes);
      d.endNs = a.startNs + cost.ns;
      d.hbmBytesRead = tile.space == MemSpace::HBM ? uint64_t(bytes) : 0;
      mailbox[{int64_t(a.rank), peer}].push_back(
          {a.startNs, a.values, a.instance, bytes});
      records.push_back({a.instance, int64_t(a.rank), "send", a.startNs,
                         d.endNs, bytes, std::move(cost.linkBytes), 2});
      wake(unsigned(peer));
      return d;
    }
    auto &box = mailbox[{peer, int64_t(a.rank)}];
    if (box.empty()) {
      waitingFor[a.rank] = "rank " + std::to_string(a.rank) + ": " + who(a) +
                           " waits for a send from rank " +
                           std::to_string(peer);
      return std::nullopt;
    }
    Message msg = std::move(box.front());
    box.pop_front();
    if (int64_t(msg.bytes) != a.dstElements * int64_t(eb))
      return err(who(a) + ": receives " + Twine(a.dstElements * eb) +
                 " bytes but rank " + Twine(peer) + "'s send #" +
                 Twine(msg.instance) + " sent " + Twine(uint64_t(msg.bytes)));
    CollectiveCost cost = pointToPointCost(machine, peer, a.rank, msg.bytes);
    d.endNs = std::max(a.startNs, msg.startNs + cost.ns);
    d.values = std::move(msg.values);
    d.hbmBytesWritten = tile.space == MemSpace::HBM ? uint64_t(msg.bytes) : 0;
    return d;
  }

  /// Runs rank `r` (the lock held on entry and exit) and files the result.
  void step(std::unique_lock<std::mutex> &lock, unsigned r, bool anyComplete) {
    state[r] = State::Running;
    ++running;
    lock.unlock();
    uint64_t before = sims[r]->progress();
    llvm::Expected<bool> res = sims[r]->runUntilBlocked(anyComplete);
    std::optional<std::string> error;
    if (!res)
      error = llvm::toString(res.takeError());
    bool moved = sims[r]->progress() != before;
    lock.lock();
    --running;
    if (moved || (res && *res))
      progressSinceStuck = true;
    if (error) {
      if (!failure)
        failure = "rank " + std::to_string(r) + ": " + *error;
    } else if (*res) {
      state[r] = State::Done;
      ++done;
    } else if (wakePending[r]) {
      wakePending[r] = false;
      state[r] = State::Runnable;
      runnable.push_back(r);
    } else {
      state[r] = State::Blocked;
    }
    cv.notify_all();
  }

  /// A core with nothing else to run waits for its earliest pending
  /// collective, so each core's view is fixed by its own state. When every
  /// core is stuck, one thread resumes them in rank order, each taking every
  /// collective that is complete: deterministic too, as nothing else runs.
  /// A round of that which does nothing is a deadlock.
  void worker() {
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      cv.wait(lock, [&] {
        return failure || done == n ||
               (!sweeping && (!runnable.empty() || running == 0));
      });
      if (failure || done == n)
        return;
      if (!runnable.empty()) {
        unsigned r = runnable.front();
        runnable.pop_front();
        step(lock, r, false);
        continue;
      }
      if (!progressSinceStuck) {
        std::string msg = "deadlock across cores:";
        for (unsigned r = 0; r < n; ++r)
          if (state[r] == State::Blocked)
            msg += " " + waitingFor[r] + ";";
        msg.pop_back();
        failure = msg;
        cv.notify_all();
        return;
      }
      sweeping = true;
      progressSinceStuck = false;
      for (unsigned r = 0; r < n && !failure; ++r)
        if (state[r] == State::Blocked)
          step(lock, r, true);
      sweeping = false;
      cv.notify_all();
    }
  }

  Error run(unsigned threads) {
    if (n == 0)
      return err("a multi-core run needs at least one core");
    if (int64_t(n) > machine.topology.cores())
      return err("target '" + machine.name + "' has " +
                 Twine(machine.topology.cores()) + " core" +
                 (machine.topology.cores() == 1 ? "" : "s") +
                 ", the run asks for " + Twine(n));
    state.assign(n, State::Runnable);
    wakePending.assign(n, false);
    waitingFor.assign(n, "");
    runnable.clear();
    for (unsigned r = 0; r < n; ++r)
      runnable.push_back(r);
    running = done = 0;
    sweeping = false;
    progressSinceStuck = true;
    failure.reset();
    open.clear();
    mailbox.clear();
    records.clear();
    if (threads == 0)
      threads = std::max(1u, std::thread::hardware_concurrency());
    threads = std::min(threads, n);
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t)
      pool.emplace_back([this] { worker(); });
    worker();
    for (std::thread &t : pool)
      t.join();
    if (failure)
      return err(*failure);
    buildReport();
    return Error::success();
  }

  void buildReport() {
    rep = MultiReport();
    rep.cores = n;
    for (unsigned r = 0; r < n; ++r) {
      rep.perCore.push_back(sims[r]->report());
      rep.seconds = std::max(rep.seconds, rep.perCore.back().seconds);
    }
    rep.cycles = rep.seconds * machine.pe.clockHz;
    llvm::sort(records, [](const Record &a, const Record &b) {
      return std::tie(a.instance, a.firstRank) <
             std::tie(b.instance, b.firstRank);
    });
    std::map<std::string, LinkStats> links;
    for (const Record &rec : records) {
      ++rep.collectives;
      rep.collectiveNs += rec.endNs - rec.startNs;
      rep.collectiveRankNs +=
          (rec.endNs - rec.startNs) * double(rec.members) / double(n);
      for (const auto &[name, bytes] : rec.linkBytes) {
        LinkStats &l = links[name];
        l.name = name;
        l.bytes += bytes;
        l.busyNs += rec.endNs - rec.startNs;
        ++l.collectives;
        rep.linkBytes += bytes;
      }
    }
    for (auto &[name, l] : links)
      rep.links.push_back(l);
  }

  std::string traceJson() const {
    std::string out;
    llvm::raw_string_ostream os(out);
    llvm::json::OStream j(os);
    int64_t per = std::max<int64_t>(1, machine.topology.logicalCoresPerChip());
    j.object([&] {
      j.attribute("displayTimeUnit", "ns");
      j.attributeArray("traceEvents", [&] {
        for (unsigned r = 0; r < n; ++r)
          sims[r]->writeTraceEvents(j, r,
                                    "rank " + std::to_string(r) + " (chip " +
                                        std::to_string(r / per) + " core " +
                                        std::to_string(r % per) + ", " +
                                        machine.name + ")");
        int64_t pid = n;
        j.object([&] {
          j.attribute("name", "process_name");
          j.attribute("ph", "M");
          j.attribute("pid", pid);
          j.attributeObject("args", [&] { j.attribute("name", "links"); });
        });
        std::map<std::string, int64_t> tid;
        for (const LinkStats &l : rep.links) {
          int64_t t = tid.size();
          tid[l.name] = t;
          j.object([&] {
            j.attribute("name", "thread_name");
            j.attribute("ph", "M");
            j.attribute("pid", pid);
            j.attribute("tid", t);
            j.attributeObject("args", [&] { j.attribute("name", l.name); });
          });
        }
        for (const Record &rec : records)
          for (const auto &[name, bytes] : rec.linkBytes)
            j.object([&] {
              j.attribute("name", rec.what);
              j.attribute("cat", "link");
              j.attribute("ph", "X");
              j.attribute("pid", pid);
              j.attribute("tid", tid[name]);
              j.attribute("ts", rec.startNs / 1000.0);
              j.attribute("dur", (rec.endNs - rec.startNs) / 1000.0);
              j.attributeObject("args", [&] {
                j.attribute("bytes", bytes);
                j.attribute("instance", int64_t(rec.instance));
                j.attribute("first_rank", rec.firstRank);
              });
            });
      });
    });
    return out;
  }
};

} // namespace muir::sim

MultiCoreSimulator::MultiCoreSimulator(const Machine &machine,
                                       const Program &program, unsigned cores,
                                       Options options)
    : impl(std::make_unique<MultiCoreImpl>(machine, program, cores, options)) {}

MultiCoreSimulator::~MultiCoreSimulator() = default;

Error MultiCoreSimulator::setInput(unsigned rank, llvm::StringRef name,
                                   llvm::ArrayRef<uint8_t> bytes) {
  if (rank >= impl->n)
    return err("rank " + Twine(rank) + " is not in the " + Twine(impl->n) +
               "-core run");
  if (Error e = impl->sims[rank]->setInput(name, bytes))
    return err("rank " + Twine(rank) + ": " + llvm::toString(std::move(e)));
  return Error::success();
}

Error MultiCoreSimulator::run(unsigned threads) { return impl->run(threads); }

llvm::ArrayRef<uint8_t> MultiCoreSimulator::output(unsigned rank,
                                                   llvm::StringRef name) const {
  return rank < impl->n ? impl->sims[rank]->output(name)
                        : llvm::ArrayRef<uint8_t>();
}

const MultiReport &MultiCoreSimulator::report() const { return impl->rep; }

std::string MultiCoreSimulator::traceJson() const { return impl->traceJson(); }

Error MultiCoreSimulator::writeTrace(llvm::StringRef path) const {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return err("cannot write trace '" + path + "': " + ec.message());
  os << impl->traceJson();
  return Error::success();
}

std::string MultiReport::toText() const {
  std::string s;
  llvm::raw_string_ostream os(s);
  auto line = [&](llvm::StringRef key) -> llvm::raw_ostream & {
    return os << llvm::left_justify(key, 18);
  };
  line("cores") << cores << "\n";
  line("cycles") << llvm::format("%.0f", cycles) << " (PE clock)\n";
  line("time") << llvm::format("%.3f", seconds * 1e6) << " us\n";
  line("collectives") << collectives << "\n";
  line("collective time") << llvm::format("%.3f", collectiveNs / 1000)
                          << " us (sum of spans, "
                          << llvm::format("%.1f", seconds > 0
                                                      ? collectiveNs * 1e-9 /
                                                            seconds * 100
                                                      : 0.0)
                          << " % of the run)\n";
  line("per rank") << llvm::format("%.3f", collectiveRankNs / 1000)
                   << " us in collectives ("
                   << llvm::format("%.1f",
                                   seconds > 0
                                       ? collectiveRankNs * 1e-9 / seconds * 100
                                       : 0.0)
                   << " % of the run)\n";
  line("link bytes") << llvm::format("%.0f", linkBytes) << "\n";
  os << "per core:\n";
  for (auto [r, c] : llvm::enumerate(perCore))
    os << "  rank " << llvm::left_justify(std::to_string(r), 4)
       << llvm::format("%10.3f", c.seconds * 1e6) << " us  pe "
       << llvm::format("%5.1f", c.peUtilization * 100) << " %  hbm "
       << c.hbmBytesRead << " read, " << c.hbmBytesWritten << " written  "
       << c.instructions << " instructions\n";
  os << "links:\n";
  for (const LinkStats &l : links)
    os << "  " << llvm::left_justify(l.name, 22)
       << llvm::format("%12.0f", l.bytes) << " bytes  "
       << llvm::format("%10.3f", l.busyNs / 1000) << " us  " << l.collectives
       << " transfers\n";
  return s;
}

std::string MultiReport::toJson() const {
  llvm::json::Array cs, ls;
  for (const Report &c : perCore) {
    llvm::Expected<llvm::json::Value> v = llvm::json::parse(c.toJson());
    cs.push_back(v ? std::move(*v) : llvm::json::Value(nullptr));
    if (!v)
      llvm::consumeError(v.takeError());
  }
  for (const LinkStats &l : links)
    ls.push_back(llvm::json::Object{{"name", l.name},
                                    {"bytes", l.bytes},
                                    {"busy_ns", l.busyNs},
                                    {"transfers", int64_t(l.collectives)}});
  llvm::json::Object o{{"cores", int64_t(cores)},
                       {"cycles", cycles},
                       {"seconds", seconds},
                       {"collectives", int64_t(collectives)},
                       {"collective_ns", collectiveNs},
                       {"collective_rank_ns", collectiveRankNs},
                       {"link_bytes", linkBytes},
                       {"per_core", std::move(cs)},
                       {"links", std::move(ls)}};
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(o)));
  return s;
}
