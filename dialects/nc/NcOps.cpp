//===- NcOps.cpp - nc verifiers: the hardware's rules ---------------------===//
//
// Each rule names the operand and the numbers that break it; limits come from
// the kernel's machine description, never from constants here.
//
//===----------------------------------------------------------------------===//
#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/Dialect/Nc/NcUtils.h"
#include "muir/Support/CheckedSize.h"
#include "muir/Target/Collective.h"
#include "muir/Target/Machine.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace muir::nc;
namespace tgt = muir::target;

//===----------------------------------------------------------------------===//
// Kernel and tensors
//===----------------------------------------------------------------------===//

RegionKind KernelOp::getRegionKind(unsigned) { return RegionKind::Graph; }

LogicalResult KernelOp::verify() {
  if ((int64_t)getSemaphores() < 0 ||
      (int64_t)getSemaphores() > tgt::kMaxSemaphores)
    return emitOpError() << "semaphore count " << (int64_t)getSemaphores()
                         << " must be in [0, " << tgt::kMaxSemaphores << "]";
  return success();
}

/// An output or scratch tensor placed exactly on an input (same offset and
/// size): the kernel updates that input in place (a donated argument).
static bool isInputAlias(TensorOp a, TensorOp b) {
  if (a.getOffset() != b.getOffset() || a.getByteSize() != b.getByteSize())
    return false;
  auto written = [](TensorKind k) {
    return k == TensorKind::output || k == TensorKind::scratch;
  };
  return (a.getKind() == TensorKind::input && written(b.getKind())) ||
         (b.getKind() == TensorKind::input && written(a.getKind()));
}

LogicalResult KernelOp::verifyRegions() {
  const tgt::Machine *m = getMachine(*this);
  if (!m)
    return failure();
  // HBM tensors may not overlap (but for an exact alias of an input) and
  // must fit the core's HBM.
  SmallVector<std::pair<int64_t, TensorOp>> ranges;
  for (auto t : getBody().front().getOps<TensorOp>())
    ranges.push_back({(int64_t)t.getOffset(), t});
  llvm::sort(ranges, [](auto &a, auto &b) { return a.first < b.first; });
  for (size_t i = 0; i < ranges.size(); ++i) {
    TensorOp t = ranges[i].second;
    // TensorOp::verify checked that the byte size fits in int64.
    std::optional<int64_t> end =
        llvm::checkedAdd(ranges[i].first, *t.getByteSize());
    if (!end || *end > m->hbm.capacityBytes)
      return t.emitOpError()
             << "at HBM byte " << ranges[i].first << " with "
             << *t.getByteSize() << " bytes ends past the capacity "
             << m->hbm.capacityBytes << " of target '" << m->name << "'";
    if (i + 1 < ranges.size() && *end > ranges[i + 1].first &&
        !isInputAlias(t, ranges[i + 1].second))
      return t.emitOpError()
             << "HBM bytes [" << ranges[i].first << ", " << *end
             << ") overlap tensor @" << ranges[i + 1].second.getSymName()
             << " at " << ranges[i + 1].first;
  }
  return success();
}

RegionKind LoopOp::getRegionKind(unsigned) { return RegionKind::Graph; }

LogicalResult LoopOp::verify() {
  if ((int64_t)getTrips() < 1 || (int64_t)getTrips() > UINT32_MAX)
    return emitOpError() << "trip count " << (int64_t)getTrips()
                         << " must be in [1, 2^32 - 1]";
  if (getSteps().size() % 4 != 0)
    return emitOpError() << "steps must list (instruction, operand, "
                            "partition step, offset step) quadruples, got "
                         << getSteps().size() << " numbers";
  if (getWaitSteps().size() % 3 != 0)
    return emitOpError() << "wait_steps must list (instruction, wait, count "
                            "step) triples, got "
                         << getWaitSteps().size() << " numbers";
  return success();
}

std::optional<int64_t> TensorOp::getByteSize() {
  auto type = llvm::cast<RankedTensorType>(getType());
  auto elt = toElemType(type.getElementType());
  if (!elt)
    return std::nullopt;
  return muir::checkedProduct(type.getShape(), tgt::elemBytes(*elt));
}

LogicalResult TensorOp::verify() {
  auto type = llvm::dyn_cast<RankedTensorType>(getType());
  if (!type || !type.hasStaticShape())
    return emitOpError() << "type must be a statically shaped tensor, got "
                         << getType();
  if (!toElemType(type.getElementType()))
    return emitOpError() << "element type " << type.getElementType()
                         << " is not supported by the target";
  if ((int64_t)getOffset() < 0)
    return emitOpError() << "offset must be >= 0";
  if (!getByteSize())
    return emitOpError() << "type " << type << " has more than 2^63 bytes";
  bool isConst = getKind() == TensorKind::constant;
  if (isConst != getValue().has_value())
    return emitOpError() << (isConst ? "a const tensor needs a value"
                                     : "only const tensors carry a value");
  if (getValue() && getValue()->getType() != type)
    return emitOpError() << "value type " << getValue()->getType()
                         << " differs from " << type;
  return success();
}

//===----------------------------------------------------------------------===//
// Shared instruction checks
//===----------------------------------------------------------------------===//

