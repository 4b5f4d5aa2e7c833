//===- NcOps.td - the nc NeuronCore instruction dialect ----*- tablegen -*-===//
//
// nc speaks the accelerator's instructions, modelled on the NKI ISA. A kernel
// is a list of instructions, each bound to an engine queue; operands are tiles
// (access patterns over HBM, SBUF or PSUM), not SSA values, because that is
// what the hardware addresses. Verifiers enforce the machine's rules using
// the machine description named by the enclosing kernel's `target`.
//
//===----------------------------------------------------------------------===//

#ifndef MUIR_NC_OPS
#define MUIR_NC_OPS

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/RegionKindInterface.td"

def Nc_Dialect : Dialect {
  let name = "nc";
  let cppNamespace = "::muir::nc";
  let summary = "Instructions of a Trainium2-like NeuronCore";
  let description = [{
    `nc` is muir's target dialect: one op per hardware instruction, modelled
    on the NKI ISA. A `nc.kernel` holds HBM tensor declarations (`nc.tensor`)
    and instructions. Each instruction runs on one engine queue — `pe`
    (Tensor engine), `act` (Scalar), `dve` (Vector), `pool` (GpSimd) or
    `dmaN` (DMA queue N) — and queues execute their instructions in program
    order, independently of each other. Cross-queue ordering exists only
    through counting semaphores: an instruction may `wait` until semaphore
    `s` has been signalled at least `n` times, and `signal` semaphores when it
    completes.

    ## Tiles

    Operands are access patterns, `#nc.ap<...>`:

    * `#nc.ap<sbuf[P0, NP] at OFF dims [S0, S1] strides [T0, T1] : bf16>` —
      partitions `P0 .. P0+NP-1` of SBUF (or `psum`), and in each partition
      the elements at byte `OFF + elemBytes * (i0*T0 + i1*T1)` for
      `i0 < S0, i1 < S1` (free dimensions, row-major, strides in elements).
    * `#nc.ap<hbm @t[NP x PS] at OFF dims [...] strides [...] : f32>` —
      `NP` rows of tensor `@t`, row `p` starting at element
      `OFF + p * PS`, free dimensions as above. Strides (`T*`, `PS`) are
      never negative; zero strides broadcast.

    The partition dimension is the one the hardware parallelises over (at
    most `pe.rows` of the machine); a tile's element `(p, i...)` is the
    `p`-th row, free index `i` in row-major order.

    ## Loops

    `nc.loop N { ... }` repeats a run of instructions `N` times, each
    iteration's tiles (offsets, partition starts) and wait counts advanced
    by constant steps. It means exactly the unrolled sequence; the binary
    format carries it and the simulator executes it without unrolling, so
    program size follows the kernels rather than the tiles.
    `muir-nc-roll-loops` forms loops at the end of the compiler.

    ## Collectives

    On a target with a `topology` (many cores), `nc.all_reduce`,
    `nc.all_gather`, `nc.reduce_scatter`, `nc.all_to_all`, `nc.send` and
    `nc.recv` exchange tiles between the cores (ranks) running the same
    kernel, on DMA queues and in the semaphore scheme like any instruction
    (docs/scaleout.md).

    ## Numerics

    Matmul accumulates in fp32 into PSUM; a transpose moves its elements
    exactly, into an fp32 PSUM tile or one of the source's own type. Vector and Scalar
    engines compute in fp32 and round to the destination's element type
    (round-to-nearest-even) on write.
  }];
  let useDefaultAttributePrinterParser = 1;
}

def Nc_MemSpace : I32EnumAttr<"MemSpace", "memory space", [
    I32EnumAttrCase<"hbm", 1>, I32EnumAttrCase<"sbuf", 2>,
    I32EnumAttrCase<"psum", 3>]> {
  let cppNamespace = "::muir::nc";
  let genSpecializedAttr = 0;
}

def Nc_QueueAttr : AttrDef<Nc_Dialect, "Queue"> {
  let mnemonic = "queue";
  let summary = "an instruction queue: pe, act, dve, pool or dmaN";
  let description = [{
    The queue an instruction runs on, by the target's queue numbering:
    the four compute engines (`pe`, `act`, `dve`, `pool`: indices 0-3),
    then DMA queue `dmaN` at index 4 + N (on multi-core targets the
    collective-communication queues follow the DMA queues under the same
    names). The names are parsed into the index, so a misspelt queue is a
    parse error; which queues exist is the target's, checked by each
    instruction's verifier: `{queue = #nc.queue<dma1>}`.
  }];
  let parameters = (ins "uint32_t":$index);
  let hasCustomAssemblyFormat = 1;
}

