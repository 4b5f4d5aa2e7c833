//===- Shard.cpp - muir-xf-shard: tensor-parallel SPMD over a 1-D mesh ----===//
//
// Forward propagation of a sharding state per value (replicated, split
// along one dimension, or a partial sum) through the entry function, with
// the Megatron rules for transformer blocks; where operands disagree they
// are made replicated by a collective, so the result is never wrong, only
// less parallel. The function is rewritten in place to per-rank shapes.
//
//===----------------------------------------------------------------------===//
#include "Pipelining.h"

#include "muir/Conversion/Passes.h"
#include "muir/Dialect/Nc/NcUtils.h"
#include "muir/Dialect/Xf/XfDialect.h"
#include "muir/Target/Collective.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

namespace muir {
#define GEN_PASS_DEF_XFSHARDPASS
#include "muir/Conversion/Passes.h.inc"
} // namespace muir

using namespace mlir;
using namespace muir;

namespace {
/// How a value is held across the mesh. `Free` is an argument not yet
/// decided: its first use decides it.
/// A split has `parts` pieces (dividing N; rank r holds piece
/// r / (N / parts), so fewer parts than ranks replicate each piece, as GQA's
/// key/value heads are when there are fewer of them than cores); along
/// `dim`, read as [groups, parts, c], a piece is [:, piece, :]. A partial
/// sum is summed over `parts` ranks holding distinct pieces.
struct Shard {
  enum Kind { Free, Rep, Split, Partial } kind = Rep;
  int64_t dim = 0, groups = 1, parts = 0;
  static Shard rep() { return {Rep, 0, 1, 0}; }
  static Shard split(int64_t d, int64_t g, int64_t p) {
    return {Split, d, g, p};
  }
  static Shard partial(int64_t p) { return {Partial, 0, 1, p}; }
  bool isSplit(int64_t d) const { return kind == Split && dim == d; }
  bool sameSplit(const Shard &o) const {
    return kind == Split && o.kind == Split && dim == o.dim &&
           groups == o.groups && parts == o.parts;
  }
};

/// Marks the concats of row groups the sharder makes (removed at its end).
constexpr llvm::StringLiteral kRowGroups = "xf.row_groups";

/// Rows [row0, row0 + rows) of `v` (every other dimension whole): a
/// contiguous block, which the lowering reads in place.
Value sliceRows(OpBuilder &b, Location loc, Value v, int64_t row0,
                int64_t rows) {
  auto t = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> offs(t.getRank(), 0), sizes(t.getShape()),
      st(t.getRank(), 1);
  offs[0] = row0;
  sizes[0] = rows;
  return xf::SliceOp::create(
      b, loc, RankedTensorType::get(sizes, t.getElementType()), v,
      b.getDenseI64ArrayAttr(offs), b.getDenseI64ArrayAttr(sizes),
      b.getDenseI64ArrayAttr(st));
}

int64_t product(ArrayRef<int64_t> s) {
  int64_t p = 1;
  for (int64_t d : s)
    p *= d;
  return p;
}

bool isElementwiseBinary(Operation *op) {
  return isa<xf::AddOp, xf::SubOp, xf::MulOp, xf::DivOp, xf::MaxOp, xf::MinOp>(
      op);
}

bool isElementwiseUnary(Operation *op) {
  return isa<xf::NegOp, xf::ExpOp, xf::LogOp, xf::TanhOp, xf::SqrtOp,
             xf::RsqrtOp, xf::SigmoidOp, xf::ReluOp, xf::SiluOp, xf::GeluOp,
             xf::CastOp>(op);
}

/// The output dimension of a reshape from `in` to `out` that keeps a split
/// of `in` along `dim` (same elements before it, [groups, parts, c] intact),
/// or -1.
int64_t reshapedDim(ArrayRef<int64_t> in, ArrayRef<int64_t> out, int64_t dim,
                    int64_t grp, int64_t parts) {
  int64_t before = product(in.take_front(dim));
  for (int64_t j = 0; j < (int64_t)out.size(); ++j)
    if (product(out.take_front(j)) == before && out[j] % (grp * parts) == 0)
      return j;
  return -1;
}

class Sharder {
public:
  Sharder(func::FuncOp func, int64_t n, bool sequenceParallel,
          int64_t chunks = 1, const target::Machine *machine = nullptr,
          int64_t blocks = 1)
      : func(func), n(n), sp(sequenceParallel), chunks(chunks),
        machine(machine), blocks(blocks), b(func.getContext()) {}

  LogicalResult run();
  /// Results split across the ranks stay split (xf.shard on the result)
  /// instead of being gathered.
  bool splitResults = false;

private:
  func::FuncOp func;
  int64_t n;
  /// Sequence parallelism: the residual stream and norms split by rows.
  bool sp;
  /// Sequence parallelism in `chunks` row groups: rank r holds rows
  /// [g S/chunks + r c, + c) of each group g, so each group's collective
  /// (gathered rows, reduce-scattered sums) is a contiguous block of the
  /// global rows, and the product consuming a gathered group can start
  /// while the next group is still in flight. 0: automatic (autoChunks).
  int64_t chunks;
  /// The target, when the pass has one (the automatic row groups).
  const target::Machine *machine;
  /// Context parallelism: the mesh is `blocks` x N ranks (rank b N + r),
  /// block b holding its own block of the sequence (splitSequence); every
  /// collective of this walk runs within a block, so each replica group
  /// is repeated once per block, shifted by b N.
  int64_t blocks;
  int64_t autoChunks(RankedTensorType residual);
  int64_t chooseChunks(RankedTensorType residual);
  /// autoChunks per residual type, decided once.
  DenseMap<Type, int64_t> chunksOf;
  /// The function's matmul and attention flops per norm (per sub-block),
  /// counted before the walk rewrites anything.
  double subBlockFlops = 0;
  /// Ops replaced by per-group ones, erased once the walk is done.
  SmallVector<Operation *> dead;
  OpBuilder b;
  /// Replica groups of ranks holding distinct pieces of a `parts`-way
  /// split: group j is ranks j, j + N/parts, j + 2 N/parts, ...
  DenseIntElementsAttr replicaGroups(int64_t parts) {
    int64_t copies = n / parts;
    SmallVector<int64_t> ranks;
    for (int64_t blk = 0; blk < blocks; ++blk)
      for (int64_t j = 0; j < copies; ++j)
        for (int64_t i = 0; i < parts; ++i)
          ranks.push_back(blk * n + j + i * copies);
    return DenseIntElementsAttr::get(
        RankedTensorType::get({blocks * copies, parts}, b.getI64Type()), ranks);
  }

  /// The xf.shard attribute of an argument or result held as `s`.
  Attribute annotation(const Shard &s) {
    if (s.kind != Shard::Split)
      return b.getStringAttr("replicated");
    return b.getDictionaryAttr(
        {b.getNamedAttr("dim", b.getI64IntegerAttr(s.dim)),
         b.getNamedAttr("groups", b.getI64IntegerAttr(s.groups)),
         b.getNamedAttr("parts", b.getI64IntegerAttr(s.parts))});
  }

  DenseMap<Value, Shard> state;
  DenseMap<Value, RankedTensorType> global;
  DenseMap<Value, Value> replicated; // conversions already made