namespace {
/// The diagnostic prefix for a tile: "<role> tile [<when>] ".
InFlightDiagnostic tileError(Operation *op, StringRef role, StringRef when) {
  InFlightDiagnostic d = op->emitOpError();
  d << role << " tile ";
  if (!when.empty())
    d << when << " ";
  return d;
}

/// Checks an HBM tile against the tensor it names (looked up in `tables`).
LogicalResult checkHbmTile(Operation *op, KernelOp kernel,
                           SymbolTableCollection &tables, AccessAttr ap,
                           StringRef role, StringRef when = "") {
  auto err = [&]() { return tileError(op, role, when); };
  auto t = llvm::dyn_cast_if_present<TensorOp>(
      tables.getSymbolTable(kernel).lookup(ap.getTensorAttr()));
  if (!t)
    return err() << "names unknown HBM tensor @" << ap.getTensor();
  auto type = llvm::cast<RankedTensorType>(t.getType());
  if (type.getElementType() != ap.getElementType())
    return err() << "element type " << ap.getElementType()
                 << " differs from tensor @" << ap.getTensor() << "'s "
                 << type.getElementType();
  // AccessAttr::verify checked that the extent fits in int64.
  int64_t last = ap.getLastElement();
  if (last >= type.getNumElements())
    return err() << "reads element " << last << " of tensor @" << ap.getTensor()
                 << ", which has " << type.getNumElements();
  // A bulk tile (collective buffer, indirect-DMA table) is bounded by its
  // tensor, not by an SBUF side: one naming more elements than the tensor
  // has repeats them (stride 0) and only costs the simulator host memory.
  // (validateProgram applies the same rule to programs from any source.)
  if (isa<AllReduceOp, AllGatherOp, ReduceScatterOp, AllToAllOp, SendOp, RecvOp,
          DmaGatherOp, DmaScatterOp>(op)) {
    std::optional<int64_t> elements =
        llvm::checkedMul<int64_t>(ap.getPartitions(), ap.getFreeElements());
    if (!elements || *elements > type.getNumElements())
      return err() << "has "
                   << (elements ? std::to_string(*elements)
                                : std::string("more than 2^63"))
                   << " elements, more than tensor @" << ap.getTensor() << "'s "
                   << type.getNumElements();
  }
  return success();
}

/// Checks an on-chip tile against the machine's buffer bounds. (HBM tiles
/// are checked against their tensors by verifySymbolUses; `when`, if not
/// empty, says which loop iteration `ap` is.)
LogicalResult checkTile(Operation *op, const tgt::Machine &m, AccessAttr ap,
                        StringRef role, StringRef when = "") {
  auto err = [&]() { return tileError(op, role, when); };
  if (ap.isHbm())
    return success();
  const tgt::Machine::Memory &mem = ap.isSbuf() ? m.sbuf : m.psum;
  StringRef name = ap.isSbuf() ? "SBUF" : "PSUM";
  if (ap.getPartition() + ap.getPartitions() > mem.partitions)
    return err() << "uses partitions [" << ap.getPartition() << ", "
                 << ap.getPartition() + ap.getPartitions() << ") but " << name
                 << " has " << mem.partitions << " (target '" << m.name << "')";
  if (ap.getEndByte() > mem.bytesPerPartition)
    return err() << "ends at byte " << ap.getEndByte() << " of a " << name
                 << " partition of " << mem.bytesPerPartition << " bytes";
  return success();
}

LogicalResult checkSpace(Operation *op, AccessAttr ap, StringRef role,
                         std::initializer_list<MemSpace> allowed) {
  for (MemSpace s : allowed)
    if (ap.getSpace() == s)
      return success();
  std::string names;
  for (MemSpace s : allowed)
    names += (names.empty() ? "" : " or ") + stringifyMemSpace(s).str();
  return op->emitOpError() << role << " must be in " << names << ", not "
                           << stringifyMemSpace(ap.getSpace());
}

LogicalResult sameShape(Operation *op, AccessAttr a, StringRef an, AccessAttr b,
                        StringRef bn) {
  if (a.getPartitions() != b.getPartitions() ||
      a.getFreeElements() != b.getFreeElements())
    return op->emitOpError()
           << an << " is " << a.getPartitions() << " partitions x "
           << a.getFreeElements() << " elements but " << bn << " is "
           << b.getPartitions() << " x " << b.getFreeElements();
  return success();
}

LogicalResult perPartitionScalar(Operation *op, AccessAttr s, StringRef role,
                                 int64_t partitions) {
  if (s.getPartitions() != partitions || s.getFreeElements() != 1)
    return op->emitOpError()
           << role << " must be a [" << partitions
           << ", 1] per-partition tile, got [" << s.getPartitions() << ", "
           << s.getFreeElements() << "]";
  return checkSpace(op, s, role, {MemSpace::sbuf, MemSpace::psum});
}

bool isFloat(Type t) { return !t.isSignlessInteger(32); }

/// Queue, semaphores and every tile in bounds; returns the machine.
const tgt::Machine *
verifyCommon(Operation *op, ArrayRef<std::pair<StringRef, AccessAttr>> tiles) {
  auto kernel = op->getParentOfType<KernelOp>();
  if (!kernel)
    return nullptr;
  const tgt::Machine *m = getMachine(kernel);
  if (!m)
    return nullptr;
  auto opcode = opcodeOf(op);
  std::optional<uint32_t> qid;
  if (opcode)
    qid = tgt::defaultQueue(*opcode);
  if (auto q = op->getAttrOfType<QueueAttr>("queue"))
    qid = q.getIndex();
  // The queue's name, for diagnostics only.
  auto queue = [&] { return qid ? tgt::queueName(*qid) : std::string(); };
  if (!qid || *qid >= m->numQueues()) {
    auto diag = op->emitOpError()
                << "queue '" << queue() << "' does not exist on target '"
                << m->name << "' (pe, act, dve, pool, dma0..dma"
                << m->dma.queues - 1;
    if (int64_t cc = m->collectiveQueues())
      diag << "; collectives also dma" << m->dma.queues << "..dma"
           << m->dma.queues + cc - 1;
    diag << ")";
    return nullptr;
  }
  if (*qid >= tgt::dmaQueue(m->dma.queues) &&
      !(opcode && tgt::isCollective(*opcode))) {
    op->emitOpError() << "runs on queue '" << queue()
                      << "', a collective-communication queue of target '"
                      << m->name << "': only collectives run there";
    return nullptr;
  }
  if (opcode) {
    uint8_t engines = tgt::opcodeInfo(*opcode).engines;
    tgt::Engine e = tgt::engineOfQueue(*qid);
    if (!(engines & (1u << static_cast<unsigned>(e)))) {
      op->emitOpError() << "cannot run on queue '" << queue() << "' ("
                        << tgt::engineName(e) << " engine)";
      return nullptr;
    }
  }
  int64_t sems = kernel.getSemaphores();
  if (auto wait = op->getAttrOfType<DenseI64ArrayAttr>("wait")) {
    if (wait.size() % 2 != 0) {
      op->emitOpError() << "wait must list (semaphore, count) pairs";
      return nullptr;
    }
    for (int64_t i = 0; i < wait.size(); i += 2) {
      if (wait[i] < 0 || wait[i] >= sems || wait[i + 1] < 1) {
        op->emitOpError() << "waits on semaphore " << wait[i]
                          << " >= " << wait[i + 1] << " but the kernel has "
                          << sems << " semaphores (counts start at 1)";
        return nullptr;
      }
    }
  }
  if (auto signal = op->getAttrOfType<DenseI64ArrayAttr>("signal"))
    for (int64_t s : signal.asArrayRef())
      if (s < 0 || s >= sems) {
        op->emitOpError() << "signals semaphore " << s << " but the kernel has "
                          << sems << " semaphores";
        return nullptr;
      }
  for (auto [role, ap] : tiles)
    if (ap && failed(checkTile(op, *m, ap, role)))
      return nullptr;
  // Only the Vector and Scalar engines read and write PSUM (trn2.md).
  if (tgt::engineOfQueue(*qid) == tgt::Engine::GpSimd)
    for (auto [role, ap] : tiles)
      if (ap && ap.isPsum()) {
        op->emitOpError() << role << " is in PSUM, which the GpSimd engine "
                          << "(queue '" << queue() << "') cannot access: only "
                          << "the Vector and Scalar engines read and write "
                             "PSUM";
        return nullptr;
      }
  return m;
}
} // namespace

