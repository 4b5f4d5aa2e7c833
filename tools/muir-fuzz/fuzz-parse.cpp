//===- fuzz-parse.cpp - muir-opt's front door: parse and verify -----------===//
#include "FuzzCommon.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  muir::fuzz::Context c;
  (void)muir::fuzz::parse(c, muir::fuzz::asText(data, size));
  return 0;
}