  RankedTensorType globalOf(Value v) { return global.lookup(v); }
  Shard of(Value v) {
    auto it = state.find(v);
    return it == state.end() ? Shard::rep() : it->second;
  }
  RankedTensorType localType(RankedTensorType g, Shard s) {
    if (s.kind != Shard::Split)
      return g;
    SmallVector<int64_t> shape(g.getShape());
    shape[s.dim] /= s.parts;
    return RankedTensorType::get(shape, g.getElementType());
  }
  /// Whether a global tensor can be split along `dim` in `grp` groups of
  /// `parts` pieces.
  bool divisible(RankedTensorType g, int64_t dim, int64_t grp, int64_t parts) {
    return dim >= 0 && dim < g.getRank() &&
           g.getDimSize(dim) % (grp * parts) == 0;
  }
  /// The most pieces (a divisor of N) a column-parallel product's result can
  /// be split in along `dim` with `grp` groups such that the reshapes it
  /// flows through (via single uses: bias adds, reshapes, transposes) keep
  /// the split whole: N for Q, the number of key/value heads for K and V
  /// when there are fewer of them than ranks; 1 when no split works.
  int64_t partsFor(Value v, int64_t dim, int64_t grp);
  /// Gives `v` (a value or argument) sharding `s` and its local type.
  void set(Value v, Shard s) {
    state[v] = s;
    v.setType(localType(globalOf(v), s));
  }
  /// Decides a free argument; no-op for decided values.
  void decide(Value v, Shard s) {
    if (of(v).kind == Shard::Free)
      set(v, s);
  }
  /// Makes operand `i` of `op` replicated: decides a free argument, or
  /// inserts the collective that replicates it before `op`.
  void makeRep(Operation *op, unsigned i);
  void makeAllRep(Operation *op) {
    for (unsigned i = 0; i < op->getNumOperands(); ++i)
      makeRep(op, i);
  }
  Value replicate(Value v, Location loc);
  LogicalResult visit(Operation *op);
  /// The rules; each returns the result's sharding (operands converted as
  /// needed), or failure after an error.
  FailureOr<Shard> visitMatmul(xf::MatmulOp mm);
  Shard visitBinary(Operation *op);
  Shard visitReshape(xf::ReshapeOp r);
  Shard visitSlice(xf::SliceOp sl);
  Shard visitConcat(xf::ConcatOp c);
  FailureOr<Shard> visitAttention(xf::AttentionOp a);
  /// Column groups for a column-parallel product: G when the value (through
  /// single-use elementwise ops) is only cut into G equal slices along
  /// `dim`, as a fused QKV projection is; 1 otherwise.
  int64_t sliceGroups(Value v, int64_t dim);
};

int64_t Sharder::partsFor(Value v, int64_t dim, int64_t grp) {
  for (int64_t parts = n; parts > 1; --parts) {
    if (n % parts || globalOf(v).getDimSize(dim) % (grp * parts))
      continue;
    Value cur = v;
    int64_t d = dim;
    bool ok = true;
    while (ok && cur.hasOneUse()) {
      Operation *u = *cur.getUsers().begin();
      if (auto r = dyn_cast<xf::ReshapeOp>(u)) {
        d = reshapedDim(globalOf(cur).getShape(),
                        globalOf(r.getResult()).getShape(), d, grp, parts);
        ok = d >= 0;
      } else if (auto t = dyn_cast<xf::TransposeOp>(u)) {
        d = llvm::find(t.getPermutation(), d) - t.getPermutation().begin();
      } else if (auto rope = dyn_cast<xf::RopeOp>(u)) {
        ok = rope.getInput() == cur && d < globalOf(cur).getRank() - 2;
      } else if (isa<xf::AttentionOp>(u)) {
        ok = d == 1; // whole heads
        break;
      } else if (!isElementwiseBinary(u) ||
                 globalOf(u->getResult(0)).getRank() !=
                     globalOf(cur).getRank()) {
        break;
      }
      cur = u->getResult(0);
    }
    if (ok)
      return parts;
  }
  return 1;
}

int64_t Sharder::sliceGroups(Value v, int64_t dim) {
  while (v.hasOneUse() && isElementwiseBinary(*v.getUsers().begin()))
    v = v.getUsers().begin()->getResult(0);
  int64_t size = -1, d = globalOf(v) ? globalOf(v).getDimSize(dim) : 0;
  if (v.use_empty())
    return 1;
  for (Operation *u : v.getUsers()) {
    auto sl = dyn_cast<xf::SliceOp>(u);
    if (!sl || sl.getStrides()[dim] != 1 ||
        (size >= 0 && sl.getSizes()[dim] != size))
      return 1;
    size = sl.getSizes()[dim];
    if (size <= 0 || sl.getOffsets()[dim] % size != 0)
      return 1;
  }
  return d % size == 0 ? d / size : 1;
}

Value Sharder::replicate(Value v, Location loc) {
  if (Value r = replicated.lookup(v))
    return r;
  Shard s = of(v);
  RankedTensorType g = globalOf(v);
  b.setInsertionPointAfterValue(v);
  Value r;
  DenseIntElementsAttr groups = replicaGroups(s.parts);
  if (s.kind == Shard::Partial) {
    r = xf::AllReduceOp::create(b, loc, g, v, groups);
  } else {
    // Split along `dim`: the global dimension is [G, parts, c].
    ArrayRef<int64_t> shape = g.getShape();
    int64_t p = product(shape.take_front(s.dim)), np = s.parts;
    if (p == 1 && s.groups == 1) {
      r = xf::AllGatherOp::create(b, loc, g, v, groups,
                                  b.getI64IntegerAttr(s.dim));
    } else if (p == 1 && s.dim == 0 && s.groups > 1) {
      // Row groups: one gather per group of the rank's contiguous rows of
      // that group, each a contiguous block of the global rows, joined in
      // order (the lowering writes each gather in place).
      auto lt = llvm::cast<RankedTensorType>(v.getType());
      int64_t c = lt.getDimSize(0) / s.groups;
      SmallVector<int64_t> gsh(g.getShape());
      gsh[0] = c * np;
      SmallVector<Value> parts;
      for (int64_t j = 0; j < s.groups; ++j) {
        Value piece = sliceRows(b, loc, v, j * c, c);
        parts.push_back(xf::AllGatherOp::create(
            b, loc, RankedTensorType::get(gsh, g.getElementType()), piece,
            groups, b.getI64IntegerAttr(0)));
      }
      r = xf::ConcatOp::create(b, loc, g, parts, b.getI64IntegerAttr(0));
      r.getDefiningOp()->setAttr(kRowGroups, b.getUnitAttr());
    } else {
      // Gather whole local tensors, then move the piece index into place:
      // [parts, P, G, c*Q] -> [P, G, parts, c*Q].
      Type et = g.getElementType();
      int64_t local = product(shape) / np;
      int64_t rest = local / (p * s.groups);
      auto ty = [&](ArrayRef<int64_t> sh) {
        return RankedTensorType::get(sh, et);
      };
      Value flat = xf::ReshapeOp::create(b, loc, ty({1, local}), v);
      Value all = xf::AllGatherOp::create(b, loc, ty({np, local}), flat, groups,
                                          b.getI64IntegerAttr(0));
      Value pieces =
          xf::ReshapeOp::create(b, loc, ty({np, p, s.groups, rest}), all);
      Value moved =
          xf::TransposeOp::create(b, loc, ty({p, s.groups, np, rest}), pieces,
                                  b.getDenseI64ArrayAttr({1, 2, 0, 3}));
      r = xf::ReshapeOp::create(b, loc, g, moved);
    }
  }
  global[r] = g;
  state[r] = Shard::rep();
  replicated[v] = r;
  return r;
}

void Sharder::makeRep(Operation *op, unsigned i) {
  Value v = op->getOperand(i);
  Shard s = of(v);
  if (s.kind == Shard::Free)
    return set(v, Shard::rep());
  if (s.kind == Shard::Rep)
    return;
  op->setOperand(i, replicate(v, op->getLoc()));
}

FailureOr<Shard> Sharder::visitMatmul(xf::MatmulOp mm) {
  int64_t kA = mm.getTransposeLhs() ? 0 : 1, mA = 1 - kA;
  int64_t kB = mm.getTransposeRhs() ? 1 : 0, nB = 1 - kB;
  // Operands are re-read after each conversion (a collective replaces them).
  auto a = [&] { return mm.getLhs(); };
  auto w = [&] { return mm.getRhs(); };
  for (unsigned i = 0; i < 2; ++i)
    if (of(mm->getOperand(i)).kind == Shard::Partial)
      makeRep(mm, i);
  if (of(a()).kind == Shard::Free)
    set(a(), Shard::rep());
  // Sequence parallelism: rows are gathered before a column-parallel
  // product (a weight's first product decides it; a later product of the
  // same weight, e.g. another sequence chunk's, finds it column-split).
  if (sp && of(a()).isSplit(mA) &&
      (of(w()).kind == Shard::Free || of(w()).isSplit(nB)))
    makeRep(mm, 0);
  Shard sa = of(a());
  if (of(w()).kind == Shard::Free) {
    RankedTensorType gw = globalOf(w());
    if (sa.kind == Shard::Split && sa.dim == kA &&
        divisible(gw, kB, sa.groups, sa.parts))
      set(w(), Shard::split(kB, sa.groups, sa.parts)); // row-parallel
    else if (sa.kind == Shard::Split && sa.dim == mA)
      set(w(), Shard::rep());
    else {
      makeRep(mm, 0);
      int64_t g = sliceGroups(mm.getResult(), 1);
      if (!divisible(gw, nB, g, n))
        g = 1;
      int64_t parts = partsFor(mm.getResult(), 1, g);
      set(w(), parts > 1 && divisible(gw, nB, g, parts)
                   ? Shard::split(nB, g, parts)
                   : Shard::rep());
    }
  }
  sa = of(a());
  Shard sw = of(w());
  if (sa.isSplit(kA) && sw.isSplit(kB) && sa.groups == sw.groups &&
      sa.parts == sw.parts)
    return Shard::partial(sa.parts);
  if (sa.kind == Shard::Rep && sw.isSplit(nB))
    return Shard::split(1, sw.groups, sw.parts);
  if (sa.isSplit(mA) && sw.kind == Shard::Rep)
    return Shard::split(0, sa.groups, sa.parts);
  makeAllRep(mm);
  return Shard::rep();
}

Shard Sharder::visitBinary(Operation *op) {
  bool linear = isa<xf::AddOp, xf::SubOp>(op);
  Shard s0 = of(op->getOperand(0)), s1 = of(op->getOperand(1));
  if (linear && s0.kind == Shard::Partial && s1.kind == Shard::Partial &&
      s0.parts == s1.parts)
    return s0;
  // A partial sum meeting rows split N ways (sequence parallelism's
  // residual add): reduce-scatter it to the same rows.
  for (unsigned i = 0; i < 2; ++i) {
    Shard p = of(op->getOperand(i)), o = of(op->getOperand(1 - i));
    RankedTensorType pg = globalOf(op->getOperand(i));
    if (p.kind != Shard::Partial || p.parts != n || o.kind != Shard::Split ||
        o.parts != n || (o.groups != 1 && o.dim != 0) ||
        globalOf(op->getOperand(1 - i)) != pg ||
        product(pg.getShape().take_front(o.dim)) != 1)
      continue;
    Value v = op->getOperand(i);
    b.setInsertionPoint(op);
    Value rs;
    if (o.groups == 1) {
      rs = xf::ReduceScatterOp::create(b, op->getLoc(), localType(pg, o), v,
                                       replicaGroups(n),
                                       b.getI64IntegerAttr(o.dim));
    } else {
      // Row groups: one reduce-scatter per group of global rows (a
      // contiguous block of the partial sum), joined into the rank's rows.
      RankedTensorType lt = localType(pg, o);
      int64_t c = lt.getDimSize(0) / o.groups;
      SmallVector<int64_t> sizes(pg.getShape()), lsh(lt.getShape());
      sizes[0] = c * n;
      lsh[0] = c;
      // A row-parallel product (O, down) is computed per row group, so the
      // first group's reduce-scatter runs while the next group's rows are
      // multiplied; the whole product is then dead.
      auto mm = v.getDefiningOp<xf::MatmulOp>();
      bool perGroup =
          mm && v.hasOneUse() && !mm.getTransposeLhs() && pg.getRank() == 2;
      if (perGroup)
        dead.push_back(mm);
      SmallVector<Value> parts;
      for (int64_t j = 0; j < o.groups; ++j) {
        Value piece;
        if (perGroup)
          piece = xf::MatmulOp::create(
              b, mm.getLoc(), RankedTensorType::get(sizes, pg.getElementType()),
              sliceRows(b, op->getLoc(), mm.getLhs(), j * c * n, c * n),
              mm.getRhs(), mm.getTransposeLhsAttr(), mm.getTransposeRhsAttr(),
              mm.getAccTypeAttr());
        else
          piece = sliceRows(b, op->getLoc(), v, j * c * n, c * n);
        parts.push_back(xf::ReduceScatterOp::create(
            b, op->getLoc(), RankedTensorType::get(lsh, pg.getElementType()),
            piece, replicaGroups(n), b.getI64IntegerAttr(0)));
      }
      rs = xf::ConcatOp::create(b, op->getLoc(), lt, parts,
                                b.getI64IntegerAttr(0));
      rs.getDefiningOp()->setAttr(kRowGroups, b.getUnitAttr());
    }
    global[rs] = pg;
    state[rs] = o;
    op->setOperand(i, rs);
  }
  for (unsigned i = 0; i < 2; ++i)
    if (of(op->getOperand(i)).kind == Shard::Partial)
      makeRep(op, i);
  RankedTensorType res = globalOf(op->getResult(0));
  int64_t r = res.getRank();
  // The split result dimension, from the first split operand.
  std::optional<Shard> lead;
  for (Value v : op->getOperands())
    if (Shard s = of(v); s.kind == Shard::Split && !lead) {
      int64_t off = r - globalOf(v).getRank();
      lead = Shard::split(s.dim + off, s.groups, s.parts);
    }
  bool ok = lead.has_value();
  for (Value v : op->getOperands()) {
    if (!ok)
      break;
    RankedTensorType g = globalOf(v);
    int64_t d = lead->dim - (r - g.getRank()); // the operand's dimension
    bool broadcast = d < 0 || g.getDimSize(d) == 1;
    bool full = d >= 0 && g.getDimSize(d) == res.getDimSize(lead->dim);
    Shard s = of(v);
    if (s.kind == Shard::Split)
      ok = s.dim == d && s.groups == lead->groups && s.parts == lead->parts &&
           full;
    else if (s.kind == Shard::Rep)
      ok = broadcast;
    // Free: a bias of the split dimension is split with it.
  }
  if (!ok) {
    makeAllRep(op);
    return Shard::rep();
  }
  for (Value v : op->getOperands()) {
    RankedTensorType g = globalOf(v);
    int64_t d = lead->dim - (r - g.getRank());
    bool broadcast = d < 0 || g.getDimSize(d) == 1;
    decide(v, broadcast ? Shard::rep()
                        : Shard::split(d, lead->groups, lead->parts));
  }
  return *lead;
}

Shard Sharder::visitReshape(xf::ReshapeOp rs) {
  Shard s = of(rs.getInput());
  if (s.kind != Shard::Split)
    return s.kind == Shard::Partial ? s : Shard::rep();
  int64_t j = reshapedDim(globalOf(rs.getInput()).getShape(),
                          globalOf(rs.getResult()).getShape(), s.dim, s.groups,
                          s.parts);
  if (j >= 0)
    return Shard::split(j, s.groups, s.parts);
  makeRep(rs, 0);
  return Shard::rep();
}

Shard Sharder::visitSlice(xf::SliceOp sl) {
  Shard s = of(sl.getInput());
  if (s.kind != Shard::Split) {
    makeRep(sl, 0);
    return Shard::rep();
  }
  int64_t d = s.dim, size = globalOf(sl.getInput()).getDimSize(d);
  int64_t off = sl.getOffsets()[d], len = sl.getSizes()[d];
  SmallVector<int64_t> offs(sl.getOffsets()), sizes(sl.getSizes());
  if (sl.getStrides()[d] == 1 && off == 0 && len == size) {
    sizes[d] = len / s.parts;
    sl.setSizesAttr(b.getDenseI64ArrayAttr(sizes));
    return s;
  }
  int64_t gs = size / s.groups; // one group: `parts` blocks of c
  if (s.groups > 1 && sl.getStrides()[d] == 1 && off % gs == 0 && len == gs) {
    offs[d] = off / gs * (gs / s.parts);
    sizes[d] = gs / s.parts;
    sl.setOffsetsAttr(b.getDenseI64ArrayAttr(offs));
    sl.setSizesAttr(b.getDenseI64ArrayAttr(sizes));
    return Shard::split(d, 1, s.parts);
  }
  makeRep(sl, 0);
  return Shard::rep();
}

Shard Sharder::visitConcat(xf::ConcatOp c) {
  int64_t axis =
      *xf::normalizeAxis((int64_t)c.getAxis(), c.getType().getRank());
  std::optional<Shard> lead;
  bool ok = true;
  for (Value v : c.getInputs()) {
    Shard s = of(v);
    if (s.kind == Shard::Free)
      continue;
    if (s.kind != Shard::Split || s.dim == axis ||
        (lead && !lead->sameSplit(s)))
      ok = false;
    else
      lead = s;
  }
  if (!ok || !lead) {
    makeAllRep(c);
    return Shard::rep();
  }
  for (Value v : c.getInputs())
    decide(v, *lead); // a KV cache is split like the new keys
  return *lead;
}

FailureOr<Shard> Sharder::visitAttention(xf::AttentionOp a) {
  int64_t hq = globalOf(a.getQuery()).getDimSize(1);
  int64_t hkv = globalOf(a.getKey()).getDimSize(1);
  // Query heads split N ways; key/value heads N ways too, or, when there
  // are fewer of them, each replicated over the ranks of its query group.
  if (hq % n != 0 || (hkv % n != 0 && n % hkv != 0)) {
    a.emitOpError() << "cannot be sharded over " << n << " cores: " << hq
                    << " query heads must be divisible by the number of "
                       "cores, and "
                    << hkv
                    << " key/value heads divisible by it or dividing it "
                       "(each core computes whole heads)";
    return failure();
  }
  Shard qs = Shard::split(1, 1, n), kvs = Shard::split(1, 1, std::min(hkv, n));
  if (hkv == 1)
    kvs = Shard::rep(); // one key/value head (MQA): on every rank
  auto fits = [&](Value v, const Shard &want) {
    Shard s = of(v);
    return s.kind == Shard::Free ||
           (want.kind == Shard::Rep ? s.kind == Shard::Rep : s.sameSplit(want));
  };
  Value bias = a.getBias();
  bool headBias = bias && globalOf(bias).getDimSize(1) != 1;
  bool ok = fits(a.getQuery(), qs) && fits(a.getKey(), kvs) &&
            fits(a.getValue(), kvs) && (!headBias || fits(bias, qs));
  if (!ok) {
    makeAllRep(a);
    return Shard::rep();
  }
  decide(a.getQuery(), qs);
  decide(a.getKey(), kvs);
  decide(a.getValue(), kvs);
  if (headBias)
    decide(bias, qs);
  for (OpOperand &o : a->getOpOperands())
    if (o.get() == a.getKeyBias() ||
        (bias && o.get() == bias && globalOf(bias).getDimSize(1) == 1))
      makeRep(a, o.getOperandNumber());
  return qs;
}

LogicalResult Sharder::visit(Operation *op) {
  if (isa<xf::KernelOp>(op))
    return op->emitOpError() << "muir-xf-shard runs before fusion: shard the "
                                "graph, then form kernels";
  if (isa<xf::AllReduceOp, xf::AllGatherOp, xf::ReduceScatterOp, xf::AllToAllOp,
          xf::CollectivePermuteOp>(op))
    return op->emitOpError() << "is already an SPMD collective: "
                                "muir-xf-shard takes an unsharded graph";
  if (!op->getDialect() || !isa<xf::XfDialect>(op->getDialect()) ||
      op->getNumResults() != 1)
    return op->emitOpError() << "cannot be sharded by muir-xf-shard (only "
                                "single-result xf ops are known)";
  auto unaryLike = [&](Value in, auto keep) -> Shard {
    Shard s = of(in);
    if (s.kind == Shard::Split && keep(s.dim))
      return s;
    makeRep(op, 0);
    return Shard::rep();
  };
  FailureOr<Shard> res =
      llvm::TypeSwitch<Operation *, FailureOr<Shard>>(op)
          .Case([&](xf::MatmulOp mm) { return visitMatmul(mm); })
          .Case([&](xf::ReshapeOp r) { return visitReshape(r); })
          .Case([&](xf::SliceOp s) { return visitSlice(s); })
          .Case([&](xf::ConcatOp c) { return visitConcat(c); })
          .Case([&](xf::AttentionOp a) { return visitAttention(a); })
          .Case([&](xf::TransposeOp t) -> Shard {
            Shard s = of(t.getInput());
            if (s.kind == Shard::Partial)
              return s;
            ArrayRef<int64_t> perm = t.getPermutation();
            for (int64_t i = 0; i < (int64_t)perm.size(); ++i)
              if (s.kind == Shard::Split && perm[i] == s.dim)
                return Shard::split(i, s.groups, s.parts);
            makeRep(op, 0);
            return Shard::rep();
          })
          .Case<xf::LayerNormOp, xf::RmsNormOp>([&](Operation *) {
            // Rows split (sequence parallel) stay split; weights replicated.
            // With sequence parallelism an undecided input (the residual
            // stream entering the block) is split by rows.
            Value in = op->getOperand(0);
            int64_t last = globalOf(in).getRank() - 1;
            if (sp && last > 0) {
              int64_t ch = chunks ? chunks : autoChunks(globalOf(in));
              if (ch > 1 && divisible(globalOf(in), 0, ch, n))
                decide(in, Shard::split(0, ch, n));
              else if (divisible(globalOf(in), 0, 1, n))
                decide(in, Shard::split(0, 1, n));
            }
            for (unsigned i = 1; i < op->getNumOperands(); ++i)
              makeRep(op, i);
            return unaryLike(op->getOperand(0),
                             [&](int64_t d) { return d != last; });
          })
          .Case([&](xf::SoftmaxOp s) {
            int64_t r = s.getType().getRank();
            int64_t axis = *xf::normalizeAxis((int64_t)s.getAxis(), r);
            return unaryLike(s.getInput(),
                             [&](int64_t d) { return d != axis; });
          })
          .Case([&](xf::RopeOp r) {
            int64_t rank = globalOf(r.getInput()).getRank();
            makeRep(op, 1);
            makeRep(op, 2);
            return unaryLike(r.getInput(),
                             [&](int64_t d) { return d < rank - 2; });
          })
          .Default([&](Operation *) -> Shard {
            if (isElementwiseBinary(op))
              return visitBinary(op);
            if (isElementwiseUnary(op))
              return unaryLike(op->getOperand(0), [](int64_t) { return true; });
            makeAllRep(op); // constants, gathers, reductions, ...
            return Shard::rep();
          });
  if (failed(res))
    return failure();
  set(op->getResult(0), *res);
  return success();
}

/// Row groups all the way: a norm or a same-shape elementwise binary op of
/// a row-group concat runs per group (the other operand's rows sliced to
/// match, a view), giving a row-group concat of its own, and a slice that
/// takes exactly one group of such a concat is that group. So the residual
/// add and norm of group 0 run while group 1's reduce-scatter is in flight,
/// and group 0's next all-gather starts right after it; the concats whose
/// every use went per group die.
static void distributeRowGroups(func::FuncOp func) {
  Block &body = func.getBody().front();
  auto groupConcat = [](Value v) {
    auto c = v.getDefiningOp<xf::ConcatOp>();
    return c && c->hasAttr(kRowGroups) ? c : xf::ConcatOp();
  };
  auto rowsOf = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getDimSize(0);
  };
  auto withRows = [](Value v, int64_t rows) {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> sh(t.getShape());
    sh[0] = rows;
    return RankedTensorType::get(sh, t.getElementType());
  };
  bool changed = true;
  while (changed) {
    changed = false;
    for (Operation &op :
         llvm::make_early_inc_range(body.without_terminator())) {
      OpBuilder b(&op);
      if (auto sl = dyn_cast<xf::SliceOp>(op)) {
        xf::ConcatOp cat = groupConcat(sl.getInput());
        auto t = cast<RankedTensorType>(sl.getInput().getType());
        bool whole =
            llvm::all_of(sl.getStrides(), [](int64_t s) { return s == 1; });
        for (int64_t d = 1; d < t.getRank() && whole; ++d)
          whole =
              sl.getOffsets()[d] == 0 && sl.getSizes()[d] == t.getDimSize(d);
        if (!cat || !whole)
          continue;
        int64_t pos = 0;
        for (Value in : cat.getInputs()) {
          if (pos == sl.getOffsets()[0] && rowsOf(in) == sl.getSizes()[0]) {
            sl.getResult().replaceAllUsesWith(in);
            sl.erase();
            changed = true;
            break;
          }
          pos += rowsOf(in);
        }
        continue;
      }
      bool norm = isa<xf::RmsNormOp, xf::LayerNormOp>(op);
      bool binary = isElementwiseBinary(&op);
      if ((!norm && !binary) || op.getNumResults() != 1)
        continue;
      Type rt = op.getResult(0).getType();
      if (cast<RankedTensorType>(rt).getRank() < 2)
        continue;
      // The concat operand, and for a binary op the other one, of the
      // result's shape.
      xf::ConcatOp cat = groupConcat(op.getOperand(0));
      unsigned ci = 0;
      if (!cat && binary && (cat = groupConcat(op.getOperand(1))))
        ci = 1;
      if (!cat || (binary && (op.getOperand(0).getType() != rt ||
                              op.getOperand(1).getType() != rt)))
        continue;
      SmallVector<Value> parts;
      int64_t pos = 0;
      for (Value in : cat.getInputs()) {
        // For a binary op, the other operand's rows of this group (a group
        // of its own concat when it is one, else a slice: a view).
        Value otherPart;
        if (binary)
          otherPart =
              sliceRows(b, op.getLoc(), op.getOperand(1 - ci), pos, rowsOf(in));
        Operation *c = b.clone(op);
        c->setOperand(ci, in);
        if (binary)
          c->setOperand(1 - ci, otherPart);
        c->getResult(0).setType(withRows(op.getResult(0), rowsOf(in)));
        parts.push_back(c->getResult(0));
        pos += rowsOf(in);
      }
      auto joined = xf::ConcatOp::create(b, op.getLoc(), rt, parts,
                                         b.getI64IntegerAttr(0));
      joined->setAttr(kRowGroups, b.getUnitAttr());
      op.getResult(0).replaceAllUsesWith(joined.getResult());
      op.erase();
      changed = true;
    }
    // Row-group concats nothing reads any more.
    SmallVector<Operation *> unused;
    for (Operation &op : body.without_terminator())
      if (op.hasAttr(kRowGroups) && op.use_empty())
        unused.push_back(&op);
    for (Operation *op : unused)
      op->erase();
  }
  body.walk([](xf::ConcatOp c) { c->removeAttr(kRowGroups); });
}

