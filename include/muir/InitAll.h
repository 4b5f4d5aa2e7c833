//===- InitAll.h - one registry for every muir tool ---------------*- C++ -*-===//
//
// muir-opt, muir-run and the Python module all call these, so the tools never
// disagree on which dialects and passes exist.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_INITALL_H
#define MUIR_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace muir {
/// Adds every dialect muir parses or produces.
void registerAllDialects(mlir::DialectRegistry &registry);
/// Registers every muir pass and pipeline with the global pass registry.
void registerAllPasses();
} // namespace muir

#endif // MUIR_INITALL_H
