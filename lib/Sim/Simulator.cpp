//===- Simulator.cpp - event-driven NeuronCore simulator ------------------===//
//
// One discrete-event loop drives everything: the queue whose head instruction
// can start earliest (waits satisfied by already-fired signals) runs next, its
// numerics are applied at its start, and its signals fire at completion. A
// race-free program therefore computes the same bytes in any valid order, and
// the hazard checker (vector clocks over semaphores) proves it race-free.
//
//===----------------------------------------------------------------------===//
#include "SimInternal.h"
#include "muir/Support/CheckedSize.h"
#include "muir/Support/Gemm.h"
#include "muir/Target/Cost.h"
#include "muir/Target/Validate.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <queue>

using namespace muir;
using namespace muir::sim;
using namespace muir::target;
using llvm::Error;
using llvm::StringRef;

namespace {
using VClock = std::vector<uint32_t>;

Error err(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg.str());
}

void join(VClock &into, const VClock &from) {
  for (size_t i = 0; i < into.size(); ++i)
    into[i] = std::max(into[i], from[i]);
}

/// The first byte interval two regions share, if any.
std::optional<std::pair<int64_t, int64_t>> overlaps(const Region &a,
                                                    const Region &b) {
  if (a.space != b.space || a.p1 <= b.p0 || b.p1 <= a.p0 || a.hi <= b.lo ||
      b.hi <= a.lo)
    return std::nullopt;
  size_t i = 0, j = 0;
  while (i < a.ivals.size() && j < b.ivals.size()) {
    auto [alo, ahi] = a.ivals[i];
    auto [blo, bhi] = b.ivals[j];
    if (alo < bhi && blo < ahi)
      return std::make_pair(std::max(alo, blo), std::min(ahi, bhi));
    if (ahi <= bhi)
      ++i;
    else
      ++j;
  }
  return std::nullopt;
}

float alu(AluOp op, float a, float b) {
  switch (op) {
  case AluOp::Add:
    return a + b;
  case AluOp::Sub:
    return a - b;
  case AluOp::Mul:
    return a * b;
  case AluOp::Div:
    return a / b;
  case AluOp::Max:
    return (std::isnan(a) || std::isnan(b)) ? NAN : (a > b ? a : b);
  case AluOp::Min:
    return (std::isnan(a) || std::isnan(b)) ? NAN : (a < b ? a : b);
  case AluOp::Bypass:
    return a;
  case AluOp::Pow:
    return std::pow(a, b);
  }
  return a;
}

float activate(ActFunc f, float x) {
  switch (f) {
  case ActFunc::Identity:
    return x;
  case ActFunc::Exp:
    return std::exp(x);
  case ActFunc::Log:
    return std::log(x);
  case ActFunc::Tanh:
    return std::tanh(x);
  case ActFunc::Sigmoid:
    return 1.0f / (1.0f + std::exp(-x));
  case ActFunc::Relu:
    return std::isnan(x) ? x : (x > 0 ? x : 0.0f);
  case ActFunc::Gelu:
    return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
  case ActFunc::GeluTanh: {
    const float k = 0.79788456080286536f; // sqrt(2/pi)
    return 0.5f * x * (1.0f + std::tanh(k * (x + 0.044715f * x * x * x)));
  }
  case ActFunc::Silu:
    return x / (1.0f + std::exp(-x));
  case ActFunc::Sqrt:
    return std::sqrt(x);
  case ActFunc::Rsqrt:
    return 1.0f / std::sqrt(x);
  case ActFunc::Square:
    return x * x;
  case ActFunc::Reciprocal:
    return 1.0f / x;
  }
  return x;
}

} // namespace

namespace muir::sim {

class SimulatorImpl {
public:
  SimulatorImpl(const Machine &m, const Program &p, Options o)
      : m(m), prog(p), opt(o) {}

  const Machine &m;
  const Program &prog;
  Options opt;

  /// Zero-filled bytes from calloc: large blocks come from the OS as zero
  /// pages mapped on first touch, so a run pays only for what it uses.
  struct ZeroedBytes {
    struct Free {
      void operator()(uint8_t *p) const { std::free(p); }
    };
    std::unique_ptr<uint8_t, Free> p;
    size_t n = 0;
    bool reset(size_t size) {
      p.reset(size ? static_cast<uint8_t *>(std::calloc(size, 1)) : nullptr);
      n = size;
      return size == 0 || p;
    }
    uint8_t *data() const { return p.get(); }
    size_t size() const { return n; }
  };
  ZeroedBytes mem[4], init[4]; // indexed by MemSpace
  /// A session's device memory (Session.h): HBM lives there instead of in
  /// mem[1]/init[1], each tensor at its address.
  const DeviceMemory *device = nullptr;
  /// Per tensor: its byte address in the emulated HBM, and whether it is an
  /// output or scratch tensor lying exactly on an input (updated in place).
  std::vector<uint64_t> base;
  std::vector<bool> aliasesInput;
  uint8_t *hbmData() const { return device ? device->data : mem[1].data(); }
  uint8_t *hbmInit() const { return device ? device->init : init[1].data(); }
  std::vector<bool> inputSet;
  bool allocated = false;
  Report rep;
  std::vector<TraceRecord> trace;

  // --- run state ---
  struct Queue {
    std::vector<uint32_t> instrs;
    size_t next = 0;
    /// Loops: the queue's instructions instrs[first, end) repeat `trips`
    /// times; a cursor (next, iter) steps through the iterations.
    struct Segment {
      size_t first, end;
      uint32_t trips, loop;
    };
    std::vector<Segment> segs;
    size_t seg = 0;    // the first segment not yet finished
    uint32_t iter = 0; // the iteration of segs[seg] when next is inside it
    bool done() const { return next >= instrs.size(); }
    uint32_t headIter() const {
      return seg < segs.size() && next >= segs[seg].first ? iter : 0;
    }
    void advance() {
      ++next;
      if (seg < segs.size() && next == segs[seg].end) {
        if (iter + 1 < segs[seg].trips) {
          ++iter;
          next = segs[seg].first;
        } else {
          iter = 0;
          ++seg;
        }
      }
    }
    double freeAt = 0, lastStart = 0, busy = 0;
    uint64_t count = 0;
    VClock vc;
  };
  std::vector<Queue> queues;
  std::vector<uint32_t> fired;
  std::vector<std::vector<double>> signalTimes;
  std::vector<std::vector<VClock>> semClocks; // cumulative, per signal
  struct Event {
    double time;
    uint64_t seq;
    uint32_t instr;
    VClock clock; // the signalling instance's clock (hazard checking)
    bool operator>(const Event &o) const {
      return time != o.time ? time > o.time : seq > o.seq;
    }
  };
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events;
  uint64_t eventSeq = 0;
  double hbmFreeAt = 0, makespan = 0;
  /// Per PSUM bank: until when, and by which compute queue, it is accessed.
  std::vector<std::pair<double, int>> psumBankBusy;
  /// Vector performance mode and GpSimd share a bus.
  double gpsimdBusFreeAt = 0, vectorPerfFreeAt = 0;
  std::optional<AccessPattern> lastStationary;
  double macCycles = 0; // sum of MACs / peak MACs per cycle

  // --- multi-core runs (MultiCore.h) ---
  CollectivePort *port = nullptr;
  uint32_t rank = 0;
  /// A run is in progress (runUntilBlocked suspended it at a collective).
  bool started = false;
  /// Collective instances that arrived at the port and are not complete:
  /// their queues wait, the others go on. A core with nothing else to run
  /// waits for the earliest (start, instance), so what it sees complete,
  /// and hence everything it computes, does not depend on other threads.
  struct PendingCollective {
    uint64_t seq;
    uint32_t instr, iter;
    double start;
    uint64_t ordinal;
  };
  std::vector<PendingCollective> pending;
  bool takeAnyComplete = false;
  /// Instances executed and collectives taken: whether a resume did work.
  uint64_t progress = 0;
  std::map<uint64_t, CollectiveDone> completed;
  /// Pending collectives the port completed at their arrival.
  std::map<uint64_t, CollectiveDone> early;
  std::optional<CollectiveDone> collDone;
  /// Group collectives arrive in program order, so every rank's k-th meets
  /// the others' k-th: the instructions in order with their loop (-1:
  /// none), and a cursor over their instances in unrolled order (a loop may
  /// run billions of times: they are not listed).
  std::vector<uint32_t> collInstrs;
  std::vector<int64_t> collLoop;
  size_t collPos = 0;
  uint32_t collIter = 0;
  uint64_t collNext = 0; // instances that arrived
  std::optional<uint64_t> nextCollective() const {
    if (collPos >= collInstrs.size())
      return std::nullopt;
    return seqOf(collInstrs[collPos], collIter);
  }
  void advanceCollective() {
    ++collNext;
    int64_t l = collLoop[collPos];
    bool lastInBody =
        collPos + 1 >= collInstrs.size() || collLoop[collPos + 1] != l;
    if (l >= 0 && lastInBody) {
      if (collIter + 1 < prog.loops[l].trips) {
        ++collIter;
        while (collPos > 0 && collLoop[collPos - 1] == l)
          --collPos;
        return;
      }
      collIter = 0;
    }
    ++collPos;
  }
  static bool isGroupCollective(Opcode op) {
    return isCollective(op) && op != Opcode::Send && op != Opcode::Recv;
  }