def Nc_AccessAttr : AttrDef<Nc_Dialect, "Access"> {
  let mnemonic = "ap";
  let summary = "a tile: partition range times a free-dimension access pattern";
  let parameters = (ins
    "::muir::nc::MemSpace":$space,
    StringRefParameter<"HBM tensor name", [{""}]>:$tensor,
    "int64_t":$partition,
    "int64_t":$partitions,
    "int64_t":$partitionStride,
    "int64_t":$offset,
    ArrayRefParameter<"int64_t">:$sizes,
    ArrayRefParameter<"int64_t">:$strides,
    "::mlir::Type":$elementType);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  // Hand-written (NcDialect.cpp): the storage also caches the tile's
  // extent, which every verifier and pass asks for.
  let genStorageClass = 0;
  let extraClassDeclaration = [{
    /// The HBM tensor's name as a StringAttr (uniqued once per tile, on
    /// first use): symbol lookups by it need no string hashing.
    ::mlir::StringAttr getTensorAttr() const;
    /// Elements per partition.
    int64_t getFreeElements() const;
    /// Bytes per element of the element type.
    unsigned getElementBytes() const;
    /// Highest byte offset touched in a partition, plus one (SBUF/PSUM).
    int64_t getEndByte() const;
    /// Highest element index touched in the tensor (HBM).
    int64_t getLastElement() const;
    bool isHbm() const { return getSpace() == ::muir::nc::MemSpace::hbm; }
    bool isSbuf() const { return getSpace() == ::muir::nc::MemSpace::sbuf; }
    bool isPsum() const { return getSpace() == ::muir::nc::MemSpace::psum; }
  }];
}

def Nc_AluOp : I32EnumAttr<"AluOp", "vector ALU operation", [
    I32EnumAttrCase<"add", 0>, I32EnumAttrCase<"sub", 1>,
    I32EnumAttrCase<"mul", 2>, I32EnumAttrCase<"div", 3>,
    I32EnumAttrCase<"max", 4>, I32EnumAttrCase<"min", 5>,
    I32EnumAttrCase<"bypass", 6>, I32EnumAttrCase<"pow", 7>]> {
  let cppNamespace = "::muir::nc";
}

def Nc_ActFunc : I32EnumAttr<"ActFunc", "Scalar-engine function", [
    I32EnumAttrCase<"identity", 0>, I32EnumAttrCase<"exp", 1>,
    I32EnumAttrCase<"log", 2>, I32EnumAttrCase<"tanh", 3>,
    I32EnumAttrCase<"sigmoid", 4>, I32EnumAttrCase<"relu", 5>,
    I32EnumAttrCase<"gelu", 6>, I32EnumAttrCase<"gelu_tanh", 7>,
    I32EnumAttrCase<"silu", 8>, I32EnumAttrCase<"sqrt", 9>,
    I32EnumAttrCase<"rsqrt", 10>, I32EnumAttrCase<"square", 11>,
    I32EnumAttrCase<"reciprocal", 12>]> {
  let cppNamespace = "::muir::nc";
}

def Nc_Algorithm : I32EnumAttr<"Algorithm", "collective algorithm", [
    I32EnumAttrCase<"ring", 0>, I32EnumAttrCase<"tree", 1>,
    I32EnumAttrCase<"ring2d", 2>]> {
  let cppNamespace = "::muir::nc";
}

def Nc_TensorKind : I32EnumAttr<"TensorKind", "HBM tensor role", [
    I32EnumAttrCase<"input", 0>, I32EnumAttrCase<"output", 1>,
    I32EnumAttrCase<"constant", 2, "const">, I32EnumAttrCase<"scratch", 3>]> {
  let cppNamespace = "::muir::nc";
}

class Nc_Op<string mnemonic, list<Trait> traits = []>
    : Op<Nc_Dialect, mnemonic, traits>;

