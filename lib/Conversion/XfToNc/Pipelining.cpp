//===- Pipelining.cpp - pipeline stages for muir-xf-shard -----------------===//
//
// See Pipelining.h. The stages are found structurally: the ops (constants
// aside) in program order split into P equal runs, and run s must be run 0
// with other values in the same places: the same op names, attributes and
// types, operands defined at the same positions of their own run, and
// arguments mapped one to one (per-stage weights, or the same argument:
// shared tables). Run s > 0 takes the value run s - 1 hands over where run
// 0 takes the activation argument. Nothing here knows about transformers.
//
//===----------------------------------------------------------------------===//
#include "Pipelining.h"

#include "muir/Conversion/Passes.h"
#include "muir/Dialect/Xf/XfDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;
using namespace muir;
using namespace muir::pipeline;

namespace {
/// Where an op is: its stage and its index inside the stage.
struct Place {
  size_t stage, index;
};

std::string locOf(Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "'" << op->getName() << "' at " << op->getLoc();
  return s;
}

/// Constants (ops without operands) stand outside the stages: a use of one
/// matches a use of the same or an equal constant.
bool isHoisted(Operation *op) {
  return op->getNumOperands() == 0 && op->getNumRegions() == 0;
}

bool equalConstants(Value a, Value b) {
  if (a == b)
    return true;
  Operation *x = a.getDefiningOp(), *y = b.getDefiningOp();
  return x && y && isHoisted(x) && isHoisted(y) &&
         x->getName() == y->getName() &&
         x->getAttrDictionary() == y->getAttrDictionary() &&
         a.getType() == b.getType() &&
         llvm::cast<OpResult>(a).getResultNumber() ==
             llvm::cast<OpResult>(b).getResultNumber();
}
/// Microbatch `m` of `stacked` ([M, ...]) as a `one`-typed value.
Value microbatch(OpBuilder &b, Location loc, Value stacked, int64_t m,
                 RankedTensorType one) {
  SmallVector<int64_t> offsets(one.getRank() + 1, 0), sizes{1},
      strides(one.getRank() + 1, 1);
  offsets[0] = m;
  sizes.append(one.getShape().begin(), one.getShape().end());
  Value x = xf::SliceOp::create(b, loc, stacked, offsets, sizes, strides);
  return xf::ReshapeOp::create(b, loc, one, x);
}

/// `t` with a leading dimension of `n`.
RankedTensorType stackedType(Type t, int64_t n) {
  auto rt = llvm::cast<RankedTensorType>(t);
  SmallVector<int64_t> shape{n};
  shape.append(rt.getShape().begin(), rt.getShape().end());
  return RankedTensorType::get(shape, rt.getElementType());
}
} // namespace

