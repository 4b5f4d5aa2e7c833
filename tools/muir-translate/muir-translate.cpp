//===- muir-translate.cpp - nc kernels to and from binary and assembly ----===//
//
//   muir-translate --nc-to-bin k.mlir -o k.bin    one nc.kernel -> binary
//   muir-translate --bin-to-nc k.bin              binary -> verified nc.kernel
//   muir-translate --nc-to-asm k.mlir             one nc.kernel -> assembly
//   muir-translate --asm-to-nc k.s                assembly -> verified
//   nc.kernel
//
// Every direction goes through the target Program (muir/Target/Program.h).
//
//===----------------------------------------------------------------------===//
#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/Dialect/Nc/NcUtils.h"
#include "muir/InitAll.h"
#include "muir/Support/ParserGuard.h"
#include "muir/Target/Assembly.h"
#include "muir/Target/Binary.h"
#include "muir/Target/NcProgram.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Tools/ParseUtilities.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace muir;

namespace {
void registerDialects(DialectRegistry &registry) {
  muir::registerAllDialects(registry);
}

/// The one nc.kernel in `op`, flattened to a Program.
FailureOr<target::Program> programOf(Operation *op) {
  SmallVector<nc::KernelOp> kernels;
  op->walk([&](nc::KernelOp k) { kernels.push_back(k); });
  if (kernels.size() != 1) {
    InFlightDiagnostic diag =
        emitError(kernels.size() > 1 ? kernels[1].getLoc() : op->getLoc())
        << "expected exactly one nc.kernel, found " << kernels.size();
    if (kernels.size() > 1)
      diag.attachNote(kernels[0].getLoc()) << "the first one is here";
    return failure();
  }
  return target::kernelToProgram(kernels.front());
}

/// A module holding the kernel built from `prog`, verified (machine rules
/// included); null after emitting diagnostics. `locOf(i)` names where the
/// i-th op of the kernel body (tensors, then instructions) came from.
OwningOpRef<Operation *> moduleOf(const target::Program &prog, MLIRContext *ctx,
                                  Location loc,
                                  llvm::function_ref<Location(size_t)> locOf) {
  ctx->loadDialect<nc::NcDialect>();
  // programToKernel builds tiles unchecked: check them like the parser would.
  size_t numTensors = prog.tensors.size();
  for (size_t i = 0; i < prog.instructions.size(); ++i) {
    const target::Instruction &in = prog.instructions[i];
    const target::OpcodeInfo &info = target::opcodeInfo(in.op);
    for (size_t r = 0; r < in.operands.size(); ++r) {
      const target::AccessPattern &p = in.operands[r];
      bool hbm = p.space == target::MemSpace::HBM;
      if (!p.present() || (hbm && p.tensor >= numTensors))
        continue;
      StringRef role = r < info.operands.size() ? info.operands[r] : "";
      if (failed(nc::AccessAttr::verify(
              [&] {
                return emitError(locOf(numTensors + i))
                       << info.mnemonic << " " << role.rtrim('?') << ": ";
              },
              static_cast<nc::MemSpace>(p.space),
              hbm ? StringRef(prog.tensors[p.tensor].name) : StringRef(),
              p.partition, p.partitions, p.partitionStride, p.offset, p.sizes,
              p.strides, nc::fromElemType(ctx, p.type))))
        return nullptr;
    }
  }
  OwningOpRef<ModuleOp> module(ModuleOp::create(loc));
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module->getBody());
  FailureOr<nc::KernelOp> kernel = target::programToKernel(prog, b, loc);
  if (failed(kernel))
    return nullptr;
  // Tensors, then instructions in program order: a loop's body
  // instructions are consecutive instructions of the program, and the loop
  // op itself takes its first instruction's location.
  size_t index = 0;
  for (Operation &op : kernel->getBody().front()) {
    auto loop = llvm::dyn_cast<nc::LoopOp>(op);
    if (!loop) {
      op.setLoc(locOf(index++));
      continue;
    }
    loop->setLoc(locOf(index));
    for (Operation &in : loop.getBody().front())
      in.setLoc(locOf(index++));
  }
  if (failed(mlir::verify(*module)))
    return nullptr;
  return OwningOpRef<Operation *>(module.release());
}

const llvm::MemoryBuffer *mainBuffer(const llvm::SourceMgr &sm) {
  return sm.getMemoryBuffer(sm.getMainFileID());
}

