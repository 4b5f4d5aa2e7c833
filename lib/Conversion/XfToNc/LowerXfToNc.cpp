//===- LowerXfToNc.cpp - xf function to nc kernel -------------------------===//
//
// Places every xf value in HBM (arguments as inputs, results as outputs,
// constants as const tensors, the rest as scratch; reshapes alias their
// operand) and emits one tiled kernel per op through Emitter. Unsupported ops
// and working sets that cannot fit are errors on the op, never a crash.
//
//===----------------------------------------------------------------------===//
#include "Fusion.h"

#include "muir/Conversion/Passes.h"
#include "muir/Dialect/Xf/XfDialect.h"
#include "muir/Support/CheckedSize.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <functional>
#include <limits>

namespace muir {
#define GEN_PASS_DEF_LOWERXFTONCPASS
#include "muir/Conversion/Passes.h.inc"
} // namespace muir

using namespace mlir;
using namespace muir;
using namespace muir::lower;
using nc::ActFunc;
using nc::AluOp;

namespace {
class Lowering {
public:
  Lowering(ModuleOp module, func::FuncOp func, const target::Machine &m,
           StringRef reuseMode)
      : module(module), func(func), m(m), b(module.getContext()),
        e(b, func.getLoc(), m), reuseMode(reuseMode.str()) {}

  LogicalResult run();

private:
  HbmValue declare(StringRef name, RankedTensorType type, nc::TensorKind kind,
                   ElementsAttr value = {});
  LogicalResult lower(Operation *op);
  /// `root`'s location fused with those of the ops lowered inside its
  /// kernel (fused producers, gated and residual matmuls, concats, the
  /// output transpose attention writes in place).
  Location kernelLoc(Operation *root);
  FusedTree fusedTree(Operation *root) const;
  /// Reads the fusion decisions of one xf.kernel into the sets below, after
  /// checking the region holds what its kind says (an error on the kernel
  /// otherwise: a hand-written region must not be lowered wrongly).
  LogicalResult absorbKernel(xf::KernelOp k);
  std::optional<HbmValue> foldableTransposeInput(xf::TransposeOp t);
  xf::TransposeOp attentionOutputTranspose(Operation *op);
  LogicalResult lowerUnary(Operation *op, Value in, ActFunc f, float scale);
  LogicalResult lowerElementwise(Operation *root);

  ModuleOp module;
  func::FuncOp func;
  const target::Machine &m;
  OpBuilder b;
  Emitter e;
  /// Moves the instructions after `after` (the kernel just emitted) into an
  /// nc.section named `name` holding the on-chip bytes the kernel used;
  /// muir-nc-allocate places it.
  void wrapSection(Operation *after, StringRef name);
  nc::KernelOp kernel;
  Block *body = nullptr;
  Operation *firstInst = nullptr;
  DenseMap<Value, HbmValue> values;
  /// Sequence concats read in place by their only user, an attention.
  llvm::SmallPtrSet<Operation *, 4> fusedConcats;
  /// Elementwise ops computed on chip inside their single elementwise user.
  llvm::SmallPtrSet<Operation *, 16> fusedElementwise;
  /// Matmuls whose only use is a residual add: the add happens while the
  /// accumulator leaves PSUM, in the add's place.
  llvm::SmallPtrSet<Operation *, 8> fusedMatmuls;
  /// Gated products: an elementwise root whose fused tree reads exactly two
  /// matmuls of the same A (SwiGLU: silu(A Bg) * (A Bu)) computes them in
  /// its own kernel; the two matmuls are not emitted on their own.
  llvm::DenseMap<Operation *, std::pair<xf::MatmulOp, xf::MatmulOp>> gatedRoots;
  llvm::SmallPtrSet<Operation *, 8> gatedMatmuls;
  /// Matmul epilogues: an elementwise root whose tree reads one matmul's
  /// result computes that matmul in its own kernel, the tree running as
  /// each accumulator tile leaves PSUM (the matmul is in fusedMatmuls).
  llvm::DenseMap<Operation *, xf::MatmulOp> epilogueRoots;
  /// Horizontally fused matmuls (multi_matmul): the first product computes
  /// them all; the others are emitted with it (horizontalMatmuls).
  llvm::DenseMap<Operation *, SmallVector<xf::MatmulOp>> horizontalRoots;
  llvm::SmallPtrSet<Operation *, 8> horizontalMatmuls;
  /// Transposes inside a rope or attention kernel: read (or, around an
  /// attention result, written) as strided views where the layout allows.
  llvm::SmallPtrSet<Operation *, 8> viewTransposes;
  /// Slices inside an attention kernel, reshaped into heads for a view
  /// transpose: strided views of their input, never copied.
  llvm::SmallPtrSet<Operation *, 4> viewSlices;
  int64_t hbmTop = 0;
  unsigned scratch = 0;
  /// Scratch reuse (reuseScratch): the top-level op index after which each
  /// value is dead, the index after which each scratch tensor is (the
  /// latest over the values stored in it, views included), and the scratch
  /// tensors free for a later value of the same element type.
  std::string reuseMode; // auto, true, false
  bool reuseScratch = false;
  /// With automatic reuse: HBM bytes below which a new scratch tensor is
  /// still declared although a free one would do (the budget less the
  /// outputs, declared later), so only the program's tail reuses tensors,
  /// and the ones freed longest ago; 0: always reuse (`true`).
  int64_t freshScratchBudget = 0;
  DenseMap<Value, int64_t> lastUse;
  llvm::StringMap<int64_t> scratchLast;
  llvm::StringMap<std::pair<Type, int64_t>> scratchType;
  struct FreeTensor {
    std::string name;
    Type elemType;
    int64_t elements;
  };
  SmallVector<FreeTensor> freeScratch;
  HbmValue scratchFor(RankedTensorType type);
  void retireScratch(Operation &top, int64_t index);
};

/// A function argument nothing else reads is donated: an index_copy of it
/// updates it in place.
static bool updatesInPlace(xf::IndexCopyOp c) {
  return llvm::isa<BlockArgument>(c.getDest()) && c.getDest().hasOneUse();
}

} // namespace

/// The in-place concat (isInPlaceConcat) that is the only user of `v` (a
/// collective's result, or the result of the kernel yielding it), if any.
static xf::ConcatOp inPlaceConcatUser(Value v) {
  if (!v.hasOneUse())
    return {};
  Operation *u = *v.getUsers().begin();
  if (llvm::isa<xf::YieldOp>(u)) {
    auto k = llvm::dyn_cast<xf::KernelOp>(u->getParentOp());
    if (!k || k.getNumResults() != 1 || !k.getResult(0).hasOneUse())
      return {};
    u = *k.getResult(0).getUsers().begin();
  }
  auto c = llvm::dyn_cast<xf::ConcatOp>(u);
  return c && !c->getParentOfType<xf::KernelOp>() && isInPlaceConcat(c)
             ? c
             : xf::ConcatOp();
}

