//===- NcProgram.cpp - nc kernels to and from target programs -------------===//
//
// The one bridge between the MLIR form and the in-memory program: the binary,
// the assembly text and the simulator all start from a Program.
//
//===----------------------------------------------------------------------===//
#include "muir/Target/NcProgram.h"
#include "muir/Target/Collective.h"

#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/Dialect/Nc/NcUtils.h"
#include "muir/Support/CheckedSize.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace muir;
using namespace muir::target;

namespace {
/// The ODS-generated structural checks (attributes present, of their kinds)
/// of whichever of `Ops` `op` is, without its verify() (the hardware rules).
template <typename... Ops> LogicalResult verifyStructure(Operation *op) {
  LogicalResult r = success();
  (void)((llvm::isa<Ops>(op)
              ? (r = llvm::cast<Ops>(op).verifyInvariantsImpl(), true)
              : false) ||
         ...);
  return r;
}

struct ToProgram {
  nc::KernelOp kernel;
  Program prog;
  llvm::StringMap<uint32_t> tensorIndex;
  bool constantData = true;
  bool locations = true; // record each instruction's source location

  FailureOr<AccessPattern> ap(Operation *op, nc::AccessAttr a) {
    AccessPattern p;
    if (!a)
      return p;
    p.space = static_cast<MemSpace>(a.getSpace());
    if (a.isHbm()) {
      auto it = tensorIndex.find(a.getTensor());
      if (it == tensorIndex.end())
        return op->emitOpError()
               << "names unknown HBM tensor @" << a.getTensor();
      p.tensor = it->second;
    }
    p.partition = a.getPartition();
    p.partitions = a.getPartitions();
    p.partitionStride = a.getPartitionStride();
    p.offset = a.getOffset();
    p.sizes.assign(a.getSizes().begin(), a.getSizes().end());
    p.strides.assign(a.getStrides().begin(), a.getStrides().end());
    p.type = *nc::toElemType(a.getElementType());
    return p;
  }

  LogicalResult tensor(nc::TensorOp t) {
    // The kernel may be unverified (muir-sim --no-verify): check what the
    // conversion itself relies on; validateProgram checks the rest.
    if (failed(t.verifyInvariantsImpl()))
      return failure();
    auto type = llvm::dyn_cast<RankedTensorType>(t.getType());
    if (!type || !type.hasStaticShape() ||
        !nc::toElemType(type.getElementType()))
      return t.emitOpError() << "type must be a statically shaped tensor of "
                                "a target element type, got "
                             << t.getType();
    std::optional<int64_t> size = t.getByteSize();
    if (!size || (t.getValue() && *size > kMaxSimHbmBytes))
      return t.emitOpError()
             << "type " << type << " is too large ("
             << (size ? "more than " : "2^63 or more ")
             << (size ? kMaxSimHbmBytes : 0) << " bytes of data)";
    TensorDecl d;
    d.name = t.getSymName().str();
    d.kind = static_cast<TensorKind>(t.getKind());
    d.type = *nc::toElemType(type.getElementType());
    d.shape.assign(type.getShape().begin(), type.getShape().end());
    d.offset = t.getOffset();
    if (auto value = t.getValue(); value && constantData) {
      size_t bytes = d.byteSize();
      if (auto dense = llvm::dyn_cast<DenseElementsAttr>(*value)) {
        ArrayRef<char> raw = dense.getRawData();
        if (dense.isSplat()) {
          size_t eb = elemBytes(d.type);
          for (int64_t i = 0; i < d.numElements(); ++i)
            d.data.insert(d.data.end(), raw.begin(), raw.begin() + eb);
        } else {
          d.data.assign(raw.begin(), raw.end());
        }
      } else if (auto res = llvm::dyn_cast<DenseResourceElementsAttr>(*value)) {
        AsmResourceBlob *blob = res.getRawHandle().getBlob();
        if (!blob)
          return t.emitOpError() << "resource value has no data";
        ArrayRef<char> raw = blob->getData();
        d.data.assign(raw.begin(), raw.end());
      } else {
        return t.emitOpError() << "unsupported constant attribute kind";
      }
      if (d.data.size() != bytes)
        return t.emitOpError() << "constant has " << d.data.size()
                               << " bytes, expected " << bytes;
    }
    tensorIndex[d.name] = prog.tensors.size();
    prog.tensors.push_back(std::move(d));
    return success();
  }

