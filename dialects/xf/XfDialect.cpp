//===- XfDialect.cpp - xf dialect registration ----------------------------===//
#include "muir/Dialect/Xf/XfDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace muir::xf;

#include "xf/XfDialect.cpp.inc"
#include "xf/XfAttrs.cpp.inc"

void XfDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "xf/XfOps.cpp.inc"
      >();
}

Operation *XfDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  auto elements = llvm::dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}
