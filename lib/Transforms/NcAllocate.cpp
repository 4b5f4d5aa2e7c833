//===- NcAllocate.cpp - placing each kernel's on-chip block ---------------===//
//
// The lowering emits every kernel as an nc.section: its instructions and the
// SBUF and PSUM bytes they use, allocated as a stack from one end of each
// memory (the ends alternating from kernel to kernel). This pass decides
// where each section's block goes, moves its tiles there and replaces the
// section by its instructions.
//
//===----------------------------------------------------------------------===//
#include "muir/Conversion/Passes.h"
#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/Target/Machine.h"
#include "muir/Target/Program.h"

#include "mlir/IR/Builders.h"

namespace muir {
#define GEN_PASS_DEF_NCALLOCATEPASS
#include "muir/Conversion/Passes.h.inc"
} // namespace muir

using namespace mlir;
using namespace muir;

namespace {
/// Moves each kernel's block of on-chip buffers (SBUF or PSUM), emitted at
/// one end of the memory, to the position whose most recent overlapping
/// kernel lies furthest back in program order, then with the least overlap
/// with it, staying put on ties: a kernel whose buffers share no bytes with
/// the kernels just before it can load while they run (the engines only
/// order on real overlaps). Alternating ends alone broke whenever a kernel
/// without buffers (a collective) or a small one (a per-group add) came
/// between two large ones.
class KernelPlacer {
public:
  KernelPlacer(int64_t capacity, int64_t align, size_t window)
      : capacity(capacity), align(align), window(window) {}

  /// The shift (a multiple of the alignment) for a kernel whose buffers
  /// span [lo, hi), `lo` aligned.
  int64_t place(int64_t lo, int64_t hi) {
    int64_t bytes = hi - lo;
    SmallVector<int64_t, 24> cands = {lo, 0,
                                      (capacity - bytes) / align * align};
    for (auto [rlo, rhi] : recent) {
      cands.push_back((rhi + align - 1) / align * align);
      cands.push_back(rlo - bytes >= 0 ? (rlo - bytes) / align * align : -1);
    }
    // The natural position stays unless another one's newest overlapping
    // kernel is older (among those, the least overlap): where overlap with
    // the same kernel is unavoidable, which buffers overlap matters more
    // than how many bytes, and the alternating ends already put a kernel's
    // first buffers away from the last kernel's.
    int64_t best = lo, bestAge = -1, bestOverlap = 0;
    for (int64_t c : cands) {
      if (c < 0 || c + bytes > capacity)
        continue;
      // Age of the newest kernel this position overlaps (window + 1: none).
      int64_t age = int64_t(window) + 1, overlap = 0;
      for (size_t k = recent.size(); k-- > 0;) {
        auto [rlo, rhi] = recent[k];
        int64_t o = std::min(rhi, c + bytes) - std::max(rlo, c);
        if (o > 0) {
          age = int64_t(recent.size() - k);
          overlap = o;
          break;
        }
      }
      if (age > bestAge ||
          (age == bestAge && overlap < bestOverlap && best != lo)) {
        best = c;
        bestAge = age;
        bestOverlap = overlap;
      }
    }
    recent.push_back({best, best + bytes});
    if (recent.size() > window)
      recent.erase(recent.begin());
    return best - lo;
  }

private:
  int64_t capacity, align;
  size_t window;
  /// Blocks of the last kernels that used this memory, oldest first.
  SmallVector<std::pair<int64_t, int64_t>, 9> recent;
};

struct NcAllocatePass : public muir::impl::NcAllocatePassBase<NcAllocatePass> {
  using Base::Base;

  void runOnOperation() override {
    nc::KernelOp kernel = getOperation();
    const target::Machine *m = nc::getMachine(kernel);
    if (!m)
      return signalPassFailure();
    if (window < 1 || window > 64) {
      kernel.emitError() << "muir-nc-allocate: window must be in [1, 64], "
                            "got "
                         << static_cast<unsigned>(window);
      return signalPassFailure();
    }
    const int64_t sbufAlign = std::max<int64_t>(1, m->sbuf.alignBytes);
    const int64_t bank = std::max<int64_t>(1, m->psum.bankBytes());
    KernelPlacer sbufPlacer(m->sbuf.bytesPerPartition, sbufAlign, window);
    KernelPlacer psumPlacer(m->psum.bytesPerPartition, bank, window);
    SmallVector<nc::SectionOp> sections(
        kernel.getBody().front().getOps<nc::SectionOp>());
    for (nc::SectionOp section : sections) {
      ArrayRef<int64_t> sb = section.getSbuf(), ps = section.getPsum();
      // A block moves by whole alignment units (PSUM: banks), so the tiles
      // keep their alignment and no PSUM tile crosses a bank.
      for (auto [name, range, align] : {std::make_tuple("SBUF", sb, sbufAlign),
                                        std::make_tuple("PSUM", ps, bank)})
        if (range[1] > range[0] && range[0] % align != 0) {
          section.emitOpError()
              << name << " range [" << range[0] << ", " << range[1]
              << ") starts off the " << align
              << "-byte alignment: muir-nc-allocate moves blocks by whole "
                 "alignment units";
          return signalPassFailure();
        }
      int64_t ds = 0, dp = 0;
      if (place) {
        if (sb[1] > sb[0])
          ds = sbufPlacer.place(sb[0], sb[1]);
        if (ps[1] > ps[0])
          dp = psumPlacer.place(ps[0], ps[1]);
      }
      if (report)
        mlir::emitRemark(section.getLoc())
            << "section \"" << section.getName() << "\": SBUF [" << sb[0] + ds
            << ", " << sb[1] + ds << ") PSUM [" << ps[0] + dp << ", "
            << ps[1] + dp << ")";
      Block &inner = section.getBody().front();
      // The tiles, by the opcode's operand roles (reading them through the
      // op's attribute dictionary would build one per instruction).
      if (ds != 0 || dp != 0)
        for (Operation &op : inner) {
          auto inst = llvm::dyn_cast<nc::InstructionOpInterface>(op);
          if (!inst)
            continue;
          for (StringRef role : target::opcodeInfo(inst.getOpcode()).operands) {
            role.consume_back("?");
            auto t = op.getAttrOfType<nc::AccessAttr>(role);
            if (!t || t.isHbm())
              continue;
            int64_t d = t.isSbuf() ? ds : dp;
            if (d != 0)
              op.setAttr(role,
                         nc::AccessAttr::get(
                             t.getContext(), t.getSpace(), t.getTensor(),
                             t.getPartition(), t.getPartitions(),
                             t.getPartitionStride(), t.getOffset() + d,
                             t.getSizes(), t.getStrides(), t.getElementType()));
          }
        }
      // The section becomes its instructions, in place.
      Block *outer = section->getBlock();
      outer->getOperations().splice(section->getIterator(),
                                    inner.getOperations());
      section.erase();
    }
  }
};
} // namespace