def Nc_LoopOp : Nc_Op<"loop", [NoTerminator, SingleBlock,
    HasParent<"KernelOp">, DeclareOpInterfaceMethods<RegionKindInterface>,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "a counted loop of instructions that advance by constant steps";
  let description = [{
    `nc.loop N { body }` executes its body `N` (`trips`) times, iteration
    after iteration: exactly the program that writes the body out `N` times
    in a row, with each queue executing its instructions in that order. The
    body holds instructions only (no tensors, no nested loops).

    Iteration `k` (from 0) of a body instruction is the instruction as
    written with some tiles and wait counts advanced `k` times by a
    constant, listed in two tables (entries in body order, each pair
    `(instruction, operand)` or `(instruction, wait)` at most once):

    * `steps = [i, r, dp, doff, ...]`: operand `r` of the `i`-th body
      instruction (operands in the order of the target's opcode schema:
      `dst` first, then sources, then optional ones such as `bias`,
      `accum`, `scalar0`, `scalar1`) starts at partition `P0 + k*dp` and
      offset `OFF + k*doff` (bytes on chip, elements in HBM; HBM tiles step
      by offset only).
    * `wait_steps = [i, w, dn, ...]`: the `w`-th `(semaphore, count)` pair
      of the `i`-th body instruction's `wait` waits for `count + k*dn`
      (`dn >= 0`: a body that signals once per iteration makes counts grow
      linearly).

    The verifier checks every iteration: tiles are affine in `k`, so the
    first iteration (each instruction's own verifier) and the last one (the
    loop's) bound all of them, in checked arithmetic; a PE `dst` in PSUM
    steps by whole banks so no iteration crosses a bank boundary.

    ```mlir
    nc.loop 4 steps [0, 0, 0, 2048, 0, 1, 0, 1024] {
      nc.dma #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : f32>,
             #nc.ap<hbm @x[128 x 2048] at 0 dims [512] strides [1] : f32>
    }
    ```
  }];
  let arguments = (ins I64Attr:$trips,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$steps,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$wait_steps);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $trips (`steps` $steps^)? (`wait_steps` $wait_steps^)?
    attr-dict-with-keyword $body
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
}

def Nc_SectionOp : Nc_Op<"section", [NoTerminator, SingleBlock,
    HasParent<"KernelOp">, DeclareOpInterfaceMethods<RegionKindInterface>]> {
  let summary = "one kernel's instructions and the on-chip bytes they use";
  let description = [{
    `muir-lower-xf-to-nc` emits each kernel it lowers as a section: its
    instructions, in program order, and the bytes per partition of SBUF
    (`sbuf = [lo, hi)`) and PSUM (`psum = [lo, hi)`, whole banks) that
    they use, where the kernel's own stack allocation put them. The
    verifier checks that every on-chip tile of the body lies inside the
    section's range of its memory, so a section can be moved as a whole.
    `muir-nc-allocate` decides where each section goes (its own range or
    one shifted away from the sections before it), moves the tiles and
    replaces the section by its body: the scheduling passes take a kernel
    without sections. Executing a section is executing its body in place.

    ```mlir
    nc.section "k0" sbuf [0, 1024] psum [0, 2048] {
      nc.dma #nc.ap<sbuf[0, 128] at 0 dims [256] strides [1] : f32>,
             #nc.ap<hbm @x[128 x 256] at 0 dims [256] strides [1] : f32>
    }
    ```
  }];
  let arguments = (ins StrAttr:$name, DenseI64ArrayAttr:$sbuf,
                   DenseI64ArrayAttr:$psum);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $name `sbuf` $sbuf `psum` $psum attr-dict-with-keyword $body
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Kernel structure
//===----------------------------------------------------------------------===//

def Nc_KernelOp : Nc_Op<"kernel", [Symbol, SymbolTable, NoTerminator,
    SingleBlock, IsolatedFromAbove,
    DeclareOpInterfaceMethods<RegionKindInterface>]> {
  let summary = "a NeuronCore program: HBM tensors and instruction streams";
  let description = [{
    The body lists `nc.tensor` declarations and instructions in program
    order, optionally grouped into `nc.loop`s (and, between the lowering
    and `muir-nc-allocate`, into `nc.section`s). `target` names the machine description (`targets/<target>.json`)
    whose limits the verifiers enforce; `semaphores` is the number of
    semaphores the program uses (ids `0 .. semaphores-1`).
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrAttr:$target,
                   DefaultValuedAttr<I64Attr, "0">:$semaphores);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat =
      "$sym_name `target` `=` $target (`semaphores` `=` $semaphores^)? attr-dict-with-keyword $body";
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
}

def Nc_TensorOp : Nc_Op<"tensor", [Symbol, HasParent<"KernelOp">]> {
  let summary = "an HBM tensor: kernel input, output, constant or scratch";
  let description = [{
    `offset` is the tensor's byte offset in the kernel's HBM space. Tensors
    may not overlap, with one exception: an output or scratch tensor may lie
    exactly on an input (same offset and byte size). The kernel then updates
    that input in place (a donated argument: `xf.index_copy` on an argument
    nothing else reads), and the output holds the updated bytes. Constants
    carry their `value`.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, TypeAttr:$type,
                   Nc_TensorKind:$kind, I64Attr:$offset,
                   OptionalAttr<ElementsAttr>:$value);
  let assemblyFormat =
      "$kind $sym_name `:` $type `at` $offset (`=` $value^)? attr-dict";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The tensor's size in bytes; nullopt when it does not fit in int64.
    std::optional<int64_t> getByteSize();
  }];
}

//===----------------------------------------------------------------------===//
// Instructions
//===----------------------------------------------------------------------===//

// What the scheduling and synchronisation passes ask of an instruction.
def Nc_InstructionOpInterface : OpInterface<"InstructionOpInterface"> {
  let cppNamespace = "::muir::nc";
  let description = [{
    An nc instruction: its opcode, the engine queue it runs on, and the
    tiles it reads and writes. `muir-nc-schedule` and `muir-nc-insert-sync`
    order instructions by these accesses (and nothing else), so an op states
    its own semantics here, through its typed accessors, instead of the
    passes deciding by attribute names.
  }];
  let methods = [
    InterfaceMethod<[{
        Appends every tile the instruction touches, each with whether it is
        written. A tile both read and written (an accumulating matmul's
        `dst`) is listed once as written and once as read.
      }], "void", "getTileAccesses",
      (ins "::llvm::SmallVectorImpl<::muir::nc::TileAccess> &":$out)>,
    InterfaceMethod<[{The opcode of the target's instruction schema.}],
      "::muir::target::Opcode", "getOpcode", (ins), [{}], [{
        // Parsed once per op class (a thread-safe static).
        static const ::muir::target::Opcode opcode = *::muir::target::parseOpcode(
            ConcreteOp::getOperationName().drop_front(
                ::llvm::StringRef("nc.").size()));
        return opcode;
      }]>,
    InterfaceMethod<[{
        The queue the instruction runs on: its `queue` attribute, else the
        opcode's default; failure for a name that is no queue.
      }], "::mlir::FailureOr<uint32_t>", "getQueueIndex", (ins), [{}], [{
        uint32_t q = ::muir::target::defaultQueue(
            ::llvm::cast<ConcreteOp>($_op.getOperation()).getOpcode());
        if (auto qa = $_op.getQueueAttr())
          q = qa.getIndex();
        return q;
      }]>,
  ];
}

// Every instruction: optional queue (default by opcode) and semaphores.
// HBM tiles name their tensor by symbol: they are checked against it in
// verifySymbolUses, which the kernel's symbol-table verification calls with
// one cached table for the whole kernel (a lookup per tile would be a linear
// scan of the kernel's tensors).
// `accesses` is the body of getTileAccesses (InstructionOpInterface): the
// instruction's tiles by their typed accessors, `dst` written and `src`
// read unless an instruction says otherwise.
class Nc_Inst<string mnemonic, list<Trait> traits = [],
              code accesses = [{
    out.push_back({getDst(), /*write=*/true});
    out.push_back({getSrc(), /*write=*/false});
  }]>
    : Nc_Op<mnemonic, !listconcat(traits,
                                  [ParentOneOf<["KernelOp", "LoopOp", "SectionOp"]>,
                                   DeclareOpInterfaceMethods<SymbolUserOpInterface>,
                                   DeclareOpInterfaceMethods<Nc_InstructionOpInterface,
                                                             ["getTileAccesses"]>])> {
  dag semArgs = (ins OptionalAttr<Nc_QueueAttr>:$queue,
                     OptionalAttr<DenseI64ArrayAttr>:$wait,
                     OptionalAttr<DenseI64ArrayAttr>:$signal);
  let hasVerifier = 1;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::verifySymbolUses(
        ::mlir::SymbolTableCollection &tables) {
      return ::muir::nc::verifyHbmTiles(*this, tables);
    }
    void $cppClass::getTileAccesses(
        ::llvm::SmallVectorImpl<::muir::nc::TileAccess> &out) {
  }] # accesses # [{
    }
  }];
}