  struct Access {
    Region r;
    uint64_t instr; // unrolled program-order index of the instance
    uint32_t queue, epoch;
    bool write;
  };
  std::vector<Access> live[4];
  size_t pruneLimit[4] = {1024, 1024, 1024, 1024};
  std::optional<std::string> firstUninit;

  //===--------------------------------------------------------------------===//
  // Loops: instances are named by their index in the unrolled program order
  //===--------------------------------------------------------------------===//

  /// Per instruction: the unrolled index of its first instance and, inside
  /// a loop, the loop's body length (0 outside loops). Empty without loops
  /// (an instance's index is then its instruction's).
  std::vector<uint64_t> instrBase;
  std::vector<uint32_t> bodyLength;
  /// Per loop: the unrolled index of its first instance.
  std::vector<uint64_t> loopBase;
  /// Whether an instruction's iterations differ (it has nonzero steps).
  std::vector<bool> stepped;
  /// The instance being executed, when it had to be materialized.
  Instruction scratch;

  void indexLoops() {
    instrBase.clear();
    bodyLength.clear();
    loopBase.clear();
    stepped.clear();
    if (prog.loops.empty())
      return;
    size_t n = prog.instructions.size();
    instrBase.resize(n);
    bodyLength.assign(n, 0);
    stepped.resize(n);
    uint64_t seq = 0;
    size_t li = 0;
    for (uint32_t i = 0; i < n;) {
      if (li < prog.loops.size() && prog.loops[li].begin == i) {
        const Loop &l = prog.loops[li++];
        loopBase.push_back(seq);
        for (uint32_t j = 0; j < l.length; ++j) {
          instrBase[i + j] = seq + j;
          bodyLength[i + j] = l.length;
          stepped[i + j] = prog.instructions[i + j].hasSteps();
        }
        seq += uint64_t(l.length) * l.trips;
        i += l.length;
        continue;
      }
      instrBase[i++] = seq++;
    }
  }
  uint64_t seqOf(uint32_t idx, uint32_t iter) const {
    if (instrBase.empty())
      return idx;
    return instrBase[idx] + uint64_t(iter) * bodyLength[idx];
  }
  struct Where {
    uint32_t instr, iter;
    bool inLoop;
  };
  /// The instruction and iteration of the instance with unrolled index `seq`.
  Where locate(uint64_t seq) const {
    if (loopBase.empty())
      return {uint32_t(seq), 0, false};
    size_t li = std::upper_bound(loopBase.begin(), loopBase.end(), seq) -
                loopBase.begin();
    if (li == 0)
      return {uint32_t(seq), 0, false};
    const Loop &l = prog.loops[li - 1];
    uint64_t rel = seq - loopBase[li - 1];
    if (rel < uint64_t(l.length) * l.trips)
      return {uint32_t(l.begin + rel % l.length), uint32_t(rel / l.length),
              true};
    return {uint32_t(l.begin + l.length + (rel - uint64_t(l.length) * l.trips)),
            0, false};
  }
  /// Wait `i` of an instance in iteration `iter`.
  static uint32_t waitCount(const Instruction &in, size_t i, uint32_t iter) {
    return in.waits[i].count + iter * in.waitStepOf(i);
  }

  std::string who(uint64_t seq) const {
    Where w = locate(seq);
    const Instruction &in = prog.instructions[w.instr];
    std::string s = "instruction #" + std::to_string(seq) + " (" +
                    queueName(in.queue) + " " +
                    opcodeInfo(in.op).mnemonic.str();
    if (w.inLoop)
      s += ", loop iteration " + std::to_string(w.iter) + " of #" +
           std::to_string(w.instr);
    return s + ")";
  }

  /// Validates the program (memory safety, whether or not it was verified)
  /// and sizes the emulated memories from it.
  Error allocate() {
    if (allocated)
      return Error::success();
    if (Error e = validateProgram(prog, m, opt.numerics))
      return e;
    size_t n = prog.tensors.size();
    base.resize(n);
    aliasesInput.assign(n, false);
    for (size_t i = 0; i < n; ++i)
      base[i] = prog.tensors[i].offset;
    if (device) {
      if (device->address.size() != n)
        return err("device memory places " +
                   llvm::Twine(device->address.size()) + " tensors but '" +
                   prog.name + "' has " + llvm::Twine(n));
      for (size_t i = 0; i < n; ++i) {
        const TensorDecl &t = prog.tensors[i];
        base[i] = device->address[i];
        if (base[i] > device->size || t.byteSize() > device->size - base[i])
          return err("tensor '" + t.name + "' at device address " +
                     llvm::Twine(base[i]) + " with " +
                     llvm::Twine(t.byteSize()) + " bytes ends past the " +
                     llvm::Twine(device->size) + " bytes of device memory");
      }
    }
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < n && !aliasesInput[i]; ++j)
        aliasesInput[i] =
            prog.tensors[i].kind != TensorKind::Input &&
            prog.tensors[j].kind == TensorKind::Input &&
            prog.tensors[i].offset == prog.tensors[j].offset &&
            prog.tensors[i].byteSize() == prog.tensors[j].byteSize();
    allocated = true;
    size_t hbmBytes = 0;
    for (const TensorDecl &t : prog.tensors)
      hbmBytes = std::max<size_t>(hbmBytes, t.offset + t.byteSize());
    // With device memory the session has placed and written every input.
    inputSet.assign(n, device != nullptr);
    if (!opt.numerics || device)
      return Error::success();
    if (!mem[1].reset(hbmBytes) || !init[1].reset(hbmBytes))
      return err("cannot allocate " + llvm::Twine(hbmBytes) +
                 " bytes of simulated HBM on the host");
    for (const TensorDecl &t : prog.tensors) {
      if (t.kind != TensorKind::Constant)
        continue;
      if (t.byteSize() == 0) // no bytes to copy; data() may be null
        continue;
      std::memcpy(mem[1].data() + t.offset, t.data.data(), t.byteSize());
      std::memset(init[1].data() + t.offset, 1, t.byteSize());
    }
    return Error::success();
  }

  Error resetRun() {
    // Forget on-chip state and non-input HBM contents of any previous run.
    if (opt.numerics) {
      size_t sizes[4] = {0, 0,
                         size_t(m.sbuf.partitions * m.sbuf.bytesPerPartition),
                         size_t(m.psum.partitions * m.psum.bytesPerPartition)};
      for (int s = 2; s < 4; ++s)
        if (!mem[s].reset(sizes[s]) || !init[s].reset(sizes[s]))
          return err("cannot allocate the simulated SBUF/PSUM on the host");
      // (A session clears what it does not keep across runs itself.)
      for (auto [i, t] : llvm::enumerate(prog.tensors))
        if ((t.kind == TensorKind::Output || t.kind == TensorKind::Scratch) &&
            t.byteSize() > 0 && !device && !aliasesInput[i])
          std::memset(init[1].data() + t.offset, 0, t.byteSize());
    }
    psumBankBusy.assign(m.psum.banks, {0.0, -1});
    gpsimdBusFreeAt = vectorPerfFreeAt = 0;
    rep = Report();
    trace.clear();
    queues.assign(m.numQueues(), Queue());
    for (Queue &q : queues)
      q.vc.assign(m.numQueues(), 0);
    fired.assign(prog.numSemaphores, 0);
    signalTimes.assign(prog.numSemaphores, {});
    semClocks.assign(prog.numSemaphores, {});
    events = decltype(events)();
    eventSeq = 0;
    hbmFreeAt = makespan = 0;
    lastStationary.reset();
    macCycles = 0;
    for (auto &l : live)
      l.clear();
    firstUninit.reset();
    return Error::success();
  }

  /// What validateProgram cannot know: every input was set.
  Error validate() {
    for (auto [i, t] : llvm::enumerate(prog.tensors))
      if (opt.numerics && t.kind == TensorKind::Input && !inputSet[i])
        return err("input tensor '" + t.name + "' was not set");
    return Error::success();
  }

