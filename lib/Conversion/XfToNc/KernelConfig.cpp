//===- KernelConfig.cpp - muir-xf-kernel-config ---------------------------===//
//
// Writes each kernel's schedule into its `config` attribute, chosen from the
// machine description by the same planning function the kernel is emitted
// with, after applying overrides given on the command line or from Python:
// a search can try alternatives, and lit tests can see and pin decisions.
//
//===----------------------------------------------------------------------===//
#include "Fusion.h"

#include "muir/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

namespace muir {
#define GEN_PASS_DEF_XFKERNELCONFIGPASS
#include "muir/Conversion/Passes.h.inc"
} // namespace muir

using namespace mlir;
using namespace muir;
using namespace muir::lower;

static unsigned bytesOfValue(Value v) {
  return Emitter::bytesOf(
      llvm::cast<RankedTensorType>(v.getType()).getElementType());
}

/// An HBM value with a value's shape and element type (planning only).
static HbmValue shapeOnly(Value v) {
  auto t = llvm::cast<RankedTensorType>(v.getType());
  HbmValue h;
  h.elemType = t.getElementType();
  h.shape.assign(t.getShape().begin(), t.getShape().end());
  return h;
}

/// The plan of a configurable kernel under `config`, as its config
/// attribute or an error; nullopt for the kinds without a config.
struct KernelPlan {
  DictionaryAttr attr;
  std::string error;
};
static std::optional<MatmulPlan> planMatmulKernel(xf::KernelOp k,
                                                  const target::Machine &m,
                                                  DictionaryAttr config);
static std::optional<KernelPlan>
planKernel(xf::KernelOp k, const target::Machine &m, DictionaryAttr config) {
  MLIRContext *ctx = k.getContext();
  if (k.getKind() == xf::KernelKind::elementwise) {
    Operation *root = k.getAnchor();
    if (!root || llvm::isa<xf::CastOp>(root))
      return std::nullopt; // casts are copies
    Block &kb = k.getBody().front();
    llvm::SmallPtrSet<Operation *, 8> nodes;
    for (Operation &op : kb.without_terminator())
      if (&op != root)
        nodes.insert(&op);
    FusedTree tree =
        buildFusedTree(root, [&](Operation *d) { return nodes.count(d) > 0; });
    SmallVector<HbmValue> ins;
    for (Value v : tree.leaves)
      ins.push_back(shapeOnly(v));
    ElementwisePlan p =
        planElementwise(m, m.sbuf.bytesPerPartition, shapeOnly(k.getResult(0)),
                        ins, tree.nodeTypes(), config);
    return KernelPlan{p.error.empty() ? p.toAttr(ctx) : DictionaryAttr(),
                      p.error};
  }
  auto rowPlan = [&](const RowPlan &p) {
    return KernelPlan{p.error.empty() ? p.toAttr(ctx) : DictionaryAttr(),
                      p.error};
  };
  int64_t free = m.sbuf.bytesPerPartition;
  Operation *anchor = k.getAnchor();
  if (auto sm = llvm::dyn_cast_if_present<xf::SoftmaxOp>(anchor)) {
    auto t = sm.getType();
    int64_t axis = (int64_t)sm.getAxis();
    if (axis < 0)
      axis += t.getRank();
    if (axis < 0 || axis >= t.getRank())
      return std::nullopt; // the verifier reports it
    return rowPlan(planSoftmax(m, free, t.getDimSize(axis),
                               bytesOfValue(sm.getResult()), config));
  }
  if (auto ln = llvm::dyn_cast_if_present<xf::LayerNormOp>(anchor))
    return rowPlan(planNorm(m, free, ln.getType().getShape().back(),
                            bytesOfValue(ln.getResult()), true, config));
  if (auto rn = llvm::dyn_cast_if_present<xf::RmsNormOp>(anchor))
    return rowPlan(planNorm(m, free, rn.getType().getShape().back(),
                            bytesOfValue(rn.getResult()), false, config));
  if (anchor &&
      llvm::isa<xf::ReduceSumOp, xf::ReduceMeanOp, xf::ReduceMaxOp>(anchor)) {
    auto t = llvm::cast<RankedTensorType>(anchor->getOperand(0).getType());
    auto axes = anchor->getAttrOfType<DenseI64ArrayAttr>("axes");
    if (!axes)
      return std::nullopt; // the verifier reports it
    for (int64_t a : axes.asArrayRef())
      if (a < -t.getRank() || a >= t.getRank())
        return std::nullopt;
    return rowPlan(
        planReduce(m, free, t.getShape(), axes.asArrayRef(), config));
  }
  if (auto r = llvm::dyn_cast_if_present<xf::RopeOp>(anchor)) {
    auto t = r.getType();
    int64_t rank = t.getRank(), d = t.getDimSize(rank - 1),
            sq = t.getDimSize(rank - 2);
    int64_t lead = t.getNumElements() / std::max<int64_t>(1, sq * d);
    return rowPlan(planRope(m, free, d, lead, config));
  }
  if (k.getKind() == xf::KernelKind::attention) {
    auto att = llvm::dyn_cast_if_present<xf::AttentionOp>(k.getAnchor());
    if (!att)
      return std::nullopt; // the lowering reports the malformed region
    auto qt = att.getQuery().getType(), kt = att.getKey().getType(),
         vt = att.getValue().getType();
    AttentionShape s{qt.getDimSize(0),
                     qt.getDimSize(1),
                     kt.getDimSize(1),
                     qt.getDimSize(2),
                     kt.getDimSize(2),
                     qt.getDimSize(3),
                     vt.getDimSize(3),
                     bytesOfValue(att.getQuery()),
                     att.getKeyBias() != nullptr,
                     att.getBias() != nullptr,
                     att.getCausal()};
    AttentionPlan p = planAttention(m, m.sbuf.bytesPerPartition, s, config);
    return KernelPlan{p.error.empty() ? p.toAttr(ctx) : DictionaryAttr(),
                      p.error};
  }
  std::optional<MatmulPlan> p = planMatmulKernel(k, m, config);
  if (!p)
    return std::nullopt;
  return KernelPlan{p->error.empty() ? p->toAttr(ctx) : DictionaryAttr(),
                    p->error};
}

