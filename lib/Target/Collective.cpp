//===- Collective.cpp - collective rules, routes and costs ----------------===//
#include "muir/Target/Collective.h"
#include "muir/Support/CheckedSize.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

using namespace muir::target;
using llvm::Twine;

static const llvm::StringRef kAlgorithmNames[] = {"ring", "tree", "ring2d"};

llvm::StringRef muir::target::algorithmName(Algorithm a) {
  return unsigned(a) < kNumAlgorithms ? kAlgorithmNames[unsigned(a)] : "?";
}

std::optional<Algorithm> muir::target::parseAlgorithm(llvm::StringRef s) {
  for (unsigned i = 0; i < kNumAlgorithms; ++i)
    if (kAlgorithmNames[i] == s)
      return Algorithm(i);
  return std::nullopt;
}

const llvm::SmallVector<int64_t, 8> *
CollectiveParams::groupOf(int64_t rank) const {
  for (const auto &g : groups)
    if (llvm::is_contained(g, rank))
      return &g;
  return nullptr;
}

namespace {
llvm::Error fail(const Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg.str());
}

std::string shortNum(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

bool isInt(double v, double lo, double hi) {
  return v >= lo && v < hi && v == std::trunc(v);
}

struct Coord {
  int64_t chip, local, x, y, z;
};
Coord coordOf(const Machine &m, int64_t rank) {
  const Machine::Topology &t = m.topology;
  int64_t per = std::max<int64_t>(1, t.logicalCoresPerChip());
  Coord c;
  c.chip = rank / per;
  c.local = rank % per;
  c.x = c.chip % t.torus[0];
  c.y = (c.chip / t.torus[0]) % t.torus[1];
  c.z = c.chip / (t.torus[0] * t.torus[1]);
  return c;
}

/// Ranks of `group` split into torus rows (same chip y and instance), rows
/// in order of first appearance, members in group order.
std::vector<llvm::SmallVector<int64_t, 8>>
torusRows(const Machine &m, llvm::ArrayRef<int64_t> group) {
  std::vector<llvm::SmallVector<int64_t, 8>> rows;
  std::map<std::pair<int64_t, int64_t>, size_t> index;
  for (int64_t r : group) {
    Coord c = coordOf(m, r);
    auto [it, added] = index.try_emplace({c.y, c.z}, rows.size());
    if (added)
      rows.emplace_back();
    rows[it->second].push_back(r);
  }
  return rows;
}
} // namespace

