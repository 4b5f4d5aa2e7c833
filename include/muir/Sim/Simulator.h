//===- Simulator.h - functional and timing simulator of a NeuronCore -*- C++
//-*-===//
//
// Runs a target::Program on a target::Machine: bit-exact numerics of every nc
// instruction on emulated HBM/SBUF/PSUM, an event-driven timing model whose
// every constant comes from the Machine, and a vector-clock hazard checker
// that reports unsynchronised cross-queue accesses. docs/simulator.md gives
// the cost formulas and the checker's rules.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_SIM_SIMULATOR_H
#define MUIR_SIM_SIMULATOR_H

#include "muir/Target/Machine.h"
#include "muir/Target/Program.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm::json {
class OStream;
}

namespace muir::sim {

struct Options {
  /// Track every access and report unsynchronised cross-queue conflicts.
  bool checkHazards = true;
  /// Keep one record per executed instruction for writeTrace().
  bool trace = false;
  /// Compute the values. Off (timing only): no memory is allocated, inputs
  /// are not needed, outputs stay empty, uninitialised reads are not
  /// checked; timing, shape checks and (if on) the hazard checker are the
  /// same as with numerics.
  bool numerics = true;
};

/// Raw little-endian elements of a tensor's element type.
struct HostBuffer {
  std::vector<uint8_t> bytes;
};

struct QueueStats {
  std::string name; // "pe", "act", "dve", "pool", "dma0", ...
  double busyNs = 0;
  double busyFraction = 0;
  uint64_t instructions = 0;
};

struct Report {
  /// Makespan in PE-clock cycles (seconds * pe.clock_hz).
  double cycles = 0;
  double seconds = 0;
  /// One entry per queue of the machine, in queue order.
  std::vector<QueueStats> queues;
  /// Useful matmul MACs / (peak MACs per cycle * cycles), per operand type.
  double peUtilization = 0;
  uint64_t macs = 0;
  uint64_t hbmBytesRead = 0, hbmBytesWritten = 0;
  /// Per-partition high-water marks: the largest end byte any access touched.
  int64_t sbufPeakBytes = 0, psumPeakBytes = 0;
  uint64_t instructions = 0;

  std::string toText() const;
  std::string toJson() const;
};

/// Element codecs shared by the simulator and the muir-sim tool: decode to
/// float (i32 converts exactly up to 2^24), encode with round-to-nearest-even
/// (fp8 E4M3FN overflows to NaN, as llvm::APFloat does; i32 saturates).
float decodeElement(target::ElemType t, const uint8_t *p);
void encodeElement(target::ElemType t, float v, uint8_t *p);

class SimulatorImpl;

/// HBM that outlives a run (a Session's device memory): `data` and `init`
/// (1 per byte ever written) span `size` bytes, and `address[i]` is where
/// tensor i of the program lives in them.
struct DeviceMemory {
  uint8_t *data = nullptr, *init = nullptr;
  uint64_t size = 0;
  std::vector<uint64_t> address;
};

/// What a core hands the multi-core simulator at a collective instruction
/// (MultiCore.h): the instance, when it could start, and the values of its
/// source tile in element order (empty in timing-only runs).
struct CollectiveArrival {
  uint32_t rank = 0;
  const target::Instruction *instruction = nullptr;
  uint32_t instructionIndex = 0; // in the program
  uint64_t instance = 0;         // unrolled program-order index
  /// Group collectives: the core's how-manieth (every rank's k-th meets).
  uint64_t ordinal = 0;
  double startNs = 0;
  std::vector<float> values;
  int64_t dstElements = 0; // recv: the elements it can take
};
/// The collective's completion on this core: when, and the destination
/// tile's values in element order (empty: nothing to write).
struct CollectiveDone {
  double endNs = 0;
  std::vector<float> values;
  uint64_t hbmBytesRead = 0, hbmBytesWritten = 0;
};
/// Where a core's collectives meet the other cores'.
class CollectivePort {
public:
  virtual ~CollectivePort();
  /// The first call for an instance delivers `a`; later calls ask again.
  /// nullopt: not complete yet; the core runs its other queues, and when
  /// nothing else can run it suspends until its driver resumes it.
  virtual llvm::Expected<std::optional<CollectiveDone>>
  arrive(const CollectiveArrival &a, bool first) = 0;
};

class Simulator {
public:
  Simulator(const target::Machine &machine, const target::Program &program,
            Options options = {});
  ~Simulator();
  Simulator(const Simulator &) = delete;
  Simulator &operator=(const Simulator &) = delete;

  /// Sets an input tensor's bytes; their count must equal the tensor's size.
  llvm::Error setInput(llvm::StringRef name, llvm::ArrayRef<uint8_t> bytes);
  /// Runs on `memory` (Session.h) instead of HBM of its own: tensors live
  /// at their addresses there, constants and inputs are whatever those
  /// bytes hold (the session has written them), and nothing is cleared
  /// between runs. Call before setInput/run; `memory` must outlive them.
  void useDeviceMemory(const DeviceMemory *memory);
  /// Runs the program once. Errors: unset inputs, malformed instructions,
  /// out-of-range tiles, reads of never-written memory, hazards, deadlock,
  /// collectives (they need a multi-core run).
  llvm::Error run();

  /// Multi-core runs (MultiCore.h): this core is `rank`, its collectives go
  /// through `port`.
  void setCollectivePort(CollectivePort *port, uint32_t rank);
  /// Starts a run (first call) or resumes it: runs until the program ends
  /// (true) or a collective must wait for other cores (false). A core with
  /// nothing else to run waits for its earliest pending collective; with
  /// `takeAnyComplete` (the driver found every core stuck) it takes every
  /// pending collective that is complete instead.
  llvm::Expected<bool> runUntilBlocked(bool takeAnyComplete = false);
  /// Grows whenever the run executes an instruction or takes a collective.
  uint64_t progress() const;
  /// The trace's events for process `pid` (needs Options::trace).
  void writeTraceEvents(llvm::json::OStream &j, int64_t pid,
                        llvm::StringRef processName) const;
  /// The bytes of any HBM tensor after run(); empty if there is no such tensor.
  llvm::ArrayRef<uint8_t> output(llvm::StringRef name) const;
  const Report &report() const;
  /// Chrome trace-event JSON of the last run (needs Options::trace).
  llvm::Error writeTrace(llvm::StringRef path) const;
  std::string traceJson() const;

private:
  std::unique_ptr<SimulatorImpl> impl;
};

} // namespace muir::sim

#endif // MUIR_SIM_SIMULATOR_H