def Nc_NopOp : Nc_Inst<"nop", [], [{ (void)out; }]> {
  let summary = "waits and signals semaphores on a queue, nothing else";
  let arguments = semArgs;
  let assemblyFormat = "attr-dict";
}

def Nc_DmaOp : Nc_Inst<"dma"> {
  let summary = "DMA copy between HBM and SBUF, or SBUF and SBUF";
  let description = [{
    Copies `src` to `dst` element by element (same partition count and free
    element count; shapes may differ), converting the element type when they
    differ (round-to-nearest-even). With `transpose`, a 2-byte or 4-byte
    `[P, N]` source lands as `[N, P]` in `dst` (the DMA transpose of the
    NeuronCore-v3). Runs on a DMA queue (`dma0` by default). At least one side
    is SBUF; PSUM is not reachable by DMA.
  }];
  let arguments = !con((ins Nc_AccessAttr:$dst, Nc_AccessAttr:$src,
                            UnitAttr:$transpose), semArgs);
  let assemblyFormat = "$dst `,` $src attr-dict";
}

def Nc_MatmulOp : Nc_Inst<"matmul", [], [{
    out.push_back({getDst(), /*write=*/true});
    if (getAccumulate())
      out.push_back({getDst(), /*write=*/false});
    out.push_back({getStationary(), /*write=*/false});
    out.push_back({getMoving(), /*write=*/false});
  }]> {
  let summary = "PE-array matmul into PSUM: dst (+)= stationary^T . moving";
  let description = [{
    `dst[m, n] (+)= sum_k stationary[k, m] * moving[k, n]`, with `k` the
    partition dimension of both SBUF operands (K <= `pe.rows`, or up to
    2 x rows for fp8 in double-row mode), `M` = stationary free size
    (<= `pe.cols`), `N` = moving free size (<= `pe.moving_free_max`).
    `dst` is an fp32 PSUM tile with M partitions and N free elements that
    stays inside one PSUM bank. Without `accumulate` the product overwrites
    `dst`; with it the product is added (K-accumulation). Operands share an
    element type (fp8, bf16, f16 or f32).
  }];
  let arguments = !con((ins Nc_AccessAttr:$dst, Nc_AccessAttr:$stationary,
                            Nc_AccessAttr:$moving, UnitAttr:$accumulate),
                       semArgs);
  let assemblyFormat = "$dst `,` $stationary `,` $moving attr-dict";
}

