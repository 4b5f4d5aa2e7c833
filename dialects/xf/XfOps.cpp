//===- XfOps.cpp - xf shape inference, verifiers and folds ----------------===//
//
// Shape rules live in inferReturnTypes, so builders get result types for free
// and the verifier reports which operand is wrong, with the shapes involved.
//
//===----------------------------------------------------------------------===//
#include "muir/Dialect/Xf/XfDialect.h"
#include "muir/Support/CheckedSize.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace muir::xf;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

namespace {
/// Prints a shape as `[2, 3, 4]` for diagnostics.
std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(shape, os);
  os << "]";
  return s;
}

std::string shapeStr(Type t) {
  if (auto ranked = llvm::dyn_cast<RankedTensorType>(t))
    return shapeStr(ranked.getShape());
  return "<unranked>";
}

RankedTensorType ranked(Value v) {
  return llvm::dyn_cast<RankedTensorType>(v.getType());
}

LogicalResult fail(std::optional<Location> loc, const Twine &msg) {
  return emitOptionalError(loc, msg);
}

/// Requires `v` to be a ranked tensor; names it by `what` otherwise.
FailureOr<RankedTensorType> needRanked(std::optional<Location> loc, Value v,
                                       StringRef what) {
  auto t = ranked(v);
  if (!t) {
    (void)fail(loc, Twine(what) + " must be a ranked tensor");
    return failure();
  }
  return t;
}

/// Requires two operands to share an element type.
LogicalResult sameElementType(std::optional<Location> loc, StringRef aName,
                              RankedTensorType a, StringRef bName,
                              RankedTensorType b) {
  if (a.getElementType() == b.getElementType())
    return success();
  std::string msg;
  llvm::raw_string_ostream os(msg);
  os << aName << " element type " << a.getElementType() << " differs from "
     << bName << " element type " << b.getElementType()
     << " (insert xf.cast for mixed precision)";
  return fail(loc, msg);
}

bool isSplatOf(Value v, double value) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.isSplat())
    return false;
  if (!llvm::isa<FloatType>(attr.getElementType()))
    return false;
  return attr.getSplatValue<APFloat>().convertToDouble() == value;
}

/// `x op c` folds to x when c is a splat identity and no broadcast happens.
OpFoldResult foldIdentity(Value x, Value c, Type resultType, double identity) {
  if (x.getType() == resultType && isSplatOf(c, identity))
    return x;
  return {};
}
} // namespace

FailureOr<SmallVector<int64_t>> muir::xf::broadcastShapes(ArrayRef<int64_t> a,
                                                          ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return failure();
    out[i] = da == 1 ? db : da;
  }
  return out;
}

FailureOr<int64_t> muir::xf::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return failure();
  return axis < 0 ? axis + rank : axis;
}

LogicalResult muir::xf::verifyTensorSizes(Operation *op) {
  auto check = [&](Type t, StringRef what, unsigned i) -> LogicalResult {
    auto rt = llvm::dyn_cast<RankedTensorType>(t);
    if (!rt || !rt.hasStaticShape())
      return success(); // the operand constraints report it
    Type elt = rt.getElementType();
    int64_t eb = elt.isIntOrFloat()
                     ? std::max(1u, (elt.getIntOrFloatBitWidth() + 7) / 8)
                     : 8;
    if (!muir::checkedProduct(rt.getShape(), eb))
      return op->emitOpError()
             << what << " #" << i << " type " << t
             << " has 2^63 bytes or more: no tensor can be that large";
    return success();
  };
  for (auto [i, t] : llvm::enumerate(op->getOperandTypes()))
    if (failed(check(t, "operand", i)))
      return failure();
  for (auto [i, t] : llvm::enumerate(op->getResultTypes()))
    if (failed(check(t, "result", i)))
      return failure();
  return success();
}

bool muir::xf::isSupportedFloat(Type t) {
  return t.isF32() || t.isBF16() || t.isF16() ||
         llvm::isa<Float8E4M3FNType, Float8E5M2Type>(t);
}

//===----------------------------------------------------------------------===//
// Elementwise binary
//===----------------------------------------------------------------------===//

