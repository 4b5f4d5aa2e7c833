//===- Collective.h - collective instructions: rules, routes, costs -*- C++
//-*-===//
//
// One place for what the nc verifiers, program validation and the
// multi-core simulator must agree on about collectives: how their
// parameters decode, which groups and tiles are legal, how a transfer is
// routed over the machine's topology and what a collective costs on it.
// docs/scaleout.md derives every formula.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_TARGET_COLLECTIVE_H
#define MUIR_TARGET_COLLECTIVE_H

#include "muir/Target/Machine.h"
#include "muir/Target/Program.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace muir::target {

enum class Algorithm : uint8_t { Ring = 0, Tree = 1, Ring2D = 2 };
constexpr unsigned kNumAlgorithms = 3;
llvm::StringRef algorithmName(Algorithm a);
std::optional<Algorithm> parseAlgorithm(llvm::StringRef s);

/// A collective instruction's parameters, decoded and checked.
struct CollectiveParams {
  Opcode op = Opcode::AllReduce;
  AluOp reduce = AluOp::Add;
  Algorithm algorithm = Algorithm::Ring;
  /// AllReduce .. AllToAll: the replica groups, each `groupSize` ranks.
  int64_t groupSize = 0;
  std::vector<llvm::SmallVector<int64_t, 8>> groups;
  /// Send/Recv: (source, target) rank pairs.
  std::vector<std::pair<int64_t, int64_t>> pairs;
  /// The group holding `rank`, or null.
  const llvm::SmallVector<int64_t, 8> *groupOf(int64_t rank) const;
};

/// Decodes the parameters of collective `op` (Program::Instruction::params)
/// and checks them against `m`'s topology: reduction op, algorithm, groups
/// or pairs, ranks in range and distinct. The error text names the rule.
llvm::Expected<CollectiveParams>
decodeCollective(Opcode op, llvm::ArrayRef<double> params, const Machine &m);

/// One side of a collective for the tile rules.
struct CollectiveSide {
  bool present = false;
  MemSpace space = MemSpace::None;
  ElemType type = ElemType::F32;
  int64_t elements = 0;
};
/// Checks memory spaces, element types and element counts of a collective's
/// tiles; an error message naming the rule, or nullopt.
std::optional<std::string> checkCollectiveTiles(const CollectiveParams &c,
                                                const CollectiveSide &dst,
                                                const CollectiveSide &src);

/// A transfer's path between two ranks: bandwidth of its slowest link,
/// latency (one step plus every hop), and the physical links it crosses.
struct Route {
  double bytesPerS = 0, latencyNs = 0;
  int64_t hops = 0; // chip-to-chip hops
  llvm::SmallVector<std::string, 4> links;
};
/// Ranks are logical cores: rank r is core r % logicalCoresPerChip of chip
/// r / logicalCoresPerChip; chips sit on the torus x-major, then y, then
/// instance. Chip-to-chip transfers go dimension by dimension (x, y,
/// instance), each the shorter way round its ring.
Route routeBetween(const Machine &m, int64_t from, int64_t to);

/// What one collective instance costs on the topology.
struct CollectiveCost {
  double ns = 0;
  int64_t steps = 0;
  /// Bytes each physical link carries, summed over the steps.
  std::vector<std::pair<std::string, double>> linkBytes;
};
/// The time of a collective over `group` (in its order) moving `bytes`: the
/// buffer every rank reduces (all-reduce), the gathered result
/// (all-gather), the input reduced and scattered (reduce-scatter) or one
/// rank's input (all-to-all). Formulas in docs/scaleout.md.
CollectiveCost collectiveCost(const Machine &m, const CollectiveParams &c,
                              llvm::ArrayRef<int64_t> group, double bytes);
/// The cheapest legal algorithm for the group collective `op` (all-reduce,
/// all-gather, reduce-scatter, all-to-all; reductions add) over `ranks`,
/// replica groups of `groupSize` listed one after the other, moving
/// `bytes` (as collectiveCost), and its time over the first group. Ring is
/// legal for every op and group; the error names a group that is not.
llvm::Expected<std::pair<Algorithm, double>>
cheapestCollective(const Machine &m, Opcode op, int64_t groupSize,
                   llvm::ArrayRef<int64_t> ranks, double bytes);
/// A point-to-point transfer: route latency plus bytes over its bandwidth.
CollectiveCost pointToPointCost(const Machine &m, int64_t from, int64_t to,
                                double bytes);

/// Per-rank HBM bandwidth of a run with `active` cores on a chip: the chip's
/// bandwidth split evenly, capped by the core's DMA rate.
double hbmShare(const Machine &m, int64_t active);

} // namespace muir::target

#endif // MUIR_TARGET_COLLECTIVE_H