def Nc_TransposeOp : Nc_Inst<"transpose"> {
  let summary = "PE-array transpose (exact) of an SBUF tile into PSUM";
  let description = [{
    `dst[n, p] = src[p, n]` for an SBUF `src` with P partitions and N free
    elements (P, N <= `pe.rows`) into a PSUM `dst` with N partitions and P
    free elements. Exact for every type: `dst` is fp32 or the source's own
    type (NKI `nc_transpose` writes the data's type; a bf16 P^T in PSUM is
    then evacuated by a two-byte copy, which the Vector engine runs in its
    2x mode).
  }];
  let arguments = !con((ins Nc_AccessAttr:$dst, Nc_AccessAttr:$src), semArgs);
  let assemblyFormat = "$dst `,` $src attr-dict";
}

def Nc_ActivationOp : Nc_Inst<"activation", [], [{
    out.push_back({getDst(), /*write=*/true});
    out.push_back({getSrc(), /*write=*/false});
    if (::muir::nc::AccessAttr b = getBiasAttr())
      out.push_back({b, /*write=*/false});
    // The row sum the instruction writes beside dst.
    if (::muir::nc::AccessAttr a = getAccumAttr())
      out.push_back({a, /*write=*/true});
  }]> {
  let summary = "Scalar engine: dst = f(src * scale + bias), optional sum";
  let description = [{
    Per element: `dst = f(src * scale + bias)` with `bias` either absent (0)
    or a per-partition `[P, 1]` SBUF tile. With `accum`, a per-partition
    `[P, 1]` tile receives the sum of `dst`'s values along the free
    dimensions (computed in fp32 before rounding `dst`). `src` may be SBUF or
    PSUM; `dst` is SBUF or PSUM.
  }];
  let arguments = !con((ins Nc_AccessAttr:$dst, Nc_AccessAttr:$src,
                            Nc_ActFunc:$func,
                            DefaultValuedAttr<F32Attr, "1.0">:$scale,
                            OptionalAttr<Nc_AccessAttr>:$bias,
                            OptionalAttr<Nc_AccessAttr>:$accum), semArgs);
  let assemblyFormat = "$func $dst `,` $src attr-dict";
}