  //===--------------------------------------------------------------------===//
  // Tiles
  //===--------------------------------------------------------------------===//

  /// Resolves an operand against the emulated memories; validateProgram
  /// (run by allocate()) has checked that it lies inside them.
  Tile makeTile(const AccessPattern &ap) {
    TileExtent ext = *tileExtent(ap);
    Tile t;
    t.space = ap.space;
    t.type = ap.type;
    t.eb = elemBytes(ap.type);
    t.P = ap.partitions;
    t.F = ext.freeElements;
    int64_t lastFree = *checkedSpan(ap.sizes, ap.strides);
    t.spanBytes = (lastFree + 1) * t.eb;
    t.freeOff.resize(t.F);
    {
      size_t rank = ap.sizes.size();
      llvm::SmallVector<int64_t, 4> idxv(rank, 0);
      int64_t off = 0;
      for (int64_t i = 0; i < t.F; ++i) {
        t.freeOff[i] = off * t.eb;
        for (size_t d = rank; d-- > 0;) {
          off += ap.strides[d];
          if (++idxv[d] < ap.sizes[d])
            break;
          off -= ap.strides[d] * ap.sizes[d];
          idxv[d] = 0;
        }
      }
    }
    t.contiguous = true;
    for (int64_t i = 0; i < t.F && t.contiguous; ++i)
      t.contiguous = t.freeOff[i] == i * int64_t(t.eb);
    t.rowBase.resize(t.P);
    unsigned s = unsigned(ap.space);
    if (ap.space == MemSpace::HBM) {
      t.tensor = ap.tensor;
      for (int64_t p = 0; p < t.P; ++p)
        t.rowBase[p] = int64_t(base[ap.tensor]) +
                       (ap.offset + p * ap.partitionStride) * t.eb;
    } else {
      const Machine::Memory &mm = ap.space == MemSpace::SBUF ? m.sbuf : m.psum;
      t.firstPartition = ap.partition;
      for (int64_t p = 0; p < t.P; ++p)
        t.rowBase[p] = (ap.partition + p) * mm.bytesPerPartition + ap.offset;
      int64_t &peak =
          ap.space == MemSpace::SBUF ? rep.sbufPeakBytes : rep.psumPeakBytes;
      peak = std::max(peak, ext.end);
    }
    t.data = ap.space == MemSpace::HBM ? hbmData() : mem[s].data();
    t.init = ap.space == MemSpace::HBM ? hbmInit() : init[s].data();
    return t;
  }

  Region regionOf(const Tile &t) const {
    Region r;
    r.space = t.space;
    if (t.space == MemSpace::HBM) {
      r.p0 = 0;
      r.p1 = 1;
      // Exact bytes: each row's contiguous runs of elements. A pattern with
      // very many runs (an element-strided gather) is bounded per row.
      llvm::SmallVector<std::pair<int64_t, int64_t>, 8> runs;
      for (int64_t i = 0; i < t.F; ++i) {
        int64_t off = t.freeOff[i];
        if (!runs.empty() && runs.back().second == off)
          runs.back().second = off + t.eb;
        else
          runs.push_back({off, off + int64_t(t.eb)});
      }
      constexpr int64_t kMaxIntervals = 1 << 14;
      llvm::SmallVector<std::pair<int64_t, int64_t>, 16> rows;
      // A transposing access (partitions one element apart, free elements
      // strided) is few runs across the partitions: one per free element.
      bool partitionRuns = t.P > 1 && t.F <= kMaxIntervals;
      for (int64_t p = 1; p < t.P && partitionRuns; ++p)
        partitionRuns = t.rowBase[p] - t.rowBase[p - 1] == int64_t(t.eb);
      if (int64_t(runs.size()) * t.P > kMaxIntervals && partitionRuns) {
        for (int64_t i = 0; i < t.F; ++i)
          rows.push_back({t.rowBase[0] + t.freeOff[i],
                          t.rowBase[0] + t.freeOff[i] + t.P * int64_t(t.eb)});
        runs.clear();
      } else if (int64_t(runs.size()) * t.P > kMaxIntervals) {
        runs.clear();
        runs.push_back({0, t.spanBytes});
      }
      for (int64_t p = 0; p < t.P && !runs.empty(); ++p)
        for (auto [lo, hi] : runs)
          rows.push_back({t.rowBase[p] + lo, t.rowBase[p] + hi});
      llvm::sort(rows);
      for (auto iv : rows) {
        if (!r.ivals.empty() && iv.first <= r.ivals.back().second)
          r.ivals.back().second = std::max(r.ivals.back().second, iv.second);
        else
          r.ivals.push_back(iv);
      }
      r.lo = r.ivals.front().first;
      r.hi = r.ivals.back().second;
    } else {
      const Machine::Memory &mm = t.space == MemSpace::SBUF ? m.sbuf : m.psum;
      r.p0 = t.firstPartition;
      r.p1 = t.firstPartition + t.P;
      r.lo = t.rowBase[0] - t.firstPartition * mm.bytesPerPartition;
      r.hi = r.lo + t.spanBytes;
      r.ivals.push_back({r.lo, r.hi});
    }
    return r;
  }

  std::string describe(const Region &r) const {
    std::string s;
    llvm::raw_string_ostream os(s);
    if (r.space == MemSpace::HBM) {
      for (auto [i, t] : llvm::enumerate(prog.tensors))
        if (int64_t(base[i]) <= r.lo &&
            r.lo < int64_t(base[i] + t.byteSize())) {
          os << "hbm tensor @" << t.name << " bytes [" << r.lo - base[i] << ", "
             << r.hi - base[i] << ")";
          return s;
        }
      os << "hbm bytes [" << r.lo << ", " << r.hi << ")";
      return s;
    }
    os << memSpaceName(r.space) << " partitions [" << r.p0 << ", " << r.p1
       << ") bytes [" << r.lo << ", " << r.hi << ")";
    return s;
  }

  /// Notes the first read of never-written bytes; reported after hazards,
  /// which explain most such reads better.
  void uninitRead(uint64_t idx, const Tile &t, int64_t p, int64_t i) {
    if (firstUninit)
      return;
    std::string s;
    llvm::raw_string_ostream os(s);
    os << "read of uninitialized memory: " << who(idx) << " reads ";
    if (t.space == MemSpace::HBM) {
      const TensorDecl &td = prog.tensors[t.tensor];
      os << "hbm tensor @" << td.name << " (" << tensorKindName(td.kind)
         << ") byte " << t.addr(p, i) - int64_t(base[t.tensor]);
    } else {
      const Machine::Memory &mm = t.space == MemSpace::SBUF ? m.sbuf : m.psum;
      os << memSpaceName(t.space) << " partition " << t.firstPartition + p
         << " byte "
         << t.addr(p, i) - (t.firstPartition + p) * mm.bytesPerPartition;
    }
    os << ", which no instruction has written";
    firstUninit = s;
  }

  bool checkInit(uint64_t idx, const Tile &t, int64_t p, int64_t i) {
    const uint8_t *f = t.init + t.addr(p, i);
    for (unsigned b = 0; b < t.eb; ++b)
      if (!f[b]) {
        uninitRead(idx, t, p, i);
        return false;
      }
    return true;
  }

  /// Checks that row `p` of `t` was written (reports the first element
  /// that was not), a whole contiguous row at a time.
  void checkRowInit(uint64_t idx, const Tile &t, int64_t p) {
    if (firstUninit)
      return;
    if (t.isContiguous() &&
        !std::memchr(t.init + t.rowBase[p], 0, size_t(t.F) * t.eb))
      return;
    for (int64_t i = 0; i < t.F && !firstUninit; ++i)
      checkInit(idx, t, p, i);
  }

  /// Reads a tile as a row-major [P, F] float matrix.
  void read(uint64_t idx, const Tile &t, std::vector<float> &out) {
    out.resize(size_t(t.P * t.F));
    bool contiguous = t.isContiguous();
    for (int64_t p = 0; p < t.P; ++p) {
      float *o = out.data() + p * t.F;
      checkRowInit(idx, t, p);
      if (contiguous && t.type == ElemType::F32) {
        std::memcpy(o, t.data + t.rowBase[p], size_t(t.F) * 4);
        continue;
      }
      const uint8_t *row = t.data + t.rowBase[p];
      if (t.type == ElemType::BF16)
        for (int64_t i = 0; i < t.F; ++i)
          o[i] = decodeBF16(row + t.freeOff[i]);
      else
        for (int64_t i = 0; i < t.F; ++i)
          o[i] = decodeElement(t.type, row + t.freeOff[i]);
    }
  }

