//===- InitAll.cpp - registration of muir's dialects and passes -----------===//
#include "muir/InitAll.h"

#include "muir/Conversion/Passes.h"
#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/Dialect/Xf/XfDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Transforms/Passes.h"

void muir::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<mlir::func::FuncDialect, muir::xf::XfDialect,
                  muir::nc::NcDialect>();
}

void muir::registerAllPasses() {
  // The generic passes muir's pipelines use (canonicalize, cse, inline, ...).
  mlir::registerTransformsPasses();
  muir::registerMuirPasses();
  muir::registerCompilePipeline();
}