static LogicalResult inferBinary(std::optional<Location> loc, Value lhs,
                                 Value rhs, SmallVectorImpl<Type> &out) {
  auto l = needRanked(loc, lhs, "lhs");
  auto r = needRanked(loc, rhs, "rhs");
  if (failed(l) || failed(r))
    return failure();
  if (failed(sameElementType(loc, "lhs", *l, "rhs", *r)))
    return failure();
  auto shape = broadcastShapes(l->getShape(), r->getShape());
  if (failed(shape))
    return fail(loc, "lhs shape " + shapeStr(l->getShape()) +
                         " and rhs shape " + shapeStr(r->getShape()) +
                         " do not broadcast");
  out.push_back(RankedTensorType::get(*shape, l->getElementType()));
  return success();
}

#define XF_BINARY_INFER(OP)                                                    \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &out) {                                            \
    return inferBinary(loc, adaptor.getLhs(), adaptor.getRhs(), out);          \
  }
XF_BINARY_INFER(AddOp)
XF_BINARY_INFER(SubOp)
XF_BINARY_INFER(MulOp)
XF_BINARY_INFER(DivOp)
XF_BINARY_INFER(MaxOp)
XF_BINARY_INFER(MinOp)
#undef XF_BINARY_INFER

OpFoldResult AddOp::fold(FoldAdaptor) {
  if (auto r = foldIdentity(getLhs(), getRhs(), getType(), 0.0))
    return r;
  return foldIdentity(getRhs(), getLhs(), getType(), 0.0);
}
OpFoldResult SubOp::fold(FoldAdaptor) {
  return foldIdentity(getLhs(), getRhs(), getType(), 0.0);
}
OpFoldResult MulOp::fold(FoldAdaptor) {
  if (auto r = foldIdentity(getLhs(), getRhs(), getType(), 1.0))
    return r;
  return foldIdentity(getRhs(), getLhs(), getType(), 1.0);
}
OpFoldResult DivOp::fold(FoldAdaptor) {
  return foldIdentity(getLhs(), getRhs(), getType(), 1.0);
}

//===----------------------------------------------------------------------===//
// Cast
//===----------------------------------------------------------------------===//

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

static LogicalResult checkAccType(std::optional<Location> loc,
                                  std::optional<Type> acc) {
  if (acc && !acc->isF32()) {
    std::string msg;
    llvm::raw_string_ostream os(msg);
    os << "acc_type " << *acc
       << " is not supported: accumulation is f32 (fp32 PSUM)";
    return fail(loc, msg);
  }
  return success();
}

/// Rows x cols of a matrix operand's trailing two dims, honouring transpose.
static std::pair<int64_t, int64_t> matrixDims(RankedTensorType t, bool trans) {
  int64_t r = t.getDimSize(t.getRank() - 2), c = t.getDimSize(t.getRank() - 1);
  return trans ? std::make_pair(c, r) : std::make_pair(r, c);
}

static LogicalResult inferMatmul(std::optional<Location> loc, Value lhsV,
                                 Value rhsV, bool tl, bool tr,
                                 std::optional<Type> acc, bool batched,
                                 SmallVectorImpl<Type> &out) {
  auto l = needRanked(loc, lhsV, "lhs");
  auto r = needRanked(loc, rhsV, "rhs");
  if (failed(l) || failed(r) || failed(checkAccType(loc, acc)))
    return failure();
  int64_t minRank = batched ? 3 : 2;
  if (batched ? l->getRank() < 3 : l->getRank() != 2)
    return fail(loc, "lhs must have rank " + Twine(batched ? ">= 3" : "2") +
                         ", got shape " + shapeStr(l->getShape()));
  if (batched ? r->getRank() < 3 : r->getRank() != 2)
    return fail(loc, "rhs must have rank " + Twine(batched ? ">= 3" : "2") +
                         ", got shape " + shapeStr(r->getShape()));
  (void)minRank;
  if (failed(sameElementType(loc, "lhs", *l, "rhs", *r)))
    return failure();
  auto [m, k1] = matrixDims(*l, tl);
  auto [k2, n] = matrixDims(*r, tr);
  if (k1 != k2)
    return fail(loc, "contraction sizes differ: lhs " +
                         shapeStr(l->getShape()) + (tl ? " (transposed)" : "") +
                         " has K = " + Twine(k1) + ", rhs " +
                         shapeStr(r->getShape()) + (tr ? " (transposed)" : "") +
                         " has K = " + Twine(k2));
  SmallVector<int64_t> shape;
  if (batched) {
    auto b =
        broadcastShapes(l->getShape().drop_back(2), r->getShape().drop_back(2));
    if (failed(b))
      return fail(loc, "batch dimensions of lhs " + shapeStr(l->getShape()) +
                           " and rhs " + shapeStr(r->getShape()) +
                           " do not broadcast");
    shape = *b;
  }
  shape.push_back(m);
  shape.push_back(n);
  out.push_back(RankedTensorType::get(shape, l->getElementType()));
  return success();
}

