//===- Layout.cpp - muir-xf-layout: how each kernel reads its operands ----===//
//
// Layout assignment: decides, before any tiling, which values of the rope
// and attention kernels are strided views of another value's HBM bytes
// instead of tensors of their own, and writes each decision on the op as
// attributes the lowering follows:
//
//   xf.layout = "view"      a head transpose (or a slice of a fused QKV
//                           tensor) read in place by its kernel through the
//                           element strides xf.view_strides;
//   xf.layout = "in_place"  an attention result's head transpose, which the
//                           attention writes directly in the transposed
//                           order (xf.view_strides: the strides it writes
//                           the result with);
//   xf.layout = "copy"      a transpose materialised by a transpose kernel.
//
// Strides follow the values through the function: every tensor is
// row-major except the views made here (and reshapes of them).
//
//===----------------------------------------------------------------------===//
#include "Fusion.h"

#include "muir/Conversion/Passes.h"
#include "muir/Dialect/Xf/XfDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace muir {
#define GEN_PASS_DEF_XFLAYOUTPASS
#include "muir/Conversion/Passes.h.inc"
} // namespace muir

using namespace mlir;
using namespace muir;
using namespace muir::lower;

namespace {
ArrayRef<int64_t> shapeOfValue(Value v) {
  return llvm::cast<RankedTensorType>(v.getType()).getShape();
}

class Layouts {
public:
  Layouts(func::FuncOp func, bool views) : func(func), views(views) {}
  LogicalResult run();

private:
  func::FuncOp func;
  bool views;
  /// Element strides of the values that are not row-major.
  DenseMap<Value, SmallVector<int64_t>> viewOf;
  /// Values the function returns (through kernel results): they are
  /// written to outputs, never views.
  llvm::SmallPtrSet<Value, 4> returned;

  SmallVector<int64_t> stridesOf(Value v) const {
    auto it = viewOf.find(v);
    return it != viewOf.end() ? it->second : rowMajorStrides(shapeOfValue(v));
  }
  LogicalResult step(Operation &op, xf::KernelOp k);
  /// Records `layout` (and `strides` for a view) on `op`; a layout the op
  /// already carries (an override) is kept if it can be realised, else an
  /// error naming why.
  LogicalResult decide(Operation *op, StringRef layout,
                       ArrayRef<int64_t> strides, StringRef whyNotView);
};

/// A slice of an attention kernel reshaped into heads for a head transpose
/// of the same kernel (slice -> reshape -> transpose): read in place.
bool isSliceView(xf::SliceOp sl, xf::KernelOp k) {
  if (!k || k.getKind() != xf::KernelKind::attention)
    return false;
  Value r = sl.getResult();
  Operation *u = r.hasOneUse() ? *r.getUsers().begin() : nullptr;
  if (!u || u->getParentOp() != k.getOperation() || !isa<xf::ReshapeOp>(u))
    return false;
  Value rr = u->getResult(0);
  Operation *t = rr.hasOneUse() ? *rr.getUsers().begin() : nullptr;
  return t && t->getParentOp() == k.getOperation() && isa<xf::TransposeOp>(t);
}

/// The head transpose an attention writes its result through: the
/// result's only user, a transpose of the same kernel.
xf::TransposeOp outputTranspose(xf::AttentionOp att, xf::KernelOp k) {
  Value r = att.getResult();
  if (!k || !r.hasOneUse())
    return {};
  auto t = dyn_cast<xf::TransposeOp>(*r.getUsers().begin());
  return t && t->getParentOp() == k.getOperation() ? t : xf::TransposeOp();
}
} // namespace

bool muir::lower::ropeTakesView(ArrayRef<int64_t> shape, ArrayRef<int64_t> st) {
  int64_t rank = shape.size();
  if (rank < 2 || st[rank - 1] != 1)
    return false;
  int64_t prev = -1;
  for (int64_t i = rank - 3; i >= 0; --i) {
    if (shape[i] == 1)
      continue;
    if (prev >= 0 && st[i] != st[prev] * shape[prev])
      return false;
    prev = i;
  }
  return true;
}

LogicalResult Layouts::decide(Operation *op, StringRef layout,
                              ArrayRef<int64_t> strides, StringRef whyNotView) {
  Builder b(op->getContext());
  if (auto given = op->getAttrOfType<StringAttr>("xf.layout")) {
    StringRef g = given.getValue();
    if (g != "view" && g != "in_place" && g != "copy")
      return op->emitError() << "xf.layout must be \"view\", \"in_place\" or "
                                "\"copy\", not \""
                             << g << "\"";
    bool slice = isa<xf::SliceOp>(op);
    if (g != layout && (g != "copy" || slice))
      return op->emitError()
             << "xf.layout \"" << g << "\" cannot be realised here: "
             << (slice ? "a slice of an attention kernel is always read in "
                         "place"
                 : g == "in_place"
                     ? "only an attention's output transpose is written in "
                       "place"
                     : whyNotView);
    layout = g;
  }
  op->setAttr("xf.layout", b.getStringAttr(layout));
  if (layout == "copy")
    op->removeAttr("xf.view_strides");
  else
    op->setAttr("xf.view_strides", b.getDenseI64ArrayAttr(strides));
  return success();
}

