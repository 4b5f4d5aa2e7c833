//===- Pipelining.h - pipeline parallelism for muir-xf-shard ----*- C++ -*-===//
//
// Pipeline parallelism in SPMD form (docs/scaleout.md): the entry function
// is P structurally equal stages (runs of layers) chained by one
// activation; every rank runs one stage's code on its stage's weights, and
// M microbatches flow through the stages, one collective_permute between
// consecutive stages per step (GPipe's schedule, M + P - 1 steps).
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_LIB_CONVERSION_XFTONC_PIPELINING_H
#define MUIR_LIB_CONVERSION_XFTONC_PIPELINING_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace muir::pipeline {

/// How the entry function splits into stages.
struct StagePlan {
  int64_t stages = 1;
  /// The argument the first stage's activation comes from.
  unsigned activation = 0;
  /// Per argument stage 0 uses (in argument order): the function's
  /// argument each stage uses in its place (stageArgs[k][s]).
  llvm::SmallVector<unsigned> stage0Args;
  llvm::SmallVector<llvm::SmallVector<unsigned>> stageArgs;
  /// Ops (constants aside) per stage, and the result index (in the first
  /// stage's op list) of the value one stage hands to the next.
  size_t opsPerStage = 0;
  size_t handoffOp = 0;
  unsigned handoffResult = 0;
};

/// Splits `func`'s ops (constants aside) into `stages` equal runs that
/// match op for op (names, attributes, types), each taking the previous
/// run's one output where the first takes an argument, the others' uses of
/// arguments mapped one to one, and the last run's output the function's
/// one result. On failure `why` says where the stages differ.
mlir::FailureOr<StagePlan> planStages(mlir::func::FuncOp func, int64_t stages,
                                      std::string &why);

/// Rewrites `func` to the first stage alone: its arguments are the ones
/// stage 0 uses (plan.stage0Args order), its result the hand-off value.
void extractFirstStage(mlir::func::FuncOp func, const StagePlan &plan);

/// The stage-local index of the activation argument (in stage0Args).
unsigned activationIndex(const StagePlan &plan);

/// Whether the (sharded) stage function's result has its activation
/// argument's local type and layout (xf.shard), so that one stage can hand
/// it to the next.
bool handsOnAsTaken(mlir::func::FuncOp func, const StagePlan &plan);

/// Wraps the (sharded) stage function into the pipelined SPMD function:
/// the activation argument becomes [M, ...] microbatches, the stage body is
/// repeated M + P - 1 times with a collective_permute from each stage's
/// ranks to the next's in between, and the result is [M, ...] as the last
/// stage's ranks hold it. Annotates arguments (`xf.stage_args`) and the
/// result (`xf.stage`). Fails (an error on `func`) when the stage's output
/// is not held like its input.
mlir::LogicalResult wrapStages(mlir::func::FuncOp func, const StagePlan &plan,
                               int64_t microbatches, int64_t ranksPerStage);

} // namespace muir::pipeline

#endif // MUIR_LIB_CONVERSION_XFTONC_PIPELINING_H