/// Matmul results may change precision: only the shape must match.
static bool sameShapes(TypeRange l, TypeRange r) {
  if (l.size() != r.size())
    return false;
  for (auto [a, b] : llvm::zip(l, r)) {
    auto ta = llvm::dyn_cast<RankedTensorType>(a);
    auto tb = llvm::dyn_cast<RankedTensorType>(b);
    if (!ta || !tb || ta.getShape() != tb.getShape())
      return false;
  }
  return true;
}

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc, Adaptor a,
                                         SmallVectorImpl<Type> &out) {
  return inferMatmul(loc, a.getLhs(), a.getRhs(), a.getTransposeLhs(),
                     a.getTransposeRhs(), a.getAccType(), false, out);
}
bool MatmulOp::isCompatibleReturnTypes(TypeRange l, TypeRange r) {
  return sameShapes(l, r);
}
LogicalResult BatchMatmulOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor a,
                                              SmallVectorImpl<Type> &out) {
  return inferMatmul(loc, a.getLhs(), a.getRhs(), a.getTransposeLhs(),
                     a.getTransposeRhs(), a.getAccType(), true, out);
}
bool BatchMatmulOp::isCompatibleReturnTypes(TypeRange l, TypeRange r) {
  return sameShapes(l, r);
}

//===----------------------------------------------------------------------===//
// Softmax, norms, reductions
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  int64_t rank = getType().getRank();
  if (failed(normalizeAxis(getAxis(), rank)))
    return emitOpError() << "axis " << (int64_t)getAxis()
                         << " is out of range for "
                         << "input shape " << shapeStr(getType());
  return success();
}

static LogicalResult checkNormParam(std::optional<Location> loc,
                                    RankedTensorType in, Value param,
                                    StringRef name) {
  auto p = needRanked(loc, param, name);
  if (failed(p))
    return failure();
  if (in.getRank() < 1)
    return fail(loc, "input must have rank >= 1");
  int64_t d = in.getDimSize(in.getRank() - 1);
  if (p->getRank() != 1 || p->getDimSize(0) != d)
    return fail(loc, Twine(name) + " shape " + shapeStr(p->getShape()) +
                         " must be [" + Twine(d) + "] to match input shape " +
                         shapeStr(in.getShape()));
  return sameElementType(loc, "input", in, name, *p);
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor a,
                                            SmallVectorImpl<Type> &out) {
  auto in = needRanked(loc, a.getInput(), "input");
  if (failed(in) || failed(checkNormParam(loc, *in, a.getWeight(), "weight")) ||
      failed(checkNormParam(loc, *in, a.getBias(), "bias")))
    return failure();
  if (a.getEps().convertToFloat() < 0)
    return fail(loc, "eps must be >= 0");
  out.push_back(*in);
  return success();
}

LogicalResult RmsNormOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor a,
                                          SmallVectorImpl<Type> &out) {
  auto in = needRanked(loc, a.getInput(), "input");
  if (failed(in) || failed(checkNormParam(loc, *in, a.getWeight(), "weight")))
    return failure();
  if (a.getEps().convertToFloat() < 0)
    return fail(loc, "eps must be >= 0");
  out.push_back(*in);
  return success();
}