LogicalResult Layouts::step(Operation &op, xf::KernelOp k) {
  if (Attribute a = op.getAttr("xf.layout"); a && !isa<StringAttr>(a))
    return op.emitError() << "xf.layout must be a string (\"view\", "
                             "\"in_place\" or \"copy\"), not "
                          << a;
  if (auto r = dyn_cast<xf::ReshapeOp>(op)) {
    auto in = viewOf.find(r.getInput());
    if (in != viewOf.end())
      if (std::optional<SmallVector<int64_t>> st = reshapedStrides(
              shapeOfValue(r.getInput()), in->second, r.getType().getShape()))
        viewOf[r.getResult()] = *st;
    return success();
  }
  if (auto sl = dyn_cast<xf::SliceOp>(op)) {
    if (!isSliceView(sl, k))
      return success();
    auto [offset, st] = slicedView(sl, stridesOf(sl.getInput()));
    viewOf[sl.getResult()] = st;
    // Always a view: the kernel has no other way to read it.
    if (failed(decide(sl, "view", st, "")))
      return failure();
    sl->setAttr("xf.view_offset",
                Builder(sl.getContext()).getI64IntegerAttr(offset));
    return success();
  }
  if (auto att = dyn_cast<xf::AttentionOp>(op)) {
    xf::TransposeOp t = outputTranspose(att, k);
    if (!t)
      return success();
    // Written in place when the head dimension stays contiguous.
    ArrayRef<int64_t> perm = t.getPermutation();
    bool ok = views && perm.size() == 4 && perm[3] == 3;
    SmallVector<int64_t> tst = rowMajorStrides(t.getType().getShape()),
                         st(4, 0);
    if (ok)
      for (size_t i = 0; i < 4; ++i)
        st[perm[i]] = tst[i];
    if (failed(decide(t, ok ? "in_place" : "copy", st,
                      views ? "the attention's head dimension would not stay "
                              "contiguous"
                            : "views are off (views=false)")))
      return failure();
    if (t->getAttrOfType<StringAttr>("xf.layout").getValue() == "in_place")
      viewOf[att.getResult()] = st;
    return success();
  }
  auto t = dyn_cast<xf::TransposeOp>(op);
  if (!t || !k ||
      (k.getKind() != xf::KernelKind::attention &&
       k.getKind() != xf::KernelKind::rope)) {
    // Elsewhere every value is a tensor of its own: only "copy" can hold.
    auto given = op.getAttrOfType<StringAttr>("xf.layout");
    if (given && given.getValue() != "copy")
      return op.emitError()
             << "xf.layout \"" << given.getValue()
             << "\" cannot be realised here: only head transposes of rope "
                "and attention kernels (and fused QKV slices of attention "
                "kernels) are views";
    return success();
  }
  if (auto att = t.getInput().getDefiningOp<xf::AttentionOp>();
      att && outputTranspose(att, k) == t)
    return success(); // decided with its attention
  // A head transpose read in place by its only user, a rope (as its input)
  // or an attention (not as the key bias), through the permuted strides.
  Value r = t.getResult();
  Value in = t.getInput();
  SmallVector<int64_t> inSt = stridesOf(in), st, shape;
  for (int64_t p : t.getPermutation()) {
    st.push_back(inSt[p]);
    shape.push_back(shapeOfValue(in)[p]);
  }
  std::string why;
  Operation *user = r.hasOneUse() ? *r.getUsers().begin() : nullptr;
  if (!views)
    why = "views are off (views=false)";
  else if (!user || returned.contains(r))
    why = "its result is not read by exactly one rope or attention";
  else if (viewOf.count(in) && !in.getDefiningOp<xf::ReshapeOp>())
    why = "its input is already a view (a transpose of a transpose)";
  else if (auto rope = dyn_cast<xf::RopeOp>(user))
    why = rope.getInput() != r ? "it is not the rope's input"
          : !ropeTakesView(shape, st)
              ? "rope needs the last dimension contiguous and the leading "
                "ones to collapse to one stride"
              : "";
  else if (auto att = dyn_cast<xf::AttentionOp>(user))
    why = att.getKeyBias() == r ? "it is the attention's key bias"
          : st.size() != 4 || st[3] != 1
              ? "attention reads 4-D heads with a contiguous last dimension"
              : "";
  else
    why = "its result is not read by exactly one rope or attention";
  if (failed(decide(t, why.empty() ? "view" : "copy", st, why)))
    return failure();
  if (t->getAttrOfType<StringAttr>("xf.layout").getValue() == "view")
    viewOf[r] = st;
  return success();
}

LogicalResult Layouts::run() {
  Block &body = func.getBody().front();
  if (auto ret = dyn_cast<func::ReturnOp>(body.getTerminator()))
    for (Value v : ret.getOperands())
      for (Value iv = v;; iv = innerValue(iv)) {
        returned.insert(iv);
        if (iv == innerValue(iv))
          break;
      }
  for (Operation &op : body.without_terminator()) {
    auto k = dyn_cast<xf::KernelOp>(op);
    if (!k) {
      if (failed(step(op, {})))
        return failure();
      continue;
    }
    for (Operation &inner : k.getBody().front().without_terminator())
      if (failed(step(inner, k)))
        return failure();
    for (auto [r, y] : llvm::zip(k.getResults(), k.getYield().getValues()))
      if (auto it = viewOf.find(y); it != viewOf.end())
        viewOf[r] = it->second;
  }
  return success();
}

LogicalResult muir::assignLayouts(func::FuncOp func, bool views) {
  return Layouts(func, views).run();
}

namespace {
struct XfLayoutPass : public muir::impl::XfLayoutPassBase<XfLayoutPass> {
  using Base::Base;
  void runOnOperation() override {
    func::FuncOp func = selectEntryFunction(getOperation(), entry);
    if (!func || failed(assignLayouts(func, views)))
      signalPassFailure();
  }
};
} // namespace