  void writeElem(const Tile &t, int64_t p, int64_t i, float v) {
    int64_t a = t.addr(p, i);
    encodeElement(t.type, v, t.data + a);
    std::memset(t.init + a, 1, t.eb);
  }

  void write(const Tile &t, const float *v) {
    bool contiguous = t.isContiguous();
    for (int64_t p = 0; p < t.P; ++p) {
      const float *row = v + p * t.F;
      if (contiguous) {
        uint8_t *d = t.data + t.rowBase[p];
        if (t.type == ElemType::F32)
          std::memcpy(d, row, size_t(t.F) * 4);
        else if (t.type == ElemType::BF16)
          for (int64_t i = 0; i < t.F; ++i)
            encodeBF16(row[i], d + i * 2);
        else
          for (int64_t i = 0; i < t.F; ++i)
            encodeElement(t.type, row[i], d + i * t.eb);
        std::memset(t.init + t.rowBase[p], 1, size_t(t.F) * t.eb);
        continue;
      }
      for (int64_t i = 0; i < t.F; ++i)
        writeElem(t, p, i, row[i]);
    }
  }

  //===--------------------------------------------------------------------===//
  // Hazards
  //===--------------------------------------------------------------------===//

  Error checkHazards(const Instruction &in, uint64_t idx, const VClock &vc,
                     llvm::ArrayRef<std::pair<Region, bool>> accesses) {
    uint32_t q = in.queue;
    for (const auto &[r, w] : accesses) {
      for (const Access &a : live[unsigned(r.space)]) {
        if (a.queue == q || (!a.write && !w) || vc[a.queue] >= a.epoch)
          continue;
        auto shared = overlaps(a.r, r);
        if (!shared)
          continue;
        bool newFirst = idx < a.instr;
        uint64_t i1 = newFirst ? idx : a.instr, i2 = newFirst ? a.instr : idx;
        bool w1 = newFirst ? w : a.write, w2 = newFirst ? a.write : w;
        Region both = r;
        both.p0 = std::max(r.p0, a.r.p0);
        both.p1 = std::min(r.p1, a.r.p1);
        std::tie(both.lo, both.hi) = *shared;
        return err("hazard: " + who(i1) + (w1 ? " writes " : " reads ") +
                   describe(both) + " while " + who(i2) +
                   (w2 ? " writes" : " reads") +
                   " them with no semaphore ordering between the two");
      }
    }
    for (const auto &[r, w] : accesses) {
      std::vector<Access> &l = live[unsigned(r.space)];
      l.push_back({r, idx, q, vc[q], w});
      size_t &limit = pruneLimit[unsigned(r.space)];
      if (l.size() > limit) {
        prune(l);
        limit = std::max<size_t>(1024, 2 * l.size());
      }
    }
    return Error::success();
  }

  /// Drops accesses that happen before everything any queue will still run.
  void prune(std::vector<Access> &l) {
    llvm::erase_if(l, [&](const Access &a) {
      for (uint32_t q = 0; q < queues.size(); ++q) {
        const Queue &qs = queues[q];
        if (q == a.queue || qs.done())
          continue;
        if (qs.vc[a.queue] < a.epoch)
          return false;
      }
      return true;
    });
  }

  //===--------------------------------------------------------------------===//
  // Execution
  //===--------------------------------------------------------------------===//

  struct Cost {
    double startNs, endNs, visibleNs, exposedLoadNs = 0;
  };

  Error shapeError(uint64_t idx, const llvm::Twine &msg) {
    return err(who(idx) + ": " + msg);
  }