static LogicalResult inferReduce(std::optional<Location> loc, Value input,
                                 ArrayRef<int64_t> axes, bool keepDims,
                                 SmallVectorImpl<Type> &out) {
  auto in = needRanked(loc, input, "input");
  if (failed(in))
    return failure();
  int64_t rank = in->getRank();
  llvm::SmallSet<int64_t, 4> seen;
  for (int64_t axis : axes) {
    auto n = normalizeAxis(axis, rank);
    if (failed(n))
      return fail(loc, "axis " + Twine(axis) +
                           " is out of range for input "
                           "shape " +
                           shapeStr(in->getShape()));
    if (!seen.insert(*n).second)
      return fail(loc, "axis " + Twine(axis) + " is repeated");
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i) {
    if (!seen.contains(i))
      shape.push_back(in->getDimSize(i));
    else if (keepDims)
      shape.push_back(1);
  }
  out.push_back(RankedTensorType::get(shape, in->getElementType()));
  return success();
}

#define XF_REDUCE_INFER(OP)                                                    \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc, Adaptor a,   \
                                     SmallVectorImpl<Type> &out) {             \
    return inferReduce(loc, a.getInput(), a.getAxes(), a.getKeepDims(), out);  \
  }
XF_REDUCE_INFER(ReduceSumOp)
XF_REDUCE_INFER(ReduceMaxOp)
XF_REDUCE_INFER(ReduceMeanOp)
#undef XF_REDUCE_INFER

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor a,
                                            SmallVectorImpl<Type> &out) {
  auto in = needRanked(loc, a.getInput(), "input");
  if (failed(in))
    return failure();
  ArrayRef<int64_t> perm = a.getPermutation();
  int64_t rank = in->getRank();
  if ((int64_t)perm.size() != rank)
    return fail(loc, "permutation has " + Twine(perm.size()) +
                         " entries but input shape " +
                         shapeStr(in->getShape()) + " has rank " + Twine(rank));
  SmallVector<bool> used(rank, false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || used[p])
      return fail(loc, "permutation " + shapeStr(perm) +
                           " is not a permutation of [0, " + Twine(rank) + ")");
    used[p] = true;
    shape.push_back(in->getDimSize(p));
  }
  out.push_back(RankedTensorType::get(shape, in->getElementType()));
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> perm = getPermutation();
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return getInput();
  // transpose(transpose(x, p), q) = transpose(x, p∘q).
  if (auto inner = getInput().getDefiningOp<TransposeOp>()) {
    ArrayRef<int64_t> p = inner.getPermutation();
    SmallVector<int64_t> composed;
    for (int64_t q : perm)
      composed.push_back(p[q]);
    if (llvm::equal(composed, llvm::seq<int64_t>(0, composed.size())))
      return inner.getInput();
    setPermutation(composed);
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType(), out = getType();
  if (in.getNumElements() != out.getNumElements())
    return emitOpError() << "input shape " << shapeStr(in) << " has "
                         << in.getNumElements() << " elements but result shape "
                         << shapeStr(out) << " has " << out.getNumElements();
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  if (auto attr =
          llvm::dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput()))
    return attr.reshape(getType());
  return {};
}

LogicalResult BroadcastToOp::verify() {
  auto in = getInput().getType(), out = getType();
  auto b = broadcastShapes(in.getShape(), out.getShape());
  if (in.getRank() > out.getRank() || failed(b) ||
      ArrayRef<int64_t>(*b) != out.getShape())
    return emitOpError() << "input shape " << shapeStr(in)
                         << " does not broadcast to result shape "
                         << shapeStr(out);
  return success();
}