FailureOr<StagePlan> pipeline::planStages(func::FuncOp func, int64_t stages,
                                          std::string &why) {
  llvm::raw_string_ostream os(why);
  Block &body = func.getBody().front();
  auto ret = llvm::cast<func::ReturnOp>(body.getTerminator());
  SmallVector<Operation *> ops;
  for (Operation &op : body.without_terminator()) {
    if (llvm::isa<xf::AllReduceOp, xf::AllGatherOp, xf::ReduceScatterOp,
                  xf::AllToAllOp, xf::CollectivePermuteOp>(op)) {
      os << "the function already has an SPMD collective (" << locOf(&op)
         << "); muir-xf-shard takes an unsharded graph";
      return failure();
    }
    if (op.getNumRegions() != 0) {
      os << "the function has an op with regions (" << locOf(&op)
         << "); pipeline stages are found before fusion";
      return failure();
    }
    if (!isHoisted(&op))
      ops.push_back(&op);
  }
  if (stages < 2 || ops.size() % stages != 0 || ops.empty()) {
    os << "its " << ops.size() << " ops (constants aside) do not split into "
       << stages << " equal stages";
    return failure();
  }
  if (ret.getNumOperands() != 1) {
    os << "it returns " << ret.getNumOperands()
       << " values; a pipeline hands one activation from stage to stage and "
          "returns the last stage's";
    return failure();
  }
  size_t len = ops.size() / stages;
  DenseMap<Operation *, Place> place;
  for (size_t i = 0; i < ops.size(); ++i)
    place[ops[i]] = {i / len, i % len};

  StagePlan plan;
  plan.stages = stages;
  plan.opsPerStage = len;
  std::optional<unsigned> activation;
  std::optional<std::pair<size_t, unsigned>> handoff; // (index, result)
  // argMap[s][a]: the argument stage s uses where stage 0 uses a.
  SmallVector<DenseMap<unsigned, unsigned>> argMap(stages);
  for (size_t s = 1; s < (size_t)stages; ++s) {
    for (size_t j = 0; j < len; ++j) {
      Operation *a = ops[j], *b = ops[s * len + j];
      auto differ = [&](StringRef what) {
        os << "stage " << s << " differs from stage 0 at its op " << j << " ("
           << locOf(b) << " against " << locOf(a) << "): " << what;
        return failure();
      };
      if (a->getName() != b->getName())
        return differ("another op");
      if (a->getAttrDictionary() != b->getAttrDictionary())
        return differ("other attributes");
      if (a->getResultTypes() != b->getResultTypes() ||
          a->getOperandTypes() != b->getOperandTypes())
        return differ("other types");
      for (unsigned q = 0; q < a->getNumOperands(); ++q) {
        Value va = a->getOperand(q), vb = b->getOperand(q);
        if (auto aa = llvm::dyn_cast<BlockArgument>(va)) {
          unsigned ia = aa.getArgNumber();
          if (auto ab = llvm::dyn_cast<BlockArgument>(vb)) {
            auto [it, fresh] = argMap[s].try_emplace(ia, ab.getArgNumber());
            if (!fresh && it->second != ab.getArgNumber())
              return differ("it uses two arguments where stage 0 uses one");
            continue;
          }
          // The hand-off: stage s takes stage s - 1's output here.
          Operation *d = vb.getDefiningOp();
          auto p = d ? place.find(d) : place.end();
          if (p == place.end() || p->second.stage != s - 1)
            return differ("operand " + std::to_string(q) +
                          " is an argument in stage 0 but not the previous "
                          "stage's output here");
          std::pair<size_t, unsigned> h{
              p->second.index, llvm::cast<OpResult>(vb).getResultNumber()};
          if ((activation && *activation != ia) || (handoff && *handoff != h))
            return differ("it takes the previous stage's output in another "
                          "place than stage 0 takes its input");
          activation = ia;
          handoff = h;
          continue;
        }
        Operation *da = va.getDefiningOp(), *db = vb.getDefiningOp();
        if (isHoisted(da)) {
          if (!equalConstants(va, vb))
            return differ("operand " + std::to_string(q) +
                          " is another constant");
          continue;
        }
        auto pb = place.find(db);
        if (pb == place.end() || pb->second.stage != s ||
            pb->second.index != place[da].index ||
            llvm::cast<OpResult>(va).getResultNumber() !=
                llvm::cast<OpResult>(vb).getResultNumber())
          return differ("operand " + std::to_string(q) +
                        " comes from another place");
      }
    }
  }
  if (!activation) {
    os << "no stage takes the previous stage's output";
    return failure();
  }
  // Each stage's values are used by itself and the next stage only, and
  // the next takes just the hand-off; the last stage's hand-off is the
  // result.
  for (size_t s = 0; s < (size_t)stages; ++s) {
    Value h = ops[s * len + handoff->first]->getResult(handoff->second);
    for (size_t j = 0; j < len; ++j)
      for (Value r : ops[s * len + j]->getResults())
        for (Operation *u : r.getUsers()) {
          if (u == ret) {
            if (r != h || s + 1 != (size_t)stages) {
              os << "stage " << s << " returns a value ("
                 << locOf(r.getDefiningOp())
                 << ") other than the last stage's output";
              return failure();
            }
            continue;
          }
          Place pu = place.lookup(u);
          if (pu.stage == s)
            continue;
          if (pu.stage != s + 1 || r != h) {
            os << "stage " << pu.stage << " uses a value of stage " << s << " ("
               << locOf(r.getDefiningOp())
               << ") other than the previous stage's output";
            return failure();
          }
        }
    if (s + 1 == (size_t)stages && ret.getOperand(0) != h) {
      os << "the result is not the last stage's output";
      return failure();
    }
  }
  BlockArgument act = func.getArgument(*activation);
  for (Operation *u : act.getUsers())
    if (place.lookup(u).stage != 0) {
      os << "the input activation (argument " << *activation
         << ") is used by stage " << place.lookup(u).stage;
      return failure();
    }
  plan.activation = *activation;
  plan.handoffOp = handoff->first;
  plan.handoffResult = handoff->second;
  // Stage 0's arguments, and each stage's in their place.
  llvm::BitVector used(func.getNumArguments());
  for (size_t j = 0; j < len; ++j)
    for (Value v : ops[j]->getOperands())
      if (auto a = llvm::dyn_cast<BlockArgument>(v))
        used.set(a.getArgNumber());
  for (unsigned a : used.set_bits()) {
    plan.stage0Args.push_back(a);
    SmallVector<unsigned> per;
    for (size_t s = 0; s < (size_t)stages; ++s)
      per.push_back(s == 0 || a == *activation ? a : argMap[s].lookup(a));
    // Every stage runs stage 0's code: its arguments' layouts are stage 0's.
    Attribute want = func.getArgAttr(a, "xf.shard");
    for (size_t s = 1; s < (size_t)stages; ++s)
      if (func.getArgAttr(per[s], "xf.shard") != want) {
        os << "argument " << per[s] << " (stage " << s << "'s in place of "
           << "argument " << a << ") has another xf.shard annotation than "
           << "argument " << a << "; every stage runs stage 0's layout";
        return failure();
      }
    plan.stageArgs.push_back(per);
  }
  return plan;
}

