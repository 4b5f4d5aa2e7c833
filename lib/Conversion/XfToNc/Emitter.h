//===- Emitter.h - building nc instructions for xf kernels -------*- C++
//-*-===//
//
// The lowering's toolbox: on-chip allocation, tile (access pattern) builders
// and one call per instruction. Kernels written with it stay short, and every
// size comes from the machine description.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_LIB_CONVERSION_XFTONC_EMITTER_H
#define MUIR_LIB_CONVERSION_XFTONC_EMITTER_H

#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/Dialect/Nc/NcUtils.h"
#include "muir/Target/Machine.h"

#include "mlir/IR/Builders.h"

#include <algorithm>

namespace muir::lower {

/// Row-major element strides of a shape.
llvm::SmallVector<int64_t> rowMajorStrides(llvm::ArrayRef<int64_t> shape);

/// A row-major HBM tensor holding one xf value (or a view of one).
struct HbmValue {
  std::string tensor;
  mlir::Type elemType;
  llvm::SmallVector<int64_t> shape;
  int64_t offset = 0; // element offset inside `tensor`
  /// Explicit element strides of a view (a transpose folded into the
  /// kernel reading or writing it); empty for a row-major value. Only the
  /// kernels that take views (rope's input, attention's operands and
  /// result) ever see one.
  llvm::SmallVector<int64_t> view;
  int64_t numElements() const;
  /// Element strides: the view's, else row-major.
  llvm::SmallVector<int64_t> strides() const;
};

/// A contiguous on-chip buffer: a partition range times bytes per partition.
struct Buffer {
  nc::MemSpace space = nc::MemSpace::sbuf;
  int64_t offset = 0;
  int64_t bytes = 0;
};

class Emitter {
public:
  Emitter(mlir::OpBuilder &b, mlir::Location loc, const target::Machine &m)
      : b(b), loc(loc), m(m) {}

  mlir::OpBuilder &b;
  mlir::Location loc;
  const target::Machine &m;

  int64_t rows() const { return m.pe.rows; }
  mlir::Type f32() { return b.getF32Type(); }
  static unsigned bytesOf(mlir::Type t);

  //===--- allocation (stack discipline per emitted op) ---===//
  struct Mark {
    int64_t sbuf, psum;
  };
  Mark mark() const { return {sbufTop, psumTop}; }
  void release(Mark mk) {
    sbufTop = mk.sbuf;
    psumTop = mk.psum;
  }
  /// Consecutive kernels allocate from opposite ends (the logical stack
  /// grows down from the top when set), so where two kernels' buffers must
  /// overlap, a kernel's first loads need not wait
  /// for the previous kernel to finish reading the same bytes;
  /// muir-nc-allocate then moves each kernel's block (its nc.section) away
  /// from recent kernels where there is room. Toggle only between kernels.
  bool mirrored = false;
  /// Bytes per partition of SBUF and PSUM the kernel being emitted has
  /// used from its end (0 or the top). Reset between kernels.
  int64_t kernelSbufBytes = 0, kernelPsumBytes = 0;
  /// Bytes per partition still free in SBUF.
  int64_t sbufFree() const { return m.sbuf.bytesPerPartition - sbufTop; }
  /// How many sets (between 1 and `maxSets`) of buffers of these sizes fit
  /// in the free SBUF with their alignment: a kernel that double-buffers
  /// falls back to one set where two do not fit (long rows on small SBUFs).
  int64_t setsThatFit(llvm::ArrayRef<int64_t> bytes, int64_t maxSets) const;
  /// Whether buffers of these sizes fit in the free SBUF, with their
  /// alignment.
  bool fits(llvm::ArrayRef<int64_t> bytes) const;
  /// Reserves SBUF bytes per partition; on failure emits an error on `op`
  /// naming `what` and the bytes needed.
  mlir::FailureOr<Buffer> allocSbuf(int64_t bytes, mlir::Operation *op,
                                    llvm::StringRef what);
  /// Reserves whole PSUM banks.
  mlir::FailureOr<Buffer> allocPsumBanks(int64_t banks, mlir::Operation *op,
                                         llvm::StringRef what);

  //===--- tiles ---===//
  nc::AccessAttr tile(nc::MemSpace space, int64_t offset, int64_t p0,
                      int64_t np, llvm::ArrayRef<int64_t> sizes,
                      llvm::ArrayRef<int64_t> strides, mlir::Type t);
  /// A dense [np, n] tile at byte `offset` (+ `col` elements) of a buffer.
  nc::AccessAttr dense(const Buffer &buf, int64_t np, int64_t n, mlir::Type t,
                       int64_t col = 0, int64_t p0 = 0);
  /// A [np, 1] per-partition column of a buffer holding f32 columns.
  nc::AccessAttr column(const Buffer &buf, int64_t np, int64_t col = 0) {
    return dense(buf, np, 1, f32(), col);
  }
  nc::AccessAttr hbm(const HbmValue &v, int64_t offset, int64_t np,
                     int64_t pstride, llvm::ArrayRef<int64_t> sizes,
                     llvm::ArrayRef<int64_t> strides);

