//===- CheckCapacity.cpp - reject tensors the target cannot hold, early ---===//
//
// The lowering's work grows with the tensors' sizes; a shape that cannot fit
// the target's HBM must fail before it starts, not after minutes of tiling.
//
//===----------------------------------------------------------------------===//
#include "muir/Conversion/Passes.h"
#include "muir/Support/CheckedSize.h"

#include "mlir/IR/BuiltinTypes.h"

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
  return success();
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