/// `v` transposed by `perm` as a strided view of the same bytes; with
/// `inverse`, the value whose transpose by `perm` is `v`.
static HbmValue permutedView(const HbmValue &v, ArrayRef<int64_t> perm,
                             bool inverse) {
  SmallVector<int64_t> st = v.strides();
  HbmValue r = v;
  r.view.assign(st.size(), 0);
  for (size_t i = 0; i < perm.size(); ++i) {
    if (inverse) {
      r.shape[perm[i]] = v.shape[i];
      r.view[perm[i]] = st[i];
    } else {
      r.shape[i] = v.shape[perm[i]];
      r.view[i] = st[perm[i]];
    }
  }
  return r;
}

std::optional<HbmValue> Lowering::foldableTransposeInput(xf::TransposeOp t) {
  // Layout assignment (muir-xf-layout) decided which transposes are read
  // in place, and checked that the consumer can read the view.
  auto layout = t->getAttrOfType<StringAttr>("xf.layout");
  if (!viewTransposes.count(t) || !layout || layout.getValue() != "view" ||
      !values.count(t.getInput()))
    return std::nullopt;
  return permutedView(values.find(t.getInput())->second, t.getPermutation(),
                      /*inverse=*/false);
}

xf::TransposeOp Lowering::attentionOutputTranspose(Operation *op) {
  auto att = llvm::dyn_cast<xf::AttentionOp>(op);
  if (!att || !att.getResult().hasOneUse())
    return {};
  auto t = llvm::dyn_cast<xf::TransposeOp>(*att.getResult().getUsers().begin());
  if (!t || !viewTransposes.count(t))
    return {};
  // Written in place when layout assignment said so (it keeps the head
  // dimension contiguous).
  auto layout = t->getAttrOfType<StringAttr>("xf.layout");
  return layout && layout.getValue() == "in_place" ? t : xf::TransposeOp();
}

/// An i64 index constant as the i32 values the target stores; an error on
/// the op when a value does not fit or the data cannot be read.
static FailureOr<ElementsAttr> narrowIndices(xf::ConstantOp c,
                                             ElementsAttr value) {
  auto type = llvm::cast<RankedTensorType>(c.getType());
  SmallVector<int64_t> wide;
  if (auto dense = llvm::dyn_cast<DenseIntElementsAttr>(value)) {
    for (const APInt &x : dense.getValues<APInt>())
      wide.push_back(x.getSExtValue());
  } else if (auto res = llvm::dyn_cast<DenseI64ResourceElementsAttr>(value)) {
    if (auto vals = res.tryGetAsArrayRef())
      wide.assign(vals->begin(), vals->end());
  }
  if (int64_t(wide.size()) != type.getNumElements())
    return c.emitError() << "i64 constant: its values cannot be read for the "
                            "target (inline or resource data expected)";
  SmallVector<int32_t> narrow;
  for (int64_t x : wide) {
    if (x < INT32_MIN || x > INT32_MAX)
      return c.emitError() << "i64 constant value " << x
                           << " does not fit the target's i32 indices";
    narrow.push_back(static_cast<int32_t>(x));
  }
  auto t32 = RankedTensorType::get(type.getShape(),
                                   IntegerType::get(c.getContext(), 32));
  return ElementsAttr(DenseIntElementsAttr::get(t32, llvm::ArrayRef(narrow)));
}

HbmValue Lowering::declare(StringRef name, RankedTensorType type,
                           nc::TensorKind kind, ElementsAttr value) {
  OpBuilder::InsertionGuard g(b);
  // Tensor declarations stay ahead of the instructions.
  if (firstInst)
    b.setInsertionPoint(firstInst);
  else
    b.setInsertionPointToEnd(body);
  Type elt = type.getElementType();
  // i64 indices live on the target as i32 (constants arrive narrowed).
  if (elt.isSignlessInteger(64)) {
    elt = b.getI32Type();
    type = RankedTensorType::get(type.getShape(), elt);
  }
  nc::TensorOp::create(b, func.getLoc(), name, type, kind, hbmTop, value);
  int64_t bytes = type.getNumElements() * Emitter::bytesOf(elt);
  hbmTop += (bytes + 63) / 64 * 64;
  HbmValue v;
  v.tensor = name.str();
  v.elemType = elt;
  v.shape.assign(type.getShape().begin(), type.getShape().end());
  return v;
}

/// A scratch tensor for a value of `type`: a free one of its element type
/// and size (the tensor keeps its name and declared shape; the value
/// addresses it by its own shape), else a new one.
/// Two values in one tensor never live at once, and the synchronisation
/// pass orders the new value's writes after the old one's reads, as it
/// orders any two accesses of one tensor.
HbmValue Lowering::scratchFor(RankedTensorType type) {
  Type elt = type.getElementType();
  if (elt.isSignlessInteger(64))
    elt = b.getI32Type();
  FreeTensor *best = nullptr;
  if (reuseScratch)
    for (FreeTensor &f : freeScratch) // freed longest ago first
      if (f.elemType == elt && f.elements == type.getNumElements()) {
        best = &f;
        break;
      }
  // Reused tensors order the new value's writes after the old one's reads;
  // while a new tensor fits the budget, no such ordering is needed.
  int64_t bytes = type.getNumElements() * Emitter::bytesOf(elt);
  if (best && freshScratchBudget > 0 &&
      hbmTop + (bytes + 63) / 64 * 64 <= freshScratchBudget)
    best = nullptr;
  if (!best) {
    HbmValue v =
        declare(("t" + Twine(scratch++)).str(), type, nc::TensorKind::scratch);
    scratchType[v.tensor] = {v.elemType, type.getNumElements()};
    return v;
  }
  HbmValue v;
  v.tensor = best->name;
  v.elemType = elt;
  v.shape.assign(type.getShape().begin(), type.getShape().end());
  freeScratch.erase(freeScratch.begin() + (best - freeScratch.data()));
  return v;
}

/// After top-level op `index` is lowered: records where the scratch tensors
/// of the values it defined (nested ones and views included) die, and frees
/// every scratch tensor dead by now.
void Lowering::retireScratch(Operation &top, int64_t index) {
  if (!reuseScratch)
    return;
  top.walk([&](Operation *op) {
    for (Value r : op->getResults()) {
      auto it = values.find(r);
      if (it == values.end() || !scratchLast.count(it->second.tensor))
        continue;
      int64_t &last = scratchLast[it->second.tensor];
      last = std::max(last, lastUse.lookup(r));
    }
  });
  for (auto &entry : scratchLast) {
    int64_t &last = entry.getValue();
    if (last < 0 || last > index)
      continue;
    auto [elt, elements] = scratchType.lookup(entry.getKey());
    freeScratch.push_back({entry.getKey().str(), elt, elements});
    last = -1; // freed; set again when a value is stored in it
  }
}

