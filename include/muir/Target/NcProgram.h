//===- NcProgram.h - nc kernels to and from target programs -------*- C++
//-*-===//
#ifndef MUIR_TARGET_NCPROGRAM_H
#define MUIR_TARGET_NCPROGRAM_H

#include "muir/Target/Program.h"

#include "mlir/IR/Location.h"
#include "mlir/Support/LLVM.h"

namespace mlir {
class OpBuilder;
}
namespace muir::nc {
class KernelOp;
}

namespace muir::target {
/// Flattens a verified kernel; errors are emitted on the offending op.
/// Converts an nc.kernel; without `constantData` constant tensors are
/// declared but their bytes are not copied (for analyses of the code).
mlir::FailureOr<Program> kernelToProgram(muir::nc::KernelOp kernel,
                                         bool constantData = true);
/// One instruction on its own (its queue, operands and parameters; no
/// waits' meaning, no HBM tensor table): what a pass needs to ask the
/// cost model about an op it is building. Ops naming an HBM tensor fail.
mlir::FailureOr<Instruction> instructionOf(mlir::Operation *op);
/// Builds a kernel at the builder's insertion point; errors (bad operand
/// counts, enum codes, tensor indices) are emitted at `loc`. The result still
/// needs mlir::verify for the machine's rules.
mlir::FailureOr<muir::nc::KernelOp>
programToKernel(const Program &prog, mlir::OpBuilder &b, mlir::Location loc);
} // namespace muir::target

#endif // MUIR_TARGET_NCPROGRAM_H