void pipeline::extractFirstStage(func::FuncOp func, const StagePlan &plan) {
  Block &body = func.getBody().front();
  auto ret = llvm::cast<func::ReturnOp>(body.getTerminator());
  SmallVector<Operation *> ops;
  for (Operation &op : body.without_terminator())
    if (!isHoisted(&op))
      ops.push_back(&op);
  ret->setOperand(0, ops[plan.handoffOp]->getResult(plan.handoffResult));
  for (size_t i = ops.size(); i > plan.opsPerStage; --i)
    ops[i - 1]->erase();
  for (Operation &op :
       llvm::make_early_inc_range(llvm::reverse(body.without_terminator())))
    if (isHoisted(&op) && op.use_empty())
      op.erase();
  llvm::BitVector drop(func.getNumArguments(), true);
  for (unsigned a : plan.stage0Args)
    drop.reset(a);
  (void)func.eraseArguments(drop);
  func.setType(FunctionType::get(func.getContext(), body.getArgumentTypes(),
                                 ret.getOperandTypes()));
}

unsigned pipeline::activationIndex(const StagePlan &plan) {
  return llvm::find(plan.stage0Args, plan.activation) - plan.stage0Args.begin();
}

bool pipeline::handsOnAsTaken(func::FuncOp func, const StagePlan &plan) {
  unsigned kx = activationIndex(plan);
  auto asDict = [](Attribute a) {
    return llvm::dyn_cast_or_null<DictionaryAttr>(a);
  };
  return func.getArgumentTypes()[kx] == func.getResultTypes()[0] &&
         asDict(func.getArgAttr(kx, "xf.shard")) ==
             asDict(func.getResultAttr(0, "xf.shard"));
}