LogicalResult Lowering::run() {
  b.setInsertionPoint(func);
  kernel = nc::KernelOp::create(b, func.getLoc(), func.getSymName(), m.name, 0);
  body = new Block();
  kernel.getBody().push_back(body);

  for (auto [i, arg] : llvm::enumerate(func.getArguments())) {
    auto type = llvm::dyn_cast<RankedTensorType>(arg.getType());
    if (!type)
      return func.emitError()
             << "argument #" << i << " must be a ranked tensor";
    values[arg] =
        declare(("arg" + Twine(i)).str(), type, nc::TensorKind::input);
  }
  // Results written by an op land directly in the output tensor. A
  // kernel's result is its region's yielded value.
  auto ret = llvm::cast<func::ReturnOp>(func.getBody().front().getTerminator());
  DenseMap<Value, unsigned> resultIndex;
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    Value iv = innerValue(v);
    Operation *def = iv.getDefiningOp();
    // (Reshapes and row slices outside kernels are views: copied out.)
    auto sl = llvm::dyn_cast_or_null<xf::SliceOp>(def);
    bool view =
        sl && !sl->getParentOfType<xf::KernelOp>() && isLeadingSliceView(sl);
    if (def && !llvm::isa<xf::ReshapeOp, xf::ConstantOp>(def) && !view &&
        !resultIndex.count(iv))
      resultIndex[iv] = i;
  }

  // Fusion was decided by muir-xf-fuse: read it from the xf.kernel regions.
  for (auto k : func.getBody().front().getOps<xf::KernelOp>())
    if (failed(absorbKernel(k)))
      return failure();
  // Layouts: muir-xf-layout's decisions (and overrides) are checked and
  // kept; the ops it has not seen get them now.
  if (failed(assignLayouts(func, /*views=*/true)))
    return failure();

  b.setInsertionPointToEnd(body);
  auto step = [&](Operation &op) -> LogicalResult {
    if (fusedConcats.count(&op) || fusedElementwise.count(&op) ||
        fusedMatmuls.count(&op) || gatedMatmuls.count(&op) ||
        horizontalMatmuls.count(&op))
      return success();
    if (auto c = llvm::dyn_cast<xf::ConstantOp>(op)) {
      auto type = llvm::cast<RankedTensorType>(c.getType());
      ElementsAttr value = c.getValue();
      if (type.getElementType().isSignlessInteger(64)) {
        FailureOr<ElementsAttr> narrowed = narrowIndices(c, value);
        if (failed(narrowed))
          return failure();
        value = *narrowed;
      }
      values[c.getResult()] = declare(("const" + Twine(scratch++)).str(), type,
                                      nc::TensorKind::constant, value);
      return success();
    }
    if (auto r = llvm::dyn_cast<xf::ReshapeOp>(op)) {
      HbmValue v = values.lookup(r.getInput());
      ArrayRef<int64_t> shape = r.getType().getShape();
      if (!v.view.empty()) { // a slice-view reshaped into heads
        std::optional<SmallVector<int64_t>> st =
            reshapedStrides(v.shape, v.view, shape);
        if (!st)
          return r.emitError() << "cannot reshape a strided view in place";
        v.view = *st;
      }
      v.shape.assign(shape.begin(), shape.end());
      values[r.getResult()] = v;
      return success();
    }
    if (viewSlices.count(&op)) {
      auto sl = llvm::cast<xf::SliceOp>(op);
      HbmValue v = values.lookup(sl.getInput());
      auto [offset, st] = slicedView(sl, v.strides());
      v.offset += offset;
      v.view = st;
      v.shape.assign(sl.getType().getShape().begin(),
                     sl.getType().getShape().end());
      values[sl.getResult()] = v;
      return success();
    }
    // A slice of whole rows outside any kernel: a view at an offset.
    // (A strided view's rows are copied: kernels read row-major tensors.)
    if (auto sl = llvm::dyn_cast<xf::SliceOp>(op);
        sl && !sl->getParentOfType<xf::KernelOp>() && isLeadingSliceView(sl) &&
        values.lookup(sl.getInput()).view.empty()) {
      HbmValue v = values.lookup(sl.getInput());
      v.offset += sl.getOffsets()[0] * v.strides()[0];
      v.shape.assign(sl.getType().getShape().begin(),
                     sl.getType().getShape().end());
      values[sl.getResult()] = v;
      return success();
    }
    // An in-place concat: its inputs' collectives wrote its tensor.
    if (auto c = llvm::dyn_cast<xf::ConcatOp>(op);
        c && values.count(c.getResult()))
      return success();
    if (op.getNumResults() != 1 || op.getDialect() == nullptr ||
        !llvm::isa<xf::XfDialect>(op.getDialect()))
      return op.emitError() << "cannot be lowered to the accelerator: only xf "
                               "ops are supported";
    // Layout: a head transpose feeding only rope or attention is read in
    // place as a strided view; one consuming only an attention result was
    // written in place by it (declared below). Neither is copied.
    if (auto t = llvm::dyn_cast<xf::TransposeOp>(op)) {
      if (values.count(t.getResult()))
        return success();
      if (std::optional<HbmValue> v = foldableTransposeInput(t)) {
        values[t.getResult()] = *v;
        return success();
      }
    }
    Value res = op.getResult(0);
    auto type = llvm::cast<RankedTensorType>(res.getType());
    auto declareFor = [&](Value v) {
      auto it = resultIndex.find(v);
      auto vt = llvm::cast<RankedTensorType>(v.getType());
      if (it != resultIndex.end())
        return declare(("out" + Twine(it->second)).str(), vt,
                       nc::TensorKind::output);
      // An index_copy updating a donated argument in place moves its
      // result's tensor onto the argument's bytes: that tensor must hold
      // nothing else, before or after.
      if (auto ic = v.getDefiningOp<xf::IndexCopyOp>();
          ic && updatesInPlace(ic))
        return declare(("t" + Twine(scratch++)).str(), vt,
                       nc::TensorKind::scratch);
      HbmValue hv = scratchFor(vt);
      scratchLast.try_emplace(hv.tensor, -1);
      return hv;
    };
    (void)type;
    if (xf::TransposeOp t = attentionOutputTranspose(&op)) {
      // Attention writes straight into its consumer transpose's layout.
      HbmValue tv = declareFor(t.getResult());
      values[t.getResult()] = tv;
      values[res] = permutedView(tv, t.getPermutation(), /*inverse=*/true);
    } else if (xf::ConcatOp cat = inPlaceConcatUser(res)) {
      // A collective writes its block of an in-place concat's tensor.
      if (!values.count(cat.getResult()))
        values[cat.getResult()] = declareFor(cat.getResult());
      HbmValue v = values.lookup(cat.getResult());
      for (Value in : cat.getInputs()) {
        if (in == res || innerValue(in) == res)
          break;
        v.offset += llvm::cast<RankedTensorType>(in.getType()).getDimSize(0) *
                    v.strides()[0];
      }
      v.shape.assign(type.getShape().begin(), type.getShape().end());
      values[res] = v;
    } else {
      values[res] = declareFor(res);
    }
    // A multi_matmul writes every product's tensor.
    if (auto h = horizontalRoots.find(&op); h != horizontalRoots.end())
      for (xf::MatmulOp mm : ArrayRef(h->second).drop_front())
        values[mm.getResult()] = declareFor(mm.getResult());
    b.setInsertionPointToEnd(body);
    // (Block sizes are linear to count: compare the last op instead.)
    Operation *lastBefore = body->empty() ? nullptr : &body->back();
    e.mirrored = !e.mirrored;
    e.kernelSbufBytes = e.kernelPsumBytes = 0;
    // Every instruction of the kernel carries the location of the op it
    // lowers, fused with those of the ops folded into it.
    e.loc = kernelLoc(&op);
    auto parent = llvm::dyn_cast<xf::KernelOp>(op.getParentOp());
    e.kernelName = parent ? parent.getName().str() : std::string();
    if (failed(lower(&op)))
      return failure();
    wrapSection(lastBefore,
                parent ? parent.getName() : op.getName().stripDialect());
    Operation *lastAfter = body->empty() ? nullptr : &body->back();
    if (!firstInst && lastAfter != lastBefore) {
      // Remember the first instruction so later tensors go before it.
      for (Operation &o : *body)
        if (!llvm::isa<nc::TensorOp>(o)) {
          firstInst = &o;
          break;
        }
    }
    return success();
  };
  // Scratch reuse (`auto`): only when one scratch tensor per intermediate
  // (counted high: views included) would take more than the target's HBM
  // or the simulator's emulated HBM. Reused tensors add write-after-read
  // orderings that cost the scheduler time (an 8-block Llama-7B compile:
  // 18 s -> 76 s CPU, measured) and the engines some overlap, so a program
  // whose intermediates fit keeps distinct tensors.
  if (reuseMode == "auto") {
    int64_t total = 0;
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    // Bytes of a ranked tensor type (saturating; 0 for anything else).
    auto tensorBytes = [&](Type t) -> int64_t {
      auto rt = llvm::dyn_cast<RankedTensorType>(t);
      if (!rt)
        return 0;
      std::optional<int64_t> n = checkedProduct(
          rt.getShape(),
          rt.getElementType().isIntOrFloat()
              ? std::max<int64_t>(1, rt.getElementTypeBitWidth() / 8)
              : 4);
      return n ? *n : kMax;
    };
    auto sum = [&](int64_t a, int64_t b) {
      return llvm::checkedAdd(a, b).value_or(kMax);
    };
    auto add = [&](Type t) { total = sum(total, tensorBytes(t)); };
    func.walk([&](Operation *op) {
      if (!llvm::isa<xf::KernelOp, xf::ReshapeOp, xf::YieldOp>(op))
        for (Type t : op->getResultTypes())
          add(t);
    });
    int64_t cap = std::min<int64_t>(
        m.hbm.capacityBytes > 0 ? m.hbm.capacityBytes : kMaxSimHbmBytes,
        kMaxSimHbmBytes);
    reuseScratch = total > cap;
    // Room for new tensors: the cap less the outputs and the constants
    // (declared when their producers and users are lowered; a constant
    // already declared is counted twice, which only errs on the safe side).
    int64_t later = 0;
    auto reserve = [&](Type t) {
      later = sum(later, sum(tensorBytes(t), 63) / 64 * 64);
    };
    for (Type t : func.getResultTypes())
      reserve(t);
    func.walk([&](xf::ConstantOp c) { reserve(c.getType()); });
    freshScratchBudget = std::max<int64_t>(1, cap - later);
  } else {
    reuseScratch = reuseMode == "true";
  }
  // Liveness for scratch reuse, by top-level op (a fused kernel's reads all
  // happen while its ops are lowered, so its operands live to its end);
  // returned values live to the end.
  int64_t index = 0;
  for (Operation &op : func.getBody().front()) {
    op.walk([&](Operation *inner) {
      for (Value v : inner->getOperands())
        lastUse[v] = llvm::isa<func::ReturnOp>(inner)
                         ? std::numeric_limits<int64_t>::max()
                         : std::max(lastUse.lookup(v), index);
    });
    ++index;
  }
  for (Value v : ret.getOperands())
    for (Value iv = v;; iv = innerValue(iv)) {
      lastUse[iv] = std::numeric_limits<int64_t>::max();
      if (iv == innerValue(iv))
        break;
    }
  index = 0;
  for (Operation &op : func.getBody().front().without_terminator()) {
    auto k = llvm::dyn_cast<xf::KernelOp>(op);
    if (!k) {
      if (failed(step(op)))
        return failure();
      retireScratch(op, index++);
      continue;
    }
    for (Operation &inner : k.getBody().front().without_terminator())
      if (failed(step(inner)))
        return failure();
    for (auto [r, y] : llvm::zip(k.getResults(), k.getYield().getValues()))
      values[r] = values.lookup(y);
    retireScratch(op, index++);
  }
  // Results that are not written by an op of their own: copy them out.
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    auto it = resultIndex.find(innerValue(v));
    if (it != resultIndex.end() && it->second == i)
      continue;
    auto type = llvm::cast<RankedTensorType>(v.getType());
    HbmValue dst =
        declare(("out" + Twine(i)).str(), type, nc::TensorKind::output);
    b.setInsertionPointToEnd(body);
    if (failed(emitCopy(e, ret, dst, values.lookup(v))))
      return failure();
  }
  func.erase();
  return success();
}

