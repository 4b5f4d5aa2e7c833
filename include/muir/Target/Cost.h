//===- Cost.h - the timing model's cost of one instruction -------*- C++
//-*-===//
//
// One place that turns an instruction and a Machine into time. The simulator
// charges these costs and the scheduler (muir-nc-schedule) plans with them,
// so the two cannot disagree. Every constant comes from the Machine; the
// formulas are documented in docs/simulator.md.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_TARGET_COST_H
#define MUIR_TARGET_COST_H

#include "muir/Target/Machine.h"
#include "muir/Target/Program.h"

namespace muir::target {

/// How a DMA moves its bytes: what its cost depends on.
struct DmaShape {
  uint64_t bytes = 0;       // the larger side's bytes
  uint64_t hbmBytes = 0;    // bytes read from or written to HBM (0: none)
  uint64_t descriptors = 0; // runs the engine moves, at least one per row
  double runBytes = 0;      // average bytes per descriptor
  bool strided = false;     // innermost stride above dma.strided_threshold
  bool transpose = false;
  bool hbmRead = false; // the source is HBM
};

/// Analyses a DMA `dst <- src`. Rows (SBUF partitions, HBM partition rows)
/// never share a descriptor; within a row a descriptor is a run contiguous
/// on both sides (source only for a transposing DMA), and an innermost free
/// dimension with a non-unit stride is walked by the engine's access pattern
/// as one descriptor per row at the strided rate.
DmaShape analyzeDma(const Machine &m, const AccessPattern &dst,
                    const AccessPattern &src, bool transpose);

/// dma.size_efficiency at `bytes` per descriptor: piecewise linear in
/// log2(bytes) between the table's points, 1 past the last, and
/// proportional to size below the first (overhead-bound: a constant time
/// per descriptor).
double dmaSizeEfficiency(const Machine &m, double bytes);

/// The smallest bytes per descriptor at which the size efficiency reaches
/// `fraction` of its best (0 for a machine without a curve): what a kernel
/// should give each partition's run of a transfer.
double dmaEfficientBytes(const Machine &m, double fraction = 0.95);

/// Time a DMA queue is busy with one transfer (descriptor generation plus
/// data at the queue's bandwidth times every efficiency that applies), ns.
double dmaBusyNs(const Machine &m, const DmaShape &s);

/// Time the shared HBM channel needs for `bytes`, ns.
double hbmChannelNs(const Machine &m, uint64_t bytes);

/// The cost of one instruction on its queue, apart from what depends on the
/// run's state (LoadStationary reuse, the HBM channel, PSUM banks).
struct InstrCost {
  double busyNs = 0;           // queue occupancy
  double loadStationaryNs = 0; // PE: LS time when the stationary is not reused
  double visibleDelayNs = 0;   // after busy ends, until results are visible
  DmaShape dma;                // DMA only
  bool perfMode = false;       // Vector in performance mode
};

/// Costs `in` on `m`. Matmul/transpose `busyNs` includes the issue cost; LS
/// is separate because whether it is paid depends on the previous PE
/// instruction.
InstrCost instructionCost(const Machine &m, const Instruction &in);

/// Latency from a semaphore signal to a waiting instruction on `queue`
/// starting, ns.
double semaphoreLatencyNs(const Machine &m, uint32_t queue);

} // namespace muir::target

#endif // MUIR_TARGET_COST_H