  LogicalResult inst(Operation *op) {
    auto opcode = nc::opcodeOf(op);
    if (!opcode || !llvm::isa<nc::NcDialect>(op->getDialect()))
      return op->emitOpError() << "is not an nc instruction";
    // Required attributes present and of their declared kinds, even in an
    // unverified kernel; the hardware rules are the verifiers' business.
    if (failed(verifyStructure<
#define GET_OP_LIST
#include "nc/NcOps.cpp.inc"
               >(op)))
      return failure();
    Instruction in;
    in.op = *opcode;
    in.queue = defaultQueue(*opcode);
    if (auto q = op->getAttrOfType<nc::QueueAttr>("queue"))
      in.queue = q.getIndex();
    if (auto wait = op->getAttrOfType<DenseI64ArrayAttr>("wait"))
      for (int64_t i = 0; i + 1 < wait.size(); i += 2)
        in.waits.push_back({(uint32_t)wait[i], (uint32_t)wait[i + 1]});
    if (auto signal = op->getAttrOfType<DenseI64ArrayAttr>("signal"))
      for (int64_t s : signal.asArrayRef())
        in.signals.push_back((uint32_t)s);

    SmallVector<nc::AccessAttr, 4> aps;
    SmallVector<double, 4> &params = in.params;
    llvm::TypeSwitch<Operation *>(op)
        .Case([&](nc::NopOp) {})
        .Case([&](nc::DmaOp o) {
          aps = {o.getDst(), o.getSrc()};
          params = {double(o.getTranspose())};
        })
        .Case([&](nc::MatmulOp o) {
          aps = {o.getDst(), o.getStationary(), o.getMoving()};
          params = {double(o.getAccumulate())};
        })
        .Case([&](nc::TransposeOp o) {
          aps = {o.getDst(), o.getSrc()};
        })
        .Case([&](nc::ActivationOp o) {
          aps = {o.getDst(), o.getSrc(), o.getBiasAttr(), o.getAccumAttr()};
          params = {double(o.getFunc()), o.getScale().convertToDouble()};
        })
        .Case([&](nc::TensorTensorOp o) {
          aps = {o.getDst(), o.getLhs(), o.getRhs()};
          params = {double(o.getOp())};
        })
        .Case([&](nc::TensorScalarOp o) {
          aps = {o.getDst(), o.getSrc(), o.getScalar0Attr(),
                 o.getScalar1Attr()};
          params = {double(o.getOp0()), o.getImm0().convertToDouble(),
                    double(o.getOp1()), o.getImm1().convertToDouble()};
        })
        .Case([&](nc::TensorReduceOp o) {
          aps = {o.getDst(), o.getSrc()};
          params = {double(o.getOp()), double(o.getNaxes())};
        })
        .Case([&](nc::TensorCopyOp o) {
          aps = {o.getDst(), o.getSrc()};
        })
        .Case([&](nc::IotaOp o) {
          aps = {o.getDst()};
          // I64Attr getters return uint64_t: read them as signed.
          params = {double(int64_t(o.getBase())),
                    double(int64_t(o.getChannelMultiplier()))};
          for (int64_t c : o.getCoefficients())
            params.push_back(double(c));
        })
        .Case([&](nc::AffineSelectOp o) {
          aps = {o.getDst(), o.getSrc()};
          params = {o.getFill().convertToDouble(), double(int64_t(o.getBase())),
                    double(int64_t(o.getChannelMultiplier()))};
          for (int64_t c : o.getCoefficients())
            params.push_back(double(c));
        })
        .Case<nc::AllReduceOp, nc::AllGatherOp, nc::ReduceScatterOp,
              nc::AllToAllOp>([&](auto o) {
          aps = {o.getDst(), o.getSrc()};
        })
        .Case([&](nc::DmaGatherOp o) {
          aps = {o.getDst(), o.getTable(), o.getIndices()};
        })
        .Case([&](nc::DmaScatterOp o) {
          aps = {o.getDst(), o.getSrc(), o.getIndices()};
        })
        .Case([&](nc::SendOp o) { aps = {o.getSrc()}; })
        .Case([&](nc::RecvOp o) { aps = {o.getDst()}; });
    if (isCollective(*opcode)) {
      std::optional<SmallVector<double>> p = nc::collectiveParams(op);
      if (!p)
        return op->emitOpError() << "has a malformed replica_groups or pairs "
                                    "table";
      params = std::move(*p);
    }
    for (nc::AccessAttr a : aps) {
      auto p = ap(op, a);
      if (failed(p))
        return failure();
      in.operands.push_back(*p);
    }
    prog.instructions.push_back(std::move(in));
    if (!locations)
      return success();
    // Locations are uniqued: print each distinct one once.
    auto [it, added] =
        sourceIndex.try_emplace(op->getLoc(), prog.sourceLocations.size());
    if (added) {
      std::string text;
      llvm::raw_string_ostream os(text);
      op->getLoc().print(os);
      StringRef inner = text; // without the loc( ... ) wrapper
      if (inner.consume_front("loc(") && inner.consume_back(")"))
        text = inner.str();
      prog.sourceLocations.push_back(std::move(text));
    }
    prog.instructionSource.push_back(it->second);
    return success();
  }
  llvm::DenseMap<Location, uint32_t> sourceIndex;