  /// Runs one instance's numerics and returns its timing; `idx` is its
  /// unrolled program-order index.
  llvm::Expected<Cost> execute(const Instruction &in, uint64_t idx,
                               double ready, const VClock &vc) {
    Queue &q = queues[in.queue];
    llvm::SmallVector<Tile, 4> tiles;
    for (unsigned i = 0; i < in.operands.size(); ++i) {
      if (!in.operands[i].present()) {
        tiles.emplace_back();
        continue;
      }
      tiles.push_back(makeTile(in.operands[i]));
    }
    while (tiles.size() < opcodeInfo(in.op).operands.size())
      tiles.emplace_back();

    if (opt.checkHazards) {
      llvm::SmallVector<std::pair<Region, bool>, 4> acc;
      for (unsigned i = 0; i < tiles.size(); ++i) {
        if (!tiles[i].present())
          continue;
        bool w = (i == 0 && in.op != Opcode::Send) ||
                 (in.op == Opcode::Activation && i == 3);
        acc.push_back({regionOf(tiles[i]), w});
      }
      if (Error e = checkHazards(in, idx, vc, acc))
        return std::move(e);
    }

    double start = std::max(q.freeAt, ready);
    if (isCollective(in.op))
      return finishCollective(in, tiles, start);
    Engine eng = engineOfQueue(in.queue);
    std::vector<float> a, b, c;
    Cost cost{start, start, start};

    switch (in.op) {
    case Opcode::Nop:
      return cost;

    case Opcode::Dma: {
      const Tile &d = tiles[0], &s = tiles[1];
      bool transpose = in.params[0] != 0;
      if (d.space == MemSpace::PSUM || s.space == MemSpace::PSUM ||
          (d.space == MemSpace::HBM && s.space == MemSpace::HBM))
        return shapeError(
            idx, "DMA moves between HBM and SBUF or SBUF and SBUF only");
      if (transpose) {
        if (!m.dma.transposes(s.eb))
          return shapeError(idx, "DMA transpose of " + llvm::Twine(s.eb) +
                                     "-byte elements: target '" + m.name +
                                     "' transposes only the sizes in "
                                     "dma.transpose_element_bytes");
        if (d.P != s.F || d.F != s.P || d.eb != s.eb)
          return shapeError(idx, "DMA transpose of a [" + llvm::Twine(s.P) +
                                     ", " + llvm::Twine(s.F) +
                                     "] tile needs a [" + llvm::Twine(s.F) +
                                     ", " + llvm::Twine(s.P) +
                                     "] dst of the same element size");
      } else if (d.P != s.P || d.F != s.F) {
        return shapeError(idx, "dst is [" + llvm::Twine(d.P) + ", " +
                                   llvm::Twine(d.F) + "] but src is [" +
                                   llvm::Twine(s.P) + ", " + llvm::Twine(s.F) +
                                   "]");
      }
      if (opt.numerics) {
        // Element copy in dst order; whole rows when both sides are
        // contiguous rows of the same type.
        bool same = d.type == s.type;
        for (int64_t p = 0; p < s.P; ++p) // the source, row by row
          checkRowInit(idx, s, p);
        bool rows = same && !transpose && s.isContiguous() && d.isContiguous();
        for (int64_t p = 0; rows && p < d.P; ++p) {
          size_t n = size_t(d.F) * d.eb;
          std::memmove(d.data + d.rowBase[p], s.data + s.rowBase[p], n);
          std::memset(d.init + d.rowBase[p], 1, n);
        }
        for (int64_t p = 0; !rows && p < d.P; ++p) {
          for (int64_t i = 0; i < d.F; ++i) {
            int64_t sp = transpose ? i : p, si = transpose ? p : i;
            const uint8_t *src = s.data + s.addr(sp, si);
            uint8_t *dst = d.data + d.addr(p, i);
            if (same)
              std::memmove(dst, src, d.eb);
            else
              encodeElement(d.type, decodeElement(s.type, src), dst);
            if (!d.isContiguous())
              std::memset(d.init + d.addr(p, i), 1, d.eb);
          }
          if (d.isContiguous())
            std::memset(d.init + d.rowBase[p], 1, size_t(d.F) * d.eb);
        }
      }
      InstrCost ic = instructionCost(m, in);
      double end = start + ic.busyNs;
      if (ic.dma.hbmBytes > 0) {
        double hbmStart = std::max(hbmFreeAt, start);
        hbmFreeAt = hbmStart + hbmChannelNs(m, ic.dma.hbmBytes);
        end = std::max(end, hbmFreeAt);
        if (s.space == MemSpace::HBM)
          rep.hbmBytesRead += ic.dma.hbmBytes;
        else
          rep.hbmBytesWritten += ic.dma.hbmBytes;
      }
      cost.endNs = cost.visibleNs = end;
      return cost;
    }

    case Opcode::DmaGather:
    case Opcode::DmaScatter: {
      bool gather = in.op == Opcode::DmaGather;
      const Tile &rows = tiles[gather ? 0 : 1], &table = tiles[gather ? 1 : 0];
      const Tile &ix = tiles[2];
      if (std::optional<std::string> msg = checkIndirectDmaTiles(
              in.operands[gather ? 0 : 1], in.operands[gather ? 1 : 0],
              in.operands[2]))
        return shapeError(idx, *msg);
      if (opt.numerics) {
        size_t n = size_t(rows.F) * rows.eb;
        for (int64_t p = 0; p < rows.P; ++p) {
          checkRowInit(idx, ix, p);
          if (firstUninit) // an index never written: no row to move
            return err(*firstUninit);
          int32_t r;
          std::memcpy(&r, ix.data + ix.rowBase[p], 4);
          if (r < 0 || r >= table.P)
            return shapeError(
                idx, "index " + llvm::Twine(r) + " in row " + llvm::Twine(p) +
                         " of the indices tile (SBUF partition " +
                         llvm::Twine(ix.firstPartition + p) +
                         ") is outside the table's " + llvm::Twine(table.P) +
                         " rows [0, " + llvm::Twine(table.P) + ")");
          const Tile &s = gather ? table : rows, &d = gather ? rows : table;
          int64_t sp = gather ? r : p, dp = gather ? p : r;
          checkRowInit(idx, s, sp);
          if (s.isContiguous() && d.isContiguous()) {
            std::memmove(d.data + d.rowBase[dp], s.data + s.rowBase[sp], n);
            std::memset(d.init + d.rowBase[dp], 1, n);
            continue;
          }
          for (int64_t i = 0; i < d.F; ++i) {
            std::memmove(d.data + d.addr(dp, i), s.data + s.addr(sp, i), d.eb);
            std::memset(d.init + d.addr(dp, i), 1, d.eb);
          }
        }
      }
      InstrCost ic = instructionCost(m, in);
      double end = start + ic.busyNs;
      double hbmStart = std::max(hbmFreeAt, start);
      hbmFreeAt = hbmStart + hbmChannelNs(m, ic.dma.hbmBytes);
      end = std::max(end, hbmFreeAt);
      (gather ? rep.hbmBytesRead : rep.hbmBytesWritten) += ic.dma.hbmBytes;
      cost.endNs = cost.visibleNs = end;
      return cost;
    }

    case Opcode::Matmul:
    case Opcode::Transpose: {
      bool isMatmul = in.op == Opcode::Matmul;
      const Tile &d = tiles[0], &st = tiles[1];
      int64_t K = st.P, M = st.F, N;
      ElemType et = st.type;
      if (isMatmul) {
        const Tile &mv = tiles[2];
        N = mv.F;
        if (mv.P != K || d.P != M || d.F != N)
          return shapeError(
              idx, "matmul needs stationary [K, M], moving [K, N] "
                   "and dst [M, N]; got stationary [" +
                       llvm::Twine(K) + ", " + llvm::Twine(M) + "], moving [" +
                       llvm::Twine(mv.P) + ", " + llvm::Twine(N) + "], dst [" +
                       llvm::Twine(d.P) + ", " + llvm::Twine(d.F) + "]");
        if (d.space != MemSpace::PSUM || st.space != MemSpace::SBUF ||
            mv.space != MemSpace::SBUF)
          return shapeError(idx, "matmul reads SBUF operands into a PSUM dst");
        if (opt.numerics) {
          read(idx, st, a);
          read(idx, mv, b);
          std::vector<float> r(size_t(M * N));
          // R[M, N] = S^T V: S is [K, M] row-major, read transposed.
          gemm(M, N, K, MatrixView{a.data(), 1, M}, MatrixView{b.data(), N, 1},
               r.data(), N);
          if (in.params[0] != 0) { // the product is added to the PSUM tile
            read(idx, d, c);
            for (size_t i = 0; i < r.size(); ++i)
              r[i] += c[i];
          }
          write(d, r.data());
        }
        double peak = m.peakMacsPerCycle(et);
        if (peak > 0)
          macCycles += double(K) * double(M) * double(N) / peak;
        rep.macs += uint64_t(K * M * N);
      } else {
        // Transpose streams an identity as the moving tile: N = partitions.
        N = K;
        if (d.P != st.F || d.F != st.P)
          return shapeError(idx, "transpose of a [" + llvm::Twine(st.P) + ", " +
                                     llvm::Twine(st.F) + "] src needs a [" +
                                     llvm::Twine(st.F) + ", " +
                                     llvm::Twine(st.P) + "] dst");
        if (d.space != MemSpace::PSUM || st.space != MemSpace::SBUF)
          return shapeError(idx, "transpose reads SBUF into PSUM");
        if (opt.numerics) {
          read(idx, st, a);
          for (int64_t p = 0; p < st.P; ++p)
            for (int64_t i = 0; i < st.F; ++i)
              writeElem(d, i, p, a[p * st.F + i]);
        }
      }
      double perCol = m.pe.mmCyclesPerColumn[unsigned(et)];
      if (!(perCol > 0))
        return shapeError(idx, "target '" + m.name +
                                   "' gives no pe.mm_cycles_per_column for " +
                                   elemTypeName(et));
      InstrCost ic = instructionCost(m, in);
      const AccessPattern &stAp = in.operands[1];
      bool reuse = lastStationary && *lastStationary == stAp;
      double lsNs = reuse ? 0 : ic.loadStationaryNs;
      lastStationary = stAp;
      // LoadStationary runs in the background from the moment both the
      // operands are ready and the previous PE instruction has issued.
      double lsStart = std::max(ready, q.lastStart);
      double issue = std::max({q.freeAt, ready, lsStart + lsNs});
      cost.exposedLoadNs = issue - start;
      cost.endNs = issue + ic.busyNs;
      cost.visibleNs = cost.endNs + ic.visibleDelayNs;
      return cost;
    }

    default:
      break;
    }

    // Vector / Scalar / GpSimd instructions: compute, then cost by engine.
    const Tile &d = tiles[0];
    auto sameShape = [&](const Tile &x, StringRef role) -> Error {
      if (x.P != d.P || x.F != d.F)
        return shapeError(idx, "dst is [" + llvm::Twine(d.P) + ", " +
                                   llvm::Twine(d.F) + "] but " + role +
                                   " is [" + llvm::Twine(x.P) + ", " +
                                   llvm::Twine(x.F) + "]");
      return Error::success();
    };
    auto perPartition = [&](const Tile &x, StringRef role) -> Error {
      if (x.present() && (x.P != d.P || x.F != 1))
        return shapeError(idx, role + " must be a [" + llvm::Twine(d.P) +
                                   ", 1] per-partition tile");
      return Error::success();
    };
    auto enumParam = [&](double v, unsigned limit,
                         StringRef what) -> llvm::Expected<unsigned> {
      if (!(v >= 0 && v < limit && v == std::floor(v)))
        return shapeError(idx, "bad " + what + " code " + std::to_string(v));
      return unsigned(v);
    };
    if (d.space == MemSpace::HBM)
      return shapeError(idx, "compute engines cannot write HBM");
    for (const Tile &t : tiles)
      if (t.present() && t.space == MemSpace::HBM)
        return shapeError(idx, "compute engines cannot read HBM");

    switch (in.op) {
    case Opcode::Activation: {
      const Tile &s = tiles[1], &bias = tiles[2], &acc = tiles[3];
      if (Error e = sameShape(s, "src"))
        return std::move(e);
      if (Error e = perPartition(bias, "bias"))
        return std::move(e);
      if (Error e = perPartition(acc, "accum"))
        return std::move(e);
      auto f = enumParam(in.params[0], 13, "activation function");
      if (!f)
        return f.takeError();
      if (!opt.numerics)
        break;
      float scale = float(in.params[1]);
      read(idx, s, a);
      if (bias.present())
        read(idx, bias, b);
      std::vector<float> sums(d.P, 0.0f);
      for (int64_t p = 0; p < d.P; ++p) {
        float bv = bias.present() ? b[p] : 0.0f;
        for (int64_t i = 0; i < d.F; ++i) {
          float &x = a[p * d.F + i];
          x = activate(ActFunc(*f), x * scale + bv);
          sums[p] += x;
        }
      }
      write(d, a.data());
      if (acc.present())
        write(acc, sums.data());
      break;
    }
    case Opcode::TensorTensor: {
      const Tile &l = tiles[1], &r = tiles[2];
      if (Error e = sameShape(l, "lhs"))
        return std::move(e);
      if (Error e = sameShape(r, "rhs"))
        return std::move(e);
      auto op = enumParam(in.params[0], 8, "ALU op");
      if (!op)
        return op.takeError();
      if (!opt.numerics)
        break;
      read(idx, l, a);
      read(idx, r, b);
      for (size_t i = 0; i < a.size(); ++i)
        a[i] = alu(AluOp(*op), a[i], b[i]);
      write(d, a.data());
      break;
    }
    case Opcode::TensorScalar: {
      const Tile &s = tiles[1], &s0 = tiles[2], &s1 = tiles[3];
      if (Error e = sameShape(s, "src"))
        return std::move(e);
      if (Error e = perPartition(s0, "scalar0"))
        return std::move(e);
      if (Error e = perPartition(s1, "scalar1"))
        return std::move(e);
      auto op0 = enumParam(in.params[0], 8, "ALU op0");
      if (!op0)
        return op0.takeError();
      auto op1 = enumParam(in.params[2], 8, "ALU op1");
      if (!op1)
        return op1.takeError();
      if (!opt.numerics)
        break;
      read(idx, s, a);
      std::vector<float> v0(d.P, float(in.params[1])),
          v1(d.P, float(in.params[3]));
      if (s0.present())
        read(idx, s0, v0);
      if (s1.present())
        read(idx, s1, v1);
      for (int64_t p = 0; p < d.P; ++p)
        for (int64_t i = 0; i < d.F; ++i) {
          float &x = a[p * d.F + i];
          if (AluOp(*op0) != AluOp::Bypass)
            x = alu(AluOp(*op0), x, v0[p]);
          if (AluOp(*op1) != AluOp::Bypass)
            x = alu(AluOp(*op1), x, v1[p]);
        }
      write(d, a.data());
      break;
    }
    case Opcode::TensorReduce: {
      const Tile &s = tiles[1];
      const AccessPattern &sap = in.operands[1];
      auto op = enumParam(in.params[0], 8, "ALU op");
      if (!op)
        return op.takeError();
      AluOp rop = AluOp(*op);
      if (rop != AluOp::Add && rop != AluOp::Max && rop != AluOp::Min)
        return shapeError(idx,
                          "tensor_reduce reduces with add, max or min only");
      int64_t rank = sap.sizes.size();
      double nax = in.params[1];
      if (!(nax >= 1 && nax <= rank && nax == std::floor(nax)))
        return shapeError(idx, "naxes " + std::to_string(nax) +
                                   " must be in [1, " + llvm::Twine(rank) +
                                   "]");
      int64_t inner = 1;
      for (int64_t i = rank - int64_t(nax); i < rank; ++i)
        inner *= sap.sizes[i];
      int64_t outer = s.F / inner;
      if (d.P != s.P || d.F != outer)
        return shapeError(idx, "dst must be [" + llvm::Twine(s.P) + ", " +
                                   llvm::Twine(outer) + "]");
      if (!opt.numerics)
        break;
      read(idx, s, a);
      std::vector<float> r(size_t(d.P * outer));
      for (int64_t p = 0; p < d.P; ++p)
        for (int64_t o = 0; o < outer; ++o) {
          const float *x = &a[p * s.F + o * inner];
          float accv = x[0];
          for (int64_t j = 1; j < inner; ++j)
            accv = alu(rop, accv, x[j]);
          r[p * outer + o] = accv;
        }
      write(d, r.data());
      break;
    }
    case Opcode::TensorCopy: {
      const Tile &s = tiles[1];
      if (Error e = sameShape(s, "src"))
        return std::move(e);
      if (!opt.numerics)
        break;
      read(idx, s, a);
      write(d, a.data());
      break;
    }
    case Opcode::Iota:
    case Opcode::AffineSelect: {
      const AccessPattern &dap = in.operands[0];
      bool select = in.op == Opcode::AffineSelect;
      unsigned firstCoef = select ? 3 : 2;
      if (in.params.size() - firstCoef != dap.sizes.size())
        return shapeError(idx,
                          "needs one coefficient per free dimension of dst (" +
                              llvm::Twine(dap.sizes.size()) + "), got " +
                              llvm::Twine(in.params.size() - firstCoef));
      if (select)
        if (Error e = sameShape(tiles[1], "src"))
          return std::move(e);
      if (!opt.numerics)
        break;
      double base = in.params[firstCoef - 2], cm = in.params[firstCoef - 1];
      // affine(p, i) = base + cm * p + sum_d coef_d * idx_d
      std::vector<double> freeTerm(d.F);
      {
        size_t rank = dap.sizes.size();
        llvm::SmallVector<int64_t, 4> iv(rank, 0);
        for (int64_t i = 0; i < d.F; ++i) {
          double v = 0;
          for (size_t k = 0; k < rank; ++k)
            v += in.params[firstCoef + k] * double(iv[k]);
          freeTerm[i] = v;
          for (size_t k = rank; k-- > 0;) {
            if (++iv[k] < dap.sizes[k])
              break;
            iv[k] = 0;
          }
        }
      }
      if (select) {
        const Tile &s = tiles[1];
        read(idx, s, a);
        float fill = float(in.params[0]);
        for (int64_t p = 0; p < d.P; ++p)
          for (int64_t i = 0; i < d.F; ++i)
            if (base + cm * double(p) + freeTerm[i] < 0)
              a[p * d.F + i] = fill;
        write(d, a.data());
      } else {
        for (int64_t p = 0; p < d.P; ++p)
          for (int64_t i = 0; i < d.F; ++i) {
            double v = base + cm * double(p) + freeTerm[i];
            if (d.type == ElemType::I32) {
              int32_t iv = int32_t(std::clamp(v, -2147483648.0, 2147483647.0));
              int64_t addr = d.addr(p, i);
              std::memcpy(d.data + addr, &iv, 4);
              std::memset(d.init + addr, 1, 4);
            } else {
              writeElem(d, p, i, float(v));
            }
          }
      }
      break;
    }
    default:
      return shapeError(idx, "opcode not handled by the simulator");
    }

    if (eng != Engine::Vector && eng != Engine::GpSimd && eng != Engine::Scalar)
      return shapeError(idx, "runs on an engine that cannot execute it");
    InstrCost ic = instructionCost(m, in);
    double dur = ic.busyNs;
    // Vector and Scalar access PSUM banks in parallel only when the banks
    // differ (any two accesses serialise on a machine without that).
    llvm::SmallVector<int64_t, 4> banks;
    for (const Tile &t : tiles) {
      if (!t.present() || t.space != MemSpace::PSUM)
        continue;
      int64_t bb = m.psum.bankBytes();
      const AccessPattern &ap = in.operands[&t - tiles.data()];
      for (int64_t b = ap.offset / bb;
           b <= (ap.offset + t.spanBytes - 1) / bb && b < m.psum.banks; ++b)
        banks.push_back(b);
      if (!m.psum.parallelBankAccess)
        for (int64_t b = 0; b < m.psum.banks; ++b)
          banks.push_back(b);
    }
    for (int64_t b : banks)
      if (psumBankBusy[b].second != int(in.queue))
        start = std::max(start, psumBankBusy[b].first);
    // Vector performance mode and GpSimd arbitrate for a shared bus.
    if (m.vector.perfModeSharesGpSimdBus) {
      if (eng == Engine::GpSimd)
        start = std::max(start, vectorPerfFreeAt);
      else if (ic.perfMode)
        start = std::max(start, gpsimdBusFreeAt);
    }
    double end = start + dur;
    for (int64_t b : banks)
      psumBankBusy[b] = {std::max(psumBankBusy[b].first, end), int(in.queue)};
    if (eng == Engine::GpSimd)
      gpsimdBusFreeAt = end;
    else if (ic.perfMode)
      vectorPerfFreeAt = end;
    cost.startNs = start;
    cost.endNs = cost.visibleNs = end;
    return cost;
  }

