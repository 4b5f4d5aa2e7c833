//===- Reference.h - the reference CPU backend --------------------*- C++
//-*-===//
//
// The reference backend interprets xf functions on host tensors exactly as
// XfOps.td specifies. It is the numerical oracle: every other backend is
// compared against it, so exactness comes first; speed comes from vectorised
// kernels and constants decoded once per Program, never from changing where
// results are rounded (docs/numerics.md).
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_REFERENCE_REFERENCE_H
#define MUIR_REFERENCE_REFERENCE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Types.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace muir::ref {

enum class DType { F32, BF16, F16, F8E4M3FN, F8E5M2, I32, I64 };

/// The DType of an MLIR element type; nullopt for anything xf does not use.
std::optional<DType> dtypeOf(mlir::Type elementType);
/// "f32", "bf16", "f16", "f8E4M3FN", "f8E5M2", "i32", "i64" (MLIR spelling).
llvm::StringRef dtypeName(DType);
/// True for the floating-point dtypes (values live in HostTensor::data).
bool isFloatDType(DType);
/// The MLIR element type for a DType.
mlir::Type toMlirType(mlir::MLIRContext *ctx, DType);

struct HostTensor {
  llvm::SmallVector<int64_t> shape;
  DType dtype = DType::F32;
  std::vector<float>
      data; // float dtypes: values already exactly representable in dtype
  std::vector<int64_t> ints; // I32/I64
  int64_t numElements() const;
};

/// Round-to-nearest-even from f32 to dtype (identity for F32). NaN stays NaN;
/// overflow -> inf (bf16/f16/e5m2), NaN for f8E4M3FN beyond 448 after rounding.
/// Integer dtypes: not meaningful, returns the value unchanged.
float roundTo(DType dtype, float value);
/// The same for every value in place (vectorised).
void roundTo(DType dtype, llvm::MutableArrayRef<float> values);

/// Decodes the storage bits of a float dtype (low 16/8 bits used) to f32.
float fromBits(DType dtype, uint64_t bits);

/// How Program::run evaluates.
struct RunOptions {
  /// Nonzero: a rounding-sensitivity run (Monte Carlo arithmetic). Every
  /// float element computed by an arithmetic op whose value is used only
  /// inside the function (not returned) moves by one unit in the last place
  /// of its type, up or down as a pseudo-random function of this seed, the
  /// op and the element. Ops that only move or select values (reshape,
  /// transpose, slice, concat, broadcast, gather, index_copy, all_gather,
  /// neg, relu, max, min, reduce_max, cast) are left exact. The spread of a
  /// few such runs around the plain run measures how much a result depends
  /// on where intermediates are rounded: what driver::compare allows a
  /// backend that rounds its intermediates elsewhere (docs/numerics.md).
  uint64_t perturbSeed = 0;
};

/// A function prepared for many runs: verified, and its constants decoded,
/// once. It refers to `func`, which must outlive it.
class Program {
public:
  /// Fails (with a diagnostic, like runFunction) on a function without a
  /// body, one that does not verify, or a constant it cannot decode.
  static mlir::FailureOr<Program> prepare(mlir::func::FuncOp func);
  /// Runs the function on `args`, as runFunction does.
  mlir::FailureOr<llvm::SmallVector<HostTensor>>
  run(llvm::ArrayRef<HostTensor> args, const RunOptions &options = {}) const;

private:
  mlir::func::FuncOp func;
  llvm::DenseMap<mlir::Value, HostTensor> constants;
  /// The op after which each value is dead, so a run frees it early.
  llvm::DenseMap<mlir::Value, mlir::Operation *> lastUse;
  /// The ops in execution order: the body's, with the ops of each xf.kernel
  /// region (muir-xf-fuse's fused groups) before the kernel itself, whose
  /// results are then the values its region yielded.
  llvm::SmallVector<mlir::Operation *> order;
};

/// Runs `func` (all ops must be xf ops, func.return, or things it can name as
/// unsupported) on `args`. On any problem (unsupported op, wrong arg
/// count/shape/dtype, gather index out of range, ...) emits an MLIR error
/// diagnostic at the offending op's (or the function's) location and returns
/// failure. Never asserts/crashes on user input. The function is verified
/// first, so kernels may rely on the xf verifiers' shape invariants.
/// Prepares a Program for one run; keep a Program to run a function again.
mlir::FailureOr<llvm::SmallVector<HostTensor>>
runFunction(mlir::func::FuncOp func, llvm::ArrayRef<HostTensor> args,
            const RunOptions &options = {});

} // namespace muir::ref

#endif // MUIR_REFERENCE_REFERENCE_H
