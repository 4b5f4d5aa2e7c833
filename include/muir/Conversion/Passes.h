//===- Passes.h - muir passes and the compile pipeline ------------*- C++
//-*-===//
#ifndef MUIR_CONVERSION_PASSES_H
#define MUIR_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/Target/Machine.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <functional>

namespace muir {
#define GEN_PASS_DECL
#include "muir/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "muir/Conversion/Passes.h.inc"

/// The function the compiler compiles: `entry`, else @main, else the only
/// function; null (after an error on the module) when there is none.
mlir::func::FuncOp selectEntryFunction(mlir::ModuleOp module,
                                       llvm::StringRef entry);

/// The machine named `target` and the single-block entry function of
/// `module`, or failure after an error on the module (unknown target, no
/// such function, more than one block): the prologue of the xf passes.
mlir::FailureOr<std::pair<target::Machine, mlir::func::FuncOp>>
targetAndEntry(mlir::ModuleOp module, llvm::StringRef target,
               llvm::StringRef entry);

/// Compiler memory per unrolled instruction through --muir-compile (measured:
/// peak RSS over instructions, Llama-7B block and a 1.4 M-instruction matmul
/// on target small: 2.7 - 3.6 KiB).
constexpr double kHostBytesPerInstruction = 3 * 1024;
/// Rejects a program whose unrolled instruction count (a lower bound per
/// op) would need more compiler memory than the host budget: half of the
/// smaller of the process's address-space limit and physical memory.
mlir::LogicalResult checkUnrolledSize(mlir::func::FuncOp func,
                                      const muir::target::Machine &m);
/// Fails with an error naming the value and its bytes when a tensor of
/// `func` (argument, op result), or its arguments and results together,
/// do not fit the HBM of `m`, and then applies checkUnrolledSize. Cheap: it
/// only reads types.
mlir::LogicalResult checkCapacity(mlir::func::FuncOp func,
                                  const target::Machine &m);

/// The function `func` computes on `microbatches` inputs at once, created
/// next to it as the private function `name`: argument `activation` and
/// every result gain a leading dimension of that size, and the body runs
/// once per microbatch. What a pipelined program (muir-xf-shard
/// pipeline-stages=) computes; the reference backend runs it.
mlir::FailureOr<mlir::func::FuncOp>
microbatchedFunction(mlir::func::FuncOp func, unsigned activation,
                     int64_t microbatches, llvm::StringRef name);

/// Asked before each fusion: (fusion kind, producer, consumer) -> allowed.
/// Kinds: "kv-concat", "elementwise", "residual", "gated", "epilogue",
/// "head-transpose".
using FusionControl =
    std::function<bool(llvm::StringRef, mlir::Operation *, mlir::Operation *)>;

/// Groups the ops of `func` (a single block of xf ops) into `xf.kernel`
/// regions, one per accelerator kernel, making each fusion `control`
/// allows (all when empty); see muir-xf-fuse.
void formKernels(mlir::func::FuncOp func, const target::Machine &m,
                 FusionControl control = {});

/// Layout assignment (muir-xf-layout): marks each head transpose of a rope
/// or attention kernel `xf.layout` = "view" (read in place through the
/// strides `xf.view_strides`), "in_place" (an attention result's transpose,
/// written in place) or "copy", and each slice an attention kernel reads
/// in place "view". Layouts already on an op (overrides) are kept when they
/// can be realised, else an error on the op; `views` false makes every
/// transpose a copy.
mlir::LogicalResult assignLayouts(mlir::func::FuncOp func, bool views);

/// Writes each configurable kernel's schedule into its config attribute
/// (see muir-xf-kernel-config); `overrides` are `<kernel>.<key>=<value>`.
mlir::LogicalResult configureKernels(mlir::func::FuncOp func,
                                     const target::Machine &m,
                                     llvm::ArrayRef<std::string> overrides);

struct CompileOptions {
  std::string target = "trn2";
  std::string entry;
  /// Kernel config overrides, `<kernel>.<key>=<value>`.
  std::vector<std::string> kernelConfigs;
  /// Roll repeated instruction sequences into nc.loop (muir-nc-roll-loops).
  bool rollLoops = true;
  /// Roll each kernel's repeated tiles into nc.loop before scheduling, so
  /// that scheduling and synchronisation work on loops (needs rollLoops).
  /// Off by default: compiles ~3x faster to programs ~2x smaller, but the
  /// scheduler cannot yet reorder inside a loop, and the programs run
  /// slower (bench/bench.py's tile-loops rows).
  bool tileLoops = false;
  /// Mesh size for muir-xf-shard (0: the module's xf.mesh, else one core).
  int64_t cores = 0;
};

/// The whole compiler, top to bottom: xf module in, synchronised nc kernel out.
void buildCompilePipeline(mlir::OpPassManager &pm, const CompileOptions &opts);

/// Registers `--muir-compile="target=... entry=..."` with the pass registry.
void registerCompilePipeline();
} // namespace muir

#endif // MUIR_CONVERSION_PASSES_H