/// Automatic row groups for the residual stream `residual` [rows, d]. A
/// row-parallel product runs once per group and reads its weight slice each
/// time, so a group's rows must keep it compute-bound with a margin of two:
/// rows / C >= the PE's peak flops x element bytes / the core's share of HBM
/// bandwidth. Among the counts C = 1, 2, 4, ... that leave each rank whole
/// rows of every group and pass that test, the one minimising a sub-block's
/// estimate, in which the first gather and the last reduce-scatter are
/// exposed and the other C - 1 pairs run under the sub-block's products:
///   T(C) = g(C) + max(compute, (C - 1) g(C)),  g(C) = AG(S/C) + RS(S/C)
/// (the machine's collective cost of the cheapest algorithm over the N
/// ranks; `compute` = the function's matmul and attention flops at the
/// PE's peak over N ranks, per norm, i.e. per sub-block). Without a target:
/// two groups when each rank's rows of a group fill a 128-row tile.
int64_t Sharder::autoChunks(RankedTensorType residual) {
  auto [it, inserted] = chunksOf.try_emplace(residual, 1);
  if (inserted)
    it->second = chooseChunks(residual);
  return it->second;
}

int64_t Sharder::chooseChunks(RankedTensorType residual) {
  if (!residual.hasStaticShape() || residual.getRank() < 1)
    return 1;
  int64_t rows = residual.getDimSize(0);
  auto whole = [&](int64_t c) { return rows % (c * n) == 0; };
  if (!machine)
    return whole(2) && rows / (2 * n) >= 128 ? 2 : 1;
  const target::Machine &m = *machine;
  std::optional<target::ElemType> et =
      nc::toElemType(residual.getElementType());
  if (!et || !m.topology.present)
    return 1;
  double eb = target::elemBytes(*et);
  double peak = 2.0 * m.peakMacsPerCycle(*et) * m.pe.clockHz;
  if (!(peak > 0) || !std::isfinite(peak))
    return 1;
  double hbm = target::hbmShare(
      m, std::min<int64_t>(n, m.topology.logicalCoresPerChip()));
  double minRows = peak * eb / hbm;
  double compute = subBlockFlops / double(n) / peak;
  SmallVector<int64_t> ranks;
  for (int64_t r = 0; r < n; ++r)
    ranks.push_back(r);
  double bytes = double(residual.getNumElements()) * eb;
  int64_t best = 1;
  double bestT = 0;
  for (int64_t c = 1; whole(c); c *= 2) {
    if (c > 1 && double(rows / c) < minRows)
      break;
    auto ag = target::cheapestCollective(m, target::Opcode::AllGather, n, ranks,
                                         bytes / c);
    auto rs = target::cheapestCollective(m, target::Opcode::ReduceScatter, n,
                                         ranks, bytes / c);
    if (!ag || !rs) {
      llvm::consumeError(ag.takeError());
      llvm::consumeError(rs.takeError());
      break;
    }
    double g = (ag->second + rs->second) * 1e-9;
    double t = g + std::max(compute, double(c - 1) * g);
    if (c == 1 || t < bestT) {
      best = c;
      bestT = t;
    }
  }
  return best;
}