LogicalResult Lowering::lowerUnary(Operation *op, Value in, ActFunc f,
                                   float scale) {
  return emitElementwise(
      e, op, values.lookup(op->getResult(0)), {values.lookup(in)},
      [f, scale](Emitter &e, nc::AccessAttr o, ArrayRef<nc::AccessAttr> ins) {
        e.act(f, o, ins[0], scale);
      });
}

LogicalResult Lowering::absorbKernel(xf::KernelOp k) {
  Operation *anchor = k.getAnchor();
  Block &kb = k.getBody().front();
  auto bad = [&](Operation *op, const Twine &why) {
    return k.emitOpError() << "'" << k.getName() << "' of kind '"
                           << xf::stringifyKernelKind(k.getKind())
                           << "' cannot hold " << op->getName() << ": " << why;
  };
  if (k.getKind() == xf::KernelKind::multi_matmul) {
    // Plain matmuls of one left operand, each yielded once, in order.
    SmallVector<xf::MatmulOp> mms;
    for (Operation &op : kb.without_terminator()) {
      auto mm = llvm::dyn_cast<xf::MatmulOp>(op);
      if (!mm)
        return bad(&op, "a multi_matmul holds only matmuls");
      if (!mms.empty() &&
          (mm.getLhs() != mms[0].getLhs() ||
           mm.getTransposeLhs() != mms[0].getTransposeLhs() ||
           mm.getTransposeRhs() != mms[0].getTransposeRhs() ||
           mm.getRhs().getType().getElementType() !=
               mms[0].getRhs().getType().getElementType() ||
           mm.getType().getElementType() != mms[0].getType().getElementType()))
        return bad(&op, "the products of a multi_matmul share their left "
                        "operand, transposes and element types");
      mms.push_back(mm);
    }
    ValueRange ys = k.getYield().getValues();
    if (ys.size() != mms.size() ||
        !llvm::all_of(llvm::zip(ys, mms), [](auto p) {
          return std::get<0>(p) == std::get<1>(p).getResult();
        }))
      return k.emitOpError() << "'" << k.getName()
                             << "' of kind 'multi_matmul' must yield each "
                                "product once, in order";
    for (xf::MatmulOp mm : ArrayRef(mms).drop_front())
      horizontalMatmuls.insert(mm);
    horizontalRoots[mms[0]] = mms;
    return success();
  }
  if (k.getNumResults() != 1)
    return k.emitOpError() << "'" << k.getName()
                           << "' must yield exactly one value to be lowered";
  auto outShape =
      llvm::cast<RankedTensorType>(k.getResult(0).getType()).getShape();
  switch (k.getKind()) {
  case xf::KernelKind::elementwise:
  case xf::KernelKind::gated_matmul: {
    bool gated = k.getKind() == xf::KernelKind::gated_matmul;
    if (!isElementwise(anchor) || (gated && llvm::isa<xf::CastOp>(anchor)))
      return bad(anchor, "its root must be an elementwise op");
    SmallVector<xf::MatmulOp> mms;
    for (Operation &op : kb.without_terminator()) {
      if (&op == anchor)
        continue;
      if (auto mm = llvm::dyn_cast<xf::MatmulOp>(op); mm && gated) {
        mms.push_back(mm);
        continue;
      }
      if (!isElementwise(&op))
        return bad(&op, "only elementwise ops fuse into an elementwise root");
      Value r = op.getResult(0);
      if (!r.hasOneUse() || r.getUsers().begin()->getBlock() != &kb ||
          llvm::isa<xf::CastOp>(*r.getUsers().begin()) ||
          llvm::cast<RankedTensorType>(r.getType()).getShape() != outShape)
        return bad(&op, "a fused elementwise op must have the root's shape "
                        "and one use, by an elementwise op of the kernel "
                        "other than a cast");
      fusedElementwise.insert(&op);
    }
    if (!gated)
      return success();
    FusedTree tree = fusedTree(anchor);
    xf::MatmulOp g, u;
    if (tree.leaves.size() == 2) {
      g = tree.leaves[0].getDefiningOp<xf::MatmulOp>();
      u = tree.leaves[1].getDefiningOp<xf::MatmulOp>();
    }
    if (mms.size() != 2 || !g || !u || g->getBlock() != &kb ||
        u->getBlock() != &kb || g.getLhs() != u.getLhs() ||
        g.getTransposeLhs() != u.getTransposeLhs() ||
        g.getTransposeRhs() != u.getTransposeRhs() ||
        g.getType() != u.getType() || g.getType().getShape() != outShape)
      return bad(anchor, "a gated product combines exactly two same-shaped "
                         "matmuls of one left operand, its tree's only leaves");
    gatedRoots[anchor] = {g, u};
    gatedMatmuls.insert(g);
    gatedMatmuls.insert(u);
    return success();
  }
  case xf::KernelKind::matmul: {
    auto mm = llvm::cast<xf::MatmulOp>(anchor);
    Operation *root = k.getYield().getValues().front().getDefiningOp();
    if (root == anchor)
      return success();
    // A residual add of the product and a same-typed tensor: added in the
    // evacuation from the fp32 accumulator.
    if (residualAdd(k, mm)) {
      fusedMatmuls.insert(mm);
      return success();
    }
    // Otherwise an epilogue tree over the product.
    for (Operation &op : kb.without_terminator()) {
      if (&op == anchor || &op == root)
        continue;
      Value r = op.getNumResults() == 1 ? op.getResult(0) : Value();
      if (!isElementwise(&op) || !r.hasOneUse() ||
          r.getUsers().begin()->getBlock() != &kb ||
          llvm::isa<xf::CastOp>(*r.getUsers().begin()) ||
          llvm::cast<RankedTensorType>(r.getType()).getShape() != outShape)
        return bad(&op, "a matmul kernel fuses an elementwise epilogue of "
                        "its result: single-use elementwise ops of the "
                        "output's shape");
      fusedElementwise.insert(&op);
    }
    if (!isElementwise(root) || llvm::isa<xf::CastOp>(root) ||
        !mm.getResult().hasOneUse() || mm.getType().getShape() != outShape ||
        !llvm::is_contained(fusedTree(root).leaves, mm.getResult()))
      return bad(root, "a matmul kernel's epilogue root must be an "
                       "elementwise op (not a cast) whose tree reads the "
                       "single-use product, of the same shape");
    fusedMatmuls.insert(mm);
    epilogueRoots[root] = mm;
    return success();
  }
  case xf::KernelKind::attention:
  case xf::KernelKind::rope: {
    for (Operation &op : kb.without_terminator()) {
      if (&op == anchor)
        continue;
      if (llvm::isa<xf::TransposeOp>(op)) {
        viewTransposes.insert(&op);
        continue;
      }
      // slice-view: a slice reshaped into heads for a transpose of the
      // kernel, read in place (the step below makes them views).
      if (llvm::isa<xf::SliceOp, xf::ReshapeOp>(op) &&
          llvm::isa<xf::AttentionOp>(anchor)) {
        Value r = op.getResult(0);
        Operation *u = r.hasOneUse() ? *r.getUsers().begin() : nullptr;
        if (u && u->getBlock() == &kb &&
            (llvm::isa<xf::SliceOp>(op) ? llvm::isa<xf::ReshapeOp>(u)
                                        : llvm::isa<xf::TransposeOp>(u))) {
          if (auto sl = llvm::dyn_cast<xf::SliceOp>(op))
            viewSlices.insert(sl);
          continue;
        }
        return bad(&op, "a slice or reshape here must reach a head transpose "
                        "of the kernel (slice, reshape, transpose)");
      }
      auto c = llvm::dyn_cast<xf::ConcatOp>(op);
      auto att = llvm::dyn_cast<xf::AttentionOp>(anchor);
      int64_t axis = c ? (int64_t)c.getAxis() : 0;
      if (c && axis < 0)
        axis += c.getType().getRank();
      if (!c || !att || c.getType().getRank() != 4 || axis != 2 ||
          !c.getResult().hasOneUse() ||
          (att.getKey() != c.getResult() && att.getValue() != c.getResult()) ||
          att.getQuery() == c.getResult() ||
          *c.getResult().getUsers().begin() != anchor)
        return bad(&op, "only head transposes (and, around an attention, "
                        "sequence concats of its keys or values) fuse here");
      fusedConcats.insert(c);
    }
    return success();
  }
  default:
    for (Operation &op : kb.without_terminator())
      if (&op != anchor)
        return bad(&op, "this kind of kernel holds one op");
    return success();
  }
}