def Nc_TensorTensorOp : Nc_Inst<"tensor_tensor", [], [{
    out.push_back({getDst(), /*write=*/true});
    out.push_back({getLhs(), /*write=*/false});
    out.push_back({getRhs(), /*write=*/false});
  }]> {
  let summary = "Vector engine: dst = lhs <op> rhs";
  let description = [{
    Elementwise on tiles of equal partition count and free element count,
    computed in fp32 and rounded to `dst`'s type. Runs on `dve` (default) or
    `pool`.
  }];
  let arguments = !con((ins Nc_AluOp:$op, Nc_AccessAttr:$dst,
                            Nc_AccessAttr:$lhs, Nc_AccessAttr:$rhs), semArgs);
  let assemblyFormat = "$op $dst `,` $lhs `,` $rhs attr-dict";
}

def Nc_TensorScalarOp : Nc_Inst<"tensor_scalar", [], [{
    out.push_back({getDst(), /*write=*/true});
    out.push_back({getSrc(), /*write=*/false});
    for (::muir::nc::AccessAttr s : {getScalar0Attr(), getScalar1Attr()})
      if (s)
        out.push_back({s, /*write=*/false});
  }]> {
  let summary = "Vector engine: dst = (src <op0> s0) <op1> s1";
  let description = [{
    `s0` is `scalar0` (a per-partition `[P, 1]` tile) when present, else the
    immediate `imm0`; likewise `s1`. `op1 = bypass` (the default) skips the
    second step. Runs on `dve` (default), `pool` or `act`.
  }];
  let arguments = !con((ins Nc_AluOp:$op0, Nc_AccessAttr:$dst,
                            Nc_AccessAttr:$src,
                            DefaultValuedAttr<F32Attr, "0.0">:$imm0,
                            DefaultValuedAttr<Nc_AluOp, "::muir::nc::AluOp::bypass">:$op1,
                            DefaultValuedAttr<F32Attr, "0.0">:$imm1,
                            OptionalAttr<Nc_AccessAttr>:$scalar0,
                            OptionalAttr<Nc_AccessAttr>:$scalar1), semArgs);
  let assemblyFormat = "$op0 (`then` $op1^)? $dst `,` $src attr-dict";
}

def Nc_TensorReduceOp : Nc_Inst<"tensor_reduce"> {
  let summary = "Vector engine: reduce the innermost free dimensions";
  let description = [{
    Reduces `src` over its innermost `naxes` free dimensions with `op` (`add`
    or `max`) in fp32; `dst` has the same partitions and the remaining free
    elements.
  }];
  let arguments = !con((ins Nc_AluOp:$op, Nc_AccessAttr:$dst,
                            Nc_AccessAttr:$src,
                            DefaultValuedAttr<I64Attr, "1">:$naxes), semArgs);
  let assemblyFormat = "$op $dst `,` $src attr-dict";
}

def Nc_TensorCopyOp : Nc_Inst<"tensor_copy"> {
  let summary = "copy with cast, e.g. PSUM to SBUF";
  let description = [{
    `dst = src` converted to `dst`'s element type (round-to-nearest-even).
    Runs on `dve` (default), `act` or `pool`.
  }];
  let arguments = !con((ins Nc_AccessAttr:$dst, Nc_AccessAttr:$src), semArgs);
  let assemblyFormat = "$dst `,` $src attr-dict";
}

def Nc_IotaOp : Nc_Inst<"iota", [], [{
    out.push_back({getDst(), /*write=*/true});
  }]> {
  let summary = "GpSimd: dst = base + channel_multiplier * p + sum coef_i * i";
  let arguments = !con((ins Nc_AccessAttr:$dst, I64Attr:$base,
                            I64Attr:$channel_multiplier,
                            DenseI64ArrayAttr:$coefficients), semArgs);
  let assemblyFormat = "$dst attr-dict";
}