LogicalResult Sharder::run() {
  Block &body = func.getBody().front();
  if (n == 1) {
    // One rank per block of a context-parallel mesh: nothing to split.
    for (BlockArgument a : body.getArguments())
      func.setArgAttr(a.getArgNumber(), "xf.shard",
                      b.getStringAttr("replicated"));
    for (unsigned i = 0; i < func.getNumResults(); ++i)
      func.setResultAttr(i, "xf.shard", b.getStringAttr("replicated"));
    return success();
  }
  // Flops per sub-block (autoChunks), before anything is rewritten.
  double flops = 0;
  int64_t norms = 0;
  for (Operation &op : func.getBody().front()) {
    if (isa<xf::LayerNormOp, xf::RmsNormOp>(op))
      ++norms;
    if (auto mm = dyn_cast<xf::MatmulOp>(op)) {
      auto a = cast<RankedTensorType>(mm->getOperand(0).getType());
      auto r = cast<RankedTensorType>(mm->getResult(0).getType());
      if (a.hasStaticShape() && r.hasStaticShape() && a.getRank() >= 1)
        flops += 2.0 * double(r.getNumElements()) *
                 double(a.getDimSize(a.getRank() - 1));
    } else if (auto at = dyn_cast<xf::AttentionOp>(op)) {
      auto q = cast<RankedTensorType>(at.getQuery().getType());
      auto k = cast<RankedTensorType>(at.getKey().getType());
      if (q.hasStaticShape() && k.hasStaticShape() && q.getRank() == 4)
        flops += 4.0 * double(q.getNumElements()) * double(k.getDimSize(2)) *
                 (at.getCausal() ? 0.5 : 1.0);
    }
  }
  subBlockFlops = flops / double(std::max<int64_t>(1, norms));

  for (BlockArgument a : body.getArguments())
    global[a] = cast<RankedTensorType>(a.getType());
  for (Operation &op : body.without_terminator())
    for (Value r : op.getResults())
      if (auto t = dyn_cast<RankedTensorType>(r.getType()))
        global[r] = t;
  // Annotations: xf.shard = {dim = D [, groups = G]} or "replicated".
  for (BlockArgument a : body.getArguments()) {
    Attribute ann = func.getArgAttr(a.getArgNumber(), "xf.shard");
    auto bad = [&](const Twine &why) {
      return func.emitOpError()
             << "argument #" << a.getArgNumber() << " of type " << a.getType()
             << ": xf.shard " << why;
    };
    if (!ann) {
      state[a] = {Shard::Free, 0, 1};
      continue;
    }
    if (auto s = dyn_cast<StringAttr>(ann); s && s.getValue() == "replicated") {
      set(a, Shard::rep());
      continue;
    }
    auto d = dyn_cast<DictionaryAttr>(ann);
    auto dim = d ? d.getAs<IntegerAttr>("dim") : IntegerAttr();
    auto grp = d ? d.getAs<IntegerAttr>("groups") : IntegerAttr();
    if (!dim)
      return bad("must be {dim = D : i64 [, groups = G : i64] [, parts = P "
                 ": i64]} or \"replicated\"");
    auto prt = d.getAs<IntegerAttr>("parts");
    int64_t g = grp ? grp.getInt() : 1, parts = prt ? prt.getInt() : n;
    if (parts < 1 || n % parts != 0)
      return bad("has ") << parts << " parts, which must divide the " << n
                         << " cores";
    if (g < 1 || !divisible(global[a], dim.getInt(), g, parts))
      return bad("splits dimension ")
             << dim.getInt() << " in " << g << " group(s) of " << parts
             << " parts: it must be a dimension whose size is divisible by "
             << g * parts;
    set(a, Shard::split(dim.getInt(), g, parts));
  }
  for (Operation &op : llvm::make_early_inc_range(body.without_terminator()))
    if (failed(visit(&op)))
      return failure();
  Operation *ret = body.getTerminator();
  for (unsigned i = 0; i < ret->getNumOperands(); ++i)
    if (!splitResults || of(ret->getOperand(i)).kind != Shard::Split)
      makeRep(ret, i);
  for (unsigned i = 0; i < ret->getNumOperands(); ++i)
    func.setResultAttr(i, "xf.shard", annotation(of(ret->getOperand(i))));
  for (Operation *op : llvm::reverse(dead))
    if (op->use_empty())
      op->erase();
  distributeRowGroups(func);
  // Arguments never used: replicated.
  for (BlockArgument a : body.getArguments())
    decide(a, Shard::rep());
  for (BlockArgument a : body.getArguments())
    func.setArgAttr(a.getArgNumber(), "xf.shard", annotation(of(a)));
  func.setType(FunctionType::get(func.getContext(), body.getArgumentTypes(),
                                 ret->getOperandTypes()));
  return success();
}