//===----------------------------------------------------------------------===//
// Loops
//===----------------------------------------------------------------------===//

/// The access attribute of operand `index` of `op` in the target's opcode
/// schema order (roles are the attributes' names); null when absent.
static AccessAttr operandAccess(Operation *op, tgt::Opcode opcode,
                                unsigned index) {
  StringRef role = tgt::opcodeInfo(opcode).operands[index];
  role.consume_back("?");
  return op->getAttrOfType<AccessAttr>(role);
}

/// The partition start and offset of tile `ap` in iteration `last` of a
/// loop stepping them by `dp` and `doff`; nullopt on overflow.
static std::optional<std::pair<int64_t, int64_t>>
lastStart(AccessAttr ap, int64_t last, int64_t dp, int64_t doff) {
  auto dpk = muir::checkedMul(dp, last), doffk = muir::checkedMul(doff, last);
  auto p = dpk ? muir::checkedAdd(ap.getPartition(), *dpk) : std::nullopt;
  auto off = doffk ? muir::checkedAdd(ap.getOffset(), *doffk) : std::nullopt;
  if (!p || !off)
    return std::nullopt;
  return std::make_pair(*p, *off);
}

/// `ap` moved to partition `p` and offset `off` (which AccessAttr::verify
/// has accepted).
static AccessAttr movedTo(AccessAttr ap, int64_t p, int64_t off) {
  return AccessAttr::get(ap.getContext(), ap.getSpace(), ap.getTensor(), p,
                         ap.getPartitions(), ap.getPartitionStride(), off,
                         ap.getSizes(), ap.getStrides(), ap.getElementType());
}

LogicalResult muir::nc::verifyHbmTiles(Operation *op,
                                       SymbolTableCollection &tables) {
  auto kernel = op->getParentOfType<KernelOp>();
  if (!kernel)
    return failure();
  // The tiles by their roles in the opcode's schema: looking each up by
  // name is cheap, while getAttrs() builds a dictionary from the op's
  // properties on every call (a third of a large kernel's verification).
  if (auto opcode = opcodeOf(op)) {
    const auto &roles = tgt::opcodeInfo(*opcode).operands;
    for (unsigned i = 0; i < roles.size(); ++i) {
      AccessAttr ap = operandAccess(op, *opcode, i);
      StringRef role = roles[i];
      role.consume_back("?");
      if (ap && ap.isHbm() &&
          failed(checkHbmTile(op, kernel, tables, ap, role)))
        return failure();
    }
    return success();
  }
  for (NamedAttribute attr : op->getAttrs())
    if (auto ap = llvm::dyn_cast<AccessAttr>(attr.getValue()))
      if (ap.isHbm() &&
          failed(checkHbmTile(op, kernel, tables, ap, attr.getName())))
        return failure();
  return success();
}