OpFoldResult BroadcastToOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  auto attr = llvm::dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput());
  if (attr && attr.isSplat())
    return SplatElementsAttr::get(getType(), attr.getSplatValue<Attribute>());
  return {};
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc, Adaptor a,
                                         SmallVectorImpl<Type> &out) {
  if (a.getInputs().empty())
    return fail(loc, "needs at least one input");
  auto first = needRanked(loc, a.getInputs()[0], "input #0");
  if (failed(first))
    return failure();
  int64_t rank = first->getRank();
  auto axis = normalizeAxis(a.getAxis(), rank);
  if (failed(axis))
    return fail(loc, "axis " + Twine((int64_t)a.getAxis()) +
                         " is out of range for input #0 shape " +
                         shapeStr(first->getShape()));
  SmallVector<int64_t> shape(first->getShape());
  shape[*axis] = 0;
  for (auto [i, v] : llvm::enumerate(a.getInputs())) {
    std::string name = "input #" + std::to_string(i);
    auto t = needRanked(loc, v, name);
    if (failed(t) || failed(sameElementType(loc, "input #0", *first, name, *t)))
      return failure();
    bool ok = t->getRank() == rank;
    for (int64_t d = 0; ok && d < rank; ++d)
      ok = d == *axis || t->getDimSize(d) == first->getDimSize(d);
    if (!ok)
      return fail(loc, name + " shape " + shapeStr(t->getShape()) +
                           " does not match input #0 shape " +
                           shapeStr(first->getShape()) + " outside axis " +
                           Twine(*axis));
    shape[*axis] += t->getDimSize(*axis);
  }
  out.push_back(RankedTensorType::get(shape, first->getElementType()));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc, Adaptor a,
                                        SmallVectorImpl<Type> &out) {
  auto in = needRanked(loc, a.getInput(), "input");
  if (failed(in))
    return failure();
  ArrayRef<int64_t> offs = a.getOffsets(), sizes = a.getSizes(),
                    strides = a.getStrides();
  int64_t rank = in->getRank();
  if ((int64_t)offs.size() != rank || (int64_t)sizes.size() != rank ||
      (int64_t)strides.size() != rank)
    return fail(loc, "offsets, sizes and strides need " + Twine(rank) +
                         " entries each for input shape " +
                         shapeStr(in->getShape()));
  for (int64_t d = 0; d < rank; ++d) {
    if (offs[d] < 0 || sizes[d] < 0 || strides[d] < 1)
      return fail(loc, "dimension " + Twine(d) + ": offset " + Twine(offs[d]) +
                           ", size " + Twine(sizes[d]) + ", stride " +
                           Twine(strides[d]) +
                           " (need offset >= 0, size >= 0, stride >= 1)");
    if (sizes[d] > 0 &&
        offs[d] + (sizes[d] - 1) * strides[d] >= in->getDimSize(d))
      return fail(loc, "dimension " + Twine(d) + ": slice reads index " +
                           Twine(offs[d] + (sizes[d] - 1) * strides[d]) +
                           " past the end of input shape " +
                           shapeStr(in->getShape()));
  }
  out.push_back(RankedTensorType::get(sizes, in->getElementType()));
  return success();
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc, Adaptor a,
                                         SmallVectorImpl<Type> &out) {
  auto table = needRanked(loc, a.getTable(), "table");
  auto idx = needRanked(loc, a.getIndices(), "indices");
  if (failed(table) || failed(idx))
    return failure();
  if (table->getRank() < 1)
    return fail(loc, "table must have rank >= 1");
  SmallVector<int64_t> shape(idx->getShape());
  llvm::append_range(shape, table->getShape().drop_front());
  out.push_back(RankedTensorType::get(shape, table->getElementType()));
  return success();
}

LogicalResult IndexCopyOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor a,
                                            SmallVectorImpl<Type> &out) {
  auto dest = needRanked(loc, a.getDest(), "dest");
  auto idx = needRanked(loc, a.getIndices(), "indices");
  auto src = needRanked(loc, a.getSource(), "source");
  if (failed(dest) || failed(idx) || failed(src))
    return failure();
  int64_t axis = a.getAxis(), rank = dest->getRank();
  if (axis < 0 || axis >= rank)
    return fail(loc, "axis " + std::to_string(axis) + " is outside dest " +
                         shapeStr(dest->getShape()));
  if (idx->getRank() != 1)
    return fail(loc,
                "indices must be 1-D, got shape " + shapeStr(idx->getShape()));
  if (src->getElementType() != dest->getElementType())
    return fail(loc, "source and dest must share the element type");
  bool fits =
      src->getRank() == rank && src->getDimSize(axis) == idx->getDimSize(0);
  for (int64_t d = 0; fits && d < rank; ++d)
    fits = d == axis || src->getDimSize(d) == dest->getDimSize(d);
  if (!fits)
    return fail(loc, "source " + shapeStr(src->getShape()) + " must be dest " +
                         shapeStr(dest->getShape()) +
                         " with one row per index (" +
                         std::to_string(idx->getDimSize(0)) + ") at axis " +
                         std::to_string(axis));
  out.push_back(*dest);
  return success();
}