OwningOpRef<Operation *> binToNc(llvm::SourceMgr &sm, MLIRContext *ctx) {
  const llvm::MemoryBuffer *buf = mainBuffer(sm);
  Location loc = FileLineColLoc::get(ctx, buf->getBufferIdentifier(), 0, 0);
  llvm::ArrayRef<uint8_t> bytes(
      reinterpret_cast<const uint8_t *>(buf->getBufferStart()),
      buf->getBufferSize());
  llvm::Expected<target::Program> prog = target::readBinary(bytes);
  if (!prog) {
    emitError(loc) << llvm::toString(prog.takeError());
    return nullptr;
  }
  size_t numTensors = prog->tensors.size();
  auto locOf = [&](size_t i) -> Location {
    std::string what =
        i < numTensors
            ? "tensor '" + prog->tensors[i].name + "'"
            : "instruction #" + std::to_string(i - numTensors) + " on " +
                  target::queueName(prog->instructions[i - numTensors].queue);
    return NameLoc::get(StringAttr::get(ctx, what), loc);
  };
  // Binaries have no lines: diagnostics on an op name it instead.
  ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) -> LogicalResult {
    auto name = dyn_cast<NameLoc>(d.getLocation());
    if (!name || d.getSeverity() != DiagnosticSeverity::Error)
      return failure();
    InFlightDiagnostic err = emitError(name.getChildLoc())
                             << name.getName().getValue() << ": " << d.str();
    for (Diagnostic &note : d.getNotes()) {
      Location at = note.getLocation();
      if (auto n = dyn_cast<NameLoc>(at))
        at = n.getChildLoc();
      err.attachNote(at) << note.str();
    }
    return success();
  });
  return moduleOf(*prog, ctx, loc, locOf);
}

OwningOpRef<Operation *> asmToNc(llvm::SourceMgr &sm, MLIRContext *ctx) {
  const llvm::MemoryBuffer *buf = mainBuffer(sm);
  StringRef name = buf->getBufferIdentifier();
  target::AssemblyLines lines;
  llvm::Expected<target::Program> prog =
      target::parseAssembly(buf->getBuffer(), name, &lines);
  if (!prog) {
    llvm::handleAllErrors(
        prog.takeError(),
        [&](const target::AssemblyError &e) {
          emitError(FileLineColLoc::get(ctx, e.buffer, e.line, e.column))
              << e.message;
        },
        [&](const llvm::ErrorInfoBase &e) {
          emitError(FileLineColLoc::get(ctx, name, 1, 1)) << e.message();
        });
    return nullptr;
  }
  auto locOf = [&](size_t i) -> Location {
    size_t nt = lines.tensors.size();
    unsigned line = i < nt ? lines.tensors[i] : lines.instructions[i - nt];
    return FileLineColLoc::get(ctx, name, line, 1);
  };
  return moduleOf(*prog, ctx, FileLineColLoc::get(ctx, name, 1, 1), locOf);
}

LogicalResult ncToBin(Operation *op, llvm::raw_ostream &os) {
  FailureOr<target::Program> prog = programOf(op);
  if (failed(prog))
    return failure();
  std::vector<uint8_t> bytes = target::writeBinary(*prog);
  os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  return success();
}

LogicalResult ncToAsm(Operation *op, llvm::raw_ostream &os) {
  FailureOr<target::Program> prog = programOf(op);
  if (failed(prog))
    return failure();
  os << target::printAssembly(*prog);
  return success();
}
/// An nc-text-to-X translation whose input passes muir's parser guard before
/// the MLIR parser sees it (what TranslateFromMLIRRegistration would do
/// otherwise: parse and verify, then translate).
TranslateFunction
fromNcText(std::function<LogicalResult(Operation *, llvm::raw_ostream &)> fn) {
  return [fn](const std::shared_ptr<llvm::SourceMgr> &sm, llvm::raw_ostream &os,
              MLIRContext *ctx) -> LogicalResult {
    const llvm::MemoryBuffer *buf = mainBuffer(*sm);
    if (llvm::Error e = muir::checkParserInput(buf->getBuffer(),
                                               buf->getBufferIdentifier()))
      return emitError(UnknownLoc::get(ctx)) << llvm::toString(std::move(e));
    DialectRegistry registry;
    registerDialects(registry);
    ctx->appendDialectRegistry(registry);
    OwningOpRef<Operation *> op = parseSourceFileForTool(
        sm, ParserConfig(ctx), /*insertImplicitModule=*/true);
    if (!op || failed(verify(*op)))
      return failure();
    return fn(op.get(), os);
  };
}
} // namespace

int main(int argc, char **argv) {
  TranslateRegistration toBin("nc-to-bin",
                              "translate one nc.kernel to a muir binary",
                              fromNcText(ncToBin));
  TranslateToMLIRRegistration fromBin(
      "bin-to-nc", "translate a muir binary to a verified nc.kernel",
      TranslateRawSourceMgrToMLIRFunction(binToNc), registerDialects);
  TranslateRegistration toAsm("nc-to-asm",
                              "translate one nc.kernel to muir assembly text",
                              fromNcText(ncToAsm));
  TranslateToMLIRRegistration fromAsm(
      "asm-to-nc", "translate muir assembly text to a verified nc.kernel",
      TranslateRawSourceMgrToMLIRFunction(asmToNc), registerDialects);
  return failed(
      mlirTranslateMain(argc, argv, "muir binary and assembly translator"));
}
