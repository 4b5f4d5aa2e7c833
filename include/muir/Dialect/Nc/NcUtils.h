//===- NcUtils.h - element-type mapping between nc and the target -*- C++
//-*-===//
#ifndef MUIR_DIALECT_NC_NCUTILS_H
#define MUIR_DIALECT_NC_NCUTILS_H

#include "muir/Target/Program.h"

#include "mlir/IR/Types.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace mlir {
class Operation;
}

namespace muir::nc {
class AccessAttr;
/// Whether the rows of an HBM tile interleave: its partition stride is
/// shorter than one row's extent, so partitions write element-strided
/// columns of the same bytes (softmax along a leading axis). False for
/// on-chip tiles.
bool hbmRowsInterleave(AccessAttr ap);
/// The target opcode of an nc instruction (nullopt for anything else),
/// without comparing the op's name against the opcode table: each op class
/// knows its opcode (InstructionOpInterface::getOpcode).
std::optional<muir::target::Opcode> opcodeOf(mlir::Operation *op);
/// The target element type of an MLIR type, if the hardware has it.
std::optional<muir::target::ElemType> toElemType(mlir::Type t);
mlir::Type fromElemType(mlir::MLIRContext *ctx, muir::target::ElemType t);
/// A collective op's parameters in the target's form (Instruction::params:
/// reduction op, algorithm, group size, ranks; or send/recv pairs);
/// nullopt when `replica_groups` is not 2-D or `pairs` not N x 2.
std::optional<llvm::SmallVector<double>> collectiveParams(mlir::Operation *op);
} // namespace muir::nc

#endif // MUIR_DIALECT_NC_NCUTILS_H
