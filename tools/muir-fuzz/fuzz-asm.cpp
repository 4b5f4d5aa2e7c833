//===- fuzz-asm.cpp - the assembly reader (muir-translate --asm-to-nc) ----===//
#include "FuzzCommon.h"

#include "muir/Target/Assembly.h"
#include "muir/Target/Binary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::Expected<muir::target::Program> prog = muir::target::parseAssembly(
      muir::fuzz::asText(data, size), "fuzz", nullptr);
  if (!prog) {
    llvm::consumeError(prog.takeError());
    return 0;
  }
  // A parsed program prints and serialises (the round trips).
  (void)muir::target::printAssembly(*prog);
  (void)muir::target::writeBinary(*prog);
  return 0;
}