  //===--- instructions ---===//
  void dma(nc::AccessAttr dst, nc::AccessAttr src, bool transpose = false);
  void matmul(nc::AccessAttr dst, nc::AccessAttr st, nc::AccessAttr mv,
              bool accumulate);
  void transpose(nc::AccessAttr dst, nc::AccessAttr src);
  void act(nc::ActFunc f, nc::AccessAttr dst, nc::AccessAttr src,
           float scale = 1.0f, nc::AccessAttr bias = {},
           nc::AccessAttr accum = {});
  void tt(nc::AluOp op, nc::AccessAttr dst, nc::AccessAttr lhs,
          nc::AccessAttr rhs);
  void ts(nc::AluOp op0, nc::AccessAttr dst, nc::AccessAttr src, float imm0,
          nc::AccessAttr s0 = {}, nc::AluOp op1 = nc::AluOp::bypass,
          float imm1 = 0.0f, nc::AccessAttr s1 = {});
  void reduce(nc::AluOp op, nc::AccessAttr dst, nc::AccessAttr src,
              int64_t naxes);
  /// Copy with cast; alternates the Vector and Scalar engines to balance them.
  void copy(nc::AccessAttr dst, nc::AccessAttr src);
  void select(nc::AccessAttr dst, nc::AccessAttr src, float fill, int64_t base,
              int64_t channelMultiplier, llvm::ArrayRef<int64_t> coefs);
  void memset(nc::AccessAttr dst, float value);

  uint64_t instructions = 0;
  /// The xf.kernel being emitted (its name), for diagnostics.
  std::string kernelName;

  /// While alive, Vector-engine work (tensor_tensor, tensor_scalar,
  /// tensor_reduce, tensor_copy) goes to `queue` instead ("pool" or, for
  /// tensor_scalar and tensor_copy, "act"): kernels balance engines with it.
  class OnQueue {
  public:
    OnQueue(Emitter &e, llvm::StringRef queue) : e(e), saved(e.override) {
      e.override = queue.str();
    }
    ~OnQueue() { e.override = saved; }

  private:
    Emitter &e;
    std::string saved;
  };

  /// While alive, every Vector, Scalar and GpSimd instruction emitted is
  /// costed by the simulator's model (muir/Target/Cost.h) and its time
  /// added to its engine's load, counted from zero for the scope (one
  /// kernel); inside it, OnQueue(e, "balance") sends a tensor_copy or
  /// tensor_scalar to whichever of the Vector and Scalar engines then has
  /// the smaller load (a kernel keeping both busy splits its movable work
  /// by what it costs on each, not by turns).
  class Balance {
  public:
    explicit Balance(Emitter &e) : e(e), saved(e.balancing) {
      std::copy(e.load, e.load + 4, savedLoad);
      std::fill(e.load, e.load + 4, 0.0);
      e.balancing = true;
    }
    ~Balance() {
      e.balancing = saved;
      std::copy(savedLoad, savedLoad + 4, e.load);
    }

  private:
    Emitter &e;
    bool saved;
    double savedLoad[4];
  };

  /// While alive, DMAs are split over queues in pieces of at least `bytes`
  /// (see dma()); streaming kernels whose queues are all busy anyway ask for
  /// fewer, larger transfers.
  class DmaPieces {
  public:
    DmaPieces(Emitter &e, int64_t bytes) : e(e), saved(e.splitBytes) {
      e.splitBytes = bytes;
    }
    ~DmaPieces() { e.splitBytes = saved; }

  private:
    Emitter &e;
    int64_t saved;
  };
  /// Transfer bytes whose queue time is `fixedMultiple` times the DMA fixed
  /// cost of one transfer (the machine's fixed_ns at queue_bytes_per_s).
  int64_t dmaBytesForFixedMultiple(double fixedMultiple) const;

private:
  /// "kernel '<name>' " when the kernel has a name, for diagnostics.
  std::string kernelPrefix() const;
  std::string override;
  int64_t splitBytes = 0; // 0: the default piece size
  void place(mlir::Operation *op);
  /// Counts `op`; under Balance, chooses its engine when asked to and adds
  /// its cost to that engine's load.
  void finish(mlir::Operation *op);
  bool balancing = false;
  double load[4] = {0, 0, 0, 0}; // ns per compute queue (pe, act, dve, pool)
  void setQueue(mlir::Operation *op, llvm::StringRef q);
  int64_t sbufTop = 0, psumTop = 0;
  mlir::Operation *failedFor = nullptr;
  unsigned nextDma = 0, nextCopy = 0;
};

} // namespace muir::lower

#endif // MUIR_LIB_CONVERSION_XFTONC_EMITTER_H
