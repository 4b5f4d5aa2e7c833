//===- LowerXfToNc.cpp - xf function to nc kernel -------------------------===//
//
// Places every xf value in HBM (arguments as inputs, results as outputs,
// constants as const tensors, the rest as scratch; reshapes alias their
// operand) and emits one tiled kernel per op through Emitter. Unsupported ops
// and working sets that cannot fit are errors on the op, never a crash.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "muir/Conversion/Passes.h"
#include "muir/Dialect/Xf/XfDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <functional>

namespace muir {
#define GEN_PASS_DEF_LOWERXFTONCPASS
#include "muir/Conversion/Passes.h.inc"
} // namespace muir

using namespace mlir;
using namespace muir;
using namespace muir::lower;
using nc::ActFunc;
using nc::AluOp;

static bool isElementwise(Operation *op);

/// The 2-D problem of an xf.matmul.
static MatmulShape shapeOf(xf::MatmulOp mm) {
  auto at = mm.getLhs().getType();
  auto ct = mm.getType();
  bool ta = mm.getTransposeLhs();
  return {ct.getDimSize(0), ta ? at.getDimSize(0) : at.getDimSize(1),
          ct.getDimSize(1), ta, mm.getTransposeRhs()};
}

/// The expression tree an elementwise root computes on chip: absorbed
/// producers (fused elementwise ops) are nodes, everything else is a leaf
/// read from HBM (or, for a gated product, from PSUM).
struct FusedTree {
  struct Node {
    Operation *op;
    SmallVector<int> args; // >= 0: leaf index; < 0: -(node + 1)
  };
  SmallVector<Node> nodes; // operands before users
  SmallVector<Value> leaves;
  SmallVector<int> rootArgs;
  /// Element types of the nodes' results (their scratch tiles).
  SmallVector<Type> nodeTypes() const {
    SmallVector<Type> t;
    for (const Node &n : nodes)
      t.push_back(llvm::cast<RankedTensorType>(n.op->getResult(0).getType())
                      .getElementType());
    return t;
  }
};

namespace {
class Lowering {
public:
  Lowering(ModuleOp module, func::FuncOp func, const target::Machine &m)
      : module(module), func(func), m(m), b(module.getContext()),
        e(b, func.getLoc(), m) {}

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
  std::optional<HbmValue>
  foldableTransposeInput(xf::TransposeOp t,
                         const DenseMap<Value, unsigned> &resultIndex);
  xf::TransposeOp attentionOutputTranspose(Operation *op);
  LogicalResult lowerUnary(Operation *op, Value in, ActFunc f, float scale);
  LogicalResult lowerElementwise(Operation *root);

  ModuleOp module;
  func::FuncOp func;
  const target::Machine &m;
  OpBuilder b;
  Emitter e;
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
  int64_t hbmTop = 0;
  unsigned scratch = 0;
};
} // namespace

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

/// Whether a view suits rope's input: contiguous last dim, and the leading
/// dims (all but the last two) collapse to one stride.
static bool ropeTakesView(const HbmValue &v) {
  SmallVector<int64_t> st = v.strides();
  int64_t rank = v.shape.size();
  if (rank < 2 || st[rank - 1] != 1)
    return false;
  int64_t prev = -1;
  for (int64_t i = rank - 3; i >= 0; --i) {
    if (v.shape[i] == 1)
      continue;
    if (prev >= 0 && st[i] != st[prev] * v.shape[prev])
      return false;
    prev = i;
  }
  return true;
}

std::optional<HbmValue>
Lowering::foldableTransposeInput(xf::TransposeOp t,
                                 const DenseMap<Value, unsigned> &resultIndex) {
  Value r = t.getResult();
  if (!r.hasOneUse() || resultIndex.count(r) || !values.count(t.getInput()))
    return std::nullopt;
  const HbmValue &in = values.find(t.getInput())->second;
  if (!in.view.empty())
    return std::nullopt;
  HbmValue v = permutedView(in, t.getPermutation(), /*inverse=*/false);
  Operation *user = *r.getUsers().begin();
  if (auto rope = llvm::dyn_cast<xf::RopeOp>(user))
    return rope.getInput() == r && ropeTakesView(v) ? std::optional(v)
                                                    : std::nullopt;
  if (auto att = llvm::dyn_cast<xf::AttentionOp>(user))
    return att.getKeyBias() != r && v.shape.size() == 4 && v.view[3] == 1
               ? std::optional(v)
               : std::nullopt;
  return std::nullopt;
}