//===----------------------------------------------------------------------===//
// Context parallelism: a 2-D mesh of B blocks (chips) x N ranks
//===----------------------------------------------------------------------===//
//
// Tensor parallelism over every core of an instance moves each layer's
// activations around all its chips twice per sub-block. With context
// parallelism, block b (a chip's N cores: ranks b N .. b N + N - 1) takes
// rows [b S/B, (b + 1) S/B) of the sequence, and tensor (and sequence)
// parallelism runs inside the block on those rows, as on one chip. Every
// op is row-local except attention, which needs every key: around it, the
// rank's query heads for its block's rows are exchanged (xf.all_to_all
// over the rank's column of the mesh: ranks r, N + r, ...) for 1/B of its
// heads over the whole sequence (DeepSpeed-Ulysses), keys and values too
// (or, with one key/value head per rank, all-gathered), so each rank runs
// ordinary causal attention on whole sequences; the result goes back the
// same way. splitSequence rewrites the unsharded function to one block's
// rows before the tensor-parallel walk; wrapAttention adds the exchanges
// after it, on the ranks' local heads.

struct SequenceSplit {
  int64_t blocks = 1;
  /// The sequence dimension of each argument split by blocks.
  DenseMap<unsigned, int64_t> argDims;
  /// The attentions to wrap, and the results gathered over blocks (return
  /// operand index, sequence dimension).
  SmallVector<xf::AttentionOp> attentions;
  SmallVector<std::pair<unsigned, int64_t>> results;
};

