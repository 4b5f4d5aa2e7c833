//===- ParserGuard.cpp - reject inputs the MLIR parser would crash on -----===//
#include "muir/Support/ParserGuard.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"

using namespace muir;
using llvm::StringRef;

/// Integer (i8, si32, ui1) and float (f32, bf16, tf32, f8E4M3FN...) type
/// keywords: the element types a dense array's parser can size.
static bool isIntOrFloatKeyword(StringRef t) {
  if (t == "bf16" || t == "tf32")
    return true;
  StringRef digits = t;
  if (!(digits.consume_front("si") || digits.consume_front("ui") ||
        digits.consume_front("i") || digits.consume_front("f")))
    return false;
  if (t.starts_with("f") && digits.size() > 1 && llvm::isDigit(digits[0]) &&
      !llvm::all_of(digits, llvm::isDigit))
    return true; // f8E4M3FN, f4E2M1FN, f6E3M2FN...
  return !digits.empty() && llvm::all_of(digits, llvm::isDigit);
}

llvm::Error muir::checkParserInput(StringRef text, StringRef name) {
  unsigned line = 1, col = 1, depth = 0;
  auto fail = [&](const llvm::Twine &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   (name + ":" + llvm::Twine(line) + ":" +
                                    llvm::Twine(col) + ": " + msg)
                                       .str());
  };
  auto isIdent = [](char c) {
    return llvm::isAlnum(c) || c == '_' || c == '$' || c == '.';
  };
  for (size_t i = 0; i < text.size(); ++i, ++col) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      col = 0;
      continue;
    }
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i + 1 < text.size() && text[i + 1] != '\n')
        ++i;
      continue;
    }
    if (c == '"') { // a string literal, with escapes
      for (++i, ++col; i < text.size() && text[i] != '"'; ++i, ++col) {
        if (text[i] == '\\')
          ++i, ++col;
        else if (text[i] == '\n')
          ++line, col = 0;
      }
      continue;
    }
    if (c == '(' || c == '[' || c == '{' || c == '<') {
      if (++depth > kMaxNestingDepth)
        return fail("brackets nest deeper than " +
                    llvm::Twine(kMaxNestingDepth) +
                    " levels (muir's limit: the MLIR parser would overflow "
                    "its stack)");
    } else if ((c == ')' || c == ']' || c == '}' || c == '>') && depth > 0 &&
               !(c == '>' && i > 0 && text[i - 1] == '-')) {
      --depth;
    }
    if (c == '<' && i >= 5 && text.substr(i - 5, 5) == "array" &&
        (i == 5 || !isIdent(text[i - 6]))) {
      size_t j = i + 1;
      while (j < text.size() && llvm::isSpace(text[j]))
        ++j;
      size_t k = j;
      while (k < text.size() && isIdent(text[k]))
        ++k;
      StringRef elt = text.slice(j, k);
      if (!isIntOrFloatKeyword(elt))
        return fail("a dense array needs an integer or float element type, "
                    "got '" +
                    elt + "' (the MLIR parser would crash on it)");
    }
  }
  return llvm::Error::success();
}
