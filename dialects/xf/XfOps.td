//===- XfOps.td - the xf transformer-graph dialect ---------*- tablegen -*-===//
//
// xf describes transformer inference graphs on builtin ranked, statically
// shaped tensors. Every op states its numerics exactly: these descriptions are
// the contract the reference backend implements and the compiler preserves.
//
//===----------------------------------------------------------------------===//

#ifndef MUIR_XF_OPS
#define MUIR_XF_OPS

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Dialect
//===----------------------------------------------------------------------===//

def Xf_Dialect : Dialect {
  let name = "xf";
  let cppNamespace = "::muir::xf";
  let summary = "Transformer graphs on builtin ranked tensors";
  let description = [{
    `xf` is muir's input dialect. Values are builtin ranked tensors with static
    shapes. Floating-point element types are `f32`, `bf16`, `f16`,
    `f8E4M3FN` and `f8E5M2`; index-like operands (`gather` indices) are
    signless `i32` or `i64`.

    ## Numerics

    Unless an op says otherwise, an op reads its operands at their element
    type, computes in IEEE binary32 (`f32`) and rounds the result to the
    result element type with round-to-nearest-even (overflow to infinity for
    `bf16`/`f16`/`f8E5M2`; `f8E4M3FN` has no infinity, so values beyond its
    largest finite magnitude 448 become NaN as in IEEE-style conversion).
    Mixed precision is always explicit: elementwise operands share one element
    type, and `xf.cast` changes it.

    ## Broadcasting

    Elementwise binary ops follow NumPy broadcasting: shapes are aligned at
    their last dimension; a missing leading dimension counts as 1; two sizes
    are compatible when they are equal or one of them is 1; the result size is
    the larger. The result type must have exactly the broadcast shape.

    ## Axes

    Ops that take an axis accept a value in `[-rank, rank)`; negative values
    count from the end, as in NumPy.
  }];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 0;
}

// Checked before every other trait and verifier, so shape arithmetic in
// them (and in type inference) never overflows.
def Xf_TensorSizesFit : NativeOpTrait<"TensorSizesFit"> {
  let cppNamespace = "::muir::xf";
}

class Xf_Op<string mnemonic, list<Trait> traits = []>
    : Op<Xf_Dialect, mnemonic,
         !listconcat([Xf_TensorSizesFit], traits, [Pure])>;

def Xf_FloatType : AnyTypeOf<[F32, BF16, F16, F8E4M3FN, F8E5M2],
                             "muir floating-point type">;