xf::TransposeOp Lowering::attentionOutputTranspose(Operation *op) {
  auto att = llvm::dyn_cast<xf::AttentionOp>(op);
  if (!att || !att.getResult().hasOneUse())
    return {};
  auto t = llvm::dyn_cast<xf::TransposeOp>(*att.getResult().getUsers().begin());
  if (!t)
    return {};
  // The view attention writes must keep the head dimension contiguous.
  ArrayRef<int64_t> perm = t.getPermutation();
  if (perm.size() != 4 || perm[3] != 3)
    return {};
  return t;
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
  // Results written by an op land directly in the output tensor.
  auto ret = llvm::cast<func::ReturnOp>(func.getBody().front().getTerminator());
  DenseMap<Value, unsigned> resultIndex;
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    Operation *def = v.getDefiningOp();
    if (def && !llvm::isa<xf::ReshapeOp, xf::ConstantOp>(def) &&
        !resultIndex.count(v))
      resultIndex[v] = i;
  }

  // Fusion: a KV-cache concat along the sequence that only feeds attention
  // keys or values is never materialised; attention reads the pieces.
  for (Operation &op : func.getBody().front().without_terminator())
    if (auto c = llvm::dyn_cast<xf::ConcatOp>(op)) {
      int64_t rank = c.getType().getRank();
      int64_t axis = (int64_t)c.getAxis();
      if (axis < 0)
        axis += rank;
      Value r = c.getResult();
      if (rank == 4 && axis == 2 && r.hasOneUse() && !resultIndex.count(r))
        if (auto att = llvm::dyn_cast<xf::AttentionOp>(*r.getUsers().begin()))
          if (att.getQuery() != r)
            fusedConcats.insert(c);
    }

  // Fusion: an elementwise op whose only use is an elementwise op of the
  // same shape is computed on chip inside that op's kernel (bias + gelu,
  // silu(g) * u, scale + residual...): its value never goes to HBM.
  for (Operation &op : func.getBody().front().without_terminator()) {
    if (!isElementwise(&op) || op.getNumResults() != 1)
      continue;
    Value r = op.getResult(0);
    if (!r.hasOneUse() || resultIndex.count(r))
      continue;
    Operation *user = *r.getUsers().begin();
    if (user->getBlock() == op.getBlock() && isElementwise(user) &&
        !llvm::isa<xf::CastOp>(user) &&
        llvm::cast<RankedTensorType>(r.getType()).getShape() ==
            llvm::cast<RankedTensorType>(user->getResult(0).getType())
                .getShape())
      fusedElementwise.insert(&op);
  }

  // Fusion: matmul + residual add (the residual read in the epilogue).
  for (Operation &op : func.getBody().front().without_terminator()) {
    auto add = llvm::dyn_cast<xf::AddOp>(op);
    if (!add || fusedElementwise.count(add))
      continue;
    for (Value v : {add.getLhs(), add.getRhs()}) {
      auto mm = v.getDefiningOp<xf::MatmulOp>();
      Value other = v == add.getLhs() ? add.getRhs() : add.getLhs();
      if (!mm || !v.hasOneUse() || resultIndex.count(v) || other == v ||
          other.getType() != v.getType() || add.getType() != v.getType() ||
          (other.getDefiningOp() &&
           fusedElementwise.count(other.getDefiningOp())))
        continue;
      fusedMatmuls.insert(mm);
      break;
    }
  }

  // Fusion: gated products (SwiGLU / GeGLU MLPs).
  for (Operation &op : func.getBody().front().without_terminator()) {
    if (!isElementwise(&op) || fusedElementwise.count(&op) ||
        llvm::isa<xf::CastOp>(op))
      continue;
    FusedTree tree = fusedTree(&op);
    ArrayRef<Value> leaves = tree.leaves;
    if (leaves.size() != 2)
      continue;
    auto g = leaves[0].getDefiningOp<xf::MatmulOp>();
    auto u = leaves[1].getDefiningOp<xf::MatmulOp>();
    auto outType = llvm::cast<RankedTensorType>(op.getResult(0).getType());
    if (!g || !u || g.getLhs() != u.getLhs() ||
        g.getTransposeLhs() != u.getTransposeLhs() ||
        g.getTransposeRhs() != u.getTransposeRhs() ||
        g.getType() != u.getType() ||
        g.getType().getShape() != outType.getShape() ||
        !leaves[0].hasOneUse() || !leaves[1].hasOneUse() ||
        resultIndex.count(leaves[0]) || resultIndex.count(leaves[1]) ||
        fusedMatmuls.count(g) || fusedMatmuls.count(u))
      continue;
    MatmulShape shape = shapeOf(g);
    // Scratch: the two rounded products, then one tile per tree node.
    unsigned tempBytes = 2 * Emitter::bytesOf(g.getType().getElementType());
    for (Type t : tree.nodeTypes())
      tempBytes += Emitter::bytesOf(t);
    if (!gatedMatmulFits(
            m, shape, Emitter::bytesOf(g.getLhs().getType().getElementType()),
            Emitter::bytesOf(outType.getElementType()), tempBytes))
      continue;
    gatedRoots[&op] = {g, u};
    gatedMatmuls.insert(g);
    gatedMatmuls.insert(u);
  }

  b.setInsertionPointToEnd(body);
  for (Operation &op : func.getBody().front().without_terminator()) {
    if (fusedConcats.count(&op) || fusedElementwise.count(&op) ||
        fusedMatmuls.count(&op) || gatedMatmuls.count(&op))
      continue;
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
      continue;
    }
    if (auto r = llvm::dyn_cast<xf::ReshapeOp>(op)) {
      HbmValue v = values.lookup(r.getInput());
      v.shape.assign(r.getType().getShape().begin(),
                     r.getType().getShape().end());
      values[r.getResult()] = v;
      continue;
    }
    if (op.getNumResults() != 1 || op.getDialect() == nullptr ||
        !llvm::isa<xf::XfDialect>(op.getDialect()))
      return op.emitError() << "cannot be lowered to the accelerator: only xf "
                               "ops are supported";
    // Layout: a head transpose feeding only rope or attention is read in
    // place as a strided view; one consuming only an attention result was
    // written in place by it (declared below). Neither is copied.
    if (auto t = llvm::dyn_cast<xf::TransposeOp>(op)) {
      if (values.count(t.getResult()))
        continue;
      if (std::optional<HbmValue> v = foldableTransposeInput(t, resultIndex)) {
        values[t.getResult()] = *v;
        continue;
      }
    }
    Value res = op.getResult(0);
    auto type = llvm::cast<RankedTensorType>(res.getType());
    auto declareFor = [&](Value v) {
      auto it = resultIndex.find(v);
      auto vt = llvm::cast<RankedTensorType>(v.getType());
      return it != resultIndex.end()
                 ? declare(("out" + Twine(it->second)).str(), vt,
                           nc::TensorKind::output)
                 : declare(("t" + Twine(scratch++)).str(), vt,
                           nc::TensorKind::scratch);
    };
    (void)type;
    if (xf::TransposeOp t = attentionOutputTranspose(&op)) {
      // Attention writes straight into its consumer transpose's layout.
      HbmValue tv = declareFor(t.getResult());
      values[t.getResult()] = tv;
      values[res] = permutedView(tv, t.getPermutation(), /*inverse=*/true);
    } else {
      values[res] = declareFor(res);
    }
    b.setInsertionPointToEnd(body);
    // (Block sizes are linear to count: compare the last op instead.)
    Operation *lastBefore = body->empty() ? nullptr : &body->back();
    e.mirrored = !e.mirrored;
    // Every instruction of the kernel carries the location of the op it
    // lowers, fused with those of the ops folded into it.
    e.loc = kernelLoc(&op);
    if (failed(lower(&op)))
      return failure();
    Operation *lastAfter = body->empty() ? nullptr : &body->back();
    if (!firstInst && lastAfter != lastBefore) {
      // Remember the first instruction so later tensors go before it.
      for (Operation &o : *body)
        if (!llvm::isa<nc::TensorOp>(o)) {
          firstInst = &o;
          break;
        }
    }
  }
  // Results that are not written by an op of their own: copy them out.
  for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
    auto it = resultIndex.find(v);
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

