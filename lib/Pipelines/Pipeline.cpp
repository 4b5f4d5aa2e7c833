//===- Pipeline.cpp - the muir compiler, top to bottom --------------------===//
//
// Every step of `--muir-compile` is here, in order, so the whole compiler can
// be read in one place. Each step is also a registered pass with its own
// tests under test/.
//
//===----------------------------------------------------------------------===//
#include "muir/Conversion/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void muir::buildCompilePipeline(OpPassManager &pm, const CompileOptions &opts) {
  // Sharding: with a mesh of N cores (cores= or the module's xf.mesh), the
  //    graph becomes one SPMD function on per-rank shapes with xf
  //    collectives (Megatron tensor parallelism); a no-op otherwise. First,
  //    so capacity is checked per rank.
  XfShardPassOptions shard;
  shard.cores = opts.cores;
  shard.target = opts.target;
  shard.entry = opts.entry;
  pm.addPass(createXfShardPass(shard));
  // 0. Capacity: a tensor the target's HBM cannot hold fails here, in
  //    milliseconds, before any rewrite or tiling work.
  CheckCapacityPassOptions capacity;
  capacity.target = opts.target;
  capacity.entry = opts.entry;
  pm.addPass(createCheckCapacityPass(capacity));
  // 1. Normalisation: folds (x*1, transpose pairs, reshape chains) and CSE.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // 2. Fusion: every group of ops that runs as one kernel becomes an
  //    xf.kernel region (the decisions are visible and testable here).
  XfFusePassOptions fuse;
  fuse.target = opts.target;
  fuse.entry = opts.entry;
  pm.addPass(createXfFusePass(fuse));
  // 3. Kernel configuration: each kernel's schedule from the machine
  //    description, as an attribute (overridable: kernel_configs).
  XfKernelConfigPassOptions config;
  config.target = opts.target;
  config.entry = opts.entry;
  config.overrides.assign(opts.kernelConfigs.begin(), opts.kernelConfigs.end());
  pm.addPass(createXfKernelConfigPass(config));
  // 4. Layout: which head transposes (and fused-QKV slices) rope and
  //    attention read in place as strided views, as attributes.
  XfLayoutPassOptions layout;
  layout.entry = opts.entry;
  pm.addPass(createXfLayoutPass(layout));
  // 5-6a. Tiling and each kernel's own on-chip allocation.
  LowerXfToNcPassOptions lower;
  lower.target = opts.target;
  lower.entry = opts.entry;
  pm.addPass(createLowerXfToNcPass(lower));
  // 6b. On-chip placement between kernels: each kernel's section of SBUF
  //     and PSUM moves away from the kernels just before it.
  pm.addNestedPass<nc::KernelOp>(createNcAllocatePass());
  // 6c. Tile loops: each kernel's tiles repeat with constant steps (tile
  //     offsets, buffer slots); the repetitions become nc.loops here, and
  //     scheduling and synchronisation keep them (each loop scheduled as a
  //     unit, its semaphores affine in the iteration), so the work after
  //     this point follows the kernels, not their tiles.
  //     The search looks for whole tiles' bodies (a matmul row tile's
  //     loads, products and stores: hundreds of instructions), not only
  //     the short runs left over after scheduling.
  if (opts.rollLoops && opts.tileLoops) {
    NcRollLoopsPassOptions tiles;
    tiles.maxPeriod = 16384;
    tiles.work = 1 << 22;
    pm.addNestedPass<nc::KernelOp>(createNcRollLoopsPass(tiles));
  }
  // 7. Engine scheduling: list-schedule the kernel's instructions across
  //    the engines with the timing model, then the minimal semaphores for
  //    every cross-queue dependency of the new order.
  NcSchedulePassOptions sched;
  sched.target = opts.target;
  pm.addNestedPass<nc::KernelOp>(createNcSchedulePass(sched));
  pm.addNestedPass<nc::KernelOp>(createNcInsertSyncPass());
  // 8. Hardware loops: repeated instruction sequences that differ only by
  //    constant steps become nc.loop (smaller programs, same execution).
  if (opts.rollLoops)
    pm.addNestedPass<nc::KernelOp>(createNcRollLoopsPass());
  // 9. Emission is muir-translate --nc-to-bin (or the in-memory Program).
}

namespace {
struct CompilePipelineOptions
    : public PassPipelineOptions<CompilePipelineOptions> {
  Option<std::string> target{*this, "target",
                             llvm::cl::desc("machine description name or path"),
                             llvm::cl::init("trn2")};
  Option<std::string> entry{*this, "entry",
                            llvm::cl::desc("function to compile"),
                            llvm::cl::init("")};
  ListOption<std::string> kernelConfigs{
      *this, "kernel-configs",
      llvm::cl::desc("kernel config overrides, <kernel>.<key>=<value>")};
  Option<int64_t> cores{
      *this, "cores",
      llvm::cl::desc("mesh size for muir-xf-shard (0: the module's xf.mesh)"),
      llvm::cl::init(0)};
  Option<bool> rollLoops{
      *this, "roll-loops",
      llvm::cl::desc("roll repeated instructions into nc.loop (default on)"),
      llvm::cl::init(true)};
  Option<bool> tileLoops{
      *this, "tile-loops",
      llvm::cl::desc("roll each kernel's tiles into nc.loop before scheduling "
                     "(faster compiles, smaller and slower programs; default "
                     "off: only the scheduled program is rolled)"),
      llvm::cl::init(false)};
};
} // namespace

void muir::registerCompilePipeline() {
  // Registered by hand (not PassPipelineRegistration) so that nesting the
  // pipeline under another op (`func.func(muir-compile)`) is an error, not
  // an abort: its passes run on the module.
  mlir::registerPassPipeline(
      "muir-compile", "Compile an xf module to a synchronised nc kernel",
      [](OpPassManager &pm, StringRef text,
         function_ref<LogicalResult(const Twine &)> errorHandler)
          -> LogicalResult {
        std::unique_ptr<CompilePipelineOptions> o =
            CompilePipelineOptions::createFromString(text);
        if (!o)
          return errorHandler("muir-compile: invalid options '" + text + "'");
        StringRef anchor = pm.getOpAnchorName();
        if (anchor != ModuleOp::getOperationName() &&
            anchor != OpPassManager::getAnyOpAnchorName())
          return errorHandler("muir-compile runs on a builtin.module; it "
                              "cannot be nested under '" +
                              anchor + "'");
        CompileOptions c;
        c.target = o->target;
        c.entry = o->entry;
        c.rollLoops = o->rollLoops;
        c.tileLoops = o->tileLoops;
        c.cores = o->cores;
        c.kernelConfigs.assign(o->kernelConfigs.begin(),
                               o->kernelConfigs.end());
        buildCompilePipeline(pm, c);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        optHandler(CompilePipelineOptions());
      });
}
