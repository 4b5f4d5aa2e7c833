//===- Driver.h - compile an xf function and run it on a backend --*- C++
//-*-===//
//
// The one place that strings the compiler, the target program and the
// simulator together; muir-run and the Python module both use it.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_DRIVER_DRIVER_H
#define MUIR_DRIVER_DRIVER_H

#include "muir/Reference/Reference.h"
#include "muir/Sim/MultiCore.h"
#include "muir/Sim/Simulator.h"
#include "muir/Support/Npy.h"
#include "muir/Target/Machine.h"
#include "muir/Target/Program.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <optional>
#include <string>

namespace muir::driver {

/// How argument i of a sharded (SPMD) program holds its global tensor: the
/// `xf.shard` attribute muir-xf-shard leaves on the argument.
struct ArgShard {
  bool split = false;
  /// Split along `dim` in `parts` pieces (0: one per rank), read as
  /// [groups, parts, c]: rank r holds [:, r / (cores / parts), :].
  int64_t dim = 0, groups = 1, parts = 0;
  /// Context parallelism (the module's xf.context_parallel = B): the mesh
  /// is B blocks of cores / B ranks (block b: ranks b (cores / B) ..); the
  /// sequence dimension (`seq_dim` in xf.shard; -1: none) is split first in
  /// B contiguous blocks, block b's for its ranks, and the split above
  /// applies within a block, among its cores / B ranks (rank r as r mod
  /// (cores / B)).
  int64_t seqDim = -1, seqBlocks = 1;
  /// A result of a pipelined program: held by the ranks of block `stage`
  /// (the last pipeline stage; -1: by every rank). The split above applies
  /// among that block's ranks.
  int64_t stage = -1;
};

/// A pipelined program (muir-xf-shard pipeline-stages=): `stages` blocks of
/// consecutive ranks, `microbatches` inputs of argument `activation` of the
/// user's function stacked on a new leading dimension.
struct PipelineInfo {
  int64_t stages = 1, microbatches = 1;
  unsigned activation = 0;
};

struct Compiled {
  target::Machine machine;
  target::Program program;
  /// Maps function arguments / results to HBM tensor names.
  llvm::SmallVector<std::string> inputs, outputs;
  double compileSeconds = 0;
  /// Ranks of the SPMD program (1: not sharded) and how each argument is
  /// sliced from the global input.
  int64_t cores = 1;
  llvm::SmallVector<ArgShard> argShards;
  /// How each result is held: replicated (every rank's copy, checked
  /// equal) or left split (muir-xf-shard's split-results), assembled from
  /// the ranks' pieces.
  llvm::SmallVector<ArgShard> resultShards;
  /// Pipeline parallelism: per program input, the global argument each
  /// stage (block of ranks) reads (`xf.stage_args`); empty: input i is
  /// argument i on every rank.
  llvm::SmallVector<llvm::SmallVector<unsigned>> argSources;
  std::optional<PipelineInfo> pipeline;
  /// Arguments of the function the program computes (the user's; with a
  /// pipeline, its microbatchedFunction).
  size_t globalArgs = 0;
};

/// Compiles `funcName` (empty: @main or the only function) of a clone of
/// `module` for `target`; diagnostics go to the context's handlers.
/// `kernelConfigs` override kernel schedules (`<kernel>.<key>=<value>`, see
/// muir-xf-kernel-config).
/// With `cores` > 1 (or an `xf.mesh` on the module) the function is first
/// sharded by muir-xf-shard into one SPMD program for that many ranks.
/// `contextParallel` (0: muir-xf-shard's default), `splitResults`,
/// `pipelineStages` and `microbatches` are its context-parallel=,
/// split-results=, pipeline-stages= and microbatches= options
/// (docs/scaleout.md). `tileLoops` is --muir-compile's tile-loops= (each
/// kernel's tiles rolled into loops before scheduling).
mlir::FailureOr<Compiled>
compile(mlir::ModuleOp module, llvm::StringRef funcName, llvm::StringRef target,
        llvm::ArrayRef<std::string> kernelConfigs = {}, int64_t cores = 0,
        int64_t contextParallel = 0, bool splitResults = false,
        int64_t pipelineStages = 0, int64_t microbatches = 0,
        bool tileLoops = false);

/// For a pipelined program: the function it computes (the user's function
/// `funcName` of `module` on `microbatches` stacked inputs), added to
/// `module` once (see muir::microbatchedFunction); else the user's function.
mlir::FailureOr<mlir::func::FuncOp> computedFunction(mlir::ModuleOp module,
                                                     llvm::StringRef funcName,
                                                     const Compiled &c);

struct SimResult {
  llvm::SmallVector<ref::HostTensor> outputs;
  sim::Report report;
  std::string traceJson; // when requested
};

/// Runs a compiled program on the simulator. `resultTypes` gives each
/// output's dtype and shape (the xf function's result types).
llvm::Expected<SimResult> simulate(const Compiled &c,
                                   llvm::ArrayRef<ref::HostTensor> args,
                                   llvm::ArrayRef<ref::HostTensor> resultShapes,
                                   sim::Options options);

/// Rank `rank`'s part of the global tensor `t` (see ArgShard).
ref::HostTensor sliceForRank(const ref::HostTensor &t, const ArgShard &s,
                             int64_t cores, int64_t rank);

struct MultiSimResult {
  /// The (replicated) results, as rank 0 holds them.
  llvm::SmallVector<ref::HostTensor> outputs;
  sim::MultiReport report;
  std::string traceJson; // when requested
};

/// Runs a compiled SPMD program on `c.cores` simulated cores: every rank
/// gets its slice of the global `args`; the results must agree on every
/// rank (they are replicated), else an error names the first that differs.
llvm::Expected<MultiSimResult>
simulateCores(const Compiled &c, llvm::ArrayRef<ref::HostTensor> args,
              llvm::ArrayRef<ref::HostTensor> resultShapes,
              sim::Options options);

/// A .npy array (muir-run --input) as a host tensor of `shape` and `dtype`:
/// floats rounded to the dtype, float8 raw bits decoded, integers range
/// checked for i32. The error says why the array does not fit.
llvm::Expected<ref::HostTensor> hostTensorFromNpy(const npy::Array &a,
                                                  llvm::ArrayRef<int64_t> shape,
                                                  ref::DType dtype);

/// Per-dtype tolerances for comparing a backend with the reference.
struct Tolerance {
  double rtol, atol;
};
Tolerance toleranceFor(ref::DType t);
/// The tolerance for result `index` of `func`: an integer result is exact;
/// a float one gets the loosest tolerance of the float types computed on any
/// path to it (a bf16 value cast back to f32 keeps the bf16 tolerance, since
/// both backends may round it differently before the cast). Arguments are
/// exact in both backends and do not count.
Tolerance toleranceForResult(mlir::func::FuncOp func, unsigned index);

/// Element-wise comparison: |got - want| <= atol * max(1, max|want|) +
/// rtol * |want| + kSensitivityFactor * sensitivity[i] (when `sensitivity`
/// is given), NaN matching NaN. Returns the number of mismatches and fills
/// the largest errors; `withinSensitivity` (if given) counts the elements
/// that pass only thanks to their sensitivity allowance.
int64_t compare(const ref::HostTensor &got, const ref::HostTensor &want,
                Tolerance tol, double &maxAbs, double &maxRel,
                int64_t &firstBad, llvm::ArrayRef<float> sensitivity = {},
                int64_t *withinSensitivity = nullptr);

/// Rounding sensitivity of each result of `func` on `args`, whose plain
/// reference results are `want`: per element, the largest |p - want| over
/// kSensitivityRuns reference runs that move every intermediate by one ulp
/// of its type (ref::RunOptions::perturbSeed). A well-conditioned result
/// has a sensitivity of an ulp or so; a normalization of a near-constant
/// row, a difference of nearly equal values, amplify it. Fails like
/// ref::runFunction.
///
/// compare() allows kSensitivityFactor times this sensitivity: a backend's
/// intermediates may each be a few ulps off (the simulator's sigmoid is
/// exp, add and divide: up to about 2 ulps), and random one-ulp signs over
/// four runs underestimate errors that line up. Measured on the worst
/// program class the random-graph tester found (layer_norm of sigmoid of
/// softmax, f32, 200 input draws, test_check_sensitivity.py): 143 draws
/// fail the plain tolerance, the largest needs 2.5 times the sensitivity.
inline constexpr int kSensitivityRuns = 4;
inline constexpr double kSensitivityFactor = 4;
mlir::FailureOr<llvm::SmallVector<std::vector<float>>>
roundingSensitivity(mlir::func::FuncOp func,
                    llvm::ArrayRef<ref::HostTensor> args,
                    llvm::ArrayRef<ref::HostTensor> want);

} // namespace muir::driver

#endif // MUIR_DRIVER_DRIVER_H
