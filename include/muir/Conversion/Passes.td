//===- Passes.td - muir conversion and transform passes ----*- tablegen -*-===//
#ifndef MUIR_PASSES
#define MUIR_PASSES

include "mlir/Pass/PassBase.td"

def CheckCapacityPass : Pass<"muir-check-capacity", "mlir::ModuleOp"> {
  let summary = "Reject tensors too large for the target before any other work";
  let description = [{
    Runs first in `--muir-compile`, so a program that cannot fit fails in
    milliseconds instead of after its lowering: every tensor of the entry
    function (arguments, results of every op, constants) must fit the
    target's HBM, and so must its arguments and results together. The error
    names the op (or argument) and the bytes. `muir-lower-xf-to-nc` makes
    the same check on its own.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"trn2\"",
           "machine description name or path">,
    Option<"entry", "entry", "std::string", /*default=*/"\"\"",
           "function to check (default: @main, else the only public one)">,
  ];
}

def XfFusePass : Pass<"muir-xf-fuse", "mlir::ModuleOp"> {
  let summary = "Group xf ops into xf.kernel regions, one per accelerator kernel";
  let description = [{
    Decides every fusion and makes it visible: each group of ops that runs
    as one kernel becomes an `xf.kernel` region (named `k0`, `k1`, ... in
    program order, with its kind), and every other op of the entry function
    but constants and reshapes a kernel of its own. Fusions: `kv-concat` (a
    sequence concat feeding only attention keys/values is read in place),
    `elementwise` (single-use same-shape elementwise producers computed on
    chip in their user), `residual` (matmul + add in the accumulator's
    evacuation), `gated` (two products of one A combined by an elementwise
    tree: SwiGLU), `epilogue` (an elementwise tree over one matmul result —
    bias, activation, residual, cast — run as the accumulator leaves PSUM),
    `head-transpose` (transposes around rope and attention
    read or written as strided views), `slice-view` (a slice of a fused QKV
    projection, reshaped into heads, read by attention in place),
    `horizontal` (plain matmuls of one left operand — Q, K and V of one
    input — computed as one `multi_matmul` over their columns side by side,
    A^T loaded once).
    `disable=` turns fusions off by kind;
    C++ callers pass a control function to `formKernels`.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"trn2\"",
           "machine description name or path (for on-chip fit checks)">,
    Option<"entry", "entry", "std::string", /*default=*/"\"\"",
           "function to fuse (default: @main, else the only public one)">,
    ListOption<"disable", "disable", "std::string",
               "fusion kinds not to make (kv-concat, elementwise, residual, "
               "gated, epilogue, head-transpose, slice-view, horizontal)">,
  ];
}

def XfKernelConfigPass : Pass<"muir-xf-kernel-config", "mlir::ModuleOp"> {
  let summary = "Choose each kernel's schedule and write it as its config";
  let description = [{
    For every `xf.kernel` of a configurable kind, runs the planning function
    the kernel is emitted with on the machine description and writes the
    decision as the kernel's `config`: for `matmul`, `gated_matmul` and
    `batch_matmul`, `schedule` = `resident` | `row_panel` | `weight_ring` |
    `stream` with `block_tiles`, `b_buffers`, `ring_slots` or `panel_rows`;
    for `elementwise` (not casts), `tile_cols` and `buffers`; for `attention`,
    `tiles_in_flight`, `kv_heads_per_set` and `dma_piece_bytes`; for
    `softmax` and `norm`, `buffers`; for `rope`, `buffers` and
    `heads_per_tile`. A config
    already on the kernel, then the `overrides`
    (`<kernel>.<key>=<value>`, e.g. `k3.schedule=stream`), fix the keys they
    name; the planner fills in the rest and rejects unknown keys, values out
    of range and schedules that cannot apply, naming the kernel. Whether the
    buffers fit SBUF is checked when the lowering allocates them.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"trn2\"",
           "machine description name or path">,
    Option<"entry", "entry", "std::string", /*default=*/"\"\"",
           "function to configure (default: @main, else the only public one)">,
    ListOption<"overrides", "overrides", "std::string",
               "kernel config overrides, <kernel>.<key>=<value>">,
  ];
}

def XfLayoutPass : Pass<"muir-xf-layout", "mlir::ModuleOp"> {
  let summary = "Decide which values rope and attention kernels read as strided views";
  let description = [{
    Layout assignment, after fusion and kernel configuration. Every tensor
    is row-major in HBM except the views decided here, each written on its
    op: a head transpose inside a rope or attention kernel gets
    `xf.layout = "view"` when its only user (rope's input, or attention's
    query, key or value) can read the transpose's input in place through
    the permuted element strides `xf.view_strides` (rope: last dimension
    contiguous, leading ones collapsing to one stride; attention: 4-D heads
    with a contiguous last dimension), else `"copy"` (a transpose kernel
    writes a tensor of its own); an attention result's head transpose that
    keeps the head dimension contiguous gets `"in_place"` (the attention
    writes its result straight in the transposed order, `xf.view_strides`
    being the strides it writes with); a slice of a fused QKV tensor that an
    attention kernel reshapes into heads is always a `"view"`.
    Strides follow the values through the function (a reshape of a view
    keeps it a view where no copy is needed). A layout already on an op is
    an override: kept when it can be realised (`"copy"` always can, but for
    slices), else an error naming why. `views=false` makes every transpose
    a copy. `muir-lower-xf-to-nc` follows these attributes (and assigns
    them itself to ops without one).
  }];
  let options = [
    Option<"entry", "entry", "std::string", /*default=*/"\"\"",
           "function to compile (default: @main, else the only function)">,
    Option<"views", "views", "bool", "true",
           "read head transposes in place where the kernel allows (false: "
           "copy every transpose)">,
  ];
}

def XfShardPass : Pass<"muir-xf-shard", "mlir::ModuleOp"> {
  let summary = "Tensor-parallel SPMD sharding of an xf function over a 1-D mesh";
  let description = [{
    Rewrites the entry function into ONE SPMD function that every rank of a
    mesh of N cores runs on its own local tensors (N from `cores=`, else the
    module attribute `xf.mesh = N : i64`; without either the pass does
    nothing). Arguments may carry `xf.shard = {dim = D [, groups = G]}` (the
    global tensor split in N parts along D; with G, D is read as [G, N, c]
    and rank r holds [:, r, :]) or `xf.shard = "replicated"`; the others
    are decided where first used, with Megatron defaults: weights of a
    matmul of a replicated activation split on the output dimension
    (column-parallel: Q/K/V, gate/up; a fused QKV sliced into G parts gets
    groups = G), weights of a matmul of an activation split on K split on K
    (row-parallel: O, down), giving a partial sum that gets one
    xf.all_reduce before the next op that needs whole values (the residual
    add); attention on the local query and key/value heads (KV cache split
    by heads); norms, residuals and everything else replicated. Results are
    replicated (all_gather / all_reduce at the return). Afterwards every
    argument has its local shape and `xf.shard` = `{dim, groups}` or
    `"replicated"`, and the module has `xf.mesh = N`. An attention whose
    query or key/value heads N does not divide, a mesh larger than the
        target's cores or a bad annotation is an error naming the op or
    argument; anything else the rules do not cover runs replicated. With
    sequence parallelism (the default; `sequence-parallel=false` or the
    module attribute `xf.sequence_parallel = false` turn it off), the
    residual stream entering the block is split by rows: norms and
    residual adds run on N times fewer rows, each row-parallel partial sum
    is reduce-scattered to the rows, and rows are all-gathered before each
    column-parallel product (the same bytes as one all-reduce). With
    `sequence-chunks=C` (or `xf.sequence_chunks = C`) the rows form C
    groups (rank r holds rows [g S/C + r S/(C N), + S/(C N)) of each group
    g): each group is gathered and reduce-scattered by a collective of its
    own, a contiguous block of the global rows, so the product on one group
    overlaps the next group's collective, and each row-parallel product
    is computed per group so the first group's reduce-scatter overlaps the
    next group's rows. The default (0) is chosen from the target's machine
    description: the count (1, 2, 4, ...) whose groups keep each per-group
    row-parallel product compute-bound (rows per group at least the PE's
    peak flops x element bytes / the core's HBM share) and that minimises a
    sub-block's estimated time, the first gather and the last
    reduce-scatter exposed and the other groups' collectives under the
    sub-block's products (machine collective costs, products at peak).
    Without a target: two groups when each rank's rows of a group fill a
    128-row tile, else one.

    Pipeline parallelism (`pipeline-stages=P microbatches=M`): the function
    must be P structurally equal runs of ops (stacked layers) chained by one
    activation; the mesh is P blocks of N / P consecutive ranks, block s
    running stage s on its own weights (argument attribute
    `xf.stage_args`: the function argument each stage reads), sharded by
    the rules above inside the block. The pipelined function takes M
    microbatches of the activation ([M, ...]) and runs M + P - 1 steps,
    each stage's output going to the next stage's ranks by an
    `xf.collective_permute`; its result ([M, ...]) is held by the last
    stage's ranks (`xf.stage` on the result). The module gets
    `xf.pipeline = {stages, microbatches, activation}`.
  }];
  let options = [
    Option<"cores", "cores", "int64_t", /*default=*/"0",
           "mesh size (0: the module's xf.mesh attribute, else no sharding)">,
        Option<"target", "target", "std::string", /*default=*/"\"\"",
           "machine description whose topology must hold the mesh (empty: "
           "no check)">,
    Option<"sequenceParallel", "sequence-parallel", "bool",
           /*default=*/"true",
           "split the residual stream and norms by rows between a "
           "reduce-scatter and an all-gather (the default; false, or the "
           "module attribute xf.sequence_parallel = false: tensor "
           "parallelism alone)">,
    Option<"sequenceChunks", "sequence-chunks", "int64_t", /*default=*/"0",
           "with sequence parallelism, split the rows in this many groups, "
           "each gathered and reduce-scattered on its own so a product can "
           "start on one group while the next is in flight (also: module "
           "attribute xf.sequence_chunks; 0: from the target's PE, HBM and "
           "collective costs)">,
    Option<"contextParallel", "context-parallel", "int64_t",
           /*default=*/"0",
           "split the sequence over this many blocks of the mesh (blocks of "
           "consecutive ranks; attention exchanges heads for whole "
           "sequences between them), tensor parallelism inside each (also: "
           "module attribute xf.context_parallel; 0: one block per chip "
           "when the mesh spans several chips of the target and the "
           "function is an attention block the split supports, else 1)">,
    Option<"splitResults", "split-results", "bool", /*default=*/"false",
           "leave results that are split across the ranks split (their "
           "xf.shard says how; runners assemble them) instead of gathering "
           "them on every rank, as a layer hands its output to the next "
           "(also: module attribute xf.split_results)">,
    Option<"entry", "entry", "std::string", /*default=*/"\"\"",
           "function to shard (default: @main, else the only public one)">,
    Option<"pipelineStages", "pipeline-stages", "int64_t", /*default=*/"0",
           "pipeline parallelism: split the function into this many equal "
           "stages of layers, each on mesh / stages consecutive ranks (tensor "
           "parallelism inside a stage), microbatches flowing through them "
           "(also: module attribute xf.pipeline_stages; 0 or 1: none)">,
    Option<"microbatches", "microbatches", "int64_t", /*default=*/"0",
           "with pipeline stages: the microbatches the pipelined program "
           "runs (its activation argument and result gain a leading "
           "dimension of this size; also: module attribute "
           "xf.microbatches)">,
  ];
}

def LowerXfToNcPass : Pass<"muir-lower-xf-to-nc", "mlir::ModuleOp"> {
  let summary = "Lower an xf function to an nc kernel: layout, tiling, emission";
  let description = [{
    Turns the entry function (`entry`, or the only public function) into an
    `nc.kernel`: its arguments and results become HBM input and output
    tensors, constants become const tensors, intermediates scratch tensors.
    Each op (or fused group) is emitted as tiled instructions sized from the
    machine description: partitions <= PE rows, moving free <= its limit,
    PSUM tiles inside a bank, SBUF working sets inside the partition size
    (re-tiled when they do not fit; an error naming the op and the bytes
    when nothing fits). Instructions are not yet synchronised: run
    `muir-nc-insert-sync` afterwards. The function is replaced by the kernel.
    Scratch tensors can be reused (`reuse-scratch`; by default only when
    the program would not fit otherwise): a value whose producer runs after
    every reader of an earlier value of its element type is stored in that
    value's tensor when they have the same size, so a stack of layers needs
    scratch HBM for about one layer.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"trn2\"",
           "machine description name or path">,
    Option<"entry", "entry", "std::string", /*default=*/"\"\"",
           "function to compile (default: @main, else the only public one)">,
    Option<"reuseScratch", "reuse-scratch", "std::string",
           /*default=*/"\"auto\"",
           "store a value in the scratch tensor of one dead by then (same "
           "element type, same size): true, false, or auto (only when one "
           "tensor per intermediate would take more than the target's HBM "
           "or the simulator's 4 GiB of emulated HBM, and then only once a "
           "new tensor no longer fits)">,
  ];
  let dependentDialects = ["muir::nc::NcDialect"];
}

def NcAllocatePass : Pass<"muir-nc-allocate", "muir::nc::KernelOp"> {
  let summary = "Place each kernel's block of SBUF and PSUM; flatten the sections";
  let description = [{
    `muir-lower-xf-to-nc` emits each kernel as an `nc.section` holding its
    instructions and the on-chip bytes they use, allocated as a stack from
    one end of SBUF and of PSUM (the ends alternating from kernel to
    kernel). In program order, this pass moves each section's block (a
    whole number of alignment units; PSUM: banks) to the position whose
    most recent overlapping section lies furthest back among the last
    `window` sections, then with the least overlap with it, keeping the
    lowering's position on ties: a small kernel between two large ones
    then takes the bytes they leave free and runs while they do. It moves
    the section's tiles by that shift and replaces the section by its
    instructions. `place=false` keeps every block where the lowering put
    it; `report=true` emits a remark per section with its final ranges.
    Run before `muir-nc-schedule`, which takes a kernel without sections.
  }];
  let options = [
    Option<"place", "place", "bool", "true",
           "move blocks away from recent sections (false: keep the "
           "lowering's positions)">,
    Option<"window", "window", "unsigned", "8",
           "how many of the latest sections per memory a block avoids">,
    Option<"report", "report", "bool", "false",
           "emit a remark per section with its final SBUF and PSUM ranges">,
  ];
}

def NcSchedulePass : Pass<"muir-nc-schedule", "muir::nc::KernelOp"> {
  let summary = "Reorder a kernel's instructions by list scheduling across engines";
  let description = [{
    Keeps every compute instruction on its queue and every conflicting
    pair of instructions (overlapping accesses, at least one a write) in
    order; the DMA queues are interchangeable, so a plain transfer outside
    loops goes to whichever of them frees first (`assign-dma-queues`; a
    write whose HBM rows interleave keeps its queue), and
    otherwise reorders the kernel so that the engines' in-order queues
    overlap: a list scheduler simulates the engines with the machine
    description's cost formulas and, whenever an engine is free, issues its
    ready instruction with the longest critical path to the kernel's end.
    An `nc.loop` moves as one unit: it depends on what conflicts with any
    iteration's tiles (their union), and occupies each of its queues for its
    trips times its body's work there, from when that queue is free. Its
    body is list-scheduled as one iteration (or keeps its order, when an
    in-order run of a few iterations finds that faster), then pipelined by
    one stage where that pays (`pipeline`). With `unroll-slow-loops`, a
    loop estimated slower than its iterations list-scheduled on their own
    is written out first. Run before `muir-nc-insert-sync` (existing waits
    are ignored and will be replaced).
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "machine description name or path (default: the kernel's target)">,
    Option<"pipeline", "pipeline", "bool", /*default=*/"true",
           "software-pipeline loop bodies by one stage where the estimate gains">,
    Option<"unrollSlow", "unroll-slow-loops", "bool", /*default=*/"false",
           "write out loops estimated slower than their iterations scheduled freely">,
    Option<"assignDmaQueues", "assign-dma-queues", "bool", /*default=*/"true",
           "put each plain transfer outside loops on the DMA queue that frees "
           "first (false: keep the emitted queues)">,
  ];
}

def NcRollLoopsPass : Pass<"muir-nc-roll-loops", "muir::nc::KernelOp"> {
  let summary = "Roll repeated instruction sequences into nc.loop";
  let description = [{
    Finds runs of the kernel's top-level instructions that repeat with a
    period `p` at least `min-trips` times, where repetition `r` of each
    instruction is the first one with its tile offsets, partition starts
    and wait counts advanced by `r` times a constant (everything else —
    opcode, queue, signals, shapes, location unless `same-locations=false`
    — equal), and replaces each
    run by an `nc.loop` of `p` instructions. The meaning is unchanged: a
    loop is defined as its unrolled sequence. Greedy and bounded: at each
    start it tries the periods up to `max-period` at which the start's
    instruction recurs, keeps the one that removes the most instructions,
    and moves past what it rolled (at most `work` instruction comparisons
    per start). Runs last, after muir-nc-insert-sync, so the schedule and
    the semaphores are final; `--muir-compile="tile-loops=true"` also runs
    it right after `muir-nc-allocate` (with `max-period=16384` and
    `work=4194304`, wide enough for whole tiles' bodies), so that
    scheduling and synchronisation work on loops.
  }];
  let options = [
    Option<"maxPeriod", "max-period", "unsigned", "512",
           "longest loop body tried, in instructions">,
    Option<"sameLocations", "same-locations", "bool", "true",
           "roll only repetitions with equal source locations (false: a "
           "loop's body keeps its first repetition's locations; for a "
           "kernel read back from text printed without debug info, where "
           "every instruction's location is its own line)">,
    Option<"minTrips", "min-trips", "unsigned", "2",
           "fewest repetitions worth a loop">,
    Option<"work", "work", "unsigned", "4096",
           "instruction comparisons allowed per start position">,
  ];
}

def NcInsertSyncPass : Pass<"muir-nc-insert-sync", "muir::nc::KernelOp"> {
  let summary = "Order every cross-queue dependency with counting semaphores";
  let description = [{
    For every pair of instructions on different queues whose accesses
    overlap (read after write, write after read, write after write), the
    later one waits for the earlier one. Each queue that produces a
    dependency gets one counting semaphore, signalled by each of its
    instructions that something depends on; a consumer waits for the count
    of its latest producer on that queue. Only the most recent conflicting
    producer per queue is waited for (a queue completes in order), so the
    waits are minimal. Existing waits and signals are replaced.

    An `nc.loop` is analysed iteration by iteration and kept: a body
    instruction that is a producer in any iteration signals in all, and
    its wait on each semaphore becomes `a + k * step` (`wait_steps`),
    chosen between the count iteration k needs and the count already known
    done before it (so the rule never waits longer than the written-out
    program would). Leading iterations for which no such rule exists (the
    first ones, waiting on what came before the loop) are peeled off in
    front of it, up to 8; loops of 2, 4, 8 or 16 iterations per trip are
    tried too (waits on queues that every u-th iteration signals), the form
    writing out the fewest instructions kept; a loop with no rule is
    written out.
  }];
}

#endif // MUIR_PASSES