llvm::Expected<CollectiveParams>
muir::target::decodeCollective(Opcode op, llvm::ArrayRef<double> params,
                               const Machine &m) {
  CollectiveParams c;
  c.op = op;
  int64_t cores = m.topology.cores();
  auto rankOk = [&](double v) { return isInt(v, 0, double(cores)); };
  std::string where = " of target '" + m.name + "', which has " +
                      std::to_string(cores) + " core" + (cores == 1 ? "" : "s");
  if (op == Opcode::Send || op == Opcode::Recv) {
    if (params.empty() || params.size() % 2)
      return fail("pairs must list (source, target) rank pairs, got " +
                  Twine(params.size()) + " numbers");
    std::vector<bool> isSource(cores), isTarget(cores);
    for (size_t i = 0; i < params.size(); i += 2) {
      for (double v : {params[i], params[i + 1]})
        if (!rankOk(v))
          return fail("pair " + Twine(i / 2) + " names rank " +
                      Twine(int64_t(v)) + ", not a core" + where);
      int64_t a = int64_t(params[i]), b = int64_t(params[i + 1]);
      if (a == b)
        return fail("pair " + Twine(i / 2) + " (" + Twine(a) + " -> " +
                    Twine(b) + ") sends a rank to itself");
      if (isSource[a])
        return fail("rank " + Twine(a) +
                    " is the source of more than one "
                    "pair");
      if (isTarget[b])
        return fail("rank " + Twine(b) +
                    " is the target of more than one "
                    "pair");
      isSource[a] = isTarget[b] = true;
      c.pairs.push_back({a, b});
    }
    return c;
  }
  bool reduces = op == Opcode::AllReduce || op == Opcode::ReduceScatter;
  size_t fixed = reduces ? 3 : 2;
  if (params.size() < fixed)
    return fail("needs " + Twine(fixed) + " parameters, got " +
                Twine(params.size()));
  if (reduces) {
    if (!isInt(params[0], 0, 8))
      return fail("bad reduction op code " + Twine(shortNum(params[0])));
    c.reduce = AluOp(unsigned(params[0]));
    if (c.reduce != AluOp::Add && c.reduce != AluOp::Max &&
        c.reduce != AluOp::Min)
      return fail("reduction op '" + aluOpName(c.reduce) +
                  "' is not one of add, max, min");
  }
  double algo = params[fixed - 2], size = params[fixed - 1];
  if (!isInt(algo, 0, kNumAlgorithms))
    return fail("bad algorithm code " + Twine(shortNum(algo)));
  c.algorithm = Algorithm(unsigned(algo));
  if (c.algorithm == Algorithm::Tree && op != Opcode::AllReduce)
    return fail("algorithm 'tree' is for all_reduce only (use ring or "
                "ring2d)");
  if (!isInt(size, 1, 0x1p31))
    return fail("group size " + Twine(shortNum(size)) +
                " must be a positive integer below 2^31");
  c.groupSize = int64_t(size);
  llvm::ArrayRef<double> ranks = params.drop_front(fixed);
  if (ranks.empty() || ranks.size() % c.groupSize)
    return fail("replica groups list " + Twine(ranks.size()) +
                " ranks, not a positive multiple of the group size " +
                Twine(c.groupSize));
  std::vector<bool> seen(cores);
  for (size_t i = 0; i < ranks.size(); ++i) {
    int64_t g = int64_t(i) / c.groupSize;
    if (!rankOk(ranks[i]))
      return fail("replica group " + Twine(g) + " names rank " +
                  Twine(int64_t(ranks[i])) + ", not a core" + where);
    int64_t r = int64_t(ranks[i]);
    if (seen[r])
      return fail("rank " + Twine(r) +
                  " appears twice in the replica "
                  "groups");
    seen[r] = true;
    if (i % c.groupSize == 0)
      c.groups.emplace_back();
    c.groups.back().push_back(r);
  }
  if (c.algorithm == Algorithm::Ring2D)
    for (auto [g, group] : llvm::enumerate(c.groups)) {
      auto rows = torusRows(m, group);
      for (const auto &row : rows)
        if (row.size() != rows[0].size())
          return fail("algorithm 'ring2d' needs replica group " + Twine(g) +
                      " to fill equal torus rows, but its rows hold " +
                      Twine(rows[0].size()) + " and " + Twine(row.size()) +
                      " ranks");
    }
  return c;
}

std::optional<std::string>
muir::target::checkCollectiveTiles(const CollectiveParams &c,
                                   const CollectiveSide &dst,
                                   const CollectiveSide &src) {
  for (auto [side, role] :
       {std::make_pair(&dst, "dst"), std::make_pair(&src, "src")}) {
    if (!side->present)
      continue;
    if (side->space != MemSpace::HBM && side->space != MemSpace::SBUF)
      return (Twine(role) + " must be in hbm or sbuf, not " +
              memSpaceName(side->space))
          .str();
  }
  if (!dst.present || !src.present)
    return std::nullopt;
  if (dst.type != src.type)
    return ("dst element type " + elemTypeName(dst.type) + " differs from " +
            "src's " + elemTypeName(src.type) + " (collectives do not convert)")
        .str();
  bool reduces = c.op == Opcode::AllReduce || c.op == Opcode::ReduceScatter;
  if (reduces && dst.type != ElemType::F32 && dst.type != ElemType::BF16 &&
      dst.type != ElemType::F16)
    return ("reduces f32, bf16 or f16, not " + elemTypeName(dst.type)).str();
  int64_t n = c.groupSize;
  auto counts = [&](llvm::StringRef rule) {
    return ("dst has " + Twine(dst.elements) + " elements and src " +
            Twine(src.elements) + ", but " + rule + " (group size " + Twine(n) +
            ")")
        .str();
  };
  switch (c.op) {
  case Opcode::AllReduce:
    if (dst.elements != src.elements)
      return counts("all_reduce needs them equal");
    break;
  case Opcode::AllGather:
    if (muir::checkedMul(src.elements, n) != dst.elements)
      return counts("all_gather needs dst = group size x src");
    break;
  case Opcode::ReduceScatter:
    if (muir::checkedMul(dst.elements, n) != src.elements)
      return counts("reduce_scatter needs src = group size x dst");
    break;
  case Opcode::AllToAll:
    if (dst.elements != src.elements || src.elements % n)
      return counts("all_to_all needs them equal and divisible by the group "
                    "size");
    break;
  default:
    break;
  }
  return std::nullopt;
}

