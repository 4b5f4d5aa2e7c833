//===- CheckCapacity.cpp - reject tensors the target cannot hold, early ---===//
//
// The lowering's work grows with the tensors' sizes; a shape that cannot fit
// the target's HBM must fail before it starts, not after minutes of tiling.
//
//===----------------------------------------------------------------------===//
#include "muir/Conversion/Passes.h"
#include "muir/Dialect/Xf/XfDialect.h"
#include "muir/Support/CheckedSize.h"

#include "mlir/IR/BuiltinTypes.h"

#include <cmath>
#include <sys/resource.h>
#include <unistd.h>

namespace muir {
#define GEN_PASS_DEF_CHECKCAPACITYPASS
#include "muir/Conversion/Passes.h.inc"
} // namespace muir

using namespace mlir;
using namespace muir;

/// Bytes of a tensor type as the target stores it (i64 indices as i32);
/// nullopt for a size beyond int64.
static std::optional<int64_t> hbmBytes(RankedTensorType t) {
  Type elt = t.getElementType();
  int64_t eb = elt.isSignlessInteger(64) || !elt.isIntOrFloat()
                   ? 4
                   : std::max(1u, (elt.getIntOrFloatBitWidth() + 7) / 8);
  return checkedProduct(t.getShape(), eb);
}

/// A lower bound on the instructions the lowering unrolls for `op` on `m`:
/// one PE instruction per [rows x moving_free_max] output tile per rows-deep
/// contraction step (matmuls, attention's two products, the one-hot gather),
/// else one per SBUF-sized tile of each result.
static double unrolledInstructions(Operation *op, const target::Machine &m) {
  double P = std::max<int64_t>(1, m.pe.rows),
         F = std::max<int64_t>(1, m.pe.movingFreeMax);
  auto dims = [](Value v) -> ArrayRef<int64_t> {
    auto t = llvm::dyn_cast<RankedTensorType>(v.getType());
    return t && t.hasStaticShape() ? t.getShape() : ArrayRef<int64_t>();
  };
  auto up = [](double a, double b) { return std::ceil(a / b); };
  auto product = [&](Value a, Value b, Value r, bool ta) -> double {
    ArrayRef<int64_t> ls = dims(a), rs = dims(r);
    if (ls.size() < 2 || rs.size() < 2 || dims(b).size() < 2)
      return 0;
    double batch = 1;
    for (int64_t d : rs.drop_back(2))
      batch *= d;
    double k = ta ? ls[ls.size() - 2] : ls.back();
    return batch * up(rs[rs.size() - 2], P) * up(rs.back(), F) * up(k, P);
  };
  if (auto mm = llvm::dyn_cast<xf::MatmulOp>(op))
    return product(mm.getLhs(), mm.getRhs(), mm.getResult(),
                   mm.getTransposeLhs());
  if (auto mm = llvm::dyn_cast<xf::BatchMatmulOp>(op))
    return product(mm.getLhs(), mm.getRhs(), mm.getResult(),
                   mm.getTransposeLhs());
  if (auto att = llvm::dyn_cast<xf::AttentionOp>(op)) {
    ArrayRef<int64_t> q = dims(att.getQuery()), k = dims(att.getKey());
    if (q.size() != 4 || k.size() != 4)
      return 0;
    return 2.0 * q[0] * q[1] * up(q[2], P) * up(k[2], P);
  }
  if (auto g = llvm::dyn_cast<xf::GatherOp>(op)) {
    ArrayRef<int64_t> t = dims(g.getTable()), r = dims(g.getResult());
    if (t.size() != 2 || r.empty())
      return 0;
    double rows = 1;
    for (int64_t d : r.drop_back())
      rows *= d;
    // Indirect DMA: an index load and a gather per tile of rows.
    return 2.0 * up(rows, P) * up(t[1], F);
  }
  double perTile = double(std::max<int64_t>(1, m.sbuf.partitions)) *
                   double(std::max<int64_t>(1, m.sbuf.bytesPerPartition / 4));
  double n = 0;
  for (Value r : op->getResults())
    if (auto t = llvm::dyn_cast<RankedTensorType>(r.getType()))
      if (t.hasStaticShape())
        n += up(double(t.getNumElements()), perTile);
  return n;
}

