//===- Machine.h - machine description of a NeuronCore-like target -*- C++
//-*-===//
//
// Every size and cost the compiler and simulator use comes from here, loaded
// from targets/<name>.json; nothing about the hardware is hard-coded elsewhere.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_TARGET_MACHINE_H
#define MUIR_TARGET_MACHINE_H

#include "muir/Target/Program.h"

#include "llvm/Support/Error.h"

#include <array>
#include <string>
#include <utility>
#include <vector>

namespace muir::target {

struct Machine {
  std::string name;
  std::string path; // file it was loaded from

  struct PE {
    int64_t rows = 0, cols = 0;
    double clockHz = 0;
    int64_t movingFreeMax = 0;
    double mmMinCycles = 0;
    /// Cycles per moving column, indexed by ElemType (F32 .. F8E5M2).
    std::array<double, 6> mmCyclesPerColumn{};
    bool fp8DoubleRow = false;
    double loadStationarySpeedup = 1;
    double pipelineLatencyCycles = 0;
    /// Per-instruction issue cost on top of the initiation interval.
    double issueCycles = 0;
  } pe;

  struct Vector {
    double clockHz = 0;
    /// Static cost of starting an instruction's tensor accesses.
    double accessStartCycles = 0;
    /// Minimum initiation interval of an instruction (MIN_II).
    double minCycles = 0;
    double cyclesPerElementOneInput = 0, cyclesPerElementTwoInputs = 0;
    /// Performance-mode speedups for 2-byte float (bf16/fp16) operands:
    /// tensor_copy/tensor_scalar with SBUF operands contiguous in the
    /// innermost dim; the same otherwise (strided, or one side in PSUM);
    /// tensor_tensor with both inputs in SBUF. 1 = no performance mode.
    double perfCopyContiguous = 1, perfCopyOther = 1, perfTensorTensor = 1;
    /// tensor_reduce add/max with bf16 input and output.
    double bf16ReduceSpeedup = 1;
    /// Performance mode borrows the bus Vector shares with GpSimd: the two
    /// engines' instructions do not overlap while it is in use.
    bool perfModeSharesGpSimdBus = false;
  } vector;

  struct Scalar {
    double clockHz = 0;
    double accessStartCycles = 0;
    double minCycles = 0, cyclesPerElement = 0, reduceReadoutCycles = 0;
  } scalar;

  struct GpSimd {
    double clockHz = 0;
    double cyclesPerElement = 0, fixedCycles = 0;
  } gpsimd;

  /// Compute engines' SBUF/PSUM access: an innermost free stride above
  /// `stridedThresholdBytes` divides the access rate by `stridedSlowdown`.
  struct EngineAccess {
    double stridedThresholdBytes = 0;
    double stridedSlowdown = 1;
  } engineAccess;

  struct Sync {
    /// From a semaphore's signal to a waiting instruction starting.
    double computeSemaphoreLatencyNs = 0, dmaSemaphoreLatencyNs = 0;
  } sync;

  struct Memory {
    int64_t partitions = 0, bytesPerPartition = 0;
    int64_t banks = 1; // PSUM only
    /// SBUF only: the start of every buffer the compiler places is a
    /// multiple of this many bytes per partition.
    int64_t alignBytes = 64;
    /// PSUM only: Vector and Scalar may access different banks at once
    /// (otherwise any two PSUM accesses of theirs serialise).
    bool parallelBankAccess = true;
    int64_t bankBytes() const { return bytesPerPartition / banks; }
  } sbuf, psum;

