//===- XfDialect.h - the xf transformer-graph dialect ------------*- C++
//-*-===//
#ifndef MUIR_DIALECT_XF_XFDIALECT_H
#define MUIR_DIALECT_XF_XFDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "xf/XfAttrs.h.inc"
#include "xf/XfDialect.h.inc"

namespace muir::xf {
/// Fails, naming the value, when an operand or result tensor of `op` has a
/// negative dimension or 2^63 bytes or more: every size the compiler and the
/// backends compute from a verified op then fits in int64.
mlir::LogicalResult verifyTensorSizes(mlir::Operation *op);

template <typename ConcreteType>
class TensorSizesFit
    : public mlir::OpTrait::TraitBase<ConcreteType, TensorSizesFit> {
public:
  static mlir::LogicalResult verifyTrait(mlir::Operation *op) {
    return verifyTensorSizes(op);
  }
};
} // namespace muir::xf

#define GET_OP_CLASSES
#include "xf/XfOps.h.inc"

namespace muir::xf {
/// NumPy broadcast of two shapes; failure when they are incompatible.
mlir::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);

/// Normalises an axis in [-rank, rank) to [0, rank); failure when outside.
mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// True for the floating-point element types muir supports.
bool isSupportedFloat(mlir::Type t);
} // namespace muir::xf

#endif // MUIR_DIALECT_XF_XFDIALECT_H