/// Plans and applies the split of the sequence over `blocks` blocks of
/// `tp` ranks; on failure nothing is changed and `why` names the op.
FailureOr<SequenceSplit> splitSequence(func::FuncOp func, int64_t blocks,
                                       int64_t tp, std::string &why) {
  Block &body = func.getBody().front();
  llvm::raw_string_ostream os(why);
  auto typeOf = [](Value v) { return cast<RankedTensorType>(v.getType()); };
  auto fail = [&](Operation *op, const Twine &msg) {
    os << "'" << op->getName() << "' at " << op->getLoc() << ": " << msg;
    return failure();
  };
  // The sequence length, from the attentions: self-attention on whole
  // heads, one batch, query and key lengths equal.
  int64_t seqLen = -1;
  SequenceSplit plan;
  plan.blocks = blocks;
  for (auto a : body.getOps<xf::AttentionOp>()) {
    RankedTensorType q = typeOf(a.getQuery()), k = typeOf(a.getKey());
    if (q.getRank() != 4 || q.getDimSize(0) != 1 ||
        q.getDimSize(2) != k.getDimSize(2))
      return fail(a, "context parallelism takes self-attention of one "
                     "batch (query and key lengths equal)");
    if (a.getBias())
      return fail(a, "a per-head score bias is not split by sequence");
    if (seqLen >= 0 && seqLen != q.getDimSize(2))
      return fail(a, "attentions of different sequence lengths");
    seqLen = q.getDimSize(2);
    // The ranks' local heads after tensor parallelism (the attention rule
    // of the walk), then split over the blocks.
    int64_t hq = q.getDimSize(1), hkv = k.getDimSize(1);
    if (hq % tp != 0 || (hkv % tp != 0 && tp % hkv != 0))
      return fail(a, Twine(hq) + " query and " + Twine(hkv) +
                         " key/value heads cannot be split over " + Twine(tp) +
                         " ranks per block");
    int64_t lq = hq / tp;
    int64_t lkv = hkv % tp == 0 ? hkv / tp : 1;
    if (lq % blocks != 0 || (lkv % blocks != 0 && lkv != 1))
      return fail(a, Twine(hq) + " query and " + Twine(hkv) +
                         " key/value heads on " + Twine(tp) +
                         " ranks per block leave heads that " + Twine(blocks) +
                         " blocks cannot share");
    plan.attentions.push_back(a);
  }
  if (seqLen < 0) {
    os << "the function has no attention (nothing needs the whole sequence "
          "but context parallelism pays only for attention blocks)";
    return failure();
  }
  if (seqLen % blocks != 0) {
    os << "the sequence length " << seqLen << " is not divisible by " << blocks
       << " blocks";
    return failure();
  }
  SmallVector<std::pair<xf::SliceOp, int64_t>> slices;
  DenseMap<Value, int64_t> dimOf; // values carrying the sequence
  DenseSet<Value> decided;        // arguments decided either way
  auto free = [&](Value v) {
    return isa<BlockArgument>(v) && !decided.contains(v);
  };
  auto seq = [&](Value v) -> std::optional<int64_t> {
    auto it = dimOf.find(v);
    if (it == dimOf.end())
      return std::nullopt;
    return it->second;
  };
  auto mark = [&](Value v, std::optional<int64_t> d) {
    if (isa<BlockArgument>(v))
      decided.insert(v);
    if (d)
      dimOf[v] = *d;
  };
  // An operand that must not carry the sequence (weights, norm scales).
  auto whole = [&](Operation *op, Value v) -> LogicalResult {
    if (free(v))
      return mark(v, std::nullopt), success();
    if (seq(v))
      return fail(op, "an operand other than the activation carries the "
                      "sequence");
    return success();
  };
  for (Operation &op : body.without_terminator()) {
    if (!op.getDialect() || !isa<xf::XfDialect>(op.getDialect()) ||
        op.getNumResults() != 1)
      return fail(&op, "not an xf op of one result");
    Value res = op.getResult(0);
    auto rt = dyn_cast<RankedTensorType>(res.getType());
    if (!rt)
      return fail(&op, "result is not a ranked tensor");
    LogicalResult ok = success();
    std::optional<int64_t> rd;
    if (auto mm = dyn_cast<xf::MatmulOp>(op)) {
      Value a = mm.getLhs();
      if (free(a) && !mm.getTransposeLhs() && typeOf(a).getRank() == 2 &&
          typeOf(a).getDimSize(0) == seqLen)
        mark(a, 0);
      else if (free(a))
        mark(a, std::nullopt);
      if (seq(a) &&
          (*seq(a) != 0 || mm.getTransposeLhs() || typeOf(a).getRank() != 2))
        return fail(&op, "the sequence is not the rows of the left operand");
      ok = whole(&op, mm.getRhs());
      if (seq(a))
        rd = 0;
    } else if (isa<xf::RmsNormOp, xf::LayerNormOp>(op)) {
      // An undecided input of a norm is the residual stream: [S, d], or
      // [1, S, d] as exported models have it.
      Value x = op.getOperand(0);
      RankedTensorType xt = typeOf(x);
      if (free(x)) {
        std::optional<int64_t> d;
        for (int64_t i = 0; i + 1 < xt.getRank() && !d; ++i) {
          if (xt.getDimSize(i) == seqLen)
            d = i;
          else if (xt.getDimSize(i) != 1)
            break;
        }
        mark(x, d);
      }
      if (seq(x) && *seq(x) == xt.getRank() - 1)
        return fail(&op, "normalizes over the sequence");
      for (unsigned i = 1; i < op.getNumOperands() && succeeded(ok); ++i)
        ok = whole(&op, op.getOperand(i));
      rd = seq(x);
    } else if (isElementwiseBinary(&op)) {
      int64_t r = rt.getRank();
      std::optional<int64_t> lead;
      for (Value v : op.getOperands())
        if (seq(v) && !lead)
          lead = *seq(v) + (r - typeOf(v).getRank());
      for (Value v : op.getOperands()) {
        if (!lead) {
          if (free(v))
            mark(v, std::nullopt);
          continue;
        }
        int64_t d = *lead - (r - typeOf(v).getRank());
        bool broadcast = d < 0 || typeOf(v).getDimSize(d) == 1;
        if (broadcast) {
          ok = whole(&op, v);
        } else if (free(v)) {
          mark(v, d);
        } else if (seq(v) != std::optional<int64_t>(d)) {
          return fail(&op, "mixes a value split by sequence with one that "
                           "is not");
        }
        if (failed(ok))
          break;
      }
      rd = lead;
    } else if (isElementwiseUnary(&op)) {
      if (free(op.getOperand(0)))
        mark(op.getOperand(0), std::nullopt);
      rd = seq(op.getOperand(0));
    } else if (auto r = dyn_cast<xf::ReshapeOp>(op)) {
      if (free(r.getInput()))
        mark(r.getInput(), std::nullopt);
      if (auto d = seq(r.getInput())) {
        ArrayRef<int64_t> in = typeOf(r.getInput()).getShape();
        // The sequence must stay a dimension of its own.
        int64_t j = reshapedDim(in, rt.getShape(), *d, 1, blocks);
        if (j < 0 || rt.getDimSize(j) != in[*d])
          return fail(&op, "the reshape does not keep the sequence whole");
        rd = j;
      }
    } else if (auto t = dyn_cast<xf::TransposeOp>(op)) {
      if (free(t.getInput()))
        mark(t.getInput(), std::nullopt);
      if (auto d = seq(t.getInput()))
        rd = llvm::find(t.getPermutation(), *d) - t.getPermutation().begin();
    } else if (auto rope = dyn_cast<xf::RopeOp>(op)) {
      Value x = rope.getInput();
      if (free(x))
        mark(x, std::nullopt);
      rd = seq(x);
      for (Value tab : {rope.getCos(), rope.getSin()}) {
        if (!rd) {
          ok = whole(&op, tab);
        } else if (*rd != typeOf(x).getRank() - 2) {
          return fail(&op, "the sequence is not rope's position dimension");
        } else if (free(tab)) {
          mark(tab, 0);
        } else if (seq(tab) != std::optional<int64_t>(0)) {
          return fail(&op, "the cos/sin tables are not split like the "
                           "positions");
        }
        if (failed(ok))
          break;
      }
    } else if (auto sl = dyn_cast<xf::SliceOp>(op)) {
      // A slice keeping the whole sequence (Q, K or V of a fused QKV).
      Value x = sl.getInput();
      if (free(x))
        mark(x, std::nullopt);
      if (auto d = seq(x)) {
        if (sl.getOffsets()[*d] != 0 || sl.getStrides()[*d] != 1 ||
            sl.getSizes()[*d] != typeOf(x).getDimSize(*d))
          return fail(&op, "the slice cuts the sequence");
        slices.push_back({sl, *d});
        rd = d;
      }
    } else if (auto c = dyn_cast<xf::ConcatOp>(op)) {
      int64_t axis = *xf::normalizeAxis((int64_t)c.getAxis(), rt.getRank());
      for (Value v : c.getInputs())
        if (seq(v) && !rd)
          rd = seq(v);
      for (Value v : c.getInputs()) {
        if (!rd) {
          if (free(v))
            mark(v, std::nullopt);
        } else if (free(v)) {
          mark(v, rd);
        } else if (seq(v) != rd) {
          return fail(&op, "concatenates values split by sequence with "
                           "others");
        }
      }
      if (rd && *rd == axis)
        return fail(&op, "concatenates along the sequence");
    } else if (auto a = dyn_cast<xf::AttentionOp>(op)) {
      for (Value v : {a.getQuery(), a.getKey(), a.getValue()}) {
        if (free(v))
          mark(v, 2);
        if (seq(v) != std::optional<int64_t>(2))
          return fail(&op, "query, key and value must all carry the "
                           "sequence (a KV cache is not split)");
      }
      if (Value kb = a.getKeyBias())
        ok = whole(&op, kb);
      rd = 2;
    } else {
      for (Value v : op.getOperands())
        if (succeeded(ok))
          ok = whole(&op, v);
    }
    if (failed(ok))
      return failure();
    if (rd) {
      if (rt.getDimSize(*rd) % blocks != 0)
        return fail(&op, "the result's sequence dimension is not divisible "
                         "by the blocks");
      dimOf[res] = *rd;
    }
  }
  Operation *ret = body.getTerminator();
  for (OpOperand &o : ret->getOpOperands())
    if (auto d = seq(o.get())) {
      if (product(typeOf(o.get()).getShape().take_front(*d)) != 1)
        return fail(ret, "a result split by sequence must have only unit "
                         "dimensions before it");
      plan.results.push_back({o.getOperandNumber(), *d});
    }
  // Apply: one block's rows.
  for (auto [sl, d] : slices) {
    SmallVector<int64_t> sizes(sl.getSizes());
    sizes[d] /= blocks;
    sl.setSizesAttr(DenseI64ArrayAttr::get(sl.getContext(), sizes));
  }
  for (auto [v, d] : dimOf) {
    RankedTensorType t = typeOf(v);
    SmallVector<int64_t> shape(t.getShape());
    shape[d] /= blocks;
    v.setType(RankedTensorType::get(shape, t.getElementType()));
    if (auto arg = dyn_cast<BlockArgument>(v))
      plan.argDims[arg.getArgNumber()] = d;
  }
  return plan;
}

