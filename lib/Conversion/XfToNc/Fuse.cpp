//===- Fuse.cpp - muir-xf-fuse: group xf ops into xf.kernel regions -------===//
//
// Every fusion the compiler makes is decided here and made visible: each
// group of ops that runs as one accelerator kernel becomes an `xf.kernel`
// region, and every other op of the entry function (but constants and
// reshapes, which emit nothing) a kernel of its own. The lowering then emits
// one kernel per region and decides nothing about fusion itself.
//
// The fusions, each of which a control function (the pass's `disable`
// option) can refuse:
//   kv-concat       a sequence concat feeding only attention keys/values is
//                   read in place (a KV cache is never copied);
//   elementwise     a single-use elementwise producer of the same shape is
//                   computed on chip inside its elementwise user;
//   residual        matmul + add: the add happens as the accumulator leaves
//                   PSUM;
//   gated           silu(A Bg) * (A Bu) and the like: both products share the
//                   stationary A tiles, the tree runs in the evacuation;
//   head-transpose  transposes feeding rope/attention are read as strided
//                   views, and one consuming an attention result is written
//                   in place by it;
//   horizontal      plain matmuls of one left operand (Q, K, V) are one
//                   matmul over their columns: A^T is loaded once.
//
//===----------------------------------------------------------------------===//
#include "Fusion.h"

#include "muir/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <functional>

namespace muir {
#define GEN_PASS_DEF_XFFUSEPASS
#include "muir/Conversion/Passes.h.inc"
} // namespace muir

using namespace mlir;
using namespace muir;
using namespace muir::lower;
using nc::ActFunc;
using nc::AluOp;

//===----------------------------------------------------------------------===//
// Shared facts
//===----------------------------------------------------------------------===//

std::optional<AluOp> muir::lower::binaryAlu(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<AluOp>>(op)
      .Case([](xf::AddOp) { return AluOp::add; })
      .Case([](xf::SubOp) { return AluOp::sub; })
      .Case([](xf::MulOp) { return AluOp::mul; })
      .Case([](xf::DivOp) { return AluOp::div; })
      .Case([](xf::MaxOp) { return AluOp::max; })
      .Case([](xf::MinOp) { return AluOp::min; })
      .Default([](Operation *) { return std::nullopt; });
}