Route muir::target::routeBetween(const Machine &m, int64_t from, int64_t to) {
  const Machine::Topology &t = m.topology;
  Route r;
  r.latencyNs = t.stepLatencyNs;
  Coord a = coordOf(m, from), b = coordOf(m, to);
  if (a.chip == b.chip) {
    r.bytesPerS = t.intraChipBytesPerS;
    r.links.push_back("chip" + std::to_string(a.chip) + " core" +
                      std::to_string(a.local) + "->core" +
                      std::to_string(b.local));
    return r;
  }
  r.bytesPerS = INFINITY;
  int64_t cur[3] = {a.x, a.y, a.z}, dst[3] = {b.x, b.y, b.z};
  auto chipAt = [&](const int64_t *c) {
    return c[0] + t.torus[0] * (c[1] + t.torus[1] * c[2]);
  };
  for (int d = 0; d < 3; ++d) {
    int64_t size = t.torus[d];
    int64_t fwd = ((dst[d] - cur[d]) % size + size) % size;
    int64_t dir = fwd <= size - fwd ? 1 : -1;
    int64_t steps = std::min(fwd, size - fwd);
    bool nl = d < 2;
    for (int64_t s = 0; s < steps; ++s) {
      int64_t before = chipAt(cur);
      cur[d] = ((cur[d] + dir) % size + size) % size;
      r.links.push_back(std::string(nl ? "nl" : "ii") + " chip" +
                        std::to_string(before) + "->chip" +
                        std::to_string(chipAt(cur)));
      r.bytesPerS = std::min(r.bytesPerS, nl ? t.neuronLinkBytesPerS
                                             : t.interInstanceBytesPerS);
      r.latencyNs += nl ? t.neuronLinkHopNs : t.interInstanceHopNs;
      ++r.hops;
    }
  }
  return r;
}

namespace {
/// Accumulates link bytes in first-use order.
struct LinkBytes {
  std::vector<std::pair<std::string, double>> list;
  llvm::StringMap<size_t> index;
  void add(const Route &r, double bytes) {
    for (const std::string &l : r.links) {
      auto [it, added] = index.try_emplace(l, list.size());
      if (added)
        list.push_back({l, 0});
      list[it->second].second += bytes;
    }
  }
};

/// `steps` ring steps over `ring` (edges i -> i+1), each moving `chunk`
/// bytes on every edge: steps x (slowest edge latency + chunk / slowest
/// edge bandwidth).
double ringSteps(const Machine &m, llvm::ArrayRef<int64_t> ring, int64_t steps,
                 double chunk, LinkBytes &lb) {
  if (ring.size() < 2 || steps == 0)
    return 0;
  double bw = INFINITY, lat = 0;
  for (size_t i = 0; i < ring.size(); ++i) {
    Route r = routeBetween(m, ring[i], ring[(i + 1) % ring.size()]);
    bw = std::min(bw, r.bytesPerS);
    lat = std::max(lat, r.latencyNs);
    lb.add(r, chunk * steps);
  }
  return steps * (lat + chunk / bw * 1e9);
}

/// Rings run side by side (the rows, or the columns, of a 2-D ring): they
/// take as long as the slowest.
double parallelRings(const Machine &m,
                     const std::vector<llvm::SmallVector<int64_t, 8>> &rings,
                     int64_t stepsPerRank, double chunk, LinkBytes &lb) {
  double worst = 0;
  for (const auto &ring : rings) {
    int64_t steps = stepsPerRank * (int64_t(ring.size()) - 1);
    worst = std::max(worst, ringSteps(m, ring, steps, chunk, lb));
  }
  return worst;
}
} // namespace