/// The host memory the compiler may use: half of the smaller of the
/// process's address-space limit and the machine's physical memory (the
/// rest is the caller's: inputs, the simulator, the Python interpreter).
static double hostBudgetBytes() {
  double budget =
      double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGESIZE));
  struct rlimit rl;
  if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    budget = std::min(budget, double(rl.rlim_cur));
  return budget > 0 ? budget / 2 : 1e18;
}

LogicalResult muir::checkUnrolledSize(func::FuncOp func,
                                      const target::Machine &m) {
  double total = 0;
  Operation *largest = nullptr;
  double largestN = -1;
  func.walk([&](Operation *op) {
    if (!llvm::isa<xf::XfDialect>(op->getDialect()) ||
        llvm::isa<xf::KernelOp>(op))
      return;
    double n = unrolledInstructions(op, m);
    total += n;
    if (n > largestN)
      largestN = n, largest = op;
  });
  double need = total * kHostBytesPerInstruction, budget = hostBudgetBytes();
  if (need <= budget || !largest)
    return success();
  return largest->emitOpError()
         << "makes the program too large to compile on this host: muir "
            "unrolls every tile, and the program needs at least "
         << int64_t(total) << " instructions (this op " << int64_t(largestN)
         << ") on target '" << m.name << "', about "
         << int64_t(need / (1 << 20)) << " MiB of compiler memory, more than "
         << "the " << int64_t(budget / (1 << 20))
         << " MiB budget (half of the process's memory limit or of physical "
            "memory)";
}

LogicalResult muir::checkCapacity(func::FuncOp func, const target::Machine &m) {
  int64_t cap = m.hbm.capacityBytes;
  auto tooLarge = [&](InFlightDiagnostic d, Type t,
                      std::optional<int64_t> bytes) {
    d << " type " << t << " needs ";
    if (bytes)
      d << *bytes << " bytes";
    else
      d << "2^63 bytes or more";
    d << ", more than the " << cap << " bytes of HBM of target '" << m.name
      << "'";
    return failure();
  };
  auto check = [&](Value v, auto emit) -> LogicalResult {
    auto t = llvm::dyn_cast<RankedTensorType>(v.getType());
    if (!t || !t.hasStaticShape())
      return success(); // the lowering reports unsupported types
    std::optional<int64_t> bytes = hbmBytes(t);
    if (!bytes || *bytes > cap)
      return tooLarge(emit(), t, bytes);
    return success();
  };
  // Arguments and results live in HBM at once.
  std::optional<int64_t> io = 0;
  for (BlockArgument a : func.getArguments()) {
    if (failed(check(a, [&] {
          // At the function's location without printing the whole function.
          return emitError(func.getLoc()) << "argument #" << a.getArgNumber();
        })))
      return failure();
    if (auto t = llvm::dyn_cast<RankedTensorType>(a.getType()))
      if (io && t.hasStaticShape())
        io = llvm::checkedAdd(*io, *hbmBytes(t));
  }
  WalkResult walk = func.walk([&](Operation *op) {
    for (auto [i, r] : llvm::enumerate(op->getResults()))
      if (failed(check(
              r, [&, i = i] { return op->emitOpError() << "result #" << i; })))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  for (Type t : func.getResultTypes())
    if (auto rt = llvm::dyn_cast<RankedTensorType>(t))
      if (io && rt.hasStaticShape())
        io = llvm::checkedAdd(*io, *hbmBytes(rt));
  if (!io || *io > cap) {
    InFlightDiagnostic d = emitError(func.getLoc())
                           << "arguments and results together need ";
    if (io)
      d << *io << " bytes";
    else
      d << "2^63 bytes or more";
    return d << ", more than the " << cap << " bytes of HBM of target '"
             << m.name << "'";
  }
  return checkUnrolledSize(func, m);
}

namespace {
struct CheckCapacityPass
    : public muir::impl::CheckCapacityPassBase<CheckCapacityPass> {
  using Base::Base;

  void runOnOperation() override {
    llvm::Expected<target::Machine> m = target::loadMachine(target);
    if (!m) {
      getOperation().emitError() << llvm::toString(m.takeError());
      return signalPassFailure();
    }
    func::FuncOp func = selectEntryFunction(getOperation(), entry);
    if (!func || failed(checkCapacity(func, *m)))
      signalPassFailure();
  }
};
} // namespace
