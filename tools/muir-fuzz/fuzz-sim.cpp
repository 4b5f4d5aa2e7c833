//===- fuzz-sim.cpp - muir-sim --no-verify on nc text or a binary ---------===//
//
// The simulator's memory safety without the nc verifiers: the program is
// validated (as muir-sim does) and, when valid, run with seeded inputs and
// the hazard checker on.
//
//===----------------------------------------------------------------------===//
#include "FuzzCommon.h"

#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/Sim/Simulator.h"
#include "muir/Target/Binary.h"
#include "muir/Target/NcProgram.h"
#include "muir/Target/Validate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace muir;
  llvm::StringRef text = fuzz::asText(data, size);
  target::Program prog;
  fuzz::Context c;
  if (text.starts_with(llvm::StringRef("MUIRNC\0", 7))) {
    llvm::Expected<target::Program> p =
        target::readBinary(llvm::ArrayRef<uint8_t>(data, size));
    if (!p) {
      llvm::consumeError(p.takeError());
      return 0;
    }
    prog = std::move(*p);
  } else {
    auto module = fuzz::parse(c, text, /*verify=*/false);
    if (!module)
      return 0;
    nc::KernelOp kernel;
    module->walk([&](nc::KernelOp k) {
      if (!kernel)
        kernel = k;
    });
    if (!kernel)
      return 0;
    mlir::FailureOr<target::Program> p = target::kernelToProgram(kernel);
    if (failed(p))
      return 0;
    prog = std::move(*p);
  }
  const target::Machine &m = fuzz::machine(size % 2);
  if (llvm::Error e = target::validateProgram(prog, m)) {
    llvm::consumeError(std::move(e));
    return 0;
  }
  // A valid trn2 program may hold tensors of gigabytes (a core has 12 GiB of
  // HBM); simulating one needs that much host memory, past the fuzzer's
  // -rss_limit_mb, which would report it as an out-of-memory finding. Such
  // programs are skipped: their size checks are what the small target
  // (1 GiB of HBM) and validateProgram exercise.
  uint64_t tensorBytes = 0;
  for (const target::TensorDecl &t : prog.tensors)
    tensorBytes += t.byteSize();
  if (tensorBytes > (uint64_t(1) << 29))
    return 0;
  sim::Simulator s(m, prog);
  for (const target::TensorDecl &t : prog.tensors)
    if (t.kind == target::TensorKind::Input) {
      std::vector<uint8_t> bytes(t.byteSize());
      for (size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = uint8_t(i * 37 + 11);
      llvm::consumeError(s.setInput(t.name, bytes));
    }
  llvm::consumeError(s.run());
  return 0;
}