static std::optional<MatmulPlan> planMatmulKernel(xf::KernelOp k,
                                                  const target::Machine &m,
                                                  DictionaryAttr config) {
  Operation *anchor = k.getAnchor();
  Block &kb = k.getBody().front();
  int64_t free = m.sbuf.bytesPerPartition;
  switch (k.getKind()) {
  case xf::KernelKind::matmul: {
    auto mm = llvm::cast<xf::MatmulOp>(anchor);
    Operation *root = k.getYield().getValues().front().getDefiningOp();
    unsigned rb = 0;
    if (root && root != anchor) {
      // The residual form (one add of the product and a same-typed tensor)
      // reads one tile; any other tree is an epilogue (see the lowering).
      if (xf::AddOp add = residualAdd(k, mm)) {
        rb = bytesOfValue(add.getLhs() == mm.getResult() ? add.getRhs()
                                                         : add.getLhs());
      } else {
        llvm::SmallPtrSet<Operation *, 8> nodes;
        for (Operation &op : kb.without_terminator())
          if (&op != anchor && &op != root)
            nodes.insert(&op);
        rb = epilogueBytes(
            buildFusedTree(root,
                           [&](Operation *d) { return nodes.count(d) > 0; }),
            mm.getResult());
      }
    }
    return planMatmul(m, free, shapeOf(mm), bytesOfValue(mm.getLhs()),
                      bytesOfValue(k.getResult(0)), rb, false, config);
  }
  case xf::KernelKind::multi_matmul: {
    auto first = llvm::dyn_cast_or_null<xf::MatmulOp>(anchor);
    if (!first)
      return std::nullopt; // the lowering reports the malformed region
    MatmulShape s = shapeOf(first);
    s.n = 0;
    for (Operation &op : kb.without_terminator())
      if (auto mm = llvm::dyn_cast<xf::MatmulOp>(op))
        s.n += shapeOf(mm).n;
    return planMatmul(m, free, s, bytesOfValue(first.getLhs()),
                      bytesOfValue(first.getResult()), 0, false, config);
  }
  case xf::KernelKind::gated_matmul: {
    llvm::SmallPtrSet<Operation *, 8> nodes;
    for (Operation &op : kb.without_terminator())
      if (&op != anchor && isElementwise(&op))
        nodes.insert(&op);
    FusedTree tree = buildFusedTree(
        anchor, [&](Operation *d) { return nodes.count(d) > 0; });
    auto g = tree.leaves.empty() ? xf::MatmulOp()
                                 : tree.leaves[0].getDefiningOp<xf::MatmulOp>();
    if (!g)
      return std::nullopt; // the lowering reports the malformed region
    unsigned rb = 2 * bytesOfValue(g.getResult());
    for (Type t : tree.nodeTypes())
      rb += Emitter::bytesOf(t);
    return planMatmul(m, free, shapeOf(g), bytesOfValue(g.getLhs()),
                      bytesOfValue(k.getResult(0)), rb, true, config);
  }
  case xf::KernelKind::batch_matmul: {
    auto mm = llvm::cast<xf::BatchMatmulOp>(anchor);
    auto at = mm.getLhs().getType(), ct = mm.getType();
    int64_t r = ct.getRank(), ar = at.getRank();
    bool ta = mm.getTransposeLhs();
    MatmulShape s{ct.getDimSize(r - 2),
                  ta ? at.getDimSize(ar - 2) : at.getDimSize(ar - 1),
                  ct.getDimSize(r - 1), ta, mm.getTransposeRhs()};
    return planMatmul(m, free, s, bytesOfValue(mm.getLhs()),
                      bytesOfValue(mm.getResult()), 0, false, config);
  }
  default:
    return std::nullopt;
  }
}