std::optional<ActFunc> muir::lower::unaryAct(Operation *op) {
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

bool muir::lower::isElementwise(Operation *op) {
  return binaryAlu(op) || unaryAct(op) || llvm::isa<xf::NegOp, xf::CastOp>(op);
}

MatmulShape muir::lower::shapeOf(xf::MatmulOp mm) {
  auto at = mm.getLhs().getType();
  auto ct = mm.getType();
  bool ta = mm.getTransposeLhs();
  return {ct.getDimSize(0), ta ? at.getDimSize(0) : at.getDimSize(1),
          ct.getDimSize(1), ta, mm.getTransposeRhs()};
}

SmallVector<Type> FusedTree::nodeTypes() const {
  SmallVector<Type> t;
  for (const Node &n : nodes)
    t.push_back(llvm::cast<RankedTensorType>(n.op->getResult(0).getType())
                    .getElementType());
  return t;
}

FusedTree
muir::lower::buildFusedTree(Operation *root,
                            llvm::function_ref<bool(Operation *)> absorbed) {
  FusedTree t;
  std::function<int(Value)> visit = [&](Value v) -> int {
    Operation *d = v.getDefiningOp();
    if (d && absorbed(d)) {
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

int64_t muir::lower::epilogueBytes(const FusedTree &tree, Value acc) {
  auto bytes = [](Type t) {
    if (auto rt = llvm::dyn_cast<RankedTensorType>(t))
      t = rt.getElementType();
    return (int64_t)Emitter::bytesOf(t);
  };
  int64_t b = 0;
  for (Value v : tree.leaves)
    if (v != acc)
      b += bytes(v.getType());
  Type at = llvm::cast<RankedTensorType>(acc.getType()).getElementType();
  if (!at.isF32())
    b += bytes(at);
  for (Type t : tree.nodeTypes())
    b += bytes(t);
  return b;
}

xf::AddOp muir::lower::residualAdd(xf::KernelOp k, xf::MatmulOp mm) {
  Value y = k.getYield().getValues().front();
  auto add = y.getDefiningOp<xf::AddOp>();
  if (!add || k.getBody().front().getOperations().size() != 3 ||
      (add.getLhs() == mm.getResult()) == (add.getRhs() == mm.getResult()) ||
      add.getLhs().getType() != add.getRhs().getType() ||
      add.getType() != mm.getType())
    return {};
  return add;
}

std::optional<SmallVector<int64_t>>
muir::lower::reshapedStrides(ArrayRef<int64_t> shape, ArrayRef<int64_t> strides,
                             ArrayRef<int64_t> newShape) {
  SmallVector<int64_t> os, ost;
  for (auto [d, st] : llvm::zip(shape, strides)) {
    if (d == 0)
      return std::nullopt;
    if (d != 1)
      os.push_back(d), ost.push_back(st);
  }
  SmallVector<int64_t> nst(newShape.size(), 0);
  size_t oi = 0, ni = 0;
  while (ni < newShape.size() || oi < os.size()) {
    if (ni < newShape.size() && newShape[ni] == 1) {
      nst[ni++] = 0; // addresses nothing
      continue;
    }
    if (ni >= newShape.size() || oi >= os.size())
      return std::nullopt;
    size_t nj = ni + 1, oj = oi + 1;
    int64_t np = newShape[ni], op = os[oi];
    while (np != op) {
      if (np < op) {
        if (nj >= newShape.size())
          return std::nullopt;
        np *= newShape[nj++];
      } else {
        if (oj >= os.size())
          return std::nullopt;
        op *= os[oj++];
      }
    }
    for (size_t k = oi; k + 1 < oj; ++k)
      if (ost[k] != ost[k + 1] * os[k + 1])
        return std::nullopt;
    nst[nj - 1] = ost[oj - 1];
    for (size_t k = nj - 1; k > ni; --k)
      nst[k - 1] = nst[k] * newShape[k];
    ni = nj;
    oi = oj;
  }
  return nst;
}

std::pair<int64_t, SmallVector<int64_t>>
muir::lower::slicedView(xf::SliceOp s, ArrayRef<int64_t> strides) {
  int64_t offset = 0;
  SmallVector<int64_t> st;
  for (auto [o, step, in] :
       llvm::zip(s.getOffsets(), s.getStrides(), strides)) {
    offset += o * in;
    st.push_back(step * in);
  }
  return {offset, st};
}

Value muir::lower::innerValue(Value v) {
  while (auto k = v.getDefiningOp<xf::KernelOp>())
    v = k.getYield().getValues()[llvm::cast<OpResult>(v).getResultNumber()];
  return v;
}

bool muir::lower::isLeadingSliceView(xf::SliceOp s) {
  auto in = llvm::cast<RankedTensorType>(s.getInput().getType());
  if (in.getRank() == 0 || !in.hasStaticShape())
    return false;
  for (int64_t d = 0; d < in.getRank(); ++d)
    if (s.getStrides()[d] != 1 ||
        (d > 0 &&
         (s.getOffsets()[d] != 0 || s.getSizes()[d] != in.getDimSize(d))))
      return false;
  return true;
}

bool muir::lower::isInPlaceConcat(xf::ConcatOp c) {
  int64_t rank = c.getType().getRank();
  if (rank == 0 || *xf::normalizeAxis((int64_t)c.getAxis(), rank) != 0)
    return false;
  return llvm::all_of(c.getInputs(), [&](Value v) {
    Operation *d = v.getDefiningOp();
    if (!d || !v.hasOneUse() || d->getBlock() != c->getBlock())
      return false;
    // (After fusion a collective is the single op of its kernel.)
    if (auto k = llvm::dyn_cast<xf::KernelOp>(d)) {
      if (k.getNumResults() != 1)
        return false;
      d = k.getYield().getValues().front().getDefiningOp();
      if (!d || d->getBlock() != &k.getBody().front())
        return false;
    }
    return llvm::isa<xf::AllGatherOp, xf::ReduceScatterOp, xf::AllReduceOp>(d);
  });
}

xf::KernelKind muir::lower::kernelKindOf(Operation *op) {
  using K = xf::KernelKind;
  if (isElementwise(op))
    return K::elementwise;
  return llvm::TypeSwitch<Operation *, K>(op)
      .Case([](xf::MatmulOp) { return K::matmul; })
      .Case([](xf::BatchMatmulOp) { return K::batch_matmul; })
      .Case([](xf::AttentionOp) { return K::attention; })
      .Case([](xf::RopeOp) { return K::rope; })
      .Case([](xf::SoftmaxOp) { return K::softmax; })
      .Case<xf::LayerNormOp, xf::RmsNormOp>([](Operation *) { return K::norm; })
      .Case<xf::ReduceSumOp, xf::ReduceMeanOp, xf::ReduceMaxOp>(
          [](Operation *) { return K::reduce; })
      .Case([](xf::GatherOp) { return K::gather; })
      .Default([](Operation *) { return K::data_movement; });
}

//===----------------------------------------------------------------------===//
// Decisions
//===----------------------------------------------------------------------===//

namespace {

/// Whether rope can read `t`'s result as a strided view of its row-major
/// input.
bool ropeTakesView(xf::TransposeOp t) {
  auto in = llvm::cast<RankedTensorType>(t.getInput().getType());
  SmallVector<int64_t> src = rowMajorStrides(in.getShape());
  SmallVector<int64_t> st;
  for (int64_t p : t.getPermutation())
    st.push_back(src[p]);
  return muir::lower::ropeTakesView(t.getType().getShape(), st);
}

class Fuser {
public:
  Fuser(func::FuncOp func, const target::Machine &m, FusionControl control)
      : func(func), m(m), control(std::move(control)) {}
  void run();

private:
  /// Both ops are in the function's block (kernels written by hand are
  /// left as they are) and the control function agrees.
  bool allowed(StringRef kind, Operation *producer, Operation *consumer) {
    Block *b = &func.getBody().front();
    return producer->getBlock() == b && consumer->getBlock() == b &&
           (!control || control(kind, producer, consumer));
  }
  bool isResult(Value v) const { return results.contains(v); }
  void decide();
  void form();

  func::FuncOp func;
  const target::Machine &m;
  FusionControl control;
  llvm::SmallPtrSet<Value, 8> results;
  /// Absorbed op -> the op it is fused into (which may itself be absorbed).
  DenseMap<Operation *, Operation *> into;
  llvm::SmallPtrSet<Operation *, 16> elementwiseNodes;
  DenseMap<Operation *, xf::KernelKind> rootKind;
};
} // namespace

void Fuser::decide() {
  Block &body = func.getBody().front();
  // kv-concat.
  for (Operation &op : body.without_terminator())
    if (auto c = llvm::dyn_cast<xf::ConcatOp>(op)) {
      int64_t rank = c.getType().getRank();
      int64_t axis = (int64_t)c.getAxis();
      if (axis < 0)
        axis += rank;
      Value r = c.getResult();
      if (rank == 4 && axis == 2 && r.hasOneUse() && !isResult(r))
        if (auto att = llvm::dyn_cast<xf::AttentionOp>(*r.getUsers().begin()))
          if ((att.getKey() == r || att.getValue() == r) &&
              att.getQuery() != r && att.getKeyBias() != r &&
              att.getBias() != r && allowed("kv-concat", c, att))
            into[c] = att;
    }
  // elementwise.
  for (Operation &op : body.without_terminator()) {
    if (!isElementwise(&op) || op.getNumResults() != 1)
      continue;
    Value r = op.getResult(0);
    if (!r.hasOneUse() || isResult(r))
      continue;
    Operation *user = *r.getUsers().begin();
    if (user->getBlock() == op.getBlock() && isElementwise(user) &&
        !llvm::isa<xf::CastOp>(user) &&
        llvm::cast<RankedTensorType>(r.getType()).getShape() ==
            llvm::cast<RankedTensorType>(user->getResult(0).getType())
                .getShape() &&
        allowed("elementwise", &op, user)) {
      elementwiseNodes.insert(&op);
      into[&op] = user;
    }
  }
  // residual.
  for (Operation &op : body.without_terminator()) {
    auto add = llvm::dyn_cast<xf::AddOp>(op);
    if (!add || elementwiseNodes.count(add))
      continue;
    for (Value v : {add.getLhs(), add.getRhs()}) {
      auto mm = v.getDefiningOp<xf::MatmulOp>();
      Value other = v == add.getLhs() ? add.getRhs() : add.getLhs();
      if (!mm || !v.hasOneUse() || isResult(v) || other == v ||
          other.getType() != v.getType() || add.getType() != v.getType() ||
          (other.getDefiningOp() &&
           elementwiseNodes.count(other.getDefiningOp())) ||
          !allowed("residual", mm, add))
        continue;
      into[mm] = add;
      rootKind[add] = xf::KernelKind::matmul;
      break;
    }
  }
  // gated.
  for (Operation &op : body.without_terminator()) {
    if (!isElementwise(&op) || elementwiseNodes.count(&op) ||
        llvm::isa<xf::CastOp>(op) || rootKind.count(&op))
      continue;
    FusedTree tree = buildFusedTree(
        &op, [&](Operation *d) { return elementwiseNodes.count(d) > 0; });
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
        isResult(leaves[0]) || isResult(leaves[1]) || into.count(g) ||
        into.count(u) || !allowed("gated", g, &op))
      continue;
    // Scratch: the two rounded products, then one tile per tree node.
    unsigned tempBytes = 2 * Emitter::bytesOf(g.getType().getElementType());
    for (Type t : tree.nodeTypes())
      tempBytes += Emitter::bytesOf(t);
    if (!gatedMatmulFits(
            m, shapeOf(g),
            Emitter::bytesOf(g.getLhs().getType().getElementType()),
            Emitter::bytesOf(outType.getElementType()), tempBytes))
      continue;
    // Both products feed the tree through the root's leaves.
    into[g] = &op;
    into[u] = &op;
    rootKind[&op] = xf::KernelKind::gated_matmul;
  }
  // epilogue: an elementwise tree over one single-use matmul result of the
  // root's shape (bias + activation, bias + residual, cast) runs as each
  // accumulator tile leaves PSUM, when the matmul's plan has room for its
  // tiles.
  for (Operation &op : body.without_terminator()) {
    if (!isElementwise(&op) || elementwiseNodes.count(&op) ||
        llvm::isa<xf::CastOp>(op) || rootKind.count(&op))
      continue;
    auto outType = llvm::cast<RankedTensorType>(op.getResult(0).getType());
    FusedTree tree = buildFusedTree(
        &op, [&](Operation *d) { return elementwiseNodes.count(d) > 0; });
    xf::MatmulOp mm;
    for (Value v : tree.leaves)
      if (auto c = v.getDefiningOp<xf::MatmulOp>())
        if (!mm && v.hasOneUse() && !isResult(v) && !into.count(c) &&
            c.getType().getShape() == outType.getShape())
          mm = c;
    if (!mm || !allowed("epilogue", mm, &op))
      continue;
    MatmulPlan plan =
        planMatmul(m, m.sbuf.bytesPerPartition, shapeOf(mm),
                   Emitter::bytesOf(mm.getLhs().getType().getElementType()),
                   Emitter::bytesOf(outType.getElementType()),
                   epilogueBytes(tree, mm.getResult()), /*gated=*/false);
    if (!plan.error.empty())
      continue;
    into[mm] = &op;
    rootKind[&op] = xf::KernelKind::matmul;
  }
  // horizontal: plain matmuls of one left operand (the Q, K and V
  // projections of one normalised input) become one matmul over their
  // columns side by side, each A^T tile loaded once for all of them, when
  // every B is defined before the first product and the planner fits the
  // whole width.
  {
    llvm::MapVector<Value, SmallVector<xf::MatmulOp>> byA;
    for (Operation &op : body.without_terminator())
      if (auto mm = llvm::dyn_cast<xf::MatmulOp>(op); mm && !into.count(mm))
        byA[mm.getLhs()].push_back(mm);
    for (auto &entry : byA) {
      ArrayRef<xf::MatmulOp> mms = entry.second;
      for (size_t i = 0; i < mms.size(); ++i) {
        xf::MatmulOp first = mms[i];
        if (into.count(first) || rootKind.count(first))
          continue;
        MatmulShape total = shapeOf(first);
        unsigned eb =
            Emitter::bytesOf(first.getLhs().getType().getElementType());
        unsigned cb = Emitter::bytesOf(first.getType().getElementType());
        // How many times a plan reads all of A (A^T tiles per B block; once
        // for a row panel or a single row tile).
        auto aReads = [&](const MatmulShape &s) -> int64_t {
          MatmulPlan p = planMatmul(m, m.sbuf.bytesPerPartition, s, eb, cb, 0,
                                    /*gated=*/false);
          if (!p.error.empty())
            return -1;
          if (p.schedule == MatmulPlan::RowPanel ||
              p.schedule == MatmulPlan::WeightRing || p.blockTiles <= 0)
            return 1;
          int64_t cols = p.blockTiles * p.nt;
          return (s.n + cols - 1) / cols;
        };
        int64_t separate = aReads(total);
        SmallVector<xf::MatmulOp> group{first};
        for (xf::MatmulOp mm : mms.drop_front(i + 1)) {
          Operation *bDef = mm.getRhs().getDefiningOp();
          if (into.count(mm) ||
              mm.getTransposeLhs() != first.getTransposeLhs() ||
              mm.getTransposeRhs() != first.getTransposeRhs() ||
              mm.getRhs().getType().getElementType() !=
                  first.getRhs().getType().getElementType() ||
              mm.getType().getElementType() !=
                  first.getType().getElementType() ||
              (bDef &&
               (bDef->getBlock() != &body || !bDef->isBeforeInBlock(first))) ||
              !allowed("horizontal", first, mm))
            continue;
          MatmulShape s = total;
          s.n += shapeOf(mm).n;
          int64_t alone = aReads(shapeOf(mm));
          if (alone < 0 || aReads(s) < 0)
            continue;
          total = s;
          separate += alone;
          group.push_back(mm);
        }
        // Only where it pays: A read fewer times than by the products alone
        // (B blocks as wide as the products read it as often), saving at
        // least 1% of the operand traffic, and not for one row tile
        // (decode: A is one row beside the weights, each product streams
        // its weights through a ring anyway).
        int64_t aBytes = total.m * total.k * eb;
        int64_t saved = (separate - aReads(total)) * aBytes;
        if (group.size() < 2 || total.m <= m.pe.cols ||
            saved * 100 < separate * aBytes + total.k * total.n * eb)
          continue;
        for (xf::MatmulOp mm : ArrayRef(group).drop_front())
          into[mm] = first;
        rootKind[first] = xf::KernelKind::multi_matmul;
      }
    }
  }
  // head-transpose: an attention writes its consumer transpose's layout...
  for (Operation &op : body.without_terminator()) {
    auto att = llvm::dyn_cast<xf::AttentionOp>(op);
    if (!att || !att.getResult().hasOneUse())
      continue;
    auto t =
        llvm::dyn_cast<xf::TransposeOp>(*att.getResult().getUsers().begin());
    // The view attention writes must keep the head dimension contiguous.
    if (!t || t.getPermutation().size() != 4 || t.getPermutation()[3] != 3 ||
        !allowed("head-transpose", att, t))
      continue;
    into[att] = t;
    rootKind[t] = xf::KernelKind::attention;
  }
  // ... and reads the transposes feeding it (and rope) as views.
  for (Operation &op : body.without_terminator()) {
    auto t = llvm::dyn_cast<xf::TransposeOp>(op);
    if (!t || rootKind.count(t))
      continue;
    Value r = t.getResult();
    Operation *in = t.getInput().getDefiningOp();
    // The input must be a plain row-major tensor, not itself a view.
    if (!r.hasOneUse() || isResult(r) ||
        (in && into.count(in) && llvm::isa<xf::AttentionOp>(in)))
      continue;
    if (in && llvm::isa<xf::TransposeOp>(in) && into.count(in))
      continue;
    Operation *user = *r.getUsers().begin();
    bool ok = false;
    if (auto rope = llvm::dyn_cast<xf::RopeOp>(user))
      ok = rope.getInput() == r && ropeTakesView(t);
    else if (auto att = llvm::dyn_cast<xf::AttentionOp>(user)) {
      auto ins = llvm::cast<RankedTensorType>(t.getInput().getType());
      ok = att.getKeyBias() != r && ins.getRank() == 4 &&
           rowMajorStrides(ins.getShape())[t.getPermutation()[3]] == 1;
    }
    if (!ok || !allowed("head-transpose", t, user))
      continue;
    into[t] = user;
    // slice-view: a slice of a row-major tensor (Q, K or V out of a fused
    // QKV projection), reshaped into heads, is read in place too when the
    // strides allow it, instead of being copied into a tensor of its own.
    auto rs = t.getInput().getDefiningOp<xf::ReshapeOp>();
    auto sl = rs ? rs.getInput().getDefiningOp<xf::SliceOp>() : nullptr;
    if (!llvm::isa_and_present<xf::AttentionOp>(user) || !sl ||
        !rs.getResult().hasOneUse() || !sl.getResult().hasOneUse() ||
        isResult(rs.getResult()) || isResult(sl.getResult()) ||
        (sl.getInput().getDefiningOp() &&
         llvm::isa<xf::TransposeOp, xf::ReshapeOp, xf::SliceOp>(
             sl.getInput().getDefiningOp())))
      continue;
    auto st = slicedView(
        sl,
        rowMajorStrides(
            llvm::cast<RankedTensorType>(sl.getInput().getType()).getShape()));
    std::optional<SmallVector<int64_t>> rst = reshapedStrides(
        sl.getType().getShape(), st.second, rs.getType().getShape());
    if (rst && (*rst)[t.getPermutation()[3]] == 1 &&
        allowed("slice-view", sl, user)) {
      into[rs] = user;
      into[sl] = user;
    }
  }
}

void Fuser::form() {
  Block &body = func.getBody().front();
  // The op whose position a group takes: the end of its `into` chain.
  auto rootOf = [&](Operation *op) {
    while (true) {
      auto it = into.find(op);
      if (it == into.end())
        return op;
      op = it->second;
    }
  };
  llvm::MapVector<Operation *, SmallVector<Operation *>> groups;
  for (Operation &op : body.without_terminator()) {
    // Reshapes stay outside kernels (they are views), except one a
    // slice-view reshapes into heads inside an attention kernel.
    // Row slices and in-place concats of collective results are views too.
    auto sl = llvm::dyn_cast<xf::SliceOp>(op);
    auto cat = llvm::dyn_cast<xf::ConcatOp>(op);
    if (llvm::isa<xf::ConstantOp, xf::KernelOp>(op) ||
        (llvm::isa<xf::ReshapeOp>(op) && !into.count(&op)) ||
        (sl && !into.count(&op) && isLeadingSliceView(sl)) ||
        (cat && !into.count(&op) && isInPlaceConcat(cat)) || !op.getDialect() ||
        !llvm::isa<xf::XfDialect>(op.getDialect()))
      continue;
    groups[rootOf(&op)].push_back(&op);
  }
  MLIRContext *ctx = func.getContext();
  for (auto &[root, ops] : groups) {
    xf::KernelKind kind = kernelKindOf(root);
    if (auto it = rootKind.find(root); it != rootKind.end())
      kind = it->second;
    OpBuilder b(root);
    SmallVector<Location> locs;
    for (Operation *op : ops)
      locs.push_back(op->getLoc());
    // A multi_matmul yields every product (in block order, its root first);
    // any other group its root's result.
    SmallVector<Value> yielded;
    if (kind == xf::KernelKind::multi_matmul)
      for (Operation *op : ops)
        yielded.push_back(op->getResult(0));
    else
      yielded.append(root->result_begin(), root->result_end());
    auto k = xf::KernelOp::create(b, FusedLoc::get(ctx, locs),
                                  ValueRange(yielded).getTypes(), "", kind,
                                  /*config=*/DictionaryAttr());
    Block *blk = new Block();
    k.getBody().push_back(blk);
    // `ops` is in block order, the root last (a multi_matmul's first).
    for (Operation *op : ops)
      op->moveBefore(blk, blk->end());
    for (auto [v, r] : llvm::zip(yielded, k->getResults()))
      v.replaceAllUsesWith(r);
    b.setInsertionPointToEnd(blk);
    xf::YieldOp::create(b, root->getLoc(), yielded);
  }
  // Names in program order; kernels that came named (written by hand) keep
  // their names, and no name is given twice.
  llvm::StringSet<> used;
  for (auto k : body.getOps<xf::KernelOp>())
    if (!k.getName().empty() && !used.insert(k.getName()).second)
      k.setName("");
  unsigned n = 0;
  for (auto k : body.getOps<xf::KernelOp>()) {
    if (!k.getName().empty())
      continue;
    std::string name;
    do
      name = ("k" + Twine(n++)).str();
    while (used.contains(name));
    used.insert(name);
    k.setName(name);
  }
}

void Fuser::run() {
  auto ret = llvm::cast<func::ReturnOp>(func.getBody().front().getTerminator());
  for (Value v : ret.getOperands())
    results.insert(v);
  decide();
  form();
}

void muir::formKernels(func::FuncOp func, const target::Machine &m,
                       FusionControl control) {
  Fuser(func, m, std::move(control)).run();
}

namespace {
const char *const kFusionKinds[] = {
    "kv-concat", "elementwise",    "residual",   "gated",
    "epilogue",  "head-transpose", "slice-view", "horizontal"};

struct XfFusePass : public muir::impl::XfFusePassBase<XfFusePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::StringSet<> off;
    for (const std::string &d : disable) {
      if (!llvm::is_contained(kFusionKinds, StringRef(d))) {
        module.emitError() << "muir-xf-fuse: unknown fusion '" << d
                           << "' in disable= (known: kv-concat, elementwise, "
                              "residual, gated, epilogue, head-transpose, "
                              "slice-view, horizontal)";
        return signalPassFailure();
      }
      off.insert(d);
    }
    auto te = targetAndEntry(module, target, entry);
    if (failed(te))
      return signalPassFailure();
    formKernels(te->second, te->first,
                [&](StringRef kind, Operation *, Operation *) {
                  return !off.contains(kind);
                });
  }
};
} // namespace

DictionaryAttr muir::lower::configOf(Operation *op) {
  auto k = op ? op->getParentOfType<xf::KernelOp>() : xf::KernelOp();
  return k ? k.getConfigAttr() : DictionaryAttr();
}