/// Replica groups of the mesh's columns: ranks r, N + r, 2 N + r, ...
DenseIntElementsAttr columnGroups(OpBuilder &b, int64_t blocks, int64_t tp) {
  SmallVector<int64_t> ranks;
  for (int64_t r = 0; r < tp; ++r)
    for (int64_t blk = 0; blk < blocks; ++blk)
      ranks.push_back(blk * tp + r);
  return DenseIntElementsAttr::get(
      RankedTensorType::get({tp, blocks}, b.getI64Type()), ranks);
}

/// Around each planned attention (local types after the tensor-parallel
/// walk): heads out to the blocks, whole sequences in, and back.
LogicalResult wrapAttention(func::FuncOp func, const SequenceSplit &plan,
                            int64_t tp, bool splitResults) {
  OpBuilder b(func.getContext());
  int64_t nb = plan.blocks;
  DenseIntElementsAttr groups = columnGroups(b, nb, tp);
  auto ty = [](ArrayRef<int64_t> sh, Type et) {
    return RankedTensorType::get(sh, et);
  };
  // `v` as `t` (itself when it has that type already).
  auto reshaped = [&](Location loc, Value v, RankedTensorType t) -> Value {
    if (v.getType() == t)
      return v;
    return xf::ReshapeOp::create(b, loc, t, v);
  };
  // [1, H, s, hd] rows of this block -> [1, H / B, B s, hd]: block j of the
  // heads to block j.
  auto toHeads = [&](Location loc, Value v) -> Value {
    auto t = cast<RankedTensorType>(v.getType());
    Type et = t.getElementType();
    int64_t h = t.getDimSize(1) / nb, s = t.getDimSize(2), hd = t.getDimSize(3);
    Value x = xf::ReshapeOp::create(b, loc, ty({nb, h * s * hd}, et), v);
    x = xf::AllToAllOp::create(b, loc, x.getType(), x, groups);
    if (h > 1) {
      x = xf::ReshapeOp::create(b, loc, ty({nb, h, s, hd}, et), x);
      x = xf::TransposeOp::create(b, loc, ty({h, nb, s, hd}, et), x,
                                  b.getDenseI64ArrayAttr({1, 0, 2, 3}));
    }
    return xf::ReshapeOp::create(b, loc, ty({1, h, nb * s, hd}, et), x);
  };
  for (xf::AttentionOp a : plan.attentions) {
    Location loc = a.getLoc();
    auto q = cast<RankedTensorType>(a.getQuery().getType());
    auto k = cast<RankedTensorType>(a.getKey().getType());
    int64_t hq = q.getDimSize(1), hkv = k.getDimSize(1);
    if (hq % nb != 0 || (hkv % nb != 0 && hkv != 1))
      return a.emitOpError()
             << "context parallelism over " << nb << " blocks: the rank's "
             << hq << " query and " << hkv
             << " key/value heads cannot be shared by the blocks";
    b.setInsertionPoint(a);
    a->setOperand(0, toHeads(loc, a.getQuery()));
    for (unsigned i : {1u, 2u}) {
      Value v = a->getOperand(i);
      if (hkv % nb == 0) {
        a->setOperand(i, toHeads(loc, v));
        continue;
      }
      // One key/value head: every block needs all of it.
      auto t = cast<RankedTensorType>(v.getType());
      Type et = t.getElementType();
      int64_t s = t.getDimSize(2), hd = t.getDimSize(3);
      Value x = xf::ReshapeOp::create(b, loc, ty({s, hd}, et), v);
      x = xf::AllGatherOp::create(b, loc, ty({nb * s, hd}, et), x, groups,
                                  b.getI64IntegerAttr(0));
      a->setOperand(
          i, xf::ReshapeOp::create(b, loc, ty({1, 1, nb * s, hd}, et), x));
    }
    Value out = a.getResult();
    auto local = cast<RankedTensorType>(out.getType());
    Type et = local.getElementType();
    int64_t h = hq / nb, s = local.getDimSize(2), hd = local.getDimSize(3);
    out.setType(ty({1, h, nb * s, hd}, et));
    b.setInsertionPointAfter(a);
    Value x = xf::ReshapeOp::create(
        b, loc, h > 1 ? ty({h, nb, s, hd}, et) : ty({nb, h * s * hd}, et), out);
    Operation *first = x.getDefiningOp();
    if (h > 1) {
      x = xf::TransposeOp::create(b, loc, ty({nb, h, s, hd}, et), x,
                                  b.getDenseI64ArrayAttr({1, 0, 2, 3}));
      x = xf::ReshapeOp::create(b, loc, ty({nb, h * s * hd}, et), x);
    }
    x = xf::AllToAllOp::create(b, loc, x.getType(), x, groups);
    Value back = xf::ReshapeOp::create(b, loc, local, x);
    out.replaceAllUsesExcept(back, first);
  }
  // Results split by sequence: gathered over the blocks, or left split
  // (seq_dim on the result's xf.shard).
  Operation *ret = func.getBody().front().getTerminator();
  b.setInsertionPoint(ret);
  for (auto [i, d] : plan.results) {
    if (splitResults) {
      NamedAttrList attrs;
      if (auto dict = func.getResultAttrOfType<DictionaryAttr>(i, "xf.shard"))
        attrs.append(dict.getValue());
      attrs.set("seq_dim", b.getI64IntegerAttr(d));
      func.setResultAttr(i, "xf.shard", attrs.getDictionary(func.getContext()));
      continue;
    }
    Value v = ret->getOperand(i);
    auto t = cast<RankedTensorType>(v.getType());
    int64_t s = t.getDimSize(d);
    int64_t rest = t.getNumElements() / s;
    SmallVector<int64_t> gsh(t.getShape());
    gsh[d] *= nb;
    Type et = t.getElementType();
    Value x = reshaped(v.getLoc(), v, ty({s, rest}, et));
    x = xf::AllGatherOp::create(b, v.getLoc(), ty({nb * s, rest}, et), x,
                                groups, b.getI64IntegerAttr(0));
    ret->setOperand(i, reshaped(v.getLoc(), x, ty(gsh, et)));
  }
  return success();
}

