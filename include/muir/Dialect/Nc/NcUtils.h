//===- NcUtils.h - element-type mapping between nc and the target -*- C++ -*-===//
#ifndef MUIR_DIALECT_NC_NCUTILS_H
#define MUIR_DIALECT_NC_NCUTILS_H

#include "muir/Target/Program.h"

#include "mlir/IR/Types.h"

#include <optional>

namespace muir::nc {
/// The target element type of an MLIR type, if the hardware has it.
std::optional<muir::target::ElemType> toElemType(mlir::Type t);
mlir::Type fromElemType(mlir::MLIRContext *ctx, muir::target::ElemType t);
} // namespace muir::nc

#endif // MUIR_DIALECT_NC_NCUTILS_H