Location Lowering::kernelLoc(Operation *root) {
  SmallVector<Location> locs{root->getLoc()};
  SmallVector<Operation *> work{root};
  llvm::SmallPtrSet<Operation *, 8> seen{root};
  auto absorbed = [&](Operation *d) {
    return fusedConcats.count(d) || fusedElementwise.count(d) ||
           fusedMatmuls.count(d) || gatedMatmuls.count(d);
  };
  if (auto h = horizontalRoots.find(root); h != horizontalRoots.end())
    for (xf::MatmulOp mm : ArrayRef(h->second).drop_front())
      locs.push_back(mm.getLoc());
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    for (Value v : op->getOperands()) {
      Operation *d = v.getDefiningOp();
      if (d && absorbed(d) && seen.insert(d).second) {
        locs.push_back(d->getLoc());
        work.push_back(d);
      }
    }
  }
  if (xf::TransposeOp t = attentionOutputTranspose(root))
    locs.push_back(t.getLoc());
  return FusedLoc::get(root->getContext(), locs);
}

/// One elementwise op on SBUF tiles (shared by single ops and fused chains).
static void emitOnTiles(Emitter &e, Operation *op, nc::AccessAttr out,
                        ArrayRef<nc::AccessAttr> ins) {
  if (auto alu = binaryAlu(op))
    return e.tt(*alu, out, ins[0], ins[1]);
  if (auto f = unaryAct(op))
    return e.act(*f, out, ins[0]);
  if (llvm::isa<xf::NegOp>(op))
    return e.act(ActFunc::identity, out, ins[0], -1.0f);
  e.copy(out, ins[0]); // xf.cast: the engines round on write
}