namespace {
/// One group's collective as if its links were its own.
CollectiveCost groupCost(const Machine &m, const CollectiveParams &c,
                         llvm::ArrayRef<int64_t> group, double bytes) {
  CollectiveCost cost;
  LinkBytes lb;
  int64_t n = group.size();
  if (n < 2)
    return cost;
  double S = bytes;
  // Each phase moves pieces of S; k = 2 for all-reduce (reduce-scatter then
  // all-gather), 1 otherwise.
  int64_t k = c.op == Opcode::AllReduce ? 2 : 1;
  // Pairwise exchange among the rings `rings` (run side by side): in step
  // s every rank sends `chunk` bytes to the rank s places on in its ring;
  // a step lasts as long as its slowest transfer.
  auto exchange = [&](const std::vector<llvm::SmallVector<int64_t, 8>> &rings,
                      double chunk) {
    int64_t len = rings.front().size();
    for (int64_t s = 1; s < len; ++s) {
      double worst = 0;
      for (const auto &ring : rings)
        for (int64_t i = 0; i < len; ++i) {
          Route r = routeBetween(m, ring[i], ring[(i + s) % len]);
          lb.add(r, chunk);
          worst = std::max(worst, r.latencyNs + chunk / r.bytesPerS * 1e9);
        }
      cost.ns += worst;
      ++cost.steps;
    }
  };
  switch (c.algorithm) {
  case Algorithm::Ring:
    if (c.op == Opcode::AllToAll) {
      exchange({llvm::SmallVector<int64_t, 8>(group.begin(), group.end())},
               S / n);
      break;
    }
    cost.ns = ringSteps(m, group, k * (n - 1), S / n, lb);
    cost.steps = k * (n - 1);
    break;
  case Algorithm::Tree: {
    // Binary tree over group positions: reduce up ceil(log2 n) levels,
    // broadcast down as many; a level lasts as long as its slowest pair.
    for (int64_t span = 1; span < n; span *= 2) {
      double worst = 0;
      for (int64_t i = 0; i + span < n; i += 2 * span) {
        Route up = routeBetween(m, group[i + span], group[i]);
        Route down = routeBetween(m, group[i], group[i + span]);
        lb.add(up, S);
        lb.add(down, S);
        worst = std::max(worst, up.latencyNs + S / up.bytesPerS * 1e9);
        worst = std::max(worst, down.latencyNs + S / down.bytesPerS * 1e9);
      }
      cost.ns += 2 * worst;
      cost.steps += 2;
    }
    break;
  }
  case Algorithm::Ring2D: {
    // Rows (ranks on one torus row) of C ranks, R rows; columns take the
    // j-th rank of each row. All-reduce: reduce-scatter along the rows
    // (C-1 steps of S/C), all-reduce along the columns on S/C (2(R-1) steps
    // of S/(C R)), all-gather along the rows (C-1 steps of S/C).
    // All-gather and reduce-scatter: one row pass (C-1 steps of S/n) and one
    // column pass (R-1 steps of S/R).
    auto rows = torusRows(m, group);
    int64_t R = rows.size(), C = rows[0].size();
    std::vector<llvm::SmallVector<int64_t, 8>> cols(C);
    for (const auto &row : rows)
      for (int64_t j = 0; j < C; ++j)
        cols[j].push_back(row[j]);
    if (c.op == Opcode::AllToAll) {
      // Along the rows, then the columns: a rank first sends each row
      // peer the blocks bound for that peer's column (R blocks of S/n),
      // then each column peer the blocks bound for its row (C blocks):
      // (C - 1) steps of S/C and (R - 1) of S/R instead of n - 1.
      exchange(rows, S / C);
      exchange(cols, S / R);
      break;
    }
    if (c.op == Opcode::AllReduce) {
      cost.ns = parallelRings(m, rows, 2, S / C, lb) +
                parallelRings(m, cols, 2, S / (C * R), lb);
      cost.steps = 2 * (C - 1) + 2 * (R - 1);
    } else {
      cost.ns = parallelRings(m, rows, 1, S / n, lb) +
                parallelRings(m, cols, 1, S / R, lb);
      cost.steps = (C - 1) + (R - 1);
    }
    break;
  }
  }
  cost.linkBytes = std::move(lb.list);
  return cost;
}

/// The bandwidth of one physical link, named as Route names it.
double linkBytesPerS(const Machine &m, llvm::StringRef link) {
  const Machine::Topology &t = m.topology;
  if (link.starts_with("nl "))
    return t.neuronLinkBytesPerS;
  if (link.starts_with("ii "))
    return t.interInstanceBytesPerS;
  return t.intraChipBytesPerS;
}
} // namespace