  /// A loop and its step tables; what the program's loop form needs even
  /// in an unverified kernel (entries inside the body, steps that fit),
  /// validateProgram checks the rest.
  LogicalResult loop(nc::LoopOp l) {
    if (failed(l.verifyInvariantsImpl()))
      return failure();
    Loop lp;
    lp.begin = prog.instructions.size();
    int64_t trips = l.getTrips();
    if (trips < 1 || trips > UINT32_MAX)
      return l.emitOpError()
             << "trip count " << trips << " must be in [1, 2^32 - 1]";
    lp.trips = uint32_t(trips);
    for (Operation &op : l.getBody().front()) {
      if (llvm::isa<nc::TensorOp, nc::LoopOp>(op))
        return op.emitOpError() << "cannot be in an nc.loop body";
      if (failed(inst(&op)))
        return failure();
    }
    lp.length = prog.instructions.size() - lp.begin;
    if (lp.length == 0)
      return l.emitOpError() << "body must hold at least one instruction";
    ArrayRef<int64_t> steps = l.getSteps(), waitSteps = l.getWaitSteps();
    if (steps.size() % 4 || waitSteps.size() % 3)
      return l.emitOpError() << "steps/wait_steps have a partial entry";
    for (size_t at = 0; at < steps.size(); at += 4) {
      int64_t i = steps[at], r = steps[at + 1];
      if (i < 0 || i >= lp.length || r < 0 ||
          r >= (int64_t)prog.instructions[lp.begin + i].operands.size())
        return l.emitOpError()
               << "steps entry " << at / 4 << " names no operand of the body";
      Instruction &in = prog.instructions[lp.begin + i];
      in.steps.resize(in.operands.size());
      in.steps[r] = {steps[at + 2], steps[at + 3]};
    }
    for (size_t at = 0; at < waitSteps.size(); at += 3) {
      int64_t i = waitSteps[at], w = waitSteps[at + 1], dn = waitSteps[at + 2];
      if (i < 0 || i >= lp.length || w < 0 ||
          w >= (int64_t)prog.instructions[lp.begin + i].waits.size() ||
          dn < 0 || dn > UINT32_MAX)
        return l.emitOpError() << "wait_steps entry " << at / 3
                               << " names no wait of the body or a step "
                                  "outside [0, 2^32)";
      Instruction &in = prog.instructions[lp.begin + i];
      in.waitSteps.resize(in.waits.size());
      in.waitSteps[w] = uint32_t(dn);
    }
    prog.loops.push_back(lp);
    return success();
  }
};
} // namespace

FailureOr<Instruction> muir::target::instructionOf(Operation *op) {
  ToProgram t{nc::KernelOp(), {},    {},
              false,          false, llvm::DenseMap<Location, uint32_t>()};
  if (failed(t.inst(op)))
    return failure();
  return std::move(t.prog.instructions.front());
}