static std::optional<AluOp> binaryAlu(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<AluOp>>(op)
      .Case([](xf::AddOp) { return AluOp::add; })
      .Case([](xf::SubOp) { return AluOp::sub; })
      .Case([](xf::MulOp) { return AluOp::mul; })
      .Case([](xf::DivOp) { return AluOp::div; })
      .Case([](xf::MaxOp) { return AluOp::max; })
      .Case([](xf::MinOp) { return AluOp::min; })
      .Default([](Operation *) { return std::nullopt; });
}

static std::optional<ActFunc> unaryAct(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<ActFunc>>(op)
      .Case([](xf::ExpOp) { return ActFunc::exp; })
      .Case([](xf::LogOp) { return ActFunc::log; })
      .Case([](xf::TanhOp) { return ActFunc::tanh; })
      .Case([](xf::SqrtOp) { return ActFunc::sqrt; })
      .Case([](xf::RsqrtOp) { return ActFunc::rsqrt; })
      .Case([](xf::SigmoidOp) { return ActFunc::sigmoid; })
      .Case([](xf::ReluOp) { return ActFunc::relu; })
      .Case([](xf::SiluOp) { return ActFunc::silu; })
      .Case([](xf::GeluOp g) {
        return g.getApproximate() == xf::GeluApproximation::tanh
                   ? ActFunc::gelu_tanh
                   : ActFunc::gelu;
      })
      .Default([](Operation *) { return std::nullopt; });
}

