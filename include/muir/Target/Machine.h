//===- Machine.h - machine description of a NeuronCore-like target -*- C++ -*-===//
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
  } pe;

  struct Vector {
    double clockHz = 0;
    double cyclesPerElementOneInput = 0, cyclesPerElementTwoInputs = 0;
    double fixedCycles = 0;
  } vector;

  struct Scalar {
    double clockHz = 0;
    double minCycles = 0, cyclesPerElement = 0, reduceReadoutCycles = 0;
  } scalar;

  struct GpSimd {
    double clockHz = 0;
    double cyclesPerElement = 0, fixedCycles = 0;
  } gpsimd;

  struct Memory {
    int64_t partitions = 0, bytesPerPartition = 0;
    int64_t banks = 1; // PSUM only
    int64_t bankBytes() const { return bytesPerPartition / banks; }
  } sbuf, psum;

  struct DMA {
    int64_t queues = 0;
    double fixedLatencyNs = 0, queueBytesPerS = 0, chunkOverheadNs = 0;
    /// Fraction of queue bandwidth a transposing DMA achieves.
    double transposeEfficiency = 1;
  } dma;

  struct HBM {
    double bytesPerS = 0;
    int64_t capacityBytes = 0;
  } hbm;

  /// Peak dense MACs per PE-clock cycle for an operand type.
  double peakMacsPerCycle(ElemType t) const;
  uint32_t numQueues() const { return kNumComputeQueues + dma.queues; }
};

/// Loads a machine description: `nameOrPath` is a path to a .json file or a
/// target name looked up as <dir>/<name>.json in MUIR_TARGETS_DIR, then in
/// the targets/ directory of the source tree this build came from.
llvm::Expected<Machine> loadMachine(llvm::StringRef nameOrPath);

/// Parses a machine description from JSON text; `origin` names it in errors.
llvm::Expected<Machine> parseMachine(llvm::StringRef json, llvm::StringRef origin);

} // namespace muir::target

#endif // MUIR_TARGET_MACHINE_H
