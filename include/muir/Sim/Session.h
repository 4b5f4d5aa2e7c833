//===- Session.h - device memory that outlives one program run ---*- C++
//-*-===//
//
// A simulated device: one HBM in which named buffers (a KV cache) stay from
// run to run while different programs (prefill, decode per bucket) run
// against them. A program's tensors are bound to buffers by name and read
// and write them in place; nothing bound crosses the host boundary, and the
// session counts every byte that does. Simulated time accumulates over the
// runs. docs/simulator.md describes the model.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_SIM_SESSION_H
#define MUIR_SIM_SESSION_H

#include "muir/Sim/Simulator.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace muir::sim {

/// What crossed the host boundary and how much device time passed.
struct SessionStats {
  uint64_t runs = 0;
  /// Simulated device time of every run, back to back.
  double seconds = 0;
  /// Host -> device: write() and the unbound inputs of runs.
  uint64_t hostToDeviceBytes = 0;
  /// Device -> host: read() and output().
  uint64_t deviceToHostBytes = 0;
  /// Constants (weights) written once when a program is first run.
  uint64_t constantBytes = 0;
};

class Session {
public:
  Session(const target::Machine &machine, Options options = {});
  ~Session();
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  /// A named buffer of `shape` elements of `type` in device memory. Its
  /// bytes start unwritten (reading them before a write is an error of the
  /// run that does).
  llvm::Error allocate(llvm::StringRef name, target::ElemType type,
                       llvm::ArrayRef<int64_t> shape);
  /// Frees a buffer; its memory is reused by later allocations.
  llvm::Error release(llvm::StringRef name);
  bool has(llvm::StringRef name) const { return buffers.count(name.str()); }
  /// Host -> device: the buffer's bytes (raw little-endian elements).
  llvm::Error write(llvm::StringRef name, llvm::ArrayRef<uint8_t> bytes);
  /// Device -> host: the buffer's bytes (those never written read as 0).
  llvm::Expected<std::vector<uint8_t>> read(llvm::StringRef name);

  struct Binding {
    std::string tensor; // a tensor of the program ("arg3", "out1")
    std::string buffer; // a buffer of the session
  };
  /// Runs `program` on the session's memory. A program is loaded on its
  /// first run (its constants written once, its unbound tensors given
  /// memory of their own that stays until unload). `bindings` put program
  /// tensors on buffers (same element type and count; not constants), where
  /// they read and write in place; an output or scratch tensor lying on an
  /// input (an in-place update) follows that input. Every other input takes
  /// its bytes from `inputs` (counted as host -> device). The program and
  /// the session's machine must be the same target.
  llvm::Error
  run(const target::Program &program, llvm::ArrayRef<Binding> bindings,
      llvm::ArrayRef<std::pair<std::string, std::vector<uint8_t>>> inputs);
  /// Device -> host: an unbound tensor of the last run's program.
  llvm::Expected<std::vector<uint8_t>> output(llvm::StringRef tensor);
  /// Frees what a program's unbound tensors use.
  void unload(const target::Program &program);

  const Report &lastReport() const { return report; }
  const SessionStats &stats() const { return totals; }
  /// Bytes of device memory in use (buffers and loaded programs).
  uint64_t bytesInUse() const;

private:
  struct Region {
    uint64_t address = 0, size = 0;
  };
  struct Buffer {
    Region region;
    target::ElemType type = target::ElemType::F32;
    std::vector<int64_t> shape;
  };
  struct Loaded {
    std::vector<std::optional<Region>> own; // per tensor, when unbound
  };

  llvm::Expected<Region> reserve(uint64_t bytes, llvm::StringRef what);
  void free(Region r);

  target::Machine machine;
  Options options;
  std::vector<uint8_t> mem, init;
  std::vector<Region> used; // sorted by address
  std::map<std::string, Buffer> buffers;
  std::map<const target::Program *, Loaded> loaded;
  const target::Program *last = nullptr;
  std::vector<uint64_t> lastAddress;
  Report report;
  SessionStats totals;
};

} // namespace muir::sim

#endif // MUIR_SIM_SESSION_H
