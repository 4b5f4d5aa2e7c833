//===- NcDialect.h - the nc NeuronCore instruction dialect --------*- C++
//-*-===//
#ifndef MUIR_DIALECT_NC_NCDIALECT_H
#define MUIR_DIALECT_NC_NCDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/RegionKindInterface.h"
#include "mlir/IR/SymbolTable.h"

#include "nc/NcDialect.h.inc"
#include "nc/NcEnums.h.inc"

namespace muir::nc::detail {
/// AccessAttr's storage (NcDialect.cpp: it caches the tile's extent).
struct AccessAttrStorage;
} // namespace muir::nc::detail

#define GET_ATTRDEF_CLASSES
#include "nc/NcAttrs.h.inc"

#include "muir/Target/Program.h"

namespace muir::nc {
/// One tile an instruction touches (InstructionOpInterface).
struct TileAccess {
  AccessAttr tile;
  bool write;
};
} // namespace muir::nc

#include "nc/NcInterfaces.h.inc"

#define GET_OP_CLASSES
#include "nc/NcOps.h.inc"

namespace muir::target {
struct Machine;
}

namespace muir::nc {
/// The machine description named by `kernel`'s target, loaded once per name
/// and cached; null (after emitting an error on `kernel`) if it cannot load.
const muir::target::Machine *getMachine(KernelOp kernel);

/// Checks every HBM tile of instruction `op` (its access attributes) against
/// the tensor it names, looked up in `tables` (one cached symbol table per
/// kernel): the tensor exists, has the tile's element type and holds the
/// tile's last element.
llvm::LogicalResult verifyHbmTiles(mlir::Operation *op,
                                   mlir::SymbolTableCollection &tables);
} // namespace muir::nc

#endif // MUIR_DIALECT_NC_NCDIALECT_H