def Nc_AffineSelectOp : Nc_Inst<"affine_select"> {
  let summary = "GpSimd: keep src where an affine expression is >= 0";
  let description = [{
    `dst = (base + channel_multiplier * p + sum coef_i * i >= 0) ? src : fill`
    for partition `p` and free indices `i` — causal masks in one
    instruction.
  }];
  let arguments = !con((ins Nc_AccessAttr:$dst, Nc_AccessAttr:$src,
                            F32Attr:$fill, I64Attr:$base,
                            I64Attr:$channel_multiplier,
                            DenseI64ArrayAttr:$coefficients), semArgs);
  let assemblyFormat = "$dst `,` $src attr-dict";
}

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

// A collective over replica groups: `replica_groups` is a 2-D i64 tensor,
// one row per group (all of one size), every rank at most once.
class Nc_CollectiveOp<string mnemonic, dag reduceArg, string reduceFmt>
    : Nc_Inst<mnemonic> {
  let arguments = !con(reduceArg,
      (ins Nc_AccessAttr:$dst, Nc_AccessAttr:$src,
           I64ElementsAttr:$replica_groups,
           DefaultValuedAttr<Nc_Algorithm,
                             "::muir::nc::Algorithm::ring">:$algorithm),
      semArgs);
  let assemblyFormat = reduceFmt # [{ $dst `,` $src `groups` $replica_groups
                                       (`algorithm` $algorithm^)? attr-dict }];
}

def Nc_AllReduceOp : Nc_CollectiveOp<"all_reduce", (ins Nc_AluOp:$op),
                                     "$op"> {
  let summary = "collective: dst = reduce<op> of src over the replica group";
  let description = [{
    Every rank of a replica group contributes its `src`; every rank's `dst`
    receives the elementwise reduction (`add`, `max` or `min`) of all of
    them. Tiles are read and written in their element order (partition
    major, then the free dimensions row-major); `dst` and `src` have equal
    element counts and one element type (f32, bf16 or f16), in HBM or SBUF.
    The simulator reduces in fp32 in replica-group order and rounds once,
    so results do not depend on the algorithm or on timing.

    Collectives run on a DMA queue (`dma0` by default), in program order
    among themselves on every rank (a rank's k-th collective meets the
    other ranks' k-th), and take part in the semaphore scheme like any
    instruction: `wait` before, `signal` when the collective has completed
    on every rank of the group. The rank set is the target's logical cores
    (`topology` in the machine description); a run names its ranks
    `0 .. N-1` and every rank must belong to one group.

    `algorithm` chooses the cost on the topology (docs/scaleout.md):
    `ring` (2(N-1) steps of S/N over the ring's slowest link, each step
    paying the step latency and its hops), `tree` (binary tree: reduce up
    and broadcast down ceil(log2 N) levels of S) or `ring2d` (torus-aware:
    reduce-scatter along torus rows, all-reduce along columns, all-gather
    along rows; the group must fill equal rows).

    ```mlir
    nc.all_reduce add #nc.ap<hbm @g[16 x 64] at 0 dims [64] strides [1] : f32>,
                      #nc.ap<hbm @x[16 x 64] at 0 dims [64] strides [1] : f32>
                  groups dense<[[0, 1, 2, 3]]> : tensor<1x4xi64> {signal = array<i64: 0>}
    ```
  }];
}

def Nc_AllGatherOp : Nc_CollectiveOp<"all_gather", (ins), ""> {
  let summary = "collective: dst = the group's src tiles, concatenated";
  let description = [{
    `dst` holds group-size times `src`'s elements: block `i` (in element
    order) is the `src` of the `i`-th rank of the group. Same element type
    on both sides (any), HBM or SBUF. `algorithm` is `ring` or `ring2d`.
  }];
}

def Nc_ReduceScatterOp : Nc_CollectiveOp<"reduce_scatter",
                                         (ins Nc_AluOp:$op), "$op"> {
  let summary = "collective: dst = this rank's block of the group's reduction";
  let description = [{
    `src` holds group-size times `dst`'s elements; the `i`-th rank of the
    group receives block `i` of the elementwise reduction (`add`, `max`,
    `min`; fp32, group order, one rounding) of every rank's `src`. Types as
    for `nc.all_reduce`; `algorithm` is `ring` or `ring2d`.
  }];
}