CollectiveCost muir::target::collectiveCost(const Machine &m,
                                            const CollectiveParams &c,
                                            llvm::ArrayRef<int64_t> group,
                                            double bytes) {
  CollectiveCost cost = groupCost(m, c, group, bytes);
  if (c.groups.size() < 2)
    return cost;
  // Every group of an SPMD collective runs at once, so groups whose routes
  // share a physical link share its bandwidth: the collective takes at
  // least its steps' latency plus the busiest link's bytes, summed over
  // all the groups, at that link's bandwidth.
  llvm::StringMap<double> total;
  for (const auto &g : c.groups)
    for (const auto &[link, b] : groupCost(m, c, g, bytes).linkBytes)
      total[link] += b;
  double busiest = 0;
  for (const auto &e : total) {
    double bw = linkBytesPerS(m, e.getKey());
    if (bw > 0)
      busiest = std::max(busiest, e.getValue() / bw * 1e9);
  }
  cost.ns = std::max(cost.ns,
                     double(cost.steps) * m.topology.stepLatencyNs + busiest);
  return cost;
}

llvm::Expected<std::pair<Algorithm, double>>
muir::target::cheapestCollective(const Machine &m, Opcode op, int64_t groupSize,
                                 llvm::ArrayRef<int64_t> ranks, double bytes) {
  bool reduces = op == Opcode::AllReduce || op == Opcode::ReduceScatter;
  std::optional<std::pair<Algorithm, double>> best;
  for (Algorithm a : {Algorithm::Ring, Algorithm::Tree, Algorithm::Ring2D}) {
    llvm::SmallVector<double, 16> params;
    if (reduces)
      params.push_back(double(AluOp::Add));
    params.push_back(double(a));
    params.push_back(double(groupSize));
    for (int64_t r : ranks)
      params.push_back(double(r));
    llvm::Expected<CollectiveParams> c = decodeCollective(op, params, m);
    if (!c) {
      if (a == Algorithm::Ring)
        return c.takeError();
      llvm::consumeError(c.takeError()); // not legal for this group
      continue;
    }
    if (c->groups.empty())
      return llvm::createStringError("a collective needs at least one group");
    double ns = collectiveCost(m, *c, c->groups.front(), bytes).ns;
    if (!best || ns < best->second)
      best = {a, ns};
  }
  return *best;
}

CollectiveCost muir::target::pointToPointCost(const Machine &m, int64_t from,
                                              int64_t to, double bytes) {
  CollectiveCost cost;
  Route r = routeBetween(m, from, to);
  cost.ns = r.latencyNs + bytes / r.bytesPerS * 1e9;
  cost.steps = 1;
  for (const std::string &l : r.links)
    cost.linkBytes.push_back({l, bytes});
  return cost;
}

double muir::target::hbmShare(const Machine &m, int64_t active) {
  if (!m.topology.present || active < 1)
    return m.hbm.bytesPerS;
  return std::min(m.topology.hbmBytesPerSPerChip / double(active),
                  double(m.dma.queues) * m.dma.queueBytesPerS);
}