static bool isElementwise(Operation *op) {
  return binaryAlu(op) || unaryAct(op) || llvm::isa<xf::NegOp, xf::CastOp>(op);
}

Location Lowering::kernelLoc(Operation *root) {
  SmallVector<Location> locs{root->getLoc()};
  SmallVector<Operation *> work{root};
  llvm::SmallPtrSet<Operation *, 8> seen{root};
  auto absorbed = [&](Operation *d) {
    return fusedConcats.count(d) || fusedElementwise.count(d) ||
           fusedMatmuls.count(d) || gatedMatmuls.count(d);
  };
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
  FusedTree t;
  std::function<int(Value)> visit = [&](Value v) -> int {
    Operation *d = v.getDefiningOp();
    if (d && fusedElementwise.count(d)) {
      FusedTree::Node n{d, {}};
      for (Value o : d->getOperands())
        n.args.push_back(visit(o));
      t.nodes.push_back(std::move(n));
      return -(int)t.nodes.size();
    }
    auto it = llvm::find(t.leaves, v);
    if (it != t.leaves.end())
      return it - t.leaves.begin();
    t.leaves.push_back(v);
    return t.leaves.size() - 1;
  };
  for (Value o : root->getOperands())
    t.rootArgs.push_back(visit(o));
  return t;
}

LogicalResult Lowering::lowerElementwise(Operation *root) {
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
        return emitMatmul(e, op, in(mm.getLhs()), 0, in(mm.getRhs()), 0, out, 0,
                          shapeOf(mm));
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
        return emitGather(e, op, in(g.getTable()), in(g.getIndices()), out);
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
        if (Value b = a.getBias()) {
          // A concat fused into attention is read as key segments only.
          if (fusedConcats.count(b.getDefiningOp()))
            return op->emitError()
                   << "attention bias produced by a sequence concat is not "
                      "supported on the accelerator; compute it separately";
          bias = in(b);
        }
        return emitAttention(e, op, in(a.getQuery()), segments(a.getKey()),
                             segments(a.getValue()),
                             keyBias ? &*keyBias : nullptr,
                             bias ? &*bias : nullptr, out, scale,
                             a.getCausal());
      })
      .Default([&](Operation *) {
        return op->emitError() << "has no accelerator lowering yet";
      });
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

namespace {
struct LowerXfToNcPass
    : public muir::impl::LowerXfToNcPassBase<LowerXfToNcPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::Expected<target::Machine> m = target::loadMachine(target);
    if (!m) {
      module.emitError() << llvm::toString(m.takeError());
      return signalPassFailure();
    }
    func::FuncOp func = selectEntryFunction(module, entry);
    if (!func)
      return signalPassFailure();
    if (failed(checkCapacity(func, *m)))
      return signalPassFailure();
    if (!func.getBody().hasOneBlock()) {
      func.emitError() << "must have a single block";
      return signalPassFailure();
    }
    Lowering l(module, func, *m);
    if (failed(l.run()))
      signalPassFailure();
  }
};
} // namespace