/// HBM tiles in the last iteration (the first is each instruction's own
/// check; tiles are affine in the iteration). verifyRegions has checked the
/// tables and the arithmetic.
LogicalResult LoopOp::verifySymbolUses(SymbolTableCollection &tables) {
  auto kernel = (*this)->getParentOfType<KernelOp>();
  if (!kernel)
    return failure();
  SmallVector<Operation *> body;
  for (Operation &op : getBody().front())
    body.push_back(&op);
  int64_t last = (int64_t)getTrips() - 1;
  std::string when = "in iteration " + std::to_string(last);
  ArrayRef<int64_t> steps = getSteps();
  for (size_t at = 0; at + 3 < steps.size(); at += 4) {
    if (steps[at] < 0 || steps[at] >= (int64_t)body.size())
      return failure();
    Operation *op = body[steps[at]];
    auto opcode = opcodeOf(op);
    if (!opcode || steps[at + 1] < 0 ||
        steps[at + 1] >= (int64_t)tgt::opcodeInfo(*opcode).operands.size())
      return failure();
    StringRef role = tgt::opcodeInfo(*opcode).operands[steps[at + 1]];
    role.consume_back("?");
    AccessAttr ap = operandAccess(op, *opcode, steps[at + 1]);
    if (!ap || !ap.isHbm())
      continue;
    auto start = lastStart(ap, last, steps[at + 2], steps[at + 3]);
    if (!start || failed(checkHbmTile(op, kernel, tables,
                                      movedTo(ap, start->first, start->second),
                                      role, when)))
      return failure();
  }
  return success();
}