struct XfShardPass : public muir::impl::XfShardPassBase<XfShardPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    int64_t n = cores;
    auto mesh = module->getAttrOfType<IntegerAttr>("xf.mesh");
    if (mesh && n > 0 && mesh.getInt() != n) {
      module.emitError() << "muir-xf-shard: cores=" << n
                         << " differs from the module's xf.mesh = "
                         << mesh.getInt();
      return signalPassFailure();
    }
    if (n == 0 && mesh)
      n = mesh.getInt();
    if (n < 0 || (mesh && mesh.getInt() < 1)) {
      module.emitError() << "muir-xf-shard: the mesh must have at least one "
                            "core, got "
                         << n;
      return signalPassFailure();
    }
    if (n <= 1)
      return;
    func::FuncOp func = selectEntryFunction(module, entry);
    if (!func)
      return signalPassFailure();
    if (func->hasAttr("xf.sharded"))
      return; // already SPMD
    // The target's machine (automatic sequence chunks).
    std::optional<target::Machine> machine;
    if (!target.empty()) {
      auto te = targetAndEntry(module, target, entry);
      if (failed(te))
        return signalPassFailure();
      machine = te->first;
      int64_t have = te->first.topology.cores();
      if (n > have) {
        module.emitError() << "muir-xf-shard: a mesh of " << n
                           << " cores does not fit target '" << te->first.name
                           << "', which has " << have << " core"
                           << (have == 1 ? "" : "s");
        return signalPassFailure();
      }
    }
    if (!func.getBody().hasOneBlock()) {
      func.emitError() << "must have a single block to be sharded";
      return signalPassFailure();
    }
    // Sequence parallelism is the default (it beats plain tensor
    // parallelism on every measured block); `xf.sequence_parallel = false`
    // (or sequence-parallel=false) asks for tensor parallelism alone, a
    // unit or true attribute for sequence parallelism.
    // A module flag: a unit or bool attribute overriding the option.
    auto flag = [&](StringRef name, bool &value) -> LogicalResult {
      Attribute a = module->getAttr(name);
      if (!a)
        return success();
      if (auto ba = llvm::dyn_cast<BoolAttr>(a))
        value = ba.getValue();
      else if (llvm::isa<UnitAttr>(a))
        value = true;
      else
        return module.emitError()
               << "muir-xf-shard: " << name
               << " must be a unit or bool attribute, got " << a;
      return success();
    };
    bool seq = sequenceParallel;
    if (failed(flag("xf.sequence_parallel", seq)))
      return signalPassFailure();
    int64_t ch = sequenceChunks;
    if (auto a = module->getAttrOfType<IntegerAttr>("xf.sequence_chunks"))
      ch = a.getInt();
    if (ch < 0) {
      module.emitError() << "muir-xf-shard: sequence chunks must be at least "
                            "1 (0: automatic), got "
                         << ch;
      return signalPassFailure();
    }
    // Results left split: split-results=true or xf.split_results.
    bool splitRes = splitResults;
    if (failed(flag("xf.split_results", splitRes)))
      return signalPassFailure();
    // Context parallelism: explicit (context-parallel=B or the module
    // attribute xf.context_parallel = B), or by default one block per chip
    // when the mesh spans several chips of the target and the function is
    // an attention block the split supports.
    int64_t cp = contextParallel;
    if (cp < 0) {
      module.emitError() << "muir-xf-shard: context-parallel must be at "
                            "least 1 block (0: automatic), got "
                         << cp;
      return signalPassFailure();
    }
    // Pipeline parallelism: pipeline-stages=P microbatches=M (or the module
    // attributes xf.pipeline_stages / xf.microbatches).
    int64_t stages = pipelineStages, mbs = microbatches;
    for (auto [name, value] :
         {std::pair<StringRef, int64_t *>{"xf.pipeline_stages", &stages},
          {"xf.microbatches", &mbs}}) {
      Attribute a = module->getAttr(name);
      if (!a)
        continue;
      auto i = llvm::dyn_cast<IntegerAttr>(a);
      if (!i) {
        module.emitError() << "muir-xf-shard: " << name
                           << " must be an integer, got " << a;
        return signalPassFailure();
      }
      *value = i.getInt();
    }
    if (stages < 0 || mbs < 0) {
      module.emitError() << "muir-xf-shard: pipeline stages and microbatches "
                            "must be at least 1 (0: none), got "
                         << stages << " and " << mbs;
      return signalPassFailure();
    }
    if (stages > 1) {
      if (n % stages != 0) {
        module.emitError() << "muir-xf-shard: " << stages
                           << " pipeline stages must divide the mesh of " << n
                           << " cores";
        return signalPassFailure();
      }
      if (mbs < 1) {
        module.emitError()
            << "muir-xf-shard: " << stages
            << " pipeline stages need microbatches=M (the pipelined program "
               "takes M microbatches of the activation)";
        return signalPassFailure();
      }
      if (cp > 0 || module->hasAttr("xf.context_parallel")) {
        module.emitError() << "muir-xf-shard: pipeline stages and context "
                              "parallelism do not combine";
        return signalPassFailure();
      }
      std::string why;
      FailureOr<pipeline::StagePlan> plan =
          pipeline::planStages(func, stages, why);
      if (failed(plan)) {
        func.emitError() << "muir-xf-shard: " << stages
                         << " pipeline stages: " << why;
        return signalPassFailure();
      }
      // The SPMD program repeats a stage M + P - 1 times: refuse sizes no
      // host could compile before building them (the unrolled-size check
      // after the lowering's first steps covers the rest).
      constexpr int64_t kMaxPipelineOps = int64_t(1) << 20;
      if (mbs > kMaxPipelineOps || stages > kMaxPipelineOps ||
          (mbs + stages - 1) > kMaxPipelineOps / (int64_t)plan->opsPerStage) {
        InFlightDiagnostic d = func.emitError();
        d << "muir-xf-shard: " << stages << " pipeline stages of "
          << plan->opsPerStage << " ops over " << mbs << " microbatches make ";
        if (mbs <= kMaxPipelineOps && stages <= kMaxPipelineOps)
          d << mbs + stages - 1 << " steps, ";
        d << "more than " << kMaxPipelineOps
          << " ops in all: run fewer microbatches per program";
        return signalPassFailure();
      }
      pipeline::extractFirstStage(func, *plan);
      int64_t per = n / stages;
      if (per > 1) {
        // A stage hands its output on as its successor takes its input:
        // results left split. When the rules still leave the output held
        // unlike the input (a bias added to a row-parallel product makes
        // GPT-2's output replicated while sequence parallelism splits its
        // input by rows), the stage is sharded again with its input
        // replicated.
        OwningOpRef<func::FuncOp> backup(func.clone());
        auto shard = [&]() {
          Sharder sharder(func, per, seq, ch, machine ? &*machine : nullptr,
                          stages);
          sharder.splitResults = true;
          return sharder.run();
        };
        if (failed(shard()))
          return signalPassFailure();
        if (!pipeline::handsOnAsTaken(func, *plan)) {
          func.getBody().dropAllReferences();
          func.getBody().getBlocks().clear();
          func.getBody().takeBody(backup->getBody());
          func.setType(backup->getFunctionType());
          func.setAllArgAttrs(backup->getAllArgAttrs());
          func.setAllResultAttrs(backup->getAllResultAttrs());
          func.setArgAttr(pipeline::activationIndex(*plan), "xf.shard",
                          StringAttr::get(&getContext(), "replicated"));
          if (failed(shard()))
            return signalPassFailure();
        }
      }
      if (failed(pipeline::wrapStages(func, *plan, mbs, per)))
        return signalPassFailure();
      Builder b(&getContext());
      module->setAttr(
          "xf.pipeline",
          b.getDictionaryAttr(
              {b.getNamedAttr("stages", b.getI64IntegerAttr(stages)),
               b.getNamedAttr("microbatches", b.getI64IntegerAttr(mbs)),
               b.getNamedAttr("activation",
                              b.getI64IntegerAttr(plan->activation))}));
      func->setAttr("xf.sharded", UnitAttr::get(&getContext()));
      module->setAttr("xf.mesh",
                      IntegerAttr::get(IntegerType::get(&getContext(), 64), n));
      return;
    }
    bool explicitCp = cp > 0;
    if (Attribute a = module->getAttr("xf.context_parallel")) {
      auto i = llvm::dyn_cast<IntegerAttr>(a);
      if (!i) {
        module.emitError() << "muir-xf-shard: xf.context_parallel must be "
                              "an integer (blocks), got "
                           << a;
        return signalPassFailure();
      }
      cp = i.getInt();
      explicitCp = true;
    }
    if (explicitCp && (cp < 1 || n % cp != 0)) {
      module.emitError() << "muir-xf-shard: context parallelism over " << cp
                         << " blocks must divide the mesh of " << n << " cores";
      return signalPassFailure();
    }
    if (!explicitCp) {
      cp = 1;
      int64_t perChip = machine && machine->topology.present
                            ? machine->topology.logicalCoresPerChip()
                            : 0;
      if (perChip > 0 && n > perChip && n % perChip == 0)
        cp = n / perChip;
    }
    if (cp > 1 && llvm::any_of(func.getArguments(), [&](BlockArgument a) {
          return func.getArgAttr(a.getArgNumber(), "xf.shard") != nullptr;
        })) {
      if (explicitCp) {
        func.emitError() << "muir-xf-shard: context parallelism does not "
                            "take xf.shard annotations on arguments";
        return signalPassFailure();
      }
      cp = 1;
    }
    std::optional<SequenceSplit> plan;
    if (cp > 1 && explicitCp) {
      std::string why;
      FailureOr<SequenceSplit> p = splitSequence(func, cp, n / cp, why);
      if (failed(p)) {
        func.emitError() << "muir-xf-shard: context parallelism over " << cp
                         << " blocks: " << why;
        return signalPassFailure();
      }
      plan = std::move(*p);
    } else if (cp > 1) {
      // By default the most blocks that work: one per chip, else blocks of
      // 2, 4, ... chips (fewer blocks, more heads per block's ranks to
      // share), else one axis.
      int64_t chips = cp;
      cp = 1;
      for (int64_t blocks = chips; blocks > 1 && !plan; --blocks) {
        if (chips % blocks != 0)
          continue;
        std::string why;
        FailureOr<SequenceSplit> p =
            splitSequence(func, blocks, n / blocks, why);
        if (succeeded(p)) {
          plan = std::move(*p);
          cp = blocks;
        }
      }
    }
    Sharder sharder(func, n / cp, seq, ch, machine ? &*machine : nullptr, cp);
    sharder.splitResults = splitRes;
    if (failed(sharder.run()))
      return signalPassFailure();
    if (plan) {
      if (failed(wrapAttention(func, *plan, n / cp, splitRes)))
        return signalPassFailure();
      Builder b(&getContext());
      for (auto [i, d] : plan->argDims) {
        NamedAttrList attrs;
        if (auto dict = func.getArgAttrOfType<DictionaryAttr>(i, "xf.shard"))
          attrs.append(dict.getValue());
        attrs.set("seq_dim", b.getI64IntegerAttr(d));
        func.setArgAttr(i, "xf.shard", attrs.getDictionary(&getContext()));
      }
      Block &body = func.getBody().front();
      func.setType(FunctionType::get(&getContext(), body.getArgumentTypes(),
                                     body.getTerminator()->getOperandTypes()));
      module->setAttr("xf.context_parallel", b.getI64IntegerAttr(cp));
    }
    func->setAttr("xf.sharded", UnitAttr::get(&getContext()));
    module->setAttr("xf.mesh",
                    IntegerAttr::get(IntegerType::get(&getContext(), 64), n));
  }
};
} // namespace
