//===- NcRollLoops.cpp - repeated instruction runs become nc.loop ---------===//
//
// A kernel's instructions are written out per tile; most of them repeat
// with a period, each repetition differing from the first only by constant
// steps of tile offsets, partition starts and wait counts. This pass finds
// such runs greedily and replaces each by an nc.loop (whose meaning is its
// unrolled sequence, so nothing about execution changes), which makes the
// program's size follow its kernels rather than its tiles.
//
//===----------------------------------------------------------------------===//
#include "muir/Conversion/Passes.h"
#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/Dialect/Nc/NcUtils.h"
#include "muir/Support/CheckedSize.h"
#include "muir/Target/Machine.h"
#include "muir/Target/Program.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/Hashing.h"

namespace muir {
#define GEN_PASS_DEF_NCROLLLOOPSPASS
#include "muir/Conversion/Passes.h.inc"
} // namespace muir

using namespace mlir;
using namespace muir;
namespace tgt = muir::target;

namespace {
/// One top-level instruction: what must be equal between repetitions (its
/// hash, and the op for the full comparison) and what may step (`pos`:
/// partition start and offset of every tile, in attribute order, then the
/// wait counts).
struct Inst {
  Operation *op;
  tgt::Opcode opcode;
  llvm::hash_code hash;
  /// The location repetitions must share (null: any).
  const void *loc;
  SmallVector<int64_t, 8> pos;
  /// The op's attributes in name order (a dictionary's order), read once
  /// and without building a dictionary: ops with properties build and
  /// unique one on every getAttrs(), which for a kernel of 100k
  /// instructions costs time and context memory.
  SmallVector<NamedAttribute, 8> attrs;
};

SmallVector<NamedAttribute, 8> attributesOf(Operation *op) {
  SmallVector<NamedAttribute, 8> out;
  if (std::optional<RegisteredOperationName> reg = op->getRegisteredInfo())
    for (StringAttr name : reg->getAttributeNames())
      if (std::optional<Attribute> v = op->getInherentAttr(name.getValue());
          v && *v)
        out.push_back({name, *v});
  for (NamedAttribute a : op->getDiscardableAttrs())
    out.push_back(a);
  llvm::sort(out, [](NamedAttribute a, NamedAttribute b) {
    return a.getName().getValue() < b.getName().getValue();
  });
  return out;
}

llvm::hash_code invariantHash(nc::AccessAttr a) {
  return llvm::hash_combine(
      a.getSpace(), a.getTensor(), a.getPartitions(), a.getPartitionStride(),
      llvm::hash_combine_range(a.getSizes().begin(), a.getSizes().end()),
      llvm::hash_combine_range(a.getStrides().begin(), a.getStrides().end()),
      a.getElementType().getAsOpaquePointer());
}

bool invariantEqual(nc::AccessAttr a, nc::AccessAttr b) {
  return a.getSpace() == b.getSpace() && a.getTensor() == b.getTensor() &&
         a.getPartitions() == b.getPartitions() &&
         a.getPartitionStride() == b.getPartitionStride() &&
         a.getSizes() == b.getSizes() && a.getStrides() == b.getStrides() &&
         a.getElementType() == b.getElementType();
}

bool isWait(NamedAttribute a) { return a.getName().getValue() == "wait"; }

Inst describe(Operation *op, tgt::Opcode opcode, bool sameLocations) {
  const void *loc = sameLocations ? op->getLoc().getAsOpaquePointer() : nullptr;
  Inst in{
      op,  opcode, llvm::hash_combine(op->getName().getAsOpaquePointer(), loc),
      loc, {},     attributesOf(op)};
  for (NamedAttribute a : in.attrs) {
    in.hash = llvm::hash_combine(in.hash, a.getName().getAsOpaquePointer());
    if (auto ap = llvm::dyn_cast<nc::AccessAttr>(a.getValue())) {
      in.hash = llvm::hash_combine(in.hash, invariantHash(ap));
      in.pos.append({ap.getPartition(), ap.getOffset()});
    } else if (auto w = llvm::dyn_cast<DenseI64ArrayAttr>(a.getValue());
               w && isWait(a)) {
      for (int64_t i = 0; i + 1 < w.size(); i += 2) {
        in.hash = llvm::hash_combine(in.hash, w[i]);
        in.pos.push_back(w[i + 1]);
      }
    } else {
      in.hash = llvm::hash_combine(in.hash, a.getValue().getAsOpaquePointer());
    }
  }
  return in;
}

/// Everything but the steppable fields is equal.
bool sameShape(const Inst &x, const Inst &y) {
  if (x.hash != y.hash || x.op->getName() != y.op->getName() ||
      x.loc != y.loc || x.pos.size() != y.pos.size())
    return false;
  ArrayRef<NamedAttribute> ax = x.attrs, ay = y.attrs;
  if (ax.size() != ay.size())
    return false;
  for (auto [a, b] : llvm::zip(ax, ay)) {
    if (a.getName() != b.getName())
      return false;
    auto pa = llvm::dyn_cast<nc::AccessAttr>(a.getValue());
    auto pb = llvm::dyn_cast<nc::AccessAttr>(b.getValue());
    if (pa || pb) {
      if (!pa || !pb || !invariantEqual(pa, pb))
        return false;
      continue;
    }
    auto wa = llvm::dyn_cast<DenseI64ArrayAttr>(a.getValue());
    auto wb = llvm::dyn_cast<DenseI64ArrayAttr>(b.getValue());
    if (isWait(a) && wa && wb) {
      if (wa.size() != wb.size())
        return false;
      for (int64_t i = 0; i < wa.size(); i += 2)
        if (wa[i] != wb[i])
          return false;
      continue;
    }
    if (a.getValue() != b.getValue())
      return false;
  }
  return true;
}

struct NcRollLoopsPass
    : public muir::impl::NcRollLoopsPassBase<NcRollLoopsPass> {
  using NcRollLoopsPassBase::NcRollLoopsPassBase;

  int64_t bankBytes = 1;

  /// Steps the nc.loop verifier accepts: wait counts that do not go down,
  /// HBM tiles stepping by offset, PE dst tiles by whole PSUM banks.
  bool validSteps(const Inst &in, ArrayRef<int64_t> d) const {
    size_t k = 0;
    for (NamedAttribute a : in.attrs) {
      if (auto ap = llvm::dyn_cast<nc::AccessAttr>(a.getValue())) {
        int64_t dp = d[k], doff = d[k + 1];
        k += 2;
        if (ap.isHbm() && dp != 0)
          return false;
        if ((in.opcode == tgt::Opcode::Matmul ||
             in.opcode == tgt::Opcode::Transpose) &&
            a.getName().getValue() == "dst" && doff % bankBytes != 0)
          return false;
      } else if (isWait(a) && llvm::isa<DenseI64ArrayAttr>(a.getValue())) {
        for (int64_t n = llvm::cast<DenseI64ArrayAttr>(a.getValue()).size();
             n > 0; n -= 2)
          if (d[k++] < 0)
            return false;
      }
    }
    return true;
  }

  /// How many times (>= 1) insts[s, s+p) repeats from s within [s, end),
  /// each repetition stepping by the first two's difference; `steps`
  /// receives the per-instruction differences. Counts compared instructions
  /// against `budget`.
  unsigned repeats(ArrayRef<Inst> insts, size_t s, size_t p, size_t end,
                   std::vector<SmallVector<int64_t, 8>> &steps,
                   int64_t &budget) const {
    if (s + 2 * p > end)
      return 1;
    steps.resize(p);
    for (size_t j = 0; j < p; ++j) {
      --budget;
      const Inst &a = insts[s + j], &b = insts[s + p + j];
      if (!sameShape(a, b))
        return 1;
      steps[j].resize(a.pos.size());
      for (size_t k = 0; k < a.pos.size(); ++k)
        steps[j][k] = b.pos[k] - a.pos[k];
      if (!validSteps(a, steps[j]))
        return 1;
    }
    unsigned r = 2;
    for (; s + (r + 1) * p <= end && budget > 0; ++r) {
      for (size_t j = 0; j < p; ++j) {
        --budget;
        const Inst &a = insts[s + j], &b = insts[s + r * p + j];
        if (!sameShape(a, b))
          return r;
        for (size_t k = 0; k < a.pos.size(); ++k) {
          auto want = muir::checkedMul(int64_t(r), steps[j][k]);
          auto at = want ? muir::checkedAdd(a.pos[k], *want) : std::nullopt;
          if (!at || *at != b.pos[k])
            return r;
        }
      }
    }
    return r;
  }

  /// Moves insts[s, s+p) into an nc.loop of `trips` and erases the other
  /// repetitions.
  void roll(ArrayRef<Inst> insts, size_t s, size_t p, unsigned trips,
            ArrayRef<SmallVector<int64_t, 8>> steps) {
    Operation *first = insts[s].op;
    OpBuilder b(first);
    SmallVector<int64_t> table, waitTable;
    for (size_t j = 0; j < p; ++j) {
      const Inst &in = insts[s + j];
      const tgt::OpcodeInfo &info = tgt::opcodeInfo(in.opcode);
      SmallVector<std::array<int64_t, 4>, 4> entries;
      size_t k = 0;
      for (NamedAttribute a : in.attrs) {
        if (llvm::isa<nc::AccessAttr>(a.getValue())) {
          int64_t dp = steps[j][k], doff = steps[j][k + 1];
          k += 2;
          if (dp == 0 && doff == 0)
            continue;
          for (unsigned r = 0; r < info.operands.size(); ++r)
            if (info.operands[r].rtrim('?') == a.getName().getValue())
              entries.push_back({int64_t(j), int64_t(r), dp, doff});
        } else if (isWait(a) && llvm::isa<DenseI64ArrayAttr>(a.getValue())) {
          int64_t n = llvm::cast<DenseI64ArrayAttr>(a.getValue()).size() / 2;
          for (int64_t w = 0; w < n; ++w, ++k)
            if (steps[j][k] != 0)
              waitTable.append({int64_t(j), w, steps[j][k]});
        }
      }
      llvm::sort(entries);
      for (auto &e : entries)
        table.append(e.begin(), e.end());
    }
    auto loop = nc::LoopOp::create(b, first->getLoc(), trips,
                                   b.getDenseI64ArrayAttr(table),
                                   b.getDenseI64ArrayAttr(waitTable));
    Block *body = new Block();
    loop.getBody().push_back(body);
    for (size_t j = 0; j < p; ++j)
      insts[s + j].op->moveBefore(body, body->end());
    for (size_t i = s + p; i < s + p * trips; ++i)
      insts[i].op->erase();
  }

  /// Rolls one run of consecutive top-level instructions.
  void rollRun(ArrayRef<Inst> insts) {
    size_t n = insts.size();
    // Polynomial prefix hashes of the shape hashes (mod 2^64): whether
    // [s, s+p) and [s+p, s+2p) have the same shapes is then O(1) to rule
    // out, so a start tries every candidate period cheaply.
    constexpr uint64_t kBase = 0x9E3779B97F4A7C15ull;
    std::vector<uint64_t> prefix(n + 1, 0), power(maxPeriod + 1, 1);
    for (size_t i = 0; i < n; ++i)
      prefix[i + 1] = prefix[i] * kBase + uint64_t(size_t(insts[i].hash));
    for (size_t i = 1; i <= maxPeriod; ++i)
      power[i] = power[i - 1] * kBase;
    auto window = [&](size_t a, size_t len) {
      return prefix[a + len] - prefix[a] * power[len];
    };
    // next[i]: the next instruction of the same shape hash, or n.
    std::vector<size_t> next(n, n);
    llvm::DenseMap<llvm::hash_code, size_t> seen;
    for (size_t i = n; i-- > 0;) {
      auto [it, added] = seen.try_emplace(insts[i].hash, i);
      if (!added) {
        next[i] = it->second;
        it->second = i;
      }
    }
    std::vector<SmallVector<int64_t, 8>> steps, bestSteps;
    size_t s = 0;
    while (s < n) {
      int64_t budget = work;
      size_t bestP = 0;
      unsigned bestTrips = 0;
      for (size_t q = next[s]; q < n && q - s <= maxPeriod && budget > 0;
           q = next[q]) {
        size_t p = q - s;
        if (s + p * std::max(2u, unsigned(minTrips)) > n)
          break;
        --budget;
        if (window(s, p) != window(s + p, p))
          continue;
        unsigned r = repeats(insts, s, p, n, steps, budget);
        if (r >= std::max(2u, unsigned(minTrips)) &&
            p * (r - 1) > bestP * (bestTrips ? bestTrips - 1 : 0)) {
          bestP = p;
          bestTrips = r;
          bestSteps.assign(steps.begin(), steps.begin() + p);
        }
      }
      if (!bestP) {
        ++s;
        continue;
      }
      roll(insts, s, bestP, bestTrips, bestSteps);
      s += bestP * bestTrips;
    }
  }

  void runOnOperation() override {
    nc::KernelOp kernel = getOperation();
    const tgt::Machine *m = nc::getMachine(kernel);
    if (!m)
      return signalPassFailure();
    bankBytes = std::max<int64_t>(1, m->psum.bankBytes());
    // Runs of consecutive instructions (tensors and existing loops split
    // them); collected first, rolled after, so the walk is not disturbed.
    std::vector<std::vector<Inst>> runs(1);
    for (Operation &op : kernel.getBody().front()) {
      auto opcode = nc::opcodeOf(&op);
      if (!opcode || !llvm::isa<nc::NcDialect>(op.getDialect()) ||
          llvm::isa<nc::LoopOp>(op)) {
        if (!runs.back().empty())
          runs.emplace_back();
        continue;
      }
      runs.back().push_back(describe(&op, *opcode, sameLocations));
    }
    for (std::vector<Inst> &run : runs)
      rollRun(run);
  }
};
} // namespace
