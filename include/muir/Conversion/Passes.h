//===- Passes.h - muir passes and the compile pipeline ------------*- C++ -*-===//
#ifndef MUIR_CONVERSION_PASSES_H
#define MUIR_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include "muir/Dialect/Nc/NcDialect.h"

namespace muir {
#define GEN_PASS_DECL
#include "muir/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "muir/Conversion/Passes.h.inc"

struct CompileOptions {
  std::string target = "trn2";
  std::string entry;
};

/// The whole compiler, top to bottom: xf module in, synchronised nc kernel out.
void buildCompilePipeline(mlir::OpPassManager &pm, const CompileOptions &opts);

/// Registers `--muir-compile="target=... entry=..."` with the pass registry.
void registerCompilePipeline();
} // namespace muir

#endif // MUIR_CONVERSION_PASSES_H
