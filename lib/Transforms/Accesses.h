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
  /// HBM: the tile's first element (`ap`'s offset unless stepped).
  int64_t offset = 0;
  /// The access stands for every iteration of a loop's instruction (the
  /// bounds are their union): HBM tiles then overlap by interval only, and
  /// it covers nothing.
  bool hull = false;

  Access(AccessAttr ap, bool write);
  /// The same tile `k` iterations on, each moving it by `step` (partitions
  /// and bytes on chip, elements in HBM).
  Access stepped(target::AccessStep step, int64_t k) const;
};

constexpr uint32_t kNoLoop = UINT32_MAX;

struct InstAccesses {
  mlir::Operation *op;
  target::Opcode opcode;
  uint32_t queue;
  llvm::SmallVector<Access, 4> accesses;
  /// Inside an nc.loop: the loop's index among the kernel's loops (kNoLoop
  /// outside) and, when loops are expanded, the iteration.
  uint32_t loop = kNoLoop;
  uint32_t iteration = 0;
};

/// One nc.loop of the kernel as collected: its body instructions are
/// `count` consecutive entries from `begin` (every iteration's, in order,
/// when expanded; the body once otherwise).
struct LoopSpan {
  LoopOp op;
  uint32_t begin = 0, count = 0, bodySize = 0, trips = 0;
};

/// What collectInstructions does with nc.loop: refuse it, list every
/// iteration of its body (each instance's tiles stepped), or list the body
/// once with each access the union of its iterations.
enum class LoopMode { Refuse, Expand, Hull };

/// The most instruction instances LoopMode::Expand lists (about 3 GiB of
/// analysis state); a kernel whose loops unroll to more is an error there.
constexpr uint64_t kMaxExpandedInstructions = uint64_t(1) << 23;
/// How many instruction instances the kernel executes (loops unrolled).
uint64_t executedInstructions(KernelOp kernel);

/// Queues a kernel may name (compute engines plus up to 64 DMA queues).
constexpr uint32_t kMaxQueues = target::kNumComputeQueues + 64;

/// Every instruction of `kernel` in program order (nc.tensor declarations
/// skipped). Fails with an error on the op for a non-instruction or an
/// unknown queue.
mlir::LogicalResult collectInstructions(KernelOp kernel,
                                        std::vector<InstAccesses> &out,
                                        LoopMode mode = LoopMode::Refuse,
                                        std::vector<LoopSpan> *loops = nullptr);

/// The per-iteration step of each schema operand of a loop body's
/// instruction (`i`-th of the body), from the loop's `steps` table; empty
/// when none moves.
llvm::SmallVector<target::AccessStep, 0> bodySteps(LoopOp loop, int64_t i,
                                                   target::Opcode opcode);

/// Moves `op`'s tiles `k` iterations on by `steps` (per schema operand).
void stepTiles(mlir::Operation *op, target::Opcode opcode,
               llvm::ArrayRef<target::AccessStep> steps, int64_t k);

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
