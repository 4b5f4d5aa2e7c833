//===- fuzz-binary.cpp - the binary reader and muir-translate --bin-to-nc -===//
#include "FuzzCommon.h"

#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/Target/Binary.h"
#include "muir/Target/NcProgram.h"
#include "muir/Target/Validate.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::Expected<muir::target::Program> prog =
      muir::target::readBinary(llvm::ArrayRef<uint8_t>(data, size));
  if (!prog) {
    llvm::consumeError(prog.takeError());
    return 0;
  }
  // What --bin-to-nc and muir-sim do next: rebuild and verify the kernel,
  // and validate the program for the simulator.
  muir::fuzz::Context c;
  mlir::OpBuilder b(&c.ctx);
  auto m = mlir::ModuleOp::create(mlir::UnknownLoc::get(&c.ctx));
  b.setInsertionPointToEnd(m.getBody());
  if (succeeded(muir::target::programToKernel(*prog, b, m.getLoc())))
    (void)mlir::verify(m);
  m.erase();
  llvm::consumeError(
      muir::target::validateProgram(*prog, muir::fuzz::machine(size % 2)));
  return 0;
}