  /// A collective's time and values come from the port (collDone).
  Cost finishCollective(const Instruction &in, llvm::ArrayRef<Tile> tiles,
                        double start) {
    CollectiveDone &d = *collDone;
    if (opt.numerics && in.op != Opcode::Send && !d.values.empty() &&
        int64_t(d.values.size()) == tiles[0].P * tiles[0].F)
      write(tiles[0], d.values.data());
    rep.hbmBytesRead += d.hbmBytesRead;
    rep.hbmBytesWritten += d.hbmBytesWritten;
    Cost cost{start, std::max(start, d.endNs), std::max(start, d.endNs)};
    collDone.reset();
    return cost;
  }

  /// Delivers a collective instance to the port (or asks it again after
  /// a resume); nullopt while the other cores have not arrived.
  /// Whether the collective at the head of a queue can run: complete (its
  /// end is known), pending, or not yet arrived, in which case it arrives
  /// now (group collectives in program order only).
  llvm::Expected<bool> collectiveReady(uint32_t idx, uint32_t iter,
                                       uint64_t seq, double start) {
    if (completed.count(seq))
      return true;
    if (llvm::any_of(pending,
                     [&](const PendingCollective &p) { return p.seq == seq; }))
      return false;
    const Instruction &head = prog.instructions[idx];
    bool group = isGroupCollective(head.op);
    if (group && nextCollective() != seq)
      return false; // an earlier collective of this core arrives first
    if (!port)
      return err(who(seq) + ": a collective needs a multi-core run "
                            "(muir-sim --cores=N)");
    PendingCollective p{seq, idx, iter, start, group ? collNext : 0};
    if (group)
      advanceCollective();
    llvm::Expected<std::optional<CollectiveDone>> r = arriveAt(p, true);
    if (!r)
      return r.takeError();
    // A send completes on its own. Anything else may have completed because
    // this core happened to arrive last: keep it pending all the same, so
    // that when the core takes it never depends on the other threads.
    if (*r && head.op == Opcode::Send) {
      completed[seq] = std::move(**r);
      return true;
    }
    if (*r)
      early[seq] = std::move(**r);
    pending.push_back(p);
    return false;
  }