FailureOr<Program> muir::target::kernelToProgram(nc::KernelOp kernel,
                                                 bool constantData) {
  ToProgram t{kernel,       {},   {},
              constantData, true, llvm::DenseMap<Location, uint32_t>()};
  t.prog.name = kernel.getSymName().str();
  t.prog.target = kernel.getTarget().str();
  if (uint64_t(kernel.getSemaphores()) > kMaxSemaphores)
    return kernel.emitOpError()
           << "semaphore count " << int64_t(kernel.getSemaphores())
           << " must be in [0, " << kMaxSemaphores << "]";
  t.prog.numSemaphores = kernel.getSemaphores();
  for (Operation &op : kernel.getBody().front()) {
    if (auto tensor = llvm::dyn_cast<nc::TensorOp>(op)) {
      if (failed(t.tensor(tensor)))
        return failure();
    } else if (auto loop = llvm::dyn_cast<nc::LoopOp>(op)) {
      if (failed(t.loop(loop)))
        return failure();
    } else if (auto section = llvm::dyn_cast<nc::SectionOp>(op)) {
      // A section executes its instructions in place.
      for (Operation &inner : section.getBody().front()) {
        if (llvm::isa<nc::TensorOp, nc::LoopOp, nc::SectionOp>(inner))
          return inner.emitOpError() << "cannot be in an nc.section body";
        if (failed(t.inst(&inner)))
          return failure();
      }
    } else if (failed(t.inst(&op))) {
      return failure();
    }
  }
  return std::move(t.prog);
}

//===----------------------------------------------------------------------===//
// Program -> nc
//===----------------------------------------------------------------------===//

namespace {
struct FromProgram {
  const Program &prog;
  OpBuilder &b;
  Location loc;
  std::string error;

  nc::AccessAttr ap(const AccessPattern &p) {
    if (!p.present())
      return {};
    std::string tensor;
    if (p.space == MemSpace::HBM) {
      if (p.tensor >= prog.tensors.size()) {
        error = "tile names tensor #" + std::to_string(p.tensor) +
                " but the program has " + std::to_string(prog.tensors.size());
        return {};
      }
      tensor = prog.tensors[p.tensor].name;
    }
    // Checked: a binary's tile may be anything (an overflowing extent, an
    // unknown element type); the attribute's own rules name the problem.
    nc::AccessAttr a = nc::AccessAttr::getChecked(
        [&] { return emitError(loc); }, b.getContext(),
        static_cast<nc::MemSpace>(p.space), StringRef(tensor), p.partition,
        p.partitions, p.partitionStride, p.offset, ArrayRef<int64_t>(p.sizes),
        ArrayRef<int64_t>(p.strides), nc::fromElemType(b.getContext(), p.type));
    if (!a)
      error = "invalid tile " + formatAccess(prog, p);
    return a;
  }
};

template <typename EnumT>
std::optional<EnumT> enumParam(double v, unsigned limit) {
  if (v < 0 || v >= limit || v != (double)(unsigned)v)
    return std::nullopt;
  return static_cast<EnumT>((unsigned)v);
}

/// The integer parameters as a [size / width, width] i64 table.
DenseIntElementsAttr rankTable(OpBuilder &b, ArrayRef<double> params,
                               int64_t width) {
  SmallVector<int64_t> v;
  for (double d : params)
    v.push_back(int64_t(d));
  auto type = RankedTensorType::get(
      {width ? int64_t(v.size()) / width : 0, width}, b.getI64Type());
  return DenseIntElementsAttr::get(type, v);
}

/// A collective op from its target form; the params need only the shape
/// the attributes take (the verifier checks the rules).
FailureOr<Operation *> collectiveOp(OpBuilder &b, Location loc,
                                    const Instruction &in,
                                    ArrayRef<nc::AccessAttr> aps) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<double> P = in.params;
  bool reduces = in.op == Opcode::AllReduce || in.op == Opcode::ReduceScatter;
  if (in.op == Opcode::Send || in.op == Opcode::Recv) {
    if (P.size() % 2)
      return failure();
    auto pairs = rankTable(b, P, 2);
    if (in.op == Opcode::Send)
      return nc::SendOp::create(b, loc, aps[0], pairs, nullptr, nullptr,
                                nullptr)
          .getOperation();
    return nc::RecvOp::create(b, loc, aps[0], pairs, nullptr, nullptr, nullptr)
        .getOperation();
  }
  size_t fixed = reduces ? 3 : 2;
  std::optional<nc::AluOp> red =
      reduces ? enumParam<nc::AluOp>(P[0], 8) : nc::AluOp::add;
  auto algo = enumParam<nc::Algorithm>(P[fixed - 2], kNumAlgorithms);
  int64_t size = int64_t(P[fixed - 1]);
  if (!red || !algo || size < 1 || (P.size() - fixed) % size)
    return failure();
  auto groups = rankTable(b, P.drop_front(fixed), size);
  auto algoAttr = nc::AlgorithmAttr::get(ctx, *algo);
  auto redAttr = nc::AluOpAttr::get(ctx, *red);
  switch (in.op) {
  case Opcode::AllReduce:
    return nc::AllReduceOp::create(b, loc, redAttr, aps[0], aps[1], groups,
                                   algoAttr, nullptr, nullptr, nullptr)
        .getOperation();
  case Opcode::ReduceScatter:
    return nc::ReduceScatterOp::create(b, loc, redAttr, aps[0], aps[1], groups,
                                       algoAttr, nullptr, nullptr, nullptr)
        .getOperation();
  case Opcode::AllGather:
    return nc::AllGatherOp::create(b, loc, aps[0], aps[1], groups, algoAttr,
                                   nullptr, nullptr, nullptr)
        .getOperation();
  default:
    return nc::AllToAllOp::create(b, loc, aps[0], aps[1], groups, algoAttr,
                                  nullptr, nullptr, nullptr)
        .getOperation();
  }
}
} // namespace