FusedTree Lowering::fusedTree(Operation *root) const {
  return buildFusedTree(
      root, [&](Operation *d) { return fusedElementwise.count(d) > 0; });
}

LogicalResult Lowering::lowerElementwise(Operation *root) {
  if (auto ep = epilogueRoots.find(root); ep != epilogueRoots.end()) {
    // The tree runs on each accumulator tile: the product's leaf is the
    // accumulator (rounded to the matmul type first unless f32), the other
    // leaves are loaded per output tile, broadcast by zero strides.
    xf::MatmulOp mm = ep->second;
    FusedTree tree = fusedTree(root);
    MatmulEpilogue epi;
    SmallVector<int> extraOf(tree.leaves.size(), -1);
    for (auto [i, v] : llvm::enumerate(tree.leaves))
      if (v != mm.getResult()) {
        extraOf[i] = epi.extras.size();
        epi.extras.push_back(values.lookup(v));
      }
    Type mt = mm.getType().getElementType();
    bool round = !mt.isF32();
    if (round)
      epi.tempTypes.push_back(mt);
    SmallVector<Type> nodeTypes = tree.nodeTypes();
    epi.tempTypes.append(nodeTypes.begin(), nodeTypes.end());
    epi.combine = [&, round](Emitter &e, nc::AccessAttr o, nc::AccessAttr acc,
                             ArrayRef<nc::AccessAttr> xs,
                             ArrayRef<nc::AccessAttr> tmp) {
      int base = round ? 1 : 0;
      if (round)
        e.copy(tmp[0], acc);
      nc::AccessAttr product = round ? tmp[0] : acc;
      auto resolve = [&](ArrayRef<int> args) {
        SmallVector<nc::AccessAttr> r;
        for (int x : args)
          r.push_back(x >= 0 ? (extraOf[x] < 0 ? product : xs[extraOf[x]])
                             : tmp[base + (-x - 1)]);
        return r;
      };
      for (auto [i, n] : llvm::enumerate(tree.nodes))
        emitOnTiles(e, n.op, tmp[base + i], resolve(n.args));
      emitOnTiles(e, root, o, resolve(tree.rootArgs));
    };
    return emitMatmul(e, mm, values.lookup(mm.getLhs()), 0,
                      values.lookup(mm.getRhs()), 0,
                      values.lookup(root->getResult(0)), 0, shapeOf(mm),
                      nullptr, nullptr, &epi);
  }
  if (auto add = llvm::dyn_cast<xf::AddOp>(root)) {
    for (Value v : {add.getLhs(), add.getRhs()}) {
      auto mm = v.getDefiningOp<xf::MatmulOp>();
      if (!mm || !fusedMatmuls.count(mm))
        continue;
      Value other = v == add.getLhs() ? add.getRhs() : add.getLhs();
      HbmValue out = values.lookup(root->getResult(0));
      HbmValue residual = values.lookup(other);
      return emitMatmul(e, mm, values.lookup(mm.getLhs()), 0,
                        values.lookup(mm.getRhs()), 0, out, 0, shapeOf(mm),
                        &residual);
    }
  }
  FusedTree tree = fusedTree(root);
  auto &nodes = tree.nodes;
  auto &leaves = tree.leaves;
  auto &rootArgs = tree.rootArgs;
  SmallVector<HbmValue> ins;
  for (Value v : leaves)
    ins.push_back(values.lookup(v));
  SmallVector<Type> temps = tree.nodeTypes();
  auto gated = gatedRoots.find(root);
  if (gated != gatedRoots.end()) {
    // The two leaves are the matmuls' results: their accumulators, rounded
    // to the matmul type, feed the fused tree, all on chip.
    auto [g, u] = gated->second;
    HbmValue out = values.lookup(root->getResult(0));
    HbmValue a = values.lookup(g.getLhs()), bg = values.lookup(g.getRhs()),
             bu = values.lookup(u.getRhs());
    bool leaf0IsG = leaves[0] == g.getResult();
    MatmulShape shape = shapeOf(g);
    Type mt = g.getType().getElementType();
    MatmulGate gate;
    gate.b2 = &bu;
    gate.tempTypes = {mt, mt};
    gate.tempTypes.append(temps.begin(), temps.end());
    gate.combine = [&](Emitter &e, nc::AccessAttr o, nc::AccessAttr accG,
                       nc::AccessAttr accU, ArrayRef<nc::AccessAttr> tmp) {
      // tmp[0], tmp[1]: the leaves in `leaves` order; then the tree's nodes.
      e.copy(tmp[leaf0IsG ? 0 : 1], accG);
      e.copy(tmp[leaf0IsG ? 1 : 0], accU);
      auto resolve = [&](ArrayRef<int> args) {
        SmallVector<nc::AccessAttr> r;
        for (int x : args)
          r.push_back(x >= 0 ? tmp[x] : tmp[2 + (-x - 1)]);
        return r;
      };
      for (auto [i, n] : llvm::enumerate(nodes))
        emitOnTiles(e, n.op, tmp[2 + i], resolve(n.args));
      emitOnTiles(e, root, o, resolve(rootArgs));
    };
    return emitMatmul(e, root, a, 0, bg, 0, out, 0, shape, nullptr, &gate);
  }
  return emitElementwise(e, root, values.lookup(root->getResult(0)), ins, temps,
                         [&](Emitter &e, nc::AccessAttr out,
                             ArrayRef<nc::AccessAttr> in,
                             ArrayRef<nc::AccessAttr> tmp) {
                           auto resolve = [&](ArrayRef<int> args) {
                             SmallVector<nc::AccessAttr> r;
                             for (int a : args)
                               r.push_back(a >= 0 ? in[a] : tmp[-a - 1]);
                             return r;
                           };
                           for (auto [i, n] : llvm::enumerate(nodes))
                             emitOnTiles(e, n.op, tmp[i], resolve(n.args));
                           emitOnTiles(e, root, out, resolve(rootArgs));
                         });
}