  struct DMA {
    int64_t queues = 0;
    /// Queue occupancy per DMA instruction (descriptor generation).
    double fixedNs = 0;
    double queueBytesPerS = 0;
    /// Efficiency by bytes per descriptor: (bytes, efficiency) points with
    /// increasing bytes; see dmaSizeEfficiency in Cost.h.
    std::vector<std::pair<double, double>> sizeEfficiency;
    /// An innermost stride above the threshold moves at this fraction.
    double stridedThresholdBytes = 0, stridedEfficiency = 1;
    /// Fraction of queue bandwidth a transposing DMA achieves.
    double transposeEfficiencyHbm = 1, transposeEfficiencySbuf = 1;
    /// Element sizes (bytes) a transposing DMA moves.
    std::vector<int64_t> transposeElementBytes{2, 4};
    bool transposes(int64_t elementBytes) const {
      for (int64_t b : transposeElementBytes)
        if (b == elementBytes)
          return true;
      return false;
    }
    /// Indirect DMA (dma_gather / dma_scatter): queue time per row, for
    /// generating that row's descriptor from its index.
    double indirectRowNs = 0;
  } dma;

  struct HBM {
    double bytesPerS = 0;
    /// Fraction of the peak the channel sustains.
    double efficiency = 1;
    int64_t capacityBytes = 0;
  } hbm;

  /// How cores are put together (docs/scaleout.md): logical cores on chips,
  /// chips on a torus of NeuronLinks, instances joined in a ring. A target
  /// without a `topology` section is one core.
  struct Topology {
    bool present = false;
    /// Physical NeuronCores per chip, and physical cores per logical core
    /// (LNC=2: two physical cores run as one; the Machine's engines and
    /// memories are then those of the logical core).
    int64_t coresPerChip = 1, lnc = 1;
    /// Chips per instance as a 2-D torus (x, y), and instances in a ring (z).
    std::array<int64_t, 3> torus{1, 1, 1};
    int64_t collectiveEngines = 0, neuronLinks = 0;
    /// HBM of one chip, shared by its cores: bandwidth splits evenly over
    /// the cores of a run that are active on the chip.
    double hbmBytesPerSPerChip = 0;
    int64_t hbmCapacityBytesPerChip = 0;
    /// One direction of one connection (bytes/s): core to core on a chip,
    /// one NeuronLink between torus neighbours, chip to chip between
    /// instances.
    double intraChipBytesPerS = 0, neuronLinkBytesPerS = 0,
           interInstanceBytesPerS = 0;
    /// Every collective step pays `stepLatencyNs`, plus per hop between
    /// chips the NeuronLink or inter-instance hop latency.
    double stepLatencyNs = 0, neuronLinkHopNs = 0, interInstanceHopNs = 0;

    int64_t logicalCoresPerChip() const { return coresPerChip / lnc; }
    int64_t chips() const { return torus[0] * torus[1] * torus[2]; }
    /// Logical cores: the ranks a program may name.
    int64_t cores() const { return logicalCoresPerChip() * chips(); }
  } topology;

  /// Peak dense MACs per PE-clock cycle for an operand type.
  double peakMacsPerCycle(ElemType t) const;
  /// Queues of the chip's collective-communication cores, as one logical
  /// core sees them (collective_engines_per_chip / logical cores per chip;
  /// 0 for a single core): numbered after the DMA queues, they run
  /// collectives only, so a collective in flight never holds up the core's
  /// own DMA queues (trn2.md: 20 DMA-driven CC-cores per chip).
  int64_t collectiveQueues() const {
    return topology.present && topology.logicalCoresPerChip() > 0
               ? topology.collectiveEngines / topology.logicalCoresPerChip()
               : 0;
  }
  uint32_t numQueues() const {
    return kNumComputeQueues + dma.queues + collectiveQueues();
  }
};

/// Loads a machine description: `nameOrPath` is a path to a .json file or a
/// target name looked up as <dir>/<name>.json in MUIR_TARGETS_DIR, then in
/// the targets/ directory of the source tree this build came from.
llvm::Expected<Machine> loadMachine(llvm::StringRef nameOrPath);

/// Parses a machine description from JSON text; `origin` names it in errors.
llvm::Expected<Machine> parseMachine(llvm::StringRef json,
                                     llvm::StringRef origin);

} // namespace muir::target

#endif // MUIR_TARGET_MACHINE_H
