//===- ParserGuard.h - reject inputs the MLIR parser would crash on -*- C++
//-*-===//
//
// Debian's MLIR 22 parser crashes on some inputs instead of reporting them:
// deep bracket nesting overflows its recursive descent, and a dense array of
// `index` elements (`array<index: 1>`) hits an assertion. Every muir entry
// point that parses MLIR text (muir-opt, muir-run, muir-sim, muir.parse)
// scans the text with this guard first; docs/tools.md lists what it cannot
// catch.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_SUPPORT_PARSERGUARD_H
#define MUIR_SUPPORT_PARSERGUARD_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace muir {

/// The deepest nesting of (), [], {} and <> the guard lets through; far
/// beyond any real program, far below what overflows the parser's stack.
constexpr unsigned kMaxNestingDepth = 512;

/// Fails with "<name>:<line>:<col>: <reason>" when `text` nests brackets
/// deeper than kMaxNestingDepth or has a dense array whose element type is
/// not an integer or float type. Comments and string literals are skipped.
llvm::Error checkParserInput(llvm::StringRef text, llvm::StringRef name);

} // namespace muir

#endif // MUIR_SUPPORT_PARSERGUARD_H