LogicalResult Lowering::lower(Operation *op) {
  HbmValue out = values.lookup(op->getResult(0));
  auto in = [&](Value v) { return values.lookup(v); };

  if (isElementwise(op) && !llvm::isa<xf::CastOp>(op))
    return lowerElementwise(op);

  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](xf::NegOp n) {
        return lowerUnary(op, n.getInput(), ActFunc::identity, -1.0f);
      })
      .Case(
          [&](xf::CastOp c) { return emitCopy(e, op, out, in(c.getInput())); })
      .Case([&](xf::MatmulOp mm) {
        SmallVector<MatmulPart, 2> more;
        if (auto h = horizontalRoots.find(op); h != horizontalRoots.end())
          for (xf::MatmulOp part : ArrayRef(h->second).drop_front())
            more.push_back(
                {in(part.getRhs()), in(part.getResult()), shapeOf(part).n});
        return emitMatmul(e, op, in(mm.getLhs()), 0, in(mm.getRhs()), 0, out, 0,
                          shapeOf(mm), nullptr, nullptr, nullptr, more);
      })
      .Case([&](xf::BatchMatmulOp mm) -> LogicalResult {
        HbmValue a = in(mm.getLhs()), bv = in(mm.getRhs());
        bool ta = mm.getTransposeLhs(), tb = mm.getTransposeRhs();
        int64_t r = out.shape.size();
        int64_t M = out.shape[r - 2], N = out.shape[r - 1];
        int64_t K = ta ? a.shape[a.shape.size() - 2] : a.shape.back();
        MatmulShape s{M, K, N, ta, tb};
        // Walk the broadcast batch index space.
        SmallVector<int64_t> batch(out.shape.begin(), out.shape.end() - 2);
        auto batchStrides = [&](const HbmValue &v) {
          SmallVector<int64_t> st = v.strides();
          size_t vb = v.shape.size() - 2;
          SmallVector<int64_t> res(batch.size(), 0);
          for (size_t i = 0; i < vb; ++i)
            res[batch.size() - vb + i] = v.shape[i] == 1 ? 0 : st[i];
          return res;
        };
        SmallVector<int64_t> sa = batchStrides(a), sb = batchStrides(bv);
        int64_t total = 1;
        for (int64_t d : batch)
          total *= d;
        for (int64_t flat = 0; flat < total; ++flat) {
          int64_t rem = flat, ao = 0, bo = 0;
          for (int64_t d = batch.size() - 1; d >= 0; --d) {
            int64_t i = rem % batch[d];
            rem /= batch[d];
            ao += i * sa[d];
            bo += i * sb[d];
          }
          if (failed(emitMatmul(e, op, a, ao, bv, bo, out, flat * M * N, s)))
            return failure();
        }
        return success();
      })
      .Case([&](xf::SoftmaxOp s) {
        int64_t rank = s.getType().getRank();
        int64_t axis = (int64_t)s.getAxis();
        if (axis < 0)
          axis += rank;
        return emitSoftmax(e, op, in(s.getInput()), out, axis);
      })
      .Case([&](xf::LayerNormOp ln) {
        HbmValue bias = in(ln.getBias());
        return emitNorm(e, op, in(ln.getInput()), in(ln.getWeight()), &bias,
                        out, ln.getEps().convertToFloat(), false);
      })
      .Case([&](xf::RmsNormOp rn) {
        return emitNorm(e, op, in(rn.getInput()), in(rn.getWeight()), nullptr,
                        out, rn.getEps().convertToFloat(), true);
      })
      .Case([&](xf::ReduceSumOp r) {
        return emitReduce(e, op, in(r.getInput()), out, r.getAxes(), AluOp::add,
                          false);
      })
      .Case([&](xf::ReduceMeanOp r) {
        return emitReduce(e, op, in(r.getInput()), out, r.getAxes(), AluOp::add,
                          true);
      })
      .Case([&](xf::ReduceMaxOp r) {
        return emitReduce(e, op, in(r.getInput()), out, r.getAxes(), AluOp::max,
                          false);
      })
      .Case([&](xf::TransposeOp t) {
        HbmValue src = in(t.getInput());
        SmallVector<int64_t> ss = src.strides(), perm;
        for (int64_t p : t.getPermutation())
          perm.push_back(ss[p]);
        return emitStridedCopy(e, op, out, out.shape, out.strides(), 0, src,
                               perm, 0);
      })
      .Case([&](xf::BroadcastToOp bc) {
        HbmValue src = in(bc.getInput());
        size_t r = out.shape.size(), ir = src.shape.size();
        SmallVector<int64_t> ss = src.strides(), st(r, 0);
        for (size_t i = 0; i < ir; ++i)
          st[r - ir + i] = src.shape[i] == 1 ? 0 : ss[i];
        return emitStridedCopy(e, op, out, out.shape, out.strides(), 0, src, st,
                               0);
      })
      .Case([&](xf::SliceOp sl) {
        HbmValue src = in(sl.getInput());
        SmallVector<int64_t> ss = src.strides(), st;
        int64_t off = 0;
        for (size_t d = 0; d < ss.size(); ++d) {
          off += sl.getOffsets()[d] * ss[d];
          st.push_back(sl.getStrides()[d] * ss[d]);
        }
        return emitStridedCopy(e, op, out, out.shape, out.strides(), 0, src, st,
                               off);
      })
      .Case([&](xf::ConcatOp c) -> LogicalResult {
        int64_t rank = out.shape.size();
        int64_t axis = (int64_t)c.getAxis();
        if (axis < 0)
          axis += rank;
        SmallVector<int64_t> os = out.strides();
        int64_t pos = 0;
        for (Value v : c.getInputs()) {
          HbmValue src = in(v);
          if (failed(emitStridedCopy(e, op, out, src.shape, os, pos * os[axis],
                                     src, src.strides(), 0)))
            return failure();
          pos += src.shape[axis];
        }
        return success();
      })
      .Case([&](xf::GatherOp g) {
        return emitGatherRows(e, op, in(g.getTable()), in(g.getIndices()), out);
      })
      .Case([&](xf::IndexCopyOp c) {
        return emitIndexCopy(e, op, in(c.getDest()), in(c.getIndices()),
                             in(c.getSource()), out, (int64_t)c.getAxis(),
                             updatesInPlace(c));
      })
      .Case([&](xf::RopeOp r) {
        return emitRope(e, op, in(r.getInput()), in(r.getCos()), in(r.getSin()),
                        out);
      })
      .Case([&](xf::AttentionOp a) -> LogicalResult {
        int64_t d = a.getQuery().getType().getDimSize(3);
        float scale = a.getScale() ? a.getScale()->convertToFloat()
                                   : 1.0f / std::sqrt((float)d);
        auto segments = [&](Value v) {
          SmallVector<HbmValue> segs;
          if (fusedConcats.count(v.getDefiningOp()))
            for (Value part : v.getDefiningOp()->getOperands())
              segs.push_back(in(part));
          else
            segs.push_back(in(v));
          return segs;
        };
        std::optional<HbmValue> keyBias, bias;
        if (a.getKeyBias())
          keyBias = in(a.getKeyBias());
        // (A concat is read in place only as keys or values: muir-xf-fuse
        // never fuses one that makes the bias.)
        if (Value b = a.getBias())
          bias = in(b);
        return emitAttention(
            e, op, in(a.getQuery()), segments(a.getKey()),
            segments(a.getValue()), keyBias ? &*keyBias : nullptr,
            bias ? &*bias : nullptr, out, scale, a.getCausal());
      })
      .Case<xf::AllReduceOp, xf::AllGatherOp, xf::ReduceScatterOp,
            xf::AllToAllOp>([&](Operation *c) {
        return emitCollective(e, c, in(c->getOperand(0)), out);
      })
      .Case([&](xf::CollectivePermuteOp c) {
        return emitCollectivePermute(e, c, in(c.getInput()), in(c.getInit()),
                                     out);
      })
      .Default([&](Operation *) {
        return op->emitError() << "has no accelerator lowering yet";
      });
}