  llvm::Expected<std::optional<CollectiveDone>>
  arriveAt(const PendingCollective &p, bool first) {
    if (auto it = early.find(p.seq); !first && it != early.end()) {
      CollectiveDone d = std::move(it->second);
      early.erase(it);
      return d;
    }
    Instruction inst = p.iter > 0 && stepped[p.instr]
                           ? instructionAt(prog.instructions[p.instr], p.iter)
                           : prog.instructions[p.instr];
    CollectiveArrival a;
    a.rank = rank;
    a.instruction = &inst;
    a.instructionIndex = p.instr;
    a.instance = p.seq;
    a.ordinal = p.ordinal;
    a.startNs = p.start;
    if (first && inst.op != Opcode::Recv && opt.numerics)
      read(p.seq, makeTile(inst.operands[inst.op == Opcode::Send ? 0 : 1]),
           a.values);
    if (inst.op == Opcode::Recv)
      a.dstElements = inst.operands[0].numElements();
    return port->arrive(a, first);
  }

  void fire(const Event &e) {
    const Instruction &in = prog.instructions[e.instr];
    for (uint32_t s : in.signals) {
      ++fired[s];
      signalTimes[s].push_back(e.time);
      if (opt.checkHazards) {
        // Cumulative: count >= n means the first n signals all happened.
        VClock vc = semClocks[s].empty() ? VClock(m.numQueues(), 0)
                                         : semClocks[s].back();
        join(vc, e.clock);
        semClocks[s].push_back(std::move(vc));
      }
    }
  }

  Error deadlock() {
    std::string msg = "deadlock: no queue can make progress";
    for (const Queue &q : queues) {
      if (q.done())
        continue;
      uint32_t idx = q.instrs[q.next];
      const Instruction &in = prog.instructions[idx];
      for (size_t i = 0; i < in.waits.size(); ++i) {
        SemWait w{in.waits[i].semaphore, waitCount(in, i, q.headIter())};
        if (fired[w.semaphore] < w.count) {
          msg += "; " + who(seqOf(idx, q.headIter())) +
                 " waits for semaphore " + std::to_string(w.semaphore) +
                 " to reach " + std::to_string(w.count) +
                 " but it was signalled " + std::to_string(fired[w.semaphore]) +
                 " time" + (fired[w.semaphore] == 1 ? "" : "s");
          break;
        }
      }
    }
    return err(msg);
  }

  Error run() {
    llvm::Expected<bool> done = runUntilBlocked(false);
    if (!done)
      return done.takeError();
    return Error::success(); // without a port nothing suspends
  }

  llvm::Expected<bool> runUntilBlocked(bool anyComplete) {
    takeAnyComplete = anyComplete;
    if (!started) {
      if (Error e = start())
        return std::move(e);
      started = true;
    }
    llvm::Expected<bool> r = loop();
    if (!r || *r)
      started = false;
    return r;
  }

  Error start() {
    if (Error e = allocate())
      return e;
    if (Error e = resetRun())
      return e;
    if (Error e = validate())
      return e;
    if (!(m.pe.clockHz > 0 && m.vector.clockHz > 0 && m.scalar.clockHz > 0 &&
          m.gpsimd.clockHz > 0 && m.dma.queueBytesPerS > 0 &&
          m.hbm.bytesPerS > 0 && m.pe.loadStationarySpeedup > 0))
      return err("target '" + m.name + "' has a zero clock or bandwidth");
    indexLoops();
    size_t li = 0;
    for (auto [idx, in] : llvm::enumerate(prog.instructions)) {
      Queue &q = queues[in.queue];
      while (li < prog.loops.size() &&
             idx >= uint64_t(prog.loops[li].begin) + prog.loops[li].length)
        ++li;
      if (li < prog.loops.size() && idx >= prog.loops[li].begin) {
        if (q.segs.empty() || q.segs.back().loop != li)
          q.segs.push_back({q.instrs.size(), q.instrs.size(),
                            prog.loops[li].trips, uint32_t(li)});
        ++q.segs.back().end;
      }
      q.instrs.push_back(idx);
    }
    collInstrs.clear();
    collLoop.clear();
    collPos = collIter = 0;
    collNext = 0;
    pending.clear();
    completed.clear();
    early.clear();
    collDone.reset();
    size_t loop = 0;
    for (auto [idx, in] : llvm::enumerate(prog.instructions)) {
      while (loop < prog.loops.size() &&
             idx >= uint64_t(prog.loops[loop].begin) + prog.loops[loop].length)
        ++loop;
      if (!isGroupCollective(in.op))
        continue;
      collInstrs.push_back(idx);
      collLoop.push_back(loop < prog.loops.size() &&
                                 idx >= prog.loops[loop].begin
                             ? int64_t(loop)
                             : -1);
    }
    return Error::success();
  }

  /// The event loop; false when a collective suspended it.
  llvm::Expected<bool> loop() {
    uint32_t nq = m.numQueues();
    while (true) {
      int best = -1;
      double bestReady = 0, bestStart = 0;
      uint64_t bestSeq = 0;
      for (uint32_t qi = 0; qi < nq; ++qi) {
        Queue &q = queues[qi];
        if (q.done())
          continue;
        const Instruction &in = prog.instructions[q.instrs[q.next]];
        uint32_t iter = q.headIter();
        bool ok = true;
        double ready = 0;
        for (size_t i = 0; i < in.waits.size(); ++i) {
          uint32_t s = in.waits[i].semaphore, count = waitCount(in, i, iter);
          if (count == 0)
            continue;
          if (fired[s] < count) {
            ok = false;
            break;
          }
          ready = std::max(ready, signalTimes[s][count - 1] +
                                      semaphoreLatencyNs(m, qi));
        }
        if (!ok)
          continue;
        double start = std::max(q.freeAt, ready);
        uint64_t seq = seqOf(q.instrs[q.next], iter);
        if (isCollective(in.op)) {
          llvm::Expected<bool> ready =
              collectiveReady(q.instrs[q.next], iter, seq, start);
          if (!ready)
            return ready.takeError();
          if (!*ready)
            continue;
        }
        if (best < 0 || start < bestStart ||
            (start == bestStart && seq < bestSeq)) {
          best = int(qi);
          bestStart = start;
          bestReady = ready;
          bestSeq = seq;
        }
      }
      if (best < 0 && events.empty()) {
        if (pending.empty())
          break;
        // Nothing else can run: wait for the earliest pending collective
        // (or, when the driver says every core is stuck, take every one
        // that is complete).
        llvm::sort(pending, [](const auto &a, const auto &b) {
          return std::tie(a.start, a.seq) < std::tie(b.start, b.seq);
        });
        bool took = false;
        for (size_t i = 0; i < pending.size();) {
          llvm::Expected<std::optional<CollectiveDone>> r =
              arriveAt(pending[i], false);
          if (!r)
            return r.takeError();
          if (*r) {
            completed[pending[i].seq] = std::move(**r);
            pending.erase(pending.begin() + i);
            took = true;
            if (!takeAnyComplete)
              break;
          } else if (!takeAnyComplete) {
            break;
          } else {
            ++i;
          }
        }
        if (!took)
          return false;
        ++progress;
        continue;
      }
      if (best < 0 || (!events.empty() && events.top().time < bestStart)) {
        Event e = events.top();
        events.pop();
        fire(e);
        continue;
      }
      Queue &q = queues[best];
      uint32_t idx = q.instrs[q.next];
      uint32_t iter = q.headIter();
      const Instruction *cur = &prog.instructions[idx];
      if (iter > 0 && stepped[idx]) {
        scratch = instructionAt(*cur, iter);
        cur = &scratch;
      }
      const Instruction &in = *cur;
      if (isCollective(in.op)) {
        auto it = completed.find(bestSeq);
        collDone = std::move(it->second);
        completed.erase(it);
      }
      if (opt.checkHazards) {
        for (const SemWait &w : in.waits)
          if (w.count > 0)
            join(q.vc, semClocks[w.semaphore][w.count - 1]);
        ++q.vc[best];
      }
      auto cost = execute(in, bestSeq, bestReady, q.vc);
      if (!cost)
        return cost.takeError();
      q.advance();
      ++q.count;
      ++progress;
      q.busy += cost->endNs - cost->startNs;
      q.lastStart = cost->startNs + cost->exposedLoadNs;
      q.freeAt = cost->endNs;
      makespan = std::max({makespan, cost->endNs, cost->visibleNs});
      if (!in.signals.empty())
        events.push({cost->visibleNs, eventSeq++, idx,
                     opt.checkHazards ? q.vc : VClock()});
      if (opt.trace)
        trace.push_back({bestSeq, cost->startNs, cost->endNs, cost->visibleNs,
                         cost->exposedLoadNs});
    }
    for (const Queue &q : queues)
      if (!q.done())
        return deadlock();
    if (firstUninit)
      return err(*firstUninit);
    finishReport();
    return true;
  }