LogicalResult pipeline::wrapStages(func::FuncOp func, const StagePlan &plan,
                                   int64_t microbatches,
                                   int64_t ranksPerStage) {
  MLIRContext *ctx = func.getContext();
  OpBuilder b(ctx);
  Block &old = func.getBody().front();
  auto ret = llvm::cast<func::ReturnOp>(old.getTerminator());
  unsigned kx = activationIndex(plan);
  auto xType = llvm::cast<RankedTensorType>(old.getArgument(kx).getType());
  auto yType = llvm::cast<RankedTensorType>(ret.getOperand(0).getType());
  Attribute xShard = func.getArgAttr(kx, "xf.shard");
  Attribute yShard = func.getResultAttr(0, "xf.shard");
  auto asDict = [](Attribute a) {
    return llvm::dyn_cast_or_null<DictionaryAttr>(a);
  };
  if (!handsOnAsTaken(func, plan))
    return func.emitError()
           << "muir-xf-shard: pipeline stages: a stage's output is held as "
           << yType << " " << (yShard ? yShard : b.getStringAttr("replicated"))
           << " per rank but its input as " << xType << " "
           << (xShard ? xShard : b.getStringAttr("replicated"))
           << "; the stages cannot hand it on";
  int64_t P = plan.stages, M = microbatches, T = M + P - 1;

  // Stage s's ranks send to stage s + 1's: rank s R + r to (s + 1) R + r.
  SmallVector<int64_t> pairs;
  for (int64_t s = 0; s + 1 < P; ++s)
    for (int64_t r = 0; r < ranksPerStage; ++r) {
      pairs.push_back(s * ranksPerStage + r);
      pairs.push_back((s + 1) * ranksPerStage + r);
    }
  auto pairsAttr = DenseIntElementsAttr::get(
      RankedTensorType::get({(int64_t)pairs.size() / 2, 2}, b.getI64Type()),
      pairs);

  // The new block: the same arguments, the activation stacked.
  auto *nb = new Block();
  SmallVector<Location> locs;
  for (BlockArgument a : old.getArguments())
    nb->addArgument(a.getArgNumber() == kx ? stackedType(xType, M)
                                           : a.getType(),
                    a.getLoc());
  b.setInsertionPointToEnd(nb);
  Location loc = func.getLoc();
  SmallVector<Value> outs;
  Value prev;
  for (int64_t t = 0; t < T; ++t) {
    // Stage 0's microbatch of this step (the last again in the drain
    // steps, where its result is not used).
    Value x =
        microbatch(b, loc, nb->getArgument(kx), std::min(t, M - 1), xType);
    Value in = x;
    if (t > 0)
      in = xf::CollectivePermuteOp::create(b, loc, xType, prev, x, pairsAttr);
    IRMapping map;
    for (BlockArgument a : old.getArguments())
      map.map(a,
              a.getArgNumber() == kx ? in : nb->getArgument(a.getArgNumber()));
    for (Operation &op : old.without_terminator())
      b.clone(op, map);
    prev = map.lookup(ret.getOperand(0));
    if (t >= P - 1)
      outs.push_back(
          xf::ReshapeOp::create(b, loc, stackedType(yType, 1), prev));
  }
  Value result = outs.size() == 1
                     ? outs.front()
                     : xf::ConcatOp::create(b, loc, outs, 0).getResult();
  func::ReturnOp::create(b, ret.getLoc(), result);
  func.getBody().push_back(nb);
  old.dropAllDefinedValueUses();
  old.erase();
  func.setType(
      FunctionType::get(ctx, nb->getArgumentTypes(), {result.getType()}));
  // Arguments: which function argument each stage reads here; the
  // activation's split (if any) one dimension further in.
  auto shifted = [&](Attribute a) -> Attribute {
    auto d = asDict(a);
    if (!d)
      return a;
    NamedAttrList l(d);
    if (auto dim = d.getAs<IntegerAttr>("dim"))
      l.set("dim", b.getI64IntegerAttr(dim.getInt() + 1));
    return l.getDictionary(ctx);
  };
  for (unsigned k = 0; k < plan.stage0Args.size(); ++k) {
    SmallVector<int64_t> per(plan.stageArgs[k].begin(),
                             plan.stageArgs[k].end());
    func.setArgAttr(k, "xf.stage_args", b.getDenseI64ArrayAttr(per));
    if (k == kx && xShard)
      func.setArgAttr(k, "xf.shard", shifted(xShard));
  }
  if (yShard)
    func.setResultAttr(0, "xf.shard", shifted(yShard));
  func.setResultAttr(0, "xf.stage", b.getI64IntegerAttr(P - 1));
  return success();
}

FailureOr<func::FuncOp> muir::microbatchedFunction(func::FuncOp func,
                                                   unsigned activation,
                                                   int64_t microbatches,
                                                   StringRef name) {
  if (activation >= func.getNumArguments() || microbatches < 1 ||
      !func.getBody().hasOneBlock())
    return func.emitError()
           << "cannot make the microbatched function: "
              "argument "
           << activation << ", " << microbatches << " microbatches";
  MLIRContext *ctx = func.getContext();
  OpBuilder b(ctx);
  b.setInsertionPointAfter(func);

  SmallVector<Type> args(func.getArgumentTypes());
  auto xType = llvm::cast<RankedTensorType>(args[activation]);
  args[activation] = stackedType(xType, microbatches);
  SmallVector<Type> results;
  for (Type t : func.getResultTypes())
    results.push_back(stackedType(t, microbatches));
  auto f = func::FuncOp::create(b, func.getLoc(), name,
                                FunctionType::get(ctx, args, results));
  f.setPrivate();
  Block *nb = f.addEntryBlock();
  b.setInsertionPointToEnd(nb);
  Block &old = func.getBody().front();
  auto ret = llvm::cast<func::ReturnOp>(old.getTerminator());
  Location loc = func.getLoc();
  SmallVector<SmallVector<Value>> outs(func.getNumResults());
  for (int64_t m = 0; m < microbatches; ++m) {
    Value x = microbatch(b, loc, nb->getArgument(activation), m, xType);
    IRMapping map;
    for (BlockArgument a : old.getArguments())
      map.map(a, a.getArgNumber() == activation
                     ? x
                     : nb->getArgument(a.getArgNumber()));
    for (Operation &op : old.without_terminator())
      b.clone(op, map);
    for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
      outs[i].push_back(xf::ReshapeOp::create(
          b, loc, stackedType(v.getType(), 1), map.lookup(v)));
    }
  }
  SmallVector<Value> rets;
  for (auto &o : outs)
    rets.push_back(o.size() == 1
                       ? o.front()
                       : xf::ConcatOp::create(b, loc, o, 0).getResult());
  func::ReturnOp::create(b, loc, rets);
  return f;
}