LogicalResult muir::configureKernels(func::FuncOp func,
                                     const target::Machine &m,
                                     ArrayRef<std::string> overrides) {
  MLIRContext *ctx = func.getContext();
  // kernel name -> key -> value, from "k3.schedule=stream" items.
  llvm::StringMap<SmallVector<NamedAttribute>> extra;
  for (const std::string &o : overrides) {
    StringRef item(o);
    auto [lhs, value] = item.split('=');
    auto [name, key] = lhs.split('.');
    if (name.empty() || key.empty() || value.empty() || item.count('=') != 1)
      return func.emitError()
             << "kernel config override '" << o
             << "': expected <kernel>.<key>=<value> (e.g. k3.schedule=stream)";
    int64_t n;
    Attribute a =
        value.getAsInteger(10, n)
            ? Attribute(StringAttr::get(ctx, value))
            : Attribute(IntegerAttr::get(IntegerType::get(ctx, 64), n));
    extra[name].push_back(NamedAttribute(StringAttr::get(ctx, key), a));
  }
  llvm::StringSet<> names;
  for (auto k : func.getBody().front().getOps<xf::KernelOp>())
    names.insert(k.getName());
  for (auto &entry : extra)
    if (!names.contains(entry.getKey()))
      return func.emitError()
             << "kernel config override names kernel '" << entry.getKey()
             << "', which is not in the function";
  for (auto k : func.getBody().front().getOps<xf::KernelOp>()) {
    // Hand-written config first, then the overrides (later wins).
    llvm::SmallVector<NamedAttribute> merged;
    if (DictionaryAttr c = k.getConfigAttr())
      merged.assign(c.begin(), c.end());
    auto it = extra.find(k.getName());
    if (it != extra.end())
      for (NamedAttribute na : it->second) {
        llvm::erase_if(merged, [&](NamedAttribute x) {
          return x.getName() == na.getName();
        });
        merged.push_back(na);
      }
    DictionaryAttr given =
        merged.empty() ? DictionaryAttr() : DictionaryAttr::get(ctx, merged);
    std::optional<KernelPlan> plan = planKernel(k, m, given);
    if (!plan) {
      if (given)
        return k.emitOpError()
               << "'" << k.getName() << "' of kind '"
               << xf::stringifyKernelKind(k.getKind())
               << "' has no configurable schedule yet (elementwise, matmul, "
                  "gated_matmul, multi_matmul, batch_matmul, attention, "
                  "softmax, norm, "
                  "rope and reduce kernels have)";
      continue;
    }
    if (!plan->error.empty())
      return k.emitOpError() << "'" << k.getName() << "': " << plan->error;
    k.setConfigAttr(plan->attr);
  }
  return success();
}

namespace {
struct XfKernelConfigPass
    : public muir::impl::XfKernelConfigPassBase<XfKernelConfigPass> {
  using Base::Base;

  void runOnOperation() override {
    auto te = targetAndEntry(getOperation(), target, entry);
    if (failed(te) ||
        failed(configureKernels(te->second, te->first, overrides)))
      signalPassFailure();
  }
};
} // namespace
