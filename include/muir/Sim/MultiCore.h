//===- MultiCore.h - SPMD simulation of many NeuronCores -----------*- C++
//-*-===//
//
// Runs one program on N ranks (logical cores of the machine's topology),
// each with its own HBM tensors, every core on the single-core Simulator.
// Cores advance independently and meet only at collectives: a core that
// reaches one suspends until its group has arrived; the collective then
// completes at the latest arrival plus its cost on the topology
// (Collective.h), with values reduced in a fixed order, so results and
// times do not depend on threads. docs/scaleout.md describes the model.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_SIM_MULTICORE_H
#define MUIR_SIM_MULTICORE_H

#include "muir/Sim/Simulator.h"

#include <memory>

namespace muir::sim {

struct LinkStats {
  std::string name; // "chip0 core1->core2", "nl chip0->chip1", "ii ..."
  double bytes = 0;
  /// Sum of the spans of the collectives that used it.
  double busyNs = 0;
  uint64_t collectives = 0;
};

struct MultiReport {
  unsigned cores = 0;
  /// The slowest core's makespan.
  double seconds = 0, cycles = 0;
  std::vector<Report> perCore;
  /// Collective instances (a group's collective counts once; a send/recv
  /// pair once) and the sum of their spans, from the last arrival to the
  /// end; bytes moved over links.
  uint64_t collectives = 0;
  double collectiveNs = 0;
  /// The time a rank spends in collectives, averaged over the ranks (each
  /// span counted for the ranks of its group): with several groups per
  /// collective (a 2-D mesh) the sum of spans counts every group.
  double collectiveRankNs = 0;
  double linkBytes = 0;
  std::vector<LinkStats> links; // by name
  std::string toText() const;
  std::string toJson() const;
};

class MultiCoreImpl;

class MultiCoreSimulator {
public:
  /// `cores` ranks 0 .. cores-1 on the first cores of `machine`'s topology.
  MultiCoreSimulator(const target::Machine &machine,
                     const target::Program &program, unsigned cores,
                     Options options = {});
  ~MultiCoreSimulator();
  MultiCoreSimulator(const MultiCoreSimulator &) = delete;
  MultiCoreSimulator &operator=(const MultiCoreSimulator &) = delete;

  /// Sets an input tensor of one rank.
  llvm::Error setInput(unsigned rank, llvm::StringRef name,
                       llvm::ArrayRef<uint8_t> bytes);
  /// Runs every rank to the end on `threads` threads (0: one per hardware
  /// thread, at most one per rank). Errors: any core's, a rank in no group,
  /// ranks disagreeing on a collective, deadlock across cores.
  llvm::Error run(unsigned threads = 0);
  llvm::ArrayRef<uint8_t> output(unsigned rank, llvm::StringRef name) const;
  const MultiReport &report() const;
  /// One Chrome/Perfetto trace: a process per core (a track per queue) and
  /// one for the links (a track per link). Needs Options::trace.
  std::string traceJson() const;
  llvm::Error writeTrace(llvm::StringRef path) const;

private:
  std::unique_ptr<MultiCoreImpl> impl;
};

} // namespace muir::sim

#endif // MUIR_SIM_MULTICORE_H