  void finishReport() {
    uint32_t nq = m.numQueues();

    rep.seconds = makespan * 1e-9;
    rep.cycles = rep.seconds * m.pe.clockHz;
    rep.instructions = prog.executedInstructions();
    rep.peUtilization = rep.cycles > 0 ? macCycles / rep.cycles : 0;
    for (uint32_t qi = 0; qi < nq; ++qi) {
      QueueStats s;
      s.name = queueName(qi);
      s.busyNs = queues[qi].busy;
      s.busyFraction = makespan > 0 ? queues[qi].busy / makespan : 0;
      s.instructions = queues[qi].count;
      rep.queues.push_back(s);
    }
  }

  std::string traceJson() const {
    std::string out;
    llvm::raw_string_ostream os(out);
    llvm::json::OStream j(os);
    j.object([&] {
      j.attribute("displayTimeUnit", "ns");
      j.attributeArray("traceEvents", [&] {
        traceEvents(j, 0, "NeuronCore " + prog.name + " (" + m.name + ")");
      });
    });
    return out;
  }

  void traceEvents(llvm::json::OStream &j, int64_t pid,
                   const std::string &processName) const {
    j.object([&] {
      j.attribute("name", "process_name");
      j.attribute("ph", "M");
      j.attribute("pid", pid);
      j.attributeObject("args", [&] { j.attribute("name", processName); });
    });
    for (uint32_t q = 0; q < m.numQueues(); ++q) {
      j.object([&] {
        j.attribute("name", "thread_name");
        j.attribute("ph", "M");
        j.attribute("pid", pid);
        j.attribute("tid", int64_t(q));
        j.attributeObject("args", [&] { j.attribute("name", queueName(q)); });
      });
      j.object([&] {
        j.attribute("name", "thread_sort_index");
        j.attribute("ph", "M");
        j.attribute("pid", pid);
        j.attribute("tid", int64_t(q));
        j.attributeObject("args",
                          [&] { j.attribute("sort_index", int64_t(q)); });
      });
    }
    for (const TraceRecord &r : trace) {
      Where where = locate(r.instr);
      Instruction inst =
          instructionAt(prog.instructions[where.instr], where.iter);
      const Instruction &in = inst;
      uint32_t instr = where.instr;
      const OpcodeInfo &info = opcodeInfo(in.op);
      j.object([&] {
        j.attribute("name", info.mnemonic);
        j.attribute("cat", engineName(engineOfQueue(in.queue)));
        j.attribute("ph", "X");
        j.attribute("pid", pid);
        j.attribute("tid", int64_t(in.queue));
        j.attribute("ts", r.startNs / 1000.0);
        j.attribute("dur", (r.endNs - r.startNs) / 1000.0);
        j.attributeObject("args", [&] {
          j.attribute("index", int64_t(r.instr));
          j.attribute("opcode", info.mnemonic);
          if (where.inLoop)
            j.attribute("loop_iteration", int64_t(where.iter));
          if (instr < prog.instructionSource.size() &&
              prog.instructionSource[instr] < prog.sourceLocations.size())
            j.attribute("source",
                        prog.sourceLocations[prog.instructionSource[instr]]);
          for (size_t i = 0; i < in.operands.size() && i < info.operands.size();
               ++i)
            if (in.operands[i].present()) {
              StringRef role = info.operands[i];
              role.consume_back("?");
              j.attribute(role, formatAccess(prog, in.operands[i]));
            }
          for (size_t i = 0; i < in.params.size(); ++i)
            j.attribute(i < info.params.size() ? info.params[i].str()
                                               : "param" + std::to_string(i),
                        in.params[i]);
          if (!in.waits.empty()) {
            std::string w;
            for (const SemWait &sw : in.waits)
              w += (w.empty() ? "" : ", ") + std::to_string(sw.semaphore) +
                   ">=" + std::to_string(sw.count);
            j.attribute("wait", w);
          }
          if (!in.signals.empty()) {
            std::string s;
            for (uint32_t sg : in.signals)
              s += (s.empty() ? "" : ", ") + std::to_string(sg);
            j.attribute("signal", s);
          }
          if (r.visibleNs != r.endNs)
            j.attribute("result_visible_us", r.visibleNs / 1000.0);
          if (r.exposedLoadNs > 0)
            j.attribute("load_stationary_exposed_us", r.exposedLoadNs / 1000.0);
        });
      });
    }
  }
};

} // namespace muir::sim

Simulator::Simulator(const Machine &machine, const Program &program,
                     Options options)
    : impl(std::make_unique<SimulatorImpl>(machine, program, options)) {}

Simulator::~Simulator() = default;

Error Simulator::setInput(StringRef name, llvm::ArrayRef<uint8_t> bytes) {
  if (Error e = impl->allocate())
    return e;
  for (auto [i, t] : llvm::enumerate(impl->prog.tensors)) {
    if (t.name != name)
      continue;
    if (t.kind != TensorKind::Input)
      return err("tensor '" + name + "' is a " + tensorKindName(t.kind) +
                 " tensor, not an input");
    if (bytes.size() != t.byteSize())
      return err("input '" + name + "' needs " + llvm::Twine(t.byteSize()) +
                 " bytes (" + llvm::Twine(t.numElements()) + " x " +
                 elemTypeName(t.type) + "), got " + llvm::Twine(bytes.size()));
    if (impl->opt.numerics &&
        !bytes.empty()) { // data() of an empty ArrayRef may be null
      std::memcpy(impl->hbmData() + impl->base[i], bytes.data(), bytes.size());
      std::memset(impl->hbmInit() + impl->base[i], 1, bytes.size());
    }
    impl->inputSet[i] = true;
    return Error::success();
  }
  return err("program '" + impl->prog.name + "' has no tensor '" + name + "'");
}

Error Simulator::run() { return impl->run(); }

void Simulator::useDeviceMemory(const DeviceMemory *memory) {
  impl->device = memory;
  impl->allocated = false;
}

llvm::ArrayRef<uint8_t> Simulator::output(StringRef name) const {
  if (!impl->allocated || !impl->opt.numerics)
    return {};
  for (auto [i, t] : llvm::enumerate(impl->prog.tensors))
    if (t.name == name)
      return llvm::ArrayRef<uint8_t>(impl->hbmData() + impl->base[i],
                                     t.byteSize());
  return {};
}

const Report &Simulator::report() const { return impl->rep; }

std::string Simulator::traceJson() const { return impl->traceJson(); }

void Simulator::setCollectivePort(CollectivePort *port, uint32_t rank) {
  impl->port = port;
  impl->rank = rank;
}

llvm::Expected<bool> Simulator::runUntilBlocked(bool takeAnyComplete) {
  return impl->runUntilBlocked(takeAnyComplete);
}

uint64_t Simulator::progress() const { return impl->progress; }

void Simulator::writeTraceEvents(llvm::json::OStream &j, int64_t pid,
                                 StringRef processName) const {
  impl->traceEvents(j, pid, processName.str());
}

CollectivePort::~CollectivePort() = default;

Error Simulator::writeTrace(StringRef path) const {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return err("cannot write trace '" + path + "': " + ec.message());
  os << impl->traceJson();
  return Error::success();
}