//===----------------------------------------------------------------------===//
// Transformer building blocks
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc, Adaptor a,
                                       SmallVectorImpl<Type> &out) {
  auto x = needRanked(loc, a.getInput(), "input");
  auto c = needRanked(loc, a.getCos(), "cos");
  auto s = needRanked(loc, a.getSin(), "sin");
  if (failed(x) || failed(c) || failed(s))
    return failure();
  if (x->getRank() < 2)
    return fail(loc, "input must have rank >= 2 ([..., S, D]), got shape " +
                         shapeStr(x->getShape()));
  int64_t S = x->getDimSize(x->getRank() - 2),
          D = x->getDimSize(x->getRank() - 1);
  if (D % 2 != 0)
    return fail(loc, "head dimension D = " + Twine(D) + " of input shape " +
                         shapeStr(x->getShape()) + " must be even");
  for (auto [name, t] :
       {std::make_pair("cos", *c), std::make_pair("sin", *s)}) {
    if (t.getRank() != 2 || t.getDimSize(0) != S || t.getDimSize(1) != D)
      return fail(loc, Twine(name) + " shape " + shapeStr(t.getShape()) +
                           " must be [" + Twine(S) + ", " + Twine(D) +
                           "] for input shape " + shapeStr(x->getShape()));
    if (failed(sameElementType(loc, "input", *x, name, t)))
      return failure();
  }
  out.push_back(*x);
  return success();
}

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor a,
                                            SmallVectorImpl<Type> &out) {
  auto q = needRanked(loc, a.getQuery(), "query");
  auto k = needRanked(loc, a.getKey(), "key");
  auto v = needRanked(loc, a.getValue(), "value");
  if (failed(q) || failed(k) || failed(v))
    return failure();
  for (auto [name, t] : {std::make_pair("query", *q), std::make_pair("key", *k),
                         std::make_pair("value", *v)})
    if (t.getRank() != 4)
      return fail(loc, Twine(name) +
                           " must have rank 4 ([B, H, S, D]), got "
                           "shape " +
                           shapeStr(t.getShape()));
  if (failed(sameElementType(loc, "query", *q, "key", *k)) ||
      failed(sameElementType(loc, "query", *q, "value", *v)))
    return failure();
  auto qs = q->getShape(), ks = k->getShape(), vs = v->getShape();
  if (ks[0] != qs[0] || vs[0] != qs[0])
    return fail(loc, "batch sizes differ: query " + shapeStr(qs) + ", key " +
                         shapeStr(ks) + ", value " + shapeStr(vs));
  if (ks[1] != vs[1] || ks[2] != vs[2])
    return fail(loc, "key " + shapeStr(ks) + " and value " + shapeStr(vs) +
                         " must agree on heads and sequence length");
  if (ks[1] == 0 || qs[1] % ks[1] != 0)
    return fail(loc, "query heads " + Twine(qs[1]) +
                         " must be a multiple of key/value heads " +
                         Twine(ks[1]));
  if (ks[3] != qs[3])
    return fail(loc, "query head dim " + Twine(qs[3]) + " (shape " +
                         shapeStr(qs) + ") differs from key head dim " +
                         Twine(ks[3]) + " (shape " + shapeStr(ks) + ")");
  if (a.getKeyBias()) {
    auto kb = needRanked(loc, a.getKeyBias(), "key_bias");
    if (failed(kb))
      return failure();
    if (kb->getRank() != 2 || kb->getDimSize(0) != qs[0] ||
        kb->getDimSize(1) != ks[2])
      return fail(loc, "key_bias must be [" + Twine(qs[0]) + ", " +
                           Twine(ks[2]) + "] (batch, keys), got shape " +
                           shapeStr(kb->getShape()));
    if (failed(sameElementType(loc, "query", *q, "key_bias", *kb)))
      return failure();
  }
  if (a.getBias()) {
    auto bt = needRanked(loc, a.getBias(), "bias");
    if (failed(bt))
      return failure();
    auto bs = bt->getShape();
    auto fits = [&](int i, int64_t full) {
      return bs[i] == full || bs[i] == 1;
    };
    if (bt->getRank() != 4 || !fits(0, qs[0]) || !fits(1, qs[1]) ||
        !fits(2, qs[2]) || bs[3] != ks[2])
      return fail(loc, "bias must be [" + Twine(qs[0]) + " or 1, " +
                           Twine(qs[1]) + " or 1, " + Twine(qs[2]) + " or 1, " +
                           Twine(ks[2]) +
                           "] (batch, query heads, queries, keys), got shape " +
                           shapeStr(bs));
    if (failed(sameElementType(loc, "query", *q, "bias", *bt)))
      return failure();
  }
  if (a.getCausal() && qs[2] > ks[2])
    return fail(loc, "causal attention needs query length " + Twine(qs[2]) +
                         " <= key length " + Twine(ks[2]));
  out.push_back(
      RankedTensorType::get({qs[0], qs[1], qs[2], vs[3]}, q->getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Constant
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor a,
                                           SmallVectorImpl<Type> &out) {
  auto t = llvm::dyn_cast<RankedTensorType>(a.getValue().getType());
  if (!t)
    return fail(loc, "value must have a ranked tensor type");
  out.push_back(t);
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Kernel
//===----------------------------------------------------------------------===//

YieldOp KernelOp::getYield() {
  return llvm::cast<YieldOp>(getBody().front().getTerminator());
}

/// The op type a kernel of `kind` is built around, if it names one.
template <typename OpT> static Operation *onlyOp(Block &b, unsigned &count) {
  Operation *found = nullptr;
  count = 0;
  for (Operation &op : b)
    if (llvm::isa<OpT>(op)) {
      found = &op;
      ++count;
    }
  return count == 1 ? found : nullptr;
}

Operation *KernelOp::getAnchor() {
  Block &b = getBody().front();
  unsigned n = 0;
  switch (getKind()) {
  case KernelKind::matmul:
    return onlyOp<MatmulOp>(b, n);
  case KernelKind::attention:
    return onlyOp<AttentionOp>(b, n);
  case KernelKind::rope:
    return onlyOp<RopeOp>(b, n);
  case KernelKind::multi_matmul:
    return llvm::isa<MatmulOp>(b.front()) ? &b.front() : nullptr;
  default:
    break;
  }
  YieldOp y = getYield();
  if (y.getValues().size() != 1)
    return nullptr;
  Operation *d = y.getValues().front().getDefiningOp();
  return d && d->getBlock() == &b ? d : nullptr;
}

LogicalResult KernelOp::verify() {
  Block &b = getBody().front();
  if (b.getNumArguments() != 0)
    return emitOpError("body takes no block arguments (it reads the values "
                       "it needs from above)");
  auto y =
      llvm::dyn_cast_or_null<YieldOp>(b.empty() ? nullptr : b.getTerminator());
  if (!y)
    return emitOpError("body must end with xf.yield");
  if (y.getValues().getTypes() != getResultTypes())
    return emitOpError("yields ")
           << y.getValues().size() << " values whose types differ from the "
           << getNumResults() << " results";
  for (Operation &op : b.without_terminator()) {
    if (llvm::isa<KernelOp>(op))
      return op.emitOpError("cannot be nested in another xf.kernel");
    if (!op.getDialect() || !llvm::isa<XfDialect>(op.getDialect()))
      return op.emitOpError("cannot be part of an xf.kernel: only xf ops "
                            "are fused");
  }
  if (!getAnchor())
    return emitOpError("of kind '")
           << stringifyKernelKind(getKind())
           << "' has no anchor op (exactly one op of its family, the first "
              "matmul of a multi_matmul, or the op defining its single "
              "yielded value)";
  return success();
}

#define GET_OP_CLASSES
#include "xf/XfOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

/// Replica groups: a 2-D i64 tensor with at least one group of at least one
/// rank, ranks >= 0, none twice.
static LogicalResult verifyReplicaGroups(Operation *op, ElementsAttr groups) {
  auto t = llvm::cast<ShapedType>(groups.getType());
  if (t.getRank() != 2 || t.getDimSize(0) < 1 || t.getDimSize(1) < 1)
    return op->emitOpError("replica_groups must be a non-empty 2-D tensor "
                           "(one row per group), got ")
           << t;
  llvm::SmallSet<int64_t, 16> seen;
  for (APInt v : groups.getValues<APInt>()) {
    int64_t r = v.getSExtValue();
    if (r < 0)
      return op->emitOpError("replica_groups has the negative rank ") << r;
    if (!seen.insert(r).second)
      return op->emitOpError("replica_groups names rank ") << r << " twice";
  }
  return success();
}

/// The element types collective reductions support (those of nc.all_reduce).
static LogicalResult verifyReducible(Operation *op, Type t) {
  Type e = llvm::cast<ShapedType>(t).getElementType();
  if (e.isF32() || e.isBF16() || e.isF16())
    return success();
  return op->emitOpError("reduces f32, bf16 or f16 elements, not ") << e;
}

/// The shared rule of all_gather (`grow`) and reduce_scatter: the result is
/// the input with `dim` multiplied (gather) or divided (scatter) by N.
static LogicalResult verifyResized(Operation *op, int64_t dimAttr, int64_t n,
                                   bool grow) {
  auto in = llvm::cast<RankedTensorType>(op->getOperand(0).getType());
  auto out = llvm::cast<RankedTensorType>(op->getResult(0).getType());
  FailureOr<int64_t> dim = normalizeAxis(dimAttr, in.getRank());
  if (failed(dim))
    return op->emitOpError("dim ")
           << dimAttr << " is outside the input's rank " << in.getRank();
  SmallVector<int64_t> want(in.getShape());
  if (!grow && want[*dim] % n != 0)
    return op->emitOpError("input dimension ")
           << *dim << " of size " << want[*dim]
           << " is not divisible by the group size " << n;
  want[*dim] = grow ? want[*dim] * n : want[*dim] / n;
  if (out.getShape() != ArrayRef<int64_t>(want))
    return op->emitOpError("result shape ")
           << shapeStr(out.getShape()) << " must be " << shapeStr(want)
           << " (input " << shapeStr(in.getShape()) << ", dimension " << *dim
           << (grow ? " times " : " divided by ") << "the group size " << n
           << ")";
  return success();
}

LogicalResult AllReduceOp::verify() {
  if (failed(verifyReplicaGroups(*this, getReplicaGroups())))
    return failure();
  return verifyReducible(*this, getType());
}

LogicalResult AllGatherOp::verify() {
  if (failed(verifyReplicaGroups(*this, getReplicaGroups())))
    return failure();
  return verifyResized(*this, getDim(), getGroupSize(), /*grow=*/true);
}

LogicalResult AllToAllOp::verify() {
  if (failed(verifyReplicaGroups(*this, getReplicaGroups())))
    return failure();
  auto t = llvm::cast<RankedTensorType>(getType());
  int64_t n = getGroupSize();
  if (t.getRank() < 1 || t.getDimSize(0) % n != 0)
    return emitOpError("input dimension 0 of ")
           << t << " must be divisible by the group size " << n
           << " (one block per rank)";
  return success();
}

LogicalResult CollectivePermuteOp::verify() {
  auto t = llvm::cast<ShapedType>(getPairs().getType());
  if (t.getRank() != 2 || t.getDimSize(0) < 1 || t.getDimSize(1) != 2)
    return emitOpError("pairs must be an N x 2 tensor of (source, target) "
                       "ranks, N >= 1, got ")
           << t;
  llvm::SmallSet<int64_t, 16> sources, targets;
  SmallVector<int64_t> v;
  for (APInt r : getPairs().getValues<APInt>())
    v.push_back(r.getSExtValue());
  for (size_t i = 0; i < v.size(); i += 2) {
    if (v[i] < 0 || v[i + 1] < 0)
      return emitOpError("pair ") << i / 2 << " (" << v[i] << ", " << v[i + 1]
                                  << ") has a negative rank";
    if (v[i] == v[i + 1])
      return emitOpError("pair ")
             << i / 2 << " sends rank " << v[i] << " to itself";
    if (!sources.insert(v[i]).second)
      return emitOpError("rank ") << v[i] << " is the source of two pairs";
    if (!targets.insert(v[i + 1]).second)
      return emitOpError("rank ") << v[i + 1] << " is the target of two pairs";
  }
  return success();
}

LogicalResult ReduceScatterOp::verify() {
  if (failed(verifyReplicaGroups(*this, getReplicaGroups())) ||
      failed(verifyReducible(*this, getType())))
    return failure();
  return verifyResized(*this, getDim(), getGroupSize(), /*grow=*/false);
}