FailureOr<nc::KernelOp>
muir::target::programToKernel(const Program &prog, OpBuilder &b, Location loc) {
  MLIRContext *ctx = b.getContext();
  auto kernel =
      nc::KernelOp::create(b, loc, prog.name.empty() ? "kernel" : prog.name,
                           prog.target, prog.numSemaphores);
  Block *body = new Block();
  kernel.getBody().push_back(body);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(body);
  FromProgram f{prog, b, loc, {}};
  auto fail = [&](const Twine &msg) -> FailureOr<nc::KernelOp> {
    emitError(loc) << msg;
    kernel->erase();
    return failure();
  };

  for (const TensorDecl &d : prog.tensors) {
    auto type = RankedTensorType::get(d.shape, nc::fromElemType(ctx, d.type));
    ElementsAttr value;
    if (d.kind == TensorKind::Constant) {
      if (d.data.size() != d.byteSize())
        return fail("constant tensor '" + d.name + "' has " +
                    Twine(d.data.size()) + " bytes, expected " +
                    Twine(d.byteSize()));
      // Weights stay out of the printed IR: keep them as a resource blob.
      // (A zero-size constant's data() may be null: nothing to copy.)
      auto blob =
          d.data.empty()
              ? HeapAsmResourceBlob::allocate(0, alignof(uint64_t))
              : HeapAsmResourceBlob::allocateAndCopyWithAlign(
                    ArrayRef<char>((const char *)d.data.data(), d.data.size()),
                    alignof(uint64_t));
      value = DenseResourceElementsAttr::get(type, d.name, std::move(blob));
    }
    nc::TensorOp::create(b, loc, d.name, type,
                         static_cast<nc::TensorKind>(d.kind), d.offset, value);
  }

  // Loops: sorted, disjoint, inside the program (a binary's or assembly's
  // loop table may be anything).
  uint64_t next = 0;
  for (const Loop &l : prog.loops) {
    if (l.length == 0 || l.trips == 0 || l.begin < next ||
        uint64_t(l.begin) + l.length > prog.instructions.size())
      return fail("loop over instructions [" + Twine(l.begin) + ", " +
                  Twine(uint64_t(l.begin) + l.length) + ") x " +
                  Twine(l.trips) +
                  " is empty, overlaps another or runs past "
                  "the program");
    next = uint64_t(l.begin) + l.length;
  }
  size_t loopIndex = 0;
  nc::LoopOp loop;
  SmallVector<int64_t> loopSteps, loopWaitSteps;
  for (auto [idx, in] : llvm::enumerate(prog.instructions)) {
    if (!loop && loopIndex < prog.loops.size() &&
        prog.loops[loopIndex].begin == idx) {
      loop = nc::LoopOp::create(b, loc, prog.loops[loopIndex].trips,
                                b.getDenseI64ArrayAttr({}),
                                b.getDenseI64ArrayAttr({}));
      loop.getBody().push_back(new Block());
      b.setInsertionPointToEnd(&loop.getBody().front());
    }
    if (!loop && in.hasSteps())
      return fail(opcodeInfo(in.op).mnemonic + " #" + Twine(idx) +
                  " has per-iteration steps outside a loop");
    int64_t bodyIndex = loop ? idx - prog.loops[loopIndex].begin : 0;
    const OpcodeInfo &info = opcodeInfo(in.op);
    if (in.operands.size() != info.operands.size())
      return fail(info.mnemonic + " needs " + Twine(info.operands.size()) +
                  " operands, got " + Twine(in.operands.size()));
    if (in.params.size() < info.params.size() ||
        (!info.variadicParams && in.params.size() != info.params.size()))
      return fail(info.mnemonic + " needs " + Twine(info.params.size()) +
                  " parameters, got " + Twine(in.params.size()));
    SmallVector<nc::AccessAttr, 4> aps;
    for (const AccessPattern &p : in.operands) {
      aps.push_back(f.ap(p));
      if (!f.error.empty())
        return fail(info.mnemonic + ": " + f.error);
    }
    for (unsigned i = 0; i < aps.size(); ++i)
      if (!aps[i] && !info.operands[i].ends_with("?"))
        return fail(info.mnemonic + ": operand '" + info.operands[i] +
                    "' is required");
    const auto &P = in.params;
    auto alu = [&](double v) { return enumParam<nc::AluOp>(v, 8); };
    SmallVector<int64_t> coefs;
    for (size_t i = info.params.size(); i < P.size(); ++i)
      coefs.push_back((int64_t)P[i]);

    Operation *op = nullptr;
    switch (in.op) {
    case Opcode::Nop:
      op = nc::NopOp::create(b, loc, nullptr, nullptr, nullptr);
      break;
    case Opcode::Dma:
      op = nc::DmaOp::create(b, loc, aps[0], aps[1], P[0] != 0, nullptr,
                             nullptr, nullptr);
      break;
    case Opcode::Matmul:
      op = nc::MatmulOp::create(b, loc, aps[0], aps[1], aps[2], P[0] != 0,
                                nullptr, nullptr, nullptr);
      break;
    case Opcode::Transpose:
      op = nc::TransposeOp::create(b, loc, aps[0], aps[1], nullptr, nullptr,
                                   nullptr);
      break;
    case Opcode::Activation: {
      auto fn = enumParam<nc::ActFunc>(P[0], 13);
      if (!fn)
        return fail("activation: bad function code " + Twine((int64_t)P[0]));
      op = nc::ActivationOp::create(
          b, loc, aps[0], aps[1], nc::ActFuncAttr::get(ctx, *fn),
          b.getF32FloatAttr(P[1]), aps[2], aps[3], nullptr, nullptr, nullptr);
      break;
    }
    case Opcode::TensorTensor: {
      auto o = alu(P[0]);
      if (!o)
        return fail("tensor_tensor: bad ALU code " + Twine((int64_t)P[0]));
      op = nc::TensorTensorOp::create(b, loc, nc::AluOpAttr::get(ctx, *o),
                                      aps[0], aps[1], aps[2], nullptr, nullptr,
                                      nullptr);
      break;
    }
    case Opcode::TensorScalar: {
      auto o0 = alu(P[0]), o1 = alu(P[2]);
      if (!o0 || !o1)
        return fail("tensor_scalar: bad ALU code");
      op = nc::TensorScalarOp::create(
          b, loc, nc::AluOpAttr::get(ctx, *o0), aps[0], aps[1],
          b.getF32FloatAttr(P[1]), nc::AluOpAttr::get(ctx, *o1),
          b.getF32FloatAttr(P[3]), aps[2], aps[3], nullptr, nullptr, nullptr);
      break;
    }
    case Opcode::TensorReduce: {
      auto o = alu(P[0]);
      if (!o)
        return fail("tensor_reduce: bad ALU code " + Twine((int64_t)P[0]));
      op = nc::TensorReduceOp::create(
          b, loc, nc::AluOpAttr::get(ctx, *o), aps[0], aps[1],
          b.getI64IntegerAttr((int64_t)P[1]), nullptr, nullptr, nullptr);
      break;
    }
    case Opcode::TensorCopy:
      op = nc::TensorCopyOp::create(b, loc, aps[0], aps[1], nullptr, nullptr,
                                    nullptr);
      break;
    case Opcode::Iota:
      op = nc::IotaOp::create(
          b, loc, aps[0], b.getI64IntegerAttr((int64_t)P[0]),
          b.getI64IntegerAttr((int64_t)P[1]), b.getDenseI64ArrayAttr(coefs),
          nullptr, nullptr, nullptr);
      break;
    case Opcode::AllReduce:
    case Opcode::AllGather:
    case Opcode::ReduceScatter:
    case Opcode::AllToAll:
    case Opcode::Send:
    case Opcode::Recv: {
      auto made = collectiveOp(b, loc, in, aps);
      if (failed(made))
        return fail(info.mnemonic + ": bad reduction op, algorithm, group "
                                    "size or rank table");
      op = *made;
      break;
    }
    case Opcode::DmaGather:
      op = nc::DmaGatherOp::create(b, loc, aps[0], aps[1], aps[2], nullptr,
                                   nullptr, nullptr);
      break;
    case Opcode::DmaScatter:
      op = nc::DmaScatterOp::create(b, loc, aps[0], aps[1], aps[2], nullptr,
                                    nullptr, nullptr);
      break;
    case Opcode::AffineSelect:
      op = nc::AffineSelectOp::create(
          b, loc, aps[0], aps[1], b.getF32FloatAttr(P[0]),
          b.getI64IntegerAttr((int64_t)P[1]),
          b.getI64IntegerAttr((int64_t)P[2]), b.getDenseI64ArrayAttr(coefs),
          nullptr, nullptr, nullptr);
      break;
    }
    // Default queues are left implicit so the text stays short.
    if (in.queue != defaultQueue(in.op))
      op->setAttr("queue", nc::QueueAttr::get(b.getContext(), in.queue));
    if (!in.waits.empty()) {
      SmallVector<int64_t> w;
      for (const SemWait &sw : in.waits) {
        w.push_back(sw.semaphore);
        w.push_back(sw.count);
      }
      op->setAttr("wait", b.getDenseI64ArrayAttr(w));
    }
    if (!in.signals.empty()) {
      SmallVector<int64_t> s(in.signals.begin(), in.signals.end());
      op->setAttr("signal", b.getDenseI64ArrayAttr(s));
    }
    if (!loop)
      continue;
    if (in.steps.size() > in.operands.size() ||
        in.waitSteps.size() > in.waits.size())
      return fail(info.mnemonic + " #" + Twine(idx) +
                  " has more steps than operands or waits");
    for (auto [r, st] : llvm::enumerate(in.steps))
      if (!st.isZero())
        loopSteps.append({bodyIndex, int64_t(r), st.partition, st.offset});
    for (auto [w, dn] : llvm::enumerate(in.waitSteps))
      if (dn != 0)
        loopWaitSteps.append({bodyIndex, int64_t(w), int64_t(dn)});
    const Loop &l = prog.loops[loopIndex];
    if (idx + 1 == uint64_t(l.begin) + l.length) {
      loop.setStepsAttr(b.getDenseI64ArrayAttr(loopSteps));
      loop.setWaitStepsAttr(b.getDenseI64ArrayAttr(loopWaitSteps));
      loopSteps.clear();
      loopWaitSteps.clear();
      loop = nullptr;
      ++loopIndex;
      b.setInsertionPointToEnd(body);
    }
  }
  return kernel;
}
