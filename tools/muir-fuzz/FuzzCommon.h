//===- FuzzCommon.h - shared pieces of muir's libFuzzer harnesses -*- C++ -*-===//
//
// Each harness feeds one input to one muir entry point exactly as the tool
// does, with a fresh MLIR context and every diagnostic swallowed: a finding
// is a crash, a sanitizer report, a timeout or an out-of-memory, never an
// error message. scripts/fuzz.sh builds and runs them.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_TOOLS_MUIR_FUZZ_FUZZCOMMON_H
#define MUIR_TOOLS_MUIR_FUZZ_FUZZCOMMON_H

#include "muir/InitAll.h"
#include "muir/Support/ParserGuard.h"
#include "muir/Target/Machine.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdint>
#include <cstdlib>
#include <memory>

namespace muir::fuzz {

inline llvm::StringRef asText(const uint8_t *data, size_t size) {
  return llvm::StringRef(reinterpret_cast<const char *>(data), size);
}

/// A single-threaded context with every muir dialect loaded; diagnostics
/// are dropped.
struct Context {
  mlir::MLIRContext ctx{mlir::MLIRContext::Threading::DISABLED};
  mlir::ScopedDiagnosticHandler quiet{
      &ctx, [](mlir::Diagnostic &) { return mlir::success(); }};
  Context() {
    mlir::DialectRegistry registry;
    registerAllDialects(registry);
    ctx.appendDialectRegistry(registry);
    ctx.loadAllAvailableDialects();
    ctx.printOpOnDiagnostic(false);
  }
};

/// Parses MLIR text as the tools do: the parser guard first. Null on error.
inline mlir::OwningOpRef<mlir::ModuleOp>
parse(Context &c, llvm::StringRef text, bool verify = true) {
  if (llvm::Error e = checkParserInput(text, "fuzz")) {
    llvm::consumeError(std::move(e));
    return nullptr;
  }
  llvm::SourceMgr sm;
  sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz"),
                        llvm::SMLoc());
  return mlir::parseSourceFile<mlir::ModuleOp>(
      sm, mlir::ParserConfig(&c.ctx, verify));
}

/// The machine descriptions, loaded once (from the source tree's targets/).
inline const target::Machine &machine(bool small) {
  static target::Machine m[2] = {
      llvm::cantFail(target::loadMachine("trn2")),
      llvm::cantFail(target::loadMachine("small"))};
  return m[small];
}

} // namespace muir::fuzz

#endif // MUIR_TOOLS_MUIR_FUZZ_FUZZCOMMON_H