def Nc_AllToAllOp : Nc_CollectiveOp<"all_to_all", (ins), ""> {
  let summary = "collective: block j of dst on rank i = block i of src on j";
  let description = [{
    `src` and `dst` have equal element counts, divisible by the group size
    N, split into N blocks in element order: the `i`-th rank of the group
    receives in its block `j` the block `i` of the `j`-th rank's `src`.
    `algorithm` is `ring` (pairwise exchange: N-1 steps of S/N, each to the
    rank that many places on) or `ring2d` (groups filling equal torus rows,
    R rows of C ranks: pairwise exchange along the rows, C-1 steps of S/C,
    then along the columns, R-1 steps of S/R).
  }];
}

def Nc_SendOp : Nc_Inst<"send", [], [{
    out.push_back({getSrc(), /*write=*/false});
  }]> {
  let summary = "point to point: send src to a peer";
  let description = [{
    `pairs` is an `N x 2` i64 tensor of (source, target) ranks, each rank the
    source of one pair and the target of one pair at most (a permutation,
    as StableHLO's collective_permute). A rank that is a source sends its
    `src`; others do nothing. The send completes when its data has crossed
    the route (latency + bytes / bandwidth) and does not wait for the
    receiver: its `src` may be reused after its signal.
  }];
  let arguments = !con((ins Nc_AccessAttr:$src, I64ElementsAttr:$pairs),
                       semArgs);
  let assemblyFormat = "$src `pairs` $pairs attr-dict";
}

def Nc_RecvOp : Nc_Inst<"recv", [], [{
    out.push_back({getDst(), /*write=*/true});
  }]> {
  let summary = "point to point: receive dst from a peer";
  let description = [{
    With the same `pairs` table as the matching `nc.send`, a rank that is a
    target receives into `dst` the next `send` its source made on the pair
    (sends on one pair are received in order); others do nothing. `dst` has
    the sender's `src` element count and type. Completes when the data has
    arrived: after both the send's start plus its transfer and the recv's
    own start.
  }];
  let arguments = !con((ins Nc_AccessAttr:$dst, I64ElementsAttr:$pairs),
                       semArgs);
  let assemblyFormat = "$dst `pairs` $pairs attr-dict";
}

def Nc_DmaGatherOp : Nc_Inst<"dma_gather", [], [{
    out.push_back({getDst(), /*write=*/true});
    out.push_back({getTable(), /*write=*/false});
    out.push_back({getIndices(), /*write=*/false});
  }]> {
  let summary = "indirect DMA: rows of an HBM table selected by SBUF indices";
  let description = [{
    `dst[p, :] = table[indices[p], :]` for each partition `p` of `dst`: the
    HBM `table` tile's partitions are the table's rows (`R` of them,
    `partition_stride` elements apart), each with the free pattern of
    `dst`'s partitions (same element count and type); `indices` is an SBUF
    `[P, 1]` i32 tile, one row index per partition of `dst`. The index is
    read when the DMA runs (descriptors generated from SBUF, as the
    hardware's DGE does for indirect DMA); an index outside `[0, R)` is an
    execution error naming the instruction, the index and its partition.
    Runs on a DMA queue (`dma0` by default).
  }];
  let arguments = !con((ins Nc_AccessAttr:$dst, Nc_AccessAttr:$table,
                            Nc_AccessAttr:$indices), semArgs);
  let assemblyFormat = "$dst `,` $table `[` $indices `]` attr-dict";
}

def Nc_DmaScatterOp : Nc_Inst<"dma_scatter", [], [{
    out.push_back({getDst(), /*write=*/true});
    out.push_back({getSrc(), /*write=*/false});
    out.push_back({getIndices(), /*write=*/false});
  }]> {
  let summary = "indirect DMA: SBUF rows to HBM table rows selected by indices";
  let description = [{
    `dst[indices[p], :] = src[p, :]` for each partition `p` of `src`: `dst`
    is the HBM table tile (its partitions the rows, `R` of them), `src` an
    SBUF `[P, F]` tile, `indices` an SBUF `[P, 1]` i32 tile. Rows are written
    in partition order (a repeated index keeps the last partition's row); an
    index outside `[0, R)` is an execution error. Table rows not indexed keep
    their bytes: this is the in-place row update of a KV cache. For
    ordering, the whole `dst` tile counts as written.
  }];
  let arguments = !con((ins Nc_AccessAttr:$dst, Nc_AccessAttr:$src,
                            Nc_AccessAttr:$indices), semArgs);
  let assemblyFormat = "$dst `[` $indices `]` `,` $src attr-dict";
}

#endif // MUIR_NC_OPS
