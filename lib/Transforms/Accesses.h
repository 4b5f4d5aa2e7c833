//===- Accesses.h - the memory accesses of nc instructions ------*- C++ -*-===//
//
// Shared by the scheduling and synchronisation passes: each instruction of a
// kernel with its queue and the tiles it reads and writes, and the conflict
// test both passes order by. The test is conservative: SBUF/PSUM tiles are
// compared by partition range and byte interval, HBM tiles row by row.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_LIB_TRANSFORMS_ACCESSES_H
#define MUIR_LIB_TRANSFORMS_ACCESSES_H

#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/Target/Program.h"

#include "llvm/ADT/SmallVector.h"

#include <vector>

namespace muir::nc {

struct Access {
  AccessAttr ap;
  bool write;
  // The tile's bounds, read once from the attribute for the conflict tests:
  // partitions [p0, p1) and bytes [lo, hi) on chip; for HBM the tensor's
  // name and the element interval [lo, hi) the tile lies in.
  MemSpace space = MemSpace::sbuf;
  int64_t p0 = 0, p1 = 0, lo = 0, hi = 0;
  llvm::StringRef tensor;

  Access(AccessAttr ap, bool write);
};

struct InstAccesses {
  mlir::Operation *op;
  target::Opcode opcode;
  uint32_t queue;
  llvm::SmallVector<Access, 4> accesses;
};

/// Queues a kernel may name (compute engines plus up to 64 DMA queues).
constexpr uint32_t kMaxQueues = target::kNumComputeQueues + 64;

/// Every instruction of `kernel` in program order (nc.tensor declarations
/// skipped). Fails with an error on the op for a non-instruction or an
/// unknown queue.
mlir::LogicalResult collectInstructions(KernelOp kernel,
                                        std::vector<InstAccesses> &out);

/// Whether two tiles may touch a common byte (conservatively).
bool overlaps(AccessAttr a, AccessAttr b);
/// Whether `outer` touches, by the measure `overlaps` uses, every byte that
/// `inner` does: any tile overlapping `inner` then overlaps `outer`.
bool covers(AccessAttr outer, AccessAttr inner);
/// `overlaps` with a quick rejection on the cached bounds first.
bool overlaps(const Access &a, const Access &b);

/// Whether two instructions must stay ordered: overlapping accesses with at
/// least one write.
bool conflict(const InstAccesses &x, const InstAccesses &y);

} // namespace muir::nc

#endif // MUIR_LIB_TRANSFORMS_ACCESSES_H