FailureOr<std::pair<target::Machine, func::FuncOp>>
muir::targetAndEntry(ModuleOp module, StringRef target, StringRef entry) {
  llvm::Expected<target::Machine> m = target::loadMachine(target);
  if (!m) {
    module.emitError() << llvm::toString(m.takeError());
    return failure();
  }
  func::FuncOp func = selectEntryFunction(module, entry);
  if (!func)
    return failure();
  if (!func.getBody().hasOneBlock()) {
    func.emitError() << "must have a single block";
    return failure();
  }
  return std::make_pair(std::move(*m), func);
}

func::FuncOp muir::selectEntryFunction(ModuleOp module, StringRef entry) {
  func::FuncOp func;
  SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
  for (func::FuncOp f : funcs)
    if ((!entry.empty() && f.getSymName() == entry) ||
        (entry.empty() && f.getSymName() == "main"))
      func = f;
  if (!func && entry.empty() && funcs.size() == 1)
    func = funcs.front();
  if (!func && entry.empty())
    module.emitError() << "no function to compile: name one with entry=, "
                          "or call it @main";
  else if (!func)
    module.emitError() << "no function @" << entry << " in the module";
  return func;
}

void Lowering::wrapSection(Operation *after, StringRef name) {
  // The kernel's blocks: [0, top) or, mirrored, [capacity - top, capacity),
  // the top rounded up to the alignment (whole banks in PSUM).
  auto range = [&](int64_t top, int64_t capacity,
                   int64_t align) -> SmallVector<int64_t, 2> {
    if (top == 0)
      return {0, 0};
    top = std::min((top + align - 1) / align * align, capacity);
    if (e.mirrored)
      return {capacity - top, capacity};
    return {0, top};
  };
  // Tensors declared while the kernel was emitted stay in the kernel's body.
  SmallVector<Operation *> insts;
  for (Operation *op = after ? after->getNextNode() : &body->front(); op;
       op = op->getNextNode())
    if (!llvm::isa<nc::TensorOp>(op))
      insts.push_back(op);
  if (insts.empty())
    return;
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToEnd(body);
  auto section = nc::SectionOp::create(
      b, e.loc, name,
      range(e.kernelSbufBytes, m.sbuf.bytesPerPartition, m.sbuf.alignBytes),
      range(e.kernelPsumBytes, m.psum.bytesPerPartition, m.psum.bankBytes()));
  Block *inner = new Block();
  section.getBody().push_back(inner);
  for (Operation *op : insts)
    op->moveBefore(inner, inner->end());
}

namespace {
struct LowerXfToNcPass
    : public muir::impl::LowerXfToNcPassBase<LowerXfToNcPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto te = targetAndEntry(module, target, entry);
    if (failed(te) || failed(checkCapacity(te->second, te->first)))
      return signalPassFailure();
    if (reuseScratch != "auto" && reuseScratch != "true" &&
        reuseScratch != "false") {
      module.emitError() << "muir-lower-xf-to-nc: reuse-scratch must be "
                            "auto, true or false, not '"
                         << reuseScratch << "'";
      return signalPassFailure();
    }
    Lowering l(module, te->second, te->first, reuseScratch);
    if (failed(l.run()))
      signalPassFailure();
  }
};
} // namespace