LogicalResult LoopOp::verifyRegions() {
  auto kernel = (*this)->getParentOfType<KernelOp>();
  const tgt::Machine *m = kernel ? getMachine(kernel) : nullptr;
  if (!m)
    return failure();
  SmallVector<Operation *> body;
  SmallVector<tgt::Opcode> opcodes;
  for (Operation &op : getBody().front()) {
    auto opcode = opcodeOf(&op);
    if (!opcode || !llvm::isa<NcDialect>(op.getDialect()))
      return op.emitOpError() << "cannot be in an nc.loop body (instructions "
                                 "only)";
    body.push_back(&op);
    opcodes.push_back(*opcode);
  }
  if (body.empty())
    return emitOpError() << "body must hold at least one instruction";
  int64_t last = (int64_t)getTrips() - 1;
  std::string when = "in iteration " + std::to_string(last);
  // Entries must be in (instruction, operand) order, each at most once.
  auto ordered = [&](ArrayRef<int64_t> t, size_t stride, size_t at,
                     StringRef table, StringRef second) -> LogicalResult {
    if (at >= stride && std::make_pair(t[at - stride], t[at - stride + 1]) >=
                            std::make_pair(t[at], t[at + 1]))
      return emitOpError() << table << " entry " << at / stride << " (" << t[at]
                           << ", " << t[at + 1]
                           << ") is not after the previous one: list each ("
                           << "instruction, " << second
                           << ") once, in increasing order";
    if (t[at] < 0 || t[at] >= (int64_t)body.size())
      return emitOpError() << table << " entry " << at / stride
                           << " names instruction " << t[at]
                           << " but the body has " << body.size();
    return success();
  };
  ArrayRef<int64_t> steps = getSteps();
  for (size_t at = 0; at < steps.size(); at += 4) {
    if (failed(ordered(steps, 4, at, "steps", "operand")))
      return failure();
    Operation *op = body[steps[at]];
    tgt::Opcode opcode = opcodes[steps[at]];
    int64_t r = steps[at + 1], dp = steps[at + 2], doff = steps[at + 3];
    const tgt::OpcodeInfo &info = tgt::opcodeInfo(opcode);
    if (r < 0 || r >= (int64_t)info.operands.size())
      return emitOpError() << "steps entry " << at / 4 << " names operand " << r
                           << " of " << info.mnemonic << ", which has "
                           << info.operands.size();
    StringRef role = info.operands[r];
    role.consume_back("?");
    AccessAttr ap = operandAccess(op, opcode, r);
    if (!ap)
      return emitOpError() << "steps entry " << at / 4 << " steps operand '"
                           << role << "', which " << info.mnemonic << " #"
                           << steps[at] << " does not have";
    if (ap.isHbm() && dp != 0)
      return emitOpError() << "steps entry " << at / 4 << " steps the "
                           << "partition start of HBM operand '" << role
                           << "'; HBM tiles step by offset only";
    if ((opcode == tgt::Opcode::Matmul || opcode == tgt::Opcode::Transpose) &&
        r == 0 && doff % std::max<int64_t>(1, m->psum.bankBytes()) != 0)
      return emitOpError() << "steps entry " << at / 4 << " moves the "
                           << info.mnemonic << " dst by " << doff
                           << " bytes, not a multiple of the "
                           << m->psum.bankBytes() << "-byte PSUM bank";
    auto start = lastStart(ap, last, dp, doff);
    if (!start)
      return emitOpError() << "steps entry " << at / 4 << " overflows 64 "
                           << "bits " << when;
    auto [p, off] = *start;
    auto diag = [&] {
      InFlightDiagnostic d = op->emitOpError();
      d << role << " tile " << when << ": ";
      return d;
    };
    if (failed(AccessAttr::verify(diag, ap.getSpace(), ap.getTensor(), p,
                                  ap.getPartitions(), ap.getPartitionStride(),
                                  off, ap.getSizes(), ap.getStrides(),
                                  ap.getElementType())))
      return failure();
    if (failed(checkTile(op, *m, movedTo(ap, p, off), role, when)))
      return failure();
  }
  ArrayRef<int64_t> waitSteps = getWaitSteps();
  for (size_t at = 0; at < waitSteps.size(); at += 3) {
    if (failed(ordered(waitSteps, 3, at, "wait_steps", "wait")))
      return failure();
    Operation *op = body[waitSteps[at]];
    int64_t w = waitSteps[at + 1], dn = waitSteps[at + 2];
    auto wait = op->getAttrOfType<DenseI64ArrayAttr>("wait");
    int64_t waits = wait ? wait.size() / 2 : 0;
    if (w < 0 || w >= waits)
      return emitOpError() << "wait_steps entry " << at / 3 << " names wait "
                           << w << " of instruction #" << waitSteps[at]
                           << ", which has " << waits;
    auto dnk = muir::checkedMul(dn, last);
    auto n = dnk ? muir::checkedAdd(wait[2 * w + 1], *dnk) : std::nullopt;
    if (dn < 0 || !n || *n > UINT32_MAX)
      return emitOpError() << "wait_steps entry " << at / 3 << " steps the "
                           << "count of semaphore " << wait[2 * w] << " by "
                           << dn << ": steps must be >= 0 and the count stay "
                           << "below 2^32 " << when;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Sections
//===----------------------------------------------------------------------===//

RegionKind SectionOp::getRegionKind(unsigned) { return RegionKind::Graph; }

LogicalResult SectionOp::verify() {
  for (auto [name, range] :
       {std::pair<StringRef, ArrayRef<int64_t>>{"sbuf", getSbuf()},
        {"psum", getPsum()}})
    if (range.size() != 2 || range[0] < 0 || range[1] < range[0])
      return emitOpError() << name
                           << " must be a byte range [lo, hi] with 0 <= lo "
                              "<= hi, got "
                           << range.size() << " numbers"
                           << (range.size() == 2
                                   ? " [" + std::to_string(range[0]) + ", " +
                                         std::to_string(range[1]) + "]"
                                   : std::string());
  return success();
}

LogicalResult SectionOp::verifyRegions() {
  auto kernel = (*this)->getParentOfType<KernelOp>();
  const tgt::Machine *m = kernel ? getMachine(kernel) : nullptr;
  if (!m)
    return failure();
  ArrayRef<int64_t> sbuf = getSbuf(), psum = getPsum();
  for (auto [key, memory, range, mem] :
       {std::make_tuple("sbuf", "an SBUF", sbuf, &m->sbuf),
        std::make_tuple("psum", "a PSUM", psum, &m->psum)})
    if (range[1] > mem->bytesPerPartition)
      return emitOpError() << key << " range [" << range[0] << ", " << range[1]
                           << ") ends past the " << mem->bytesPerPartition
                           << " bytes of " << memory << " partition (target '"
                           << m->name << "')";
  SmallVector<TileAccess, 6> tiles;
  for (Operation &op : getBody().front()) {
    auto inst = llvm::dyn_cast<InstructionOpInterface>(op);
    if (!inst)
      return op.emitOpError()
             << "cannot be in an nc.section body (instructions only)";
    tiles.clear();
    inst.getTileAccesses(tiles);
    for (const TileAccess &t : tiles) {
      if (!t.tile || t.tile.isHbm())
        continue;
      ArrayRef<int64_t> range = t.tile.isSbuf() ? sbuf : psum;
      int64_t lo = t.tile.getOffset(), hi = t.tile.getEndByte();
      if (lo < range[0] || hi > range[1])
        return op.emitOpError()
               << "tile at " << (t.tile.isSbuf() ? "SBUF" : "PSUM")
               << " bytes [" << lo << ", " << hi
               << ") is outside its section \"" << getName() << "\"'s range ["
               << range[0] << ", " << range[1] << ")";
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Instructions
//===----------------------------------------------------------------------===//

LogicalResult NopOp::verify() {
  return success(verifyCommon(*this, {}) != nullptr);
}

LogicalResult DmaOp::verify() {
  AccessAttr dst = getDst(), src = getSrc();
  const tgt::Machine *m = verifyCommon(*this, {{"dst", dst}, {"src", src}});
  if (!m)
    return failure();
  if (failed(checkSpace(*this, dst, "dst", {MemSpace::hbm, MemSpace::sbuf})) ||
      failed(checkSpace(*this, src, "src", {MemSpace::hbm, MemSpace::sbuf})))
    return failure();
  if (dst.isHbm() && src.isHbm())
    return emitOpError() << "HBM to HBM is not a DMA the target has; one "
                            "side must be SBUF";
  if (getTranspose()) {
    if (dst.getElementBytes() != src.getElementBytes() ||
        !m->dma.transposes(src.getElementBytes())) {
      InFlightDiagnostic d = emitOpError() << "DMA transpose on target '"
                                           << m->name << "' needs elements of ";
      llvm::interleave(m->dma.transposeElementBytes, d, " or ");
      return d << " bytes (dma.transpose_element_bytes), one size on both "
                  "sides";
    }
    if (src.getSizes().size() != 1 || dst.getSizes().size() != 1 ||
        dst.getPartitions() != src.getFreeElements() ||
        dst.getFreeElements() != src.getPartitions())
      return emitOpError() << "DMA transpose of a [" << src.getPartitions()
                           << ", " << src.getFreeElements()
                           << "] tile needs a [" << src.getFreeElements()
                           << ", " << src.getPartitions() << "] dst, got ["
                           << dst.getPartitions() << ", "
                           << dst.getFreeElements() << "]";
    return success();
  }
  return sameShape(*this, dst, "dst", src, "src");
}

/// The rules of both indirect DMAs: `rows` the SBUF side, `table` the HBM
/// rows, `indices` one i32 per partition of `rows`.
static LogicalResult verifyIndirectDma(Operation *op, AccessAttr rows,
                                       StringRef rowsRole, AccessAttr table,
                                       StringRef tableRole,
                                       AccessAttr indices) {
  if (!verifyCommon(
          op, {{rowsRole, rows}, {tableRole, table}, {"indices", indices}}))
    return failure();
  if (failed(checkSpace(op, rows, rowsRole, {MemSpace::sbuf})) ||
      failed(checkSpace(op, table, tableRole, {MemSpace::hbm})) ||
      failed(perPartitionScalar(op, indices, "indices", rows.getPartitions())))
    return failure();
  if (indices.isPsum() || !indices.getElementType().isSignlessInteger(32))
    return op->emitOpError() << "indices must be an SBUF i32 tile, got "
                             << stringifyMemSpace(indices.getSpace()) << " "
                             << indices.getElementType();
  if (table.getFreeElements() != rows.getFreeElements())
    return op->emitOpError()
           << "a " << tableRole << " row has " << table.getFreeElements()
           << " elements but " << rowsRole << " has " << rows.getFreeElements()
           << " per partition";
  if (table.getElementType() != rows.getElementType())
    return op->emitOpError()
           << tableRole << " element type " << table.getElementType()
           << " differs from " << rowsRole << " element type "
           << rows.getElementType() << " (an indirect DMA does not convert)";
  return success();
}

LogicalResult DmaGatherOp::verify() {
  return verifyIndirectDma(*this, getDst(), "dst", getTable(), "table",
                           getIndices());
}

LogicalResult DmaScatterOp::verify() {
  return verifyIndirectDma(*this, getSrc(), "src", getDst(), "dst",
                           getIndices());
}

LogicalResult MatmulOp::verify() {
  AccessAttr dst = getDst(), st = getStationary(), mv = getMoving();
  const tgt::Machine *m =
      verifyCommon(*this, {{"dst", dst}, {"stationary", st}, {"moving", mv}});
  if (!m)
    return failure();
  if (failed(checkSpace(*this, dst, "dst", {MemSpace::psum})) ||
      failed(checkSpace(*this, st, "stationary", {MemSpace::sbuf})) ||
      failed(checkSpace(*this, mv, "moving", {MemSpace::sbuf})))
    return failure();
  if (!dst.getElementType().isF32())
    return emitOpError() << "dst must be f32 (PSUM accumulates in fp32), got "
                         << dst.getElementType();
  Type et = st.getElementType();
  if (et != mv.getElementType())
    return emitOpError() << "stationary element type " << et
                         << " differs from moving element type "
                         << mv.getElementType();
  auto e = toElemType(et);
  if (!isFloat(et))
    return emitOpError() << "the PE array does not take " << et << " operands";
  bool fp8 = *e == tgt::ElemType::F8E4M3FN || *e == tgt::ElemType::F8E5M2;
  int64_t maxK = m->pe.rows * (fp8 && m->pe.fp8DoubleRow ? 2 : 1);
  int64_t k = st.getPartitions(), mm = st.getFreeElements(),
          n = mv.getFreeElements();
  if (mv.getPartitions() != k)
    return emitOpError() << "stationary has K = " << k
                         << " partitions but moving has " << mv.getPartitions();
  if (k > maxK)
    return emitOpError() << "contraction K = " << k << " exceeds " << maxK
                         << " rows of the PE array";
  if (mm > m->pe.cols)
    return emitOpError() << "stationary free size M = " << mm << " exceeds "
                         << m->pe.cols << " PE columns";
  if (n > m->pe.movingFreeMax)
    return emitOpError() << "moving free size N = " << n << " exceeds "
                         << m->pe.movingFreeMax;
  if (dst.getPartitions() != mm || dst.getFreeElements() != n)
    return emitOpError() << "dst must be [" << mm << ", " << n
                         << "] (M partitions x N), got [" << dst.getPartitions()
                         << ", " << dst.getFreeElements() << "]";
  int64_t bank = m->psum.bankBytes();
  if (dst.getOffset() / bank != (dst.getEndByte() - 1) / bank)
    return emitOpError() << "dst bytes [" << dst.getOffset() << ", "
                         << dst.getEndByte() << ") cross a " << bank
                         << "-byte PSUM bank boundary";
  return success();
}

LogicalResult TransposeOp::verify() {
  AccessAttr dst = getDst(), src = getSrc();
  const tgt::Machine *m = verifyCommon(*this, {{"dst", dst}, {"src", src}});
  if (!m)
    return failure();
  if (failed(checkSpace(*this, dst, "dst", {MemSpace::psum})) ||
      failed(checkSpace(*this, src, "src", {MemSpace::sbuf})))
    return failure();
  if (!isFloat(src.getElementType()))
    return emitOpError() << "the PE array does not take "
                         << src.getElementType() << " operands";
  // The PE array passes the data through unchanged (bit-exact on
  // NeuronCore-v3): PSUM receives the source's type, or f32.
  if (!dst.getElementType().isF32() &&
      dst.getElementType() != src.getElementType())
    return emitOpError() << "dst must be f32 or the src type "
                         << src.getElementType() << ", got "
                         << dst.getElementType();
  int64_t p = src.getPartitions(), n = src.getFreeElements();
  if (n > m->pe.cols)
    return emitOpError() << "src free size " << n << " exceeds " << m->pe.cols
                         << " PE columns";
  if (dst.getPartitions() != n || dst.getFreeElements() != p)
    return emitOpError() << "dst must be [" << n << ", " << p << "] for a ["
                         << p << ", " << n << "] src, got ["
                         << dst.getPartitions() << ", " << dst.getFreeElements()
                         << "]";
  int64_t bank = m->psum.bankBytes();
  if (dst.getOffset() / bank != (dst.getEndByte() - 1) / bank)
    return emitOpError() << "dst crosses a " << bank
                         << "-byte PSUM bank boundary";
  return success();
}

LogicalResult ActivationOp::verify() {
  AccessAttr dst = getDst(), src = getSrc();
  AccessAttr bias = getBiasAttr(), accum = getAccumAttr();
  if (!verifyCommon(
          *this,
          {{"dst", dst}, {"src", src}, {"bias", bias}, {"accum", accum}}))
    return failure();
  if (failed(checkSpace(*this, dst, "dst", {MemSpace::sbuf, MemSpace::psum})) ||
      failed(checkSpace(*this, src, "src", {MemSpace::sbuf, MemSpace::psum})) ||
      failed(sameShape(*this, dst, "dst", src, "src")))
    return failure();
  if (!isFloat(dst.getElementType()) || !isFloat(src.getElementType()))
    return emitOpError() << "the Scalar engine computes on float tiles";
  if (bias &&
      failed(perPartitionScalar(*this, bias, "bias", dst.getPartitions())))
    return failure();
  if (accum &&
      failed(perPartitionScalar(*this, accum, "accum", dst.getPartitions())))
    return failure();
  return success();
}

LogicalResult TensorTensorOp::verify() {
  AccessAttr dst = getDst(), lhs = getLhs(), rhs = getRhs();
  if (!verifyCommon(*this, {{"dst", dst}, {"lhs", lhs}, {"rhs", rhs}}))
    return failure();
  for (auto [role, ap] :
       {std::make_pair("dst", dst), std::make_pair("lhs", lhs),
        std::make_pair("rhs", rhs)})
    if (failed(checkSpace(*this, ap, role, {MemSpace::sbuf, MemSpace::psum})))
      return failure();
  if (getOp() == AluOp::bypass)
    return emitOpError() << "bypass takes one input: use tensor_copy";
  return failure(failed(sameShape(*this, dst, "dst", lhs, "lhs")) ||
                 failed(sameShape(*this, dst, "dst", rhs, "rhs")));
}

LogicalResult TensorScalarOp::verify() {
  AccessAttr dst = getDst(), src = getSrc();
  AccessAttr s0 = getScalar0Attr(), s1 = getScalar1Attr();
  if (!verifyCommon(
          *this,
          {{"dst", dst}, {"src", src}, {"scalar0", s0}, {"scalar1", s1}}))
    return failure();
  if (failed(checkSpace(*this, dst, "dst", {MemSpace::sbuf, MemSpace::psum})) ||
      failed(checkSpace(*this, src, "src", {MemSpace::sbuf, MemSpace::psum})) ||
      failed(sameShape(*this, dst, "dst", src, "src")))
    return failure();
  if (s0 &&
      failed(perPartitionScalar(*this, s0, "scalar0", dst.getPartitions())))
    return failure();
  if (s1 &&
      failed(perPartitionScalar(*this, s1, "scalar1", dst.getPartitions())))
    return failure();
  return success();
}

LogicalResult TensorReduceOp::verify() {
  AccessAttr dst = getDst(), src = getSrc();
  if (!verifyCommon(*this, {{"dst", dst}, {"src", src}}))
    return failure();
  if (failed(checkSpace(*this, dst, "dst", {MemSpace::sbuf, MemSpace::psum})) ||
      failed(checkSpace(*this, src, "src", {MemSpace::sbuf, MemSpace::psum})))
    return failure();
  if (getOp() != AluOp::add && getOp() != AluOp::max && getOp() != AluOp::min)
    return emitOpError() << "reduces with add, max or min only";
  int64_t rank = src.getSizes().size();
  int64_t naxes = (int64_t)getNaxes();
  if (naxes < 1 || naxes > rank)
    return emitOpError() << "naxes " << naxes << " must be in [1, " << rank
                         << "] for a src with " << rank << " free dimensions";
  int64_t kept = 1;
  for (int64_t i = 0; i < rank - naxes; ++i)
    kept *= src.getSizes()[i];
  if (dst.getPartitions() != src.getPartitions() ||
      dst.getFreeElements() != kept)
    return emitOpError() << "dst must be [" << src.getPartitions() << ", "
                         << kept << "], got [" << dst.getPartitions() << ", "
                         << dst.getFreeElements() << "]";
  return success();
}

LogicalResult TensorCopyOp::verify() {
  AccessAttr dst = getDst(), src = getSrc();
  if (!verifyCommon(*this, {{"dst", dst}, {"src", src}}))
    return failure();
  if (failed(checkSpace(*this, dst, "dst", {MemSpace::sbuf, MemSpace::psum})) ||
      failed(checkSpace(*this, src, "src", {MemSpace::sbuf, MemSpace::psum})))
    return failure();
  return sameShape(*this, dst, "dst", src, "src");
}

static LogicalResult checkAffine(Operation *op, AccessAttr dst,
                                 ArrayRef<int64_t> coefs) {
  if (coefs.size() != dst.getSizes().size())
    return op->emitOpError()
           << "needs one coefficient per free dimension of "
              "dst ("
           << dst.getSizes().size() << "), got " << coefs.size();
  return checkSpace(op, dst, "dst", {MemSpace::sbuf, MemSpace::psum});
}

LogicalResult IotaOp::verify() {
  if (!verifyCommon(*this, {{"dst", getDst()}}))
    return failure();
  return checkAffine(*this, getDst(), getCoefficients());
}

LogicalResult AffineSelectOp::verify() {
  AccessAttr dst = getDst(), src = getSrc();
  if (!verifyCommon(*this, {{"dst", dst}, {"src", src}}))
    return failure();
  if (failed(checkAffine(*this, dst, getCoefficients())) ||
      failed(checkSpace(*this, src, "src", {MemSpace::sbuf, MemSpace::psum})))
    return failure();
  if (src.getSizes() != dst.getSizes() ||
      src.getPartitions() != dst.getPartitions())
    return emitOpError() << "src and dst need the same partitions and free "
                            "sizes";
  return success();
}

#include "nc/NcInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "nc/NcOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Collectives
//===----------------------------------------------------------------------===//

std::optional<SmallVector<double>> muir::nc::collectiveParams(Operation *op) {
  SmallVector<double> params;
  auto table = [&](StringRef name, bool pairs) {
    auto t = op->getAttrOfType<DenseIntElementsAttr>(name);
    auto type = t ? llvm::dyn_cast<RankedTensorType>(t.getType()) : nullptr;
    if (!type || type.getRank() != 2 || (pairs && type.getDimSize(1) != 2))
      return false;
    if (!pairs)
      params.push_back(double(type.getDimSize(1)));
    for (const APInt &v : t.getValues<APInt>())
      params.push_back(double(v.getSExtValue()));
    return true;
  };
  bool ok =
      llvm::TypeSwitch<Operation *, bool>(op)
          .Case<AllReduceOp, ReduceScatterOp>([&](auto o) {
            params = {double(o.getOp()), double(o.getAlgorithm())};
            return table("replica_groups", false);
          })
          .Case<AllGatherOp, AllToAllOp>([&](auto o) {
            params = {double(o.getAlgorithm())};
            return table("replica_groups", false);
          })
          .Case<SendOp, RecvOp>([&](auto) { return table("pairs", true); })
          .Default([](Operation *) { return false; });
  if (!ok)
    return std::nullopt;
  return params;
}

/// The target's rules for a collective (Collective.h), on top of the
/// queue, semaphores and tile bounds every instruction has.
static LogicalResult verifyCollective(Operation *op, AccessAttr dst,
                                      AccessAttr src) {
  SmallVector<std::pair<StringRef, AccessAttr>, 2> tiles;
  if (dst)
    tiles.push_back({"dst", dst});
  if (src)
    tiles.push_back({"src", src});
  const tgt::Machine *m = verifyCommon(op, tiles);
  if (!m)
    return failure();
  auto opcode = *opcodeOf(op);
  std::optional<SmallVector<double>> params = collectiveParams(op);
  if (!params)
    return op->emitOpError()
           << (opcode == tgt::Opcode::Send || opcode == tgt::Opcode::Recv
                   ? "pairs must be an N x 2 tensor of (source, target) ranks"
                   : "replica_groups must be a 2-D tensor, one row of ranks "
                     "per group");
  llvm::Expected<tgt::CollectiveParams> c =
      tgt::decodeCollective(opcode, *params, *m);
  if (!c)
    return op->emitOpError() << llvm::toString(c.takeError());
  auto side = [](AccessAttr a) {
    tgt::CollectiveSide s;
    if (!a)
      return s;
    s.present = true;
    s.space = static_cast<tgt::MemSpace>(a.getSpace());
    s.type = *toElemType(a.getElementType());
    // AccessAttr::verify bounded the extent, so the count fits in int64.
    s.elements = a.getPartitions() * a.getFreeElements();
    return s;
  };
  if (std::optional<std::string> msg =
          tgt::checkCollectiveTiles(*c, side(dst), side(src)))
    return op->emitOpError() << *msg;
  return success();
}

LogicalResult AllReduceOp::verify() {
  return verifyCollective(*this, getDst(), getSrc());
}
LogicalResult AllGatherOp::verify() {
  return verifyCollective(*this, getDst(), getSrc());
}
LogicalResult ReduceScatterOp::verify() {
  return verifyCollective(*this, getDst(), getSrc());
}
LogicalResult AllToAllOp::verify() {
  return verifyCollective(*this, getDst(), getSrc());
}
LogicalResult SendOp::verify() { return verifyCollective(*this, {}, getSrc()); }
LogicalResult RecvOp::verify() { return verifyCollective(*this, getDst(), {}); }