def Xf_FloatTensor : StaticShapeTensorOf<[F32, BF16, F16, F8E4M3FN, F8E5M2]>;
def Xf_IndexTensor : StaticShapeTensorOf<[I32, I64]>;
def Xf_AnyTensor : StaticShapeTensorOf<[F32, BF16, F16, F8E4M3FN, F8E5M2,
                                        I32, I64]>;

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class Xf_BinaryOp<string mnemonic, string formula, list<Trait> traits = []>
    : Xf_Op<mnemonic, !listconcat(traits, [
        InferTypeOpAdaptor])> {
  let summary = "elementwise `" # formula # "` with NumPy broadcasting";
  let description = [{
    `result[i] = }] # formula # [{` on the broadcast shape of the two operands
    (see "Broadcasting"). Both operands have the same element type, which is
    also the result's; the value is computed in f32 and rounded once.
  }];
  let arguments = (ins Xf_FloatTensor:$lhs, Xf_FloatTensor:$rhs);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Xf_AddOp : Xf_BinaryOp<"add", "lhs + rhs", [Commutative]> {
  let hasFolder = 1;
}
def Xf_SubOp : Xf_BinaryOp<"sub", "lhs - rhs"> { let hasFolder = 1; }
def Xf_MulOp : Xf_BinaryOp<"mul", "lhs * rhs", [Commutative]> {
  let hasFolder = 1;
}
def Xf_DivOp : Xf_BinaryOp<"div", "lhs / rhs"> { let hasFolder = 1; }
def Xf_MaxOp : Xf_BinaryOp<"max", "max(lhs, rhs)", [Commutative]>;
def Xf_MinOp : Xf_BinaryOp<"min", "min(lhs, rhs)", [Commutative]>;

class Xf_UnaryOp<string mnemonic, string formula, list<Trait> traits = []>
    : Xf_Op<mnemonic, !listconcat(traits, [SameOperandsAndResultType])> {
  let summary = "elementwise `" # formula # "`";
  let description = [{
    `result[i] = }] # formula # [{`, computed in f32 from the operand value
    and rounded once to the element type, which operand and result share.
  }];
  let arguments = (ins Xf_FloatTensor:$input);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Xf_NegOp : Xf_UnaryOp<"neg", "-x">;
def Xf_ExpOp : Xf_UnaryOp<"exp", "e^x">;
def Xf_LogOp : Xf_UnaryOp<"log", "ln(x)">;
def Xf_TanhOp : Xf_UnaryOp<"tanh", "tanh(x)">;
def Xf_SqrtOp : Xf_UnaryOp<"sqrt", "sqrt(x)">;
def Xf_RsqrtOp : Xf_UnaryOp<"rsqrt", "1 / sqrt(x)">;
def Xf_SigmoidOp : Xf_UnaryOp<"sigmoid", "1 / (1 + e^-x)">;
def Xf_ReluOp : Xf_UnaryOp<"relu", "max(x, 0)">;
def Xf_SiluOp : Xf_UnaryOp<"silu", "x / (1 + e^-x)">;

def Xf_GeluApprox : I32EnumAttr<"GeluApproximation", "gelu approximation", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"tanh", 1>]> {
  let cppNamespace = "::muir::xf";
}

def Xf_GeluOp : Xf_Op<"gelu", [SameOperandsAndResultType]> {
  let summary = "Gaussian error linear unit, exact (erf) or tanh form";
  let description = [{
    With `approximate = none` (the default):
    `gelu(x) = 0.5 * x * (1 + erf(x / sqrt(2)))`.

    With `approximate = tanh` (GPT-2's form):
    `gelu(x) = 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`.

    Computed in f32, rounded once to the element type.
  }];
  let arguments = (ins Xf_FloatTensor:$input,
                   DefaultValuedAttr<Xf_GeluApprox,
                     "::muir::xf::GeluApproximation::none">:$approximate);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat =
      "$input (`approximate` `=` $approximate^)? attr-dict `:` type($result)";
}

def Xf_CastOp : Xf_Op<"cast", [SameOperandsAndResultShape]> {
  let summary = "element type conversion";
  let description = [{
    Converts each element to the result element type. Float to float rounds
    to nearest, ties to even; integer to float converts exactly and then
    rounds the same way. Casting to the same type folds away.
  }];
  let arguments = (ins Xf_AnyTensor:$input);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `to` type($result)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def Xf_MatmulOp : Xf_Op<"matmul", [
    InferTypeOpAdaptorWithIsCompatible]> {
  let summary = "2-D matrix product with optional transposed operands";
  let description = [{
    `result[m, n] = round(sum_k A[m, k] * B[k, n])`, where `A = lhs` (shape
    `[M, K]`, or `[K, M]` read transposed when `transpose_lhs`) and `B = rhs`
    (shape `[K, N]`, or `[N, K]` read transposed when `transpose_rhs`).

    Operands share one element type; products and the running sum are kept in
    `acc_type`, which must be `f32` (the target accumulates in fp32 PSUM);
    the sum is rounded once to the result element type, which may differ from
    the operands' (e.g. bf16 inputs, f32 result). The order of the sum is not
    specified; results are compared under a tolerance that grows with K.

    When built without a result type, the result takes the operands'
    element type.
  }];
  let arguments = (ins Xf_FloatTensor:$lhs, Xf_FloatTensor:$rhs,
                   DefaultValuedAttr<BoolAttr, "false">:$transpose_lhs,
                   DefaultValuedAttr<BoolAttr, "false">:$transpose_rhs,
                   OptionalAttr<TypeAttr>:$acc_type);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Xf_BatchMatmulOp : Xf_Op<"batch_matmul", [
    InferTypeOpAdaptorWithIsCompatible]> {
  let summary = "batched matrix product with broadcast batch dimensions";
  let description = [{
    Operands have rank >= 3. The last two dimensions of each are a matrix,
    read as for `xf.matmul` (`transpose_lhs`, `transpose_rhs`); the leading
    dimensions are batch dimensions and broadcast as in NumPy. For each batch
    index `b`: `result[b, m, n] = round(sum_k A[b, m, k] * B[b, k, n])`, with
    f32 accumulation (`acc_type` must be `f32`).
  }];
  let arguments = (ins Xf_FloatTensor:$lhs, Xf_FloatTensor:$rhs,
                   DefaultValuedAttr<BoolAttr, "false">:$transpose_lhs,
                   DefaultValuedAttr<BoolAttr, "false">:$transpose_rhs,
                   OptionalAttr<TypeAttr>:$acc_type);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Normalisation and reductions
//===----------------------------------------------------------------------===//

def Xf_SoftmaxOp : Xf_Op<"softmax", [SameOperandsAndResultType]> {
  let summary = "softmax along one axis";
  let description = [{
    `result = exp(x - max_axis(x)) / sum_axis(exp(x - max_axis(x)))` along
    `axis` (default -1, any axis allowed), computed in f32 and rounded once.
    A slice whose entries are all -inf gives NaN, as in NumPy.
  }];
  let arguments = (ins Xf_FloatTensor:$input,
                   DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Xf_LayerNormOp : Xf_Op<"layer_norm", [
    InferTypeOpAdaptor]> {
  let summary = "layer normalisation over the last dimension";
  let description = [{
    For each row `x` along the last dimension (size D):
    `mean = sum(x) / D`, `var = sum((x - mean)^2) / D` (biased),
    `result = (x - mean) / sqrt(var + eps) * weight + bias`.
    `weight` and `bias` have shape `[D]` and the input's element type.
    Statistics are computed in f32; the result is rounded once.
  }];
  let arguments = (ins Xf_FloatTensor:$input, Xf_FloatTensor:$weight,
                   Xf_FloatTensor:$bias,
                   DefaultValuedAttr<F32Attr, "1.0e-5">:$eps);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $bias attr-dict `:` functional-type(operands, results)
  }];
}

def Xf_RmsNormOp : Xf_Op<"rms_norm", [
    InferTypeOpAdaptor]> {
  let summary = "root-mean-square normalisation over the last dimension";
  let description = [{
    For each row `x` along the last dimension (size D):
    `result = x / sqrt(sum(x^2) / D + eps) * weight`, `weight` of shape
    `[D]`. Computed in f32, rounded once (Llama's `LlamaRMSNorm`).
  }];
  let arguments = (ins Xf_FloatTensor:$input, Xf_FloatTensor:$weight,
                   DefaultValuedAttr<F32Attr, "1.0e-6">:$eps);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` functional-type(operands, results)
  }];
}

class Xf_ReduceOp<string mnemonic, string what>
    : Xf_Op<mnemonic, [InferTypeOpAdaptor]> {
  let summary = what # " over a set of axes";
  let description = [{
    Reduces `input` over every axis in `axes` (each in `[-rank, rank)`, no
    repeats, in any order; an empty list reduces nothing). With `keep_dims`
    the reduced axes stay with size 1, otherwise they are removed. The
    accumulation is in f32; the result is rounded once. }] # what # [{.
  }];
  let arguments = (ins Xf_FloatTensor:$input, DenseI64ArrayAttr:$axes,
                   DefaultValuedAttr<BoolAttr, "false">:$keep_dims);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Xf_ReduceSumOp : Xf_ReduceOp<"reduce_sum", "Sum">;
def Xf_ReduceMaxOp : Xf_ReduceOp<"reduce_max", "Maximum">;
def Xf_ReduceMeanOp : Xf_ReduceOp<"reduce_mean",
                                  "Arithmetic mean (sum / count)">;

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Xf_TransposeOp : Xf_Op<"transpose", [
    InferTypeOpAdaptor]> {
  let summary = "permutes dimensions";
  let description = [{
    `result.shape[i] = input.shape[permutation[i]]` and
    `result[j_0, ..., j_n] = input[i]` with `i[permutation[k]] = j_k`.
    An identity permutation folds to the input; a transpose of a transpose
    folds to one transpose of the composed permutation.
  }];
  let arguments = (ins Xf_AnyTensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs Xf_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Xf_ReshapeOp : Xf_Op<"reshape", [SameOperandsAndResultElementType]> {
  let summary = "reinterprets the row-major element order with a new shape";
  let description = [{
    The result type names the new shape; the element count is unchanged and
    the row-major order of elements is kept. A reshape to the same type folds
    to the input; a chain of reshapes folds to one.
  }];
  let arguments = (ins Xf_AnyTensor:$input);
  let results = (outs Xf_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Xf_BroadcastToOp : Xf_Op<"broadcast_to", [
    SameOperandsAndResultElementType]> {
  let summary = "broadcasts to a larger shape, NumPy rules";
  let description = [{
    The input shape must broadcast to the result shape (see "Broadcasting"),
    with the result shape being exactly the target. A broadcast of a splat
    constant folds to a splat constant of the result type.
  }];
  let arguments = (ins Xf_AnyTensor:$input);
  let results = (outs Xf_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Xf_ConcatOp : Xf_Op<"concat", [
    InferTypeOpAdaptor]> {
  let summary = "joins tensors along one axis";
  let description = [{
    All inputs have the same rank and element type and agree on every
    dimension but `axis`; the result's `axis` size is the sum of theirs.
  }];
  let arguments = (ins Variadic<Xf_AnyTensor>:$inputs, I64Attr:$axis);
  let results = (outs Xf_AnyTensor:$result);
  let assemblyFormat =
      "$inputs attr-dict `:` functional-type(operands, results)";
}

def Xf_SliceOp : Xf_Op<"slice", [
    InferTypeOpAdaptor]> {
  let summary = "static strided slice";
  let description = [{
    `result[j] = input[offsets + j * strides]` for `j` in `[0, sizes)`,
    one entry per dimension. Offsets are >= 0, sizes >= 0, strides >= 1 and
    the last element read, `offsets + (sizes - 1) * strides`, lies inside the
    input. The result shape is `sizes`.
  }];
  let arguments = (ins Xf_AnyTensor:$input, DenseI64ArrayAttr:$offsets,
                   DenseI64ArrayAttr:$sizes, DenseI64ArrayAttr:$strides);
  let results = (outs Xf_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Xf_GatherOp : Xf_Op<"gather", [
    InferTypeOpAdaptor]> {
  let summary = "row lookup (embedding)";
  let description = [{
    `result[i..., j...] = table[indices[i...], j...]`: `table` has shape
    `[V, D...]`, `indices` any shape with i32 or i64 elements, and the result
    has shape `indices.shape ++ [D...]` and the table's element type. An index
    outside `[0, V)` is an execution error, never a silent read.
  }];
  let arguments = (ins Xf_FloatTensor:$table, Xf_IndexTensor:$indices);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat =
      "$table `[` $indices `]` attr-dict `:` functional-type(operands, results)";
}

def Xf_IndexCopyOp : Xf_Op<"index_copy", [
    InferTypeOpAdaptor]> {
  let summary = "rows written at run-time positions along one axis (KV update)";
  let description = [{
    `result = dest` except `result[o..., indices[j], i...] = source[o...,
    j, i...]` along `axis` for every `j` in `[0, N)`, as `torch.index_copy`:
    `dest` has shape `[O..., C, I...]` (`C` at `axis`), `source` the same
    shape with `N` at `axis`, `indices` is a 1-D i32/i64 tensor of `N`
    positions. Positions are values (read when the program runs, not
    compile-time constants); a position outside `[0, C)` is an execution
    error. With a repeated position the last `j` wins. `dest` and `source`
    share the element type.

    On the accelerator, when `dest` is a function argument whose only use is
    this op, the rows are written into that argument's own HBM bytes by
    `nc.dma_scatter` and the result lies on them (the argument is donated):
    a KV cache grows in place, and a session (muir.Session) keeps it in
    device memory between runs. Otherwise `dest` is copied first.
  }];
  let arguments = (ins Xf_FloatTensor:$dest, Xf_IndexTensor:$indices,
                   Xf_FloatTensor:$source, I64Attr:$axis);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = [{
    $dest `[` $indices `]` `,` $source attr-dict `:`
    functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Transformer building blocks
//===----------------------------------------------------------------------===//

def Xf_RopeOp : Xf_Op<"rope", [
    InferTypeOpAdaptor]> {
  let summary = "rotary position embedding from cos/sin tables";
  let description = [{
    `x` has shape `[..., S, D]` with D even; `cos` and `sin` have shape
    `[S, D]` and broadcast over the leading dimensions. With
    `rotate_half(x) = concat(-x[..., D/2:], x[..., :D/2])` (the
    `transformers` convention):
    `result = x * cos + rotate_half(x) * sin`, computed in f32 and rounded
    once. All three share the element type.
  }];
  let arguments = (ins Xf_FloatTensor:$input, Xf_FloatTensor:$cos,
                   Xf_FloatTensor:$sin);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $cos `,` $sin attr-dict `:` functional-type(operands, results)
  }];
}

def Xf_AttentionOp : Xf_Op<"attention", [
    InferTypeOpAdaptor, AttrSizedOperandSegments]> {
  let summary = "scaled dot-product attention with grouped-query heads";
  let description = [{
    `query [B, Hq, Sq, D]`, `key [B, Hkv, Sk, D]`, `value [B, Hkv, Sk, Dv]`
    with `Hq` a multiple of `Hkv`: query head `h` uses key/value head
    `h / (Hq / Hkv)`. For each batch and head:

    `S = scale * Q K^T` (`scale` defaults to `1 / sqrt(D)`),
    with `causal`, `S[i, j] = -inf` where `j > i + (Sk - Sq)` (the queries
    are the last `Sq` positions of the `Sk` keys, as in decoding with a KV
    cache), `P = softmax(S)` along the keys, `result = P V` of shape
    `[B, Hq, Sq, Dv]`.

    With `key_bias [B, Sk]` (same element type), `S[b, h, i, j] +=
    key_bias[b, j]` after scaling: a key padding mask is 0 for kept keys and
    a large negative value (e.g. -1e30) for hidden ones.

    With `bias [Bb, Hb, Sb, Sk]` (same element type; `Bb` is `B` or 1, `Hb`
    is `Hq` or 1, `Sb` is `Sq` or 1, a size 1 broadcasting), `S[b, h, i, j]
    += bias[b or 0, h or 0, i or 0, j]` after scaling and before the causal
    mask: ALiBi, relative position biases and arbitrary additive float masks
    (`-inf` entries hide keys; a row with every key hidden is NaN, as in
    PyTorch).

    Scores, softmax and both products are computed in f32 from the inputs'
    values; the result is rounded once to the common element type.
  }];
  let arguments = (ins Xf_FloatTensor:$query, Xf_FloatTensor:$key,
                   Xf_FloatTensor:$value, Optional<Xf_FloatTensor>:$key_bias,
                   Optional<Xf_FloatTensor>:$bias,
                   OptionalAttr<F32Attr>:$scale,
                   DefaultValuedAttr<BoolAttr, "false">:$causal);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`key_bias` $key_bias^)? (`bias` $bias^)?
    attr-dict `:`
    functional-type(operands, results)
  }];
}

def Xf_ConstantOp : Xf_Op<"constant", [ConstantLike,
    InferTypeOpAdaptor]> {
  let summary = "a constant tensor (weights as dense resources)";
  let description = [{
    Any elements attribute: `dense<...>` for small values,
    `dense_resource<name>` for weights, whose bytes live in the file's
    resource section and are not printed inline.
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Xf_AnyTensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Fused kernels
//===----------------------------------------------------------------------===//

def Xf_KernelKind : I32EnumAttr<"KernelKind", "what a fused kernel computes", [
    I32EnumAttrCase<"elementwise", 0>, I32EnumAttrCase<"matmul", 1>,
    I32EnumAttrCase<"gated_matmul", 2>, I32EnumAttrCase<"batch_matmul", 3>,
    I32EnumAttrCase<"attention", 4>, I32EnumAttrCase<"rope", 5>,
    I32EnumAttrCase<"softmax", 6>, I32EnumAttrCase<"norm", 7>,
    I32EnumAttrCase<"reduce", 8>, I32EnumAttrCase<"gather", 9>,
    I32EnumAttrCase<"data_movement", 10>,
    I32EnumAttrCase<"multi_matmul", 11>]> {
  let cppNamespace = "::muir::xf";
}

def Xf_KernelOp : Op<Xf_Dialect, "kernel", [RecursiveMemoryEffects,
    SingleBlock]> {
  let summary = "a group of xf ops compiled as one accelerator kernel";
  let description = [{
    Made by `muir-xf-fuse`: the ops of the region run as one kernel whose
    intermediates stay on chip; only the values the region yields are
    written to device memory. The region captures the values it reads from
    above (like IREE's `flow.dispatch.region`), so the graph around it is
    unchanged. Semantics are exactly those of the region's ops run in order.

    `name` is unique in the function (`k<N>`, in program order) and is how
    a kernel is named on the command line and from Python when its
    configuration is overridden. `kind` says which kernel family computes
    the group; its anchor op is the one the family is built around (the
    matmul of a `matmul` kernel, the attention of an `attention` kernel,
    the root of an `elementwise` chain), and the other ops are fused into
    it:

    * `elementwise`: a tree of same-shape elementwise ops, computed tile by
      tile on chip.
    * `matmul`: one `xf.matmul`, optionally with a residual `xf.add`
      applied while the accumulator leaves PSUM.
    * `gated_matmul`: two matmuls of the same left operand combined by an
      elementwise tree (SwiGLU, GeGLU).
    * `multi_matmul`: several plain matmuls of the same left operand (Q, K
      and V projections of one input), yielded in order: computed as one
      matmul over their columns side by side, each A^T tile loaded once.
      Its anchor is the first matmul.
    * `attention`: an `xf.attention` with the head transposes around it
      (read and written as strided views) and the sequence concats of a KV
      cache (read in place).
    * `rope`: an `xf.rope`, with a head transpose of its input read as a view.
    * the others hold one op of that family.

    `config` (set by `muir-xf-kernel-config`, or by hand) fixes the
    kernel's schedule: see docs/passes.md for its keys per kind. Without
    it, the lowering plans the kernel itself, the same way.
  }];
  let arguments = (ins StrAttr:$name, Xf_KernelKind:$kind,
                   OptionalAttr<DictionaryAttr>:$config);
  let results = (outs Variadic<Xf_AnyTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $name $kind (`config` $config^)? attr-dict-with-keyword `:`
    type($results) $body
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The terminator.
    YieldOp getYield();
    /// The op the kernel family is built around (see the description).
    mlir::Operation *getAnchor();
  }];
}

def Xf_YieldOp : Op<Xf_Dialect, "yield", [Pure, Terminator,
    HasParent<"KernelOp">]> {
  let summary = "the values an xf.kernel writes to device memory";
  let arguments = (ins Variadic<Xf_AnyTensor>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

//===----------------------------------------------------------------------===//
// Collectives (SPMD programs made by muir-xf-shard)
//===----------------------------------------------------------------------===//

// Every rank of an SPMD program runs the same function on its own local
// tensors; a collective exchanges them within replica groups.
class Xf_CollectiveOp<string mnemonic, list<Trait> traits = []>
    : Xf_Op<mnemonic, !listconcat(traits, [SameOperandsAndResultElementType])> {
  let results = (outs Xf_AnyTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Ranks per replica group (the second dimension of replica_groups).
    int64_t getGroupSize() {
      return llvm::cast<mlir::ShapedType>(getReplicaGroups().getType())
          .getDimSize(1);
    }
  }];
}

def Xf_AllReduceOp : Xf_CollectiveOp<"all_reduce", [SameOperandsAndResultType]> {
  let summary = "sum of a tensor over the ranks of a replica group";
  let description = [{
    `replica_groups` is a 2-D i64 tensor, one row per group (all of one
    size N), every rank (>= 0) at most once. Every rank of a group gets
    `result[i] = sum over the group's ranks r of input_r[i]`, accumulated in
    f32 in replica-group order and rounded once (the `nc.all_reduce`
    numerics). Input and result have one type (f32, bf16 or f16).

    A program run on one rank (the reference backend) is the unsharded
    program: there a group of one is the identity and a larger group is an
    error.
  }];
  let arguments = (ins Xf_FloatTensor:$input, I64ElementsAttr:$replica_groups);
}

def Xf_AllGatherOp : Xf_CollectiveOp<"all_gather"> {
  let summary = "concatenation of the group's tensors along one dimension";
  let description = [{
    `result = concat(input_{r_0}, ..., input_{r_{N-1}}, axis = dim)` for the
    N ranks `r_i` of the group in `replica_groups` order (see
    `xf.all_reduce`): the result has the input's shape with `dim` N times
    larger. Any element type.
  }];
  let arguments = (ins Xf_AnyTensor:$input, I64ElementsAttr:$replica_groups,
                   DefaultValuedAttr<I64Attr, "0">:$dim);
}

def Xf_ReduceScatterOp : Xf_CollectiveOp<"reduce_scatter"> {
  let summary = "this rank's block of the group's sum";
  let description = [{
    The sum over the group (as `xf.all_reduce`) split into N equal blocks
    along `dim`: the i-th rank of the group gets block i. The input's `dim`
    is divisible by N; the result has it N times smaller. f32, bf16 or f16.
  }];
  let arguments = (ins Xf_FloatTensor:$input, I64ElementsAttr:$replica_groups,
                   DefaultValuedAttr<I64Attr, "0">:$dim);
}

def Xf_AllToAllOp : Xf_CollectiveOp<"all_to_all", [SameOperandsAndResultType]> {
  let summary = "exchange of blocks of dimension 0 between a group's ranks";
  let description = [{
    The input's dimension 0 is N equal blocks for the N ranks of the group
    (`replica_groups`, see `xf.all_reduce`): the i-th rank of the group sends
    its block j to the j-th rank, which puts it at its block i. Input and
    result have one type (any element type); dimension 0 is divisible by N.
    muir-xf-shard uses it to move attention between a split of the sequence
    and a split of the heads (context parallelism across chips).
  }];
  let arguments = (ins Xf_AnyTensor:$input, I64ElementsAttr:$replica_groups);
}

def Xf_CollectivePermuteOp : Xf_Op<"collective_permute",
                                    [SameOperandsAndResultType]> {
  let summary = "point-to-point exchange: each target gets its source's tensor";
  let description = [{
    `pairs` is an `N x 2` i64 tensor of (source, target) ranks (StableHLO's
    collective_permute): no rank is the source of two pairs or the target of
    two, nor sends to itself. A rank that is the target of a pair gets its source's `input`;
    every other rank gets its own `init`. Input, init and result have one
    type (any element type).

    muir-xf-shard uses it between pipeline stages: each stage's ranks send
    their output to the next stage's, and the first stage, a target of no
    pair, takes its next microbatch (`init`) instead. It lowers to
    `nc.send` / `nc.recv` (after a copy of `init` into the result).

    On one rank (the reference backend) the result is `init` when rank 0
    is the target of no pair and an error when another rank sends to it.
  }];
  let arguments = (ins Xf_AnyTensor:$input, Xf_AnyTensor:$init,
                       I64ElementsAttr:$pairs);
  let results = (outs Xf_AnyTensor:$result);
  let assemblyFormat = [{
    $input `,` $init attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // MUIR_XF_OPS
