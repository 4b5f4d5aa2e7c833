//===- Validate.cpp - memory safety of a program on a machine -------------===//
#include "muir/Target/Validate.h"
#include "muir/Support/CheckedSize.h"
#include "muir/Target/Collective.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"

using namespace muir;
using namespace muir::target;
using llvm::Error;
using llvm::Twine;

namespace {
Error err(const Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg.str());
}

std::string who(const Program &prog, uint32_t idx) {
  const Instruction &in = prog.instructions[idx];
  return "instruction #" + std::to_string(idx) + " (" + queueName(in.queue) +
         " " + opcodeInfo(in.op).mnemonic.str() + ")";
}

/// On-chip memories the simulator emulates: sane sizes within the host cap.
Error checkMachine(const Machine &m) {
  for (auto [mem, name] :
       {std::make_pair(&m.sbuf, "SBUF"), std::make_pair(&m.psum, "PSUM")}) {
    std::optional<int64_t> bytes =
        checkedProduct({mem->partitions, mem->bytesPerPartition});
    if (mem->partitions < 1 || mem->bytesPerPartition < 1 || mem->banks < 1 ||
        !bytes || *bytes > kMaxSimHbmBytes)
      return err("target '" + m.name + "' has a " + name + " of " +
                 Twine(mem->partitions) + " x " +
                 Twine(mem->bytesPerPartition) +
                 " bytes, which the simulator cannot emulate");
  }
  if (m.dma.queues < 0 || m.dma.queues > 64 || m.hbm.capacityBytes < 0)
    return err("target '" + m.name +
               "' has a bad DMA queue count or HBM "
               "capacity");
  return Error::success();
}

Error checkTensors(const Program &prog, const Machine &m, bool hostData) {
  // The simulator emulates HBM up to the end of the last tensor (when it
  // holds the bytes at all).
  int64_t cap = hostData ? std::min(m.hbm.capacityBytes, kMaxSimHbmBytes)
                         : m.hbm.capacityBytes;
  for (const TensorDecl &t : prog.tensors) {
    std::string what = "tensor '" + t.name + "'";
    if (unsigned(t.type) > unsigned(ElemType::I32))
      return err(what + " has an unknown element type");
    if (unsigned(t.kind) > unsigned(TensorKind::Scratch))
      return err(what + " has an unknown kind");
    std::optional<int64_t> bytes = checkedProduct(t.shape, elemBytes(t.type));
    if (!bytes)
      return err(what + " has a negative dimension or more than 2^63 bytes");
    std::optional<int64_t> end;
    if (t.offset <= uint64_t(INT64_MAX))
      end = llvm::checkedAdd(int64_t(t.offset), *bytes);
    if (!end || *end > m.hbm.capacityBytes)
      return err(what + " at HBM byte " + Twine(t.offset) + " with " +
                 Twine(*bytes) + " bytes ends past the capacity " +
                 Twine(m.hbm.capacityBytes) + " of target '" + m.name + "'");
    if (*end > cap)
      return err(what + " ends at HBM byte " + Twine(*end) +
                 ", past the simulator's host limit of " +
                 Twine(kMaxSimHbmBytes) + " bytes of emulated HBM");
    if (t.kind == TensorKind::Constant && int64_t(t.data.size()) != *bytes)
      return err("constant " + what + " has " + Twine(t.data.size()) +
                 " bytes, expected " + Twine(*bytes));
  }
  return Error::success();
}

llvm::Expected<TileExtent> checkAccess(const Program &prog, const Machine &m,
                                       uint32_t instr, unsigned operand,
                                       const AccessPattern &ap,
                                       uint64_t iteration);

/// A collective's groups and tiles (Collective.h has the rules).
Error checkCollectiveInstruction(const Program &prog, const Machine &m,
                                 uint32_t idx) {
  const Instruction &in = prog.instructions[idx];
  llvm::Expected<CollectiveParams> c = decodeCollective(in.op, in.params, m);
  if (!c)
    return err(who(prog, idx) + ": " + llvm::toString(c.takeError()));
  CollectiveSide sides[2];
  bool hasDst = in.op != Opcode::Send;
  for (unsigned i = 0; i < in.operands.size(); ++i) {
    const AccessPattern &ap = in.operands[i];
    CollectiveSide &s = sides[hasDst ? i : 1];
    s = {ap.present(), ap.space, ap.type, ap.numElements()};
  }
  if (std::optional<std::string> msg =
          checkCollectiveTiles(*c, sides[0], sides[1]))
    return err(who(prog, idx) + ": " + *msg);
  return Error::success();
}

Error checkInstruction(const Program &prog, const Machine &m, uint32_t idx) {
  const Instruction &in = prog.instructions[idx];
  std::string where = "instruction #" + std::to_string(idx);
  if (unsigned(in.op) >= kNumOpcodes)
    return err(where + ": unknown opcode " + Twine(unsigned(in.op)));
  const OpcodeInfo &info = opcodeInfo(in.op);
  if (in.queue >= m.numQueues())
    return err(where + " (" + info.mnemonic + ") runs on queue " +
               queueName(in.queue) + ", which target '" + m.name +
               "' does not have");
  if (in.queue >= dmaQueue(m.dma.queues) && !isCollective(in.op))
    return err(where + " (" + info.mnemonic + ") runs on queue " +
               queueName(in.queue) + ", a collective queue of target '" +
               m.name + "': only collectives run there");
  if (!(info.engines & (1u << unsigned(engineOfQueue(in.queue)))))
    return err(who(prog, idx) + ": " + info.mnemonic + " cannot run on the " +
               engineName(engineOfQueue(in.queue)) + " engine");
  if (in.operands.size() > info.operands.size())
    return err(who(prog, idx) + ": has " + Twine(in.operands.size()) +
               " operands, expected " + Twine(info.operands.size()));
  for (size_t i = 0; i < info.operands.size(); ++i) {
    bool optional = info.operands[i].ends_with("?");
    bool has = i < in.operands.size() && in.operands[i].present();
    if (!optional && !has)
      return err(who(prog, idx) + ": missing operand '" + info.operands[i] +
                 "'");
    if (!has)
      continue;
    const AccessPattern &ap = in.operands[i];
    if (ap.space == MemSpace::PSUM && engineOfQueue(in.queue) == Engine::GpSimd)
      return err(who(prog, idx) + ": operand '" + info.operands[i] +
                 "' is in PSUM, which the GpSimd engine cannot access (only "
                 "the Vector and Scalar engines read and write PSUM)");
    if (ap.sizes.size() != ap.strides.size() || ap.sizes.empty() ||
        ap.sizes.size() > 4)
      return err(who(prog, idx) + ": operand '" + info.operands[i] +
                 "' has mismatched, empty or more than 4 sizes/strides");
    if (llvm::Expected<TileExtent> e = checkAccess(prog, m, idx, i, ap, 0); !e)
      return e.takeError();
  }
  if (in.params.size() < info.params.size() ||
      (!info.variadicParams && in.params.size() != info.params.size()))
    return err(who(prog, idx) + ": has " + Twine(in.params.size()) +
               " parameters, expected " + Twine(info.params.size()));
  for (const SemWait &w : in.waits)
    if (w.semaphore >= prog.numSemaphores)
      return err(who(prog, idx) + ": waits on semaphore " + Twine(w.semaphore) +
                 " but the program has " + Twine(prog.numSemaphores));
  for (uint32_t s : in.signals)
    if (s >= prog.numSemaphores)
      return err(who(prog, idx) + ": signals semaphore " + Twine(s) +
                 " but the program has " + Twine(prog.numSemaphores));
  if (isCollective(in.op))
    return checkCollectiveInstruction(prog, m, idx);
  if (isIndirectDma(in.op)) {
    bool gather = in.op == Opcode::DmaGather;
    const AccessPattern &rows = in.operands[gather ? 0 : 1];
    const AccessPattern &table = in.operands[gather ? 1 : 0];
    if (std::optional<std::string> msg =
            checkIndirectDmaTiles(rows, table, in.operands[2]))
      return err(who(prog, idx) + ": " + *msg);
  }
  return Error::success();
}
/// The bounds check of one operand: its extent when it is inside its memory.
/// (`iteration` > 0: `ap` is that iteration of a loop's instruction.)
llvm::Expected<TileExtent> checkAccess(const Program &prog, const Machine &m,
                                       uint32_t instr, unsigned operand,
                                       const AccessPattern &ap,
                                       uint64_t iteration) {
  const Instruction &in = prog.instructions[instr];
  llvm::StringRef role = opcodeInfo(in.op).operands[operand];
  role.consume_back("?");
  auto bad = [&](const Twine &msg) {
    return err(who(prog, instr) + ": " + role + " tile " +
               (iteration
                    ? "in loop iteration " + std::to_string(iteration) + " "
                    : std::string()) +
               formatAccess(prog, ap) + " " + msg);
  };
  if (unsigned(ap.type) > unsigned(ElemType::I32))
    return bad("has an unknown element type");
  if (ap.partitions < 1 || ap.partition < 0 || ap.offset < 0)
    return bad("has a negative start or an empty partition range");
  for (auto [size, stride] : llvm::zip(ap.sizes, ap.strides))
    if (size < 1 || stride < 0)
      return bad("has a free size < 1 or a negative stride");
  std::optional<TileExtent> e = tileExtent(ap);
  if (!e)
    return bad("has an extent beyond 2^63 (out of range)");
  // No operand of a well-formed instruction holds more elements per
  // partition than an SBUF partition has bytes, or more in all than the SBUF
  // has bytes; larger ones (stride-0 views) would only cost host memory and
  // time (a 10^7-element single-partition iota took 10 s and 2.5 GB).
  // Collectives move HBM buffers of any size: their tensors bound them. An
  // indirect DMA's table tile spans every row of its table but moves only
  // the rows its indices select (as many as the SBUF side has partitions).
  int64_t sbufBytes = m.sbuf.partitions * m.sbuf.bytesPerPartition;
  bool bulk = (isCollective(in.op) || isIndirectDma(in.op)) &&
              ap.space == MemSpace::HBM;
  if (!bulk && e->freeElements > m.sbuf.bytesPerPartition)
    return bad("has " + Twine(e->freeElements) +
               " elements per partition, more than an SBUF partition's " +
               Twine(m.sbuf.bytesPerPartition) + " bytes (out of range)");
  if (!bulk && e->elements > sbufBytes)
    return bad("has " + Twine(e->elements) +
               " elements, more than the SBUF's " + Twine(sbufBytes) +
               " bytes (out of range)");
  if (ap.space == MemSpace::HBM) {
    if (ap.tensor >= prog.tensors.size())
      return bad("names tensor #" + Twine(ap.tensor) +
                 ", but the program has " + Twine(prog.tensors.size()));
    const TensorDecl &td = prog.tensors[ap.tensor];
    if (td.type != ap.type)
      return bad("has element type " + elemTypeName(ap.type) + " but tensor @" +
                 td.name + " is " + elemTypeName(td.type));
    // checkTensors bounded the tensor's size.
    int64_t n = td.numElements();
    if (e->end > n)
      return bad("reaches element " + Twine(e->end - 1) + " of tensor @" +
                 td.name + ", which has " + Twine(n) + " (out of range)");
    // A bulk tile (collective buffer, indirect-DMA table) is bounded by its
    // tensor, not by the SBUF: one that names more elements than the tensor
    // has repeats them (stride 0), which only costs host memory (the sim
    // fuzzer's table tile of 3.9e17 rows at partition stride 0).
    if (bulk && e->elements > n)
      return bad("has " + Twine(e->elements) + " elements, more than tensor @" +
                 td.name + "'s " + Twine(n) + " (out of range)");
    return *e;
  }
  if (ap.space != MemSpace::SBUF && ap.space != MemSpace::PSUM)
    return bad("has no memory space");
  const Machine::Memory &mm = ap.space == MemSpace::SBUF ? m.sbuf : m.psum;
  llvm::StringRef name = ap.space == MemSpace::SBUF ? "SBUF" : "PSUM";
  if (e->partitionEnd > mm.partitions)
    return bad("uses partitions [" + Twine(ap.partition) + ", " +
               Twine(e->partitionEnd) + ") but " + name + " has " +
               Twine(mm.partitions) + " (out of range)");
  if (e->end > mm.bytesPerPartition)
    return bad("ends at byte " + Twine(e->end) + " of a " + name +
               " partition of " + Twine(mm.bytesPerPartition) +
               " bytes (out of range)");
  return *e;
}
/// Loops: in range, ordered and disjoint; steps only inside loops, one per
/// operand and wait; every iteration's tiles inside their memories (tiles
/// are affine in the iteration, so the first and the last one bound them
/// all) and its wait counts inside 32 bits.
Error checkLoops(const Program &prog, const Machine &m) {
  size_t n = prog.instructions.size();
  std::vector<uint32_t> tripsOf(n, 0);
  uint64_t next = 0;
  for (auto [li, l] : llvm::enumerate(prog.loops)) {
    std::string what = "loop #" + std::to_string(li);
    if (l.length == 0 || l.trips == 0)
      return err(what + " has an empty body or no trips (" + Twine(l.length) +
                 " instructions x " + Twine(l.trips) + ")");
    if (l.begin < next || uint64_t(l.begin) + l.length > n)
      return err(what + " over instructions [" + Twine(l.begin) + ", " +
                 Twine(uint64_t(l.begin) + l.length) +
                 ") overlaps the previous loop or runs past the " + Twine(n) +
                 " instructions");
    next = uint64_t(l.begin) + l.length;
    for (uint32_t i = l.begin; i < next; ++i)
      tripsOf[i] = l.trips;
  }
  for (uint32_t idx = 0; idx < n; ++idx) {
    const Instruction &in = prog.instructions[idx];
    if (in.steps.empty() && in.waitSteps.empty())
      continue;
    if ((!in.steps.empty() && in.steps.size() != in.operands.size()) ||
        (!in.waitSteps.empty() && in.waitSteps.size() != in.waits.size()))
      return err(who(prog, idx) + ": has " + Twine(in.steps.size()) +
                 " operand steps and " + Twine(in.waitSteps.size()) +
                 " wait steps for " + Twine(in.operands.size()) +
                 " operands and " + Twine(in.waits.size()) + " waits");
    if (tripsOf[idx] == 0) {
      if (in.hasSteps())
        return err(who(prog, idx) + ": has per-iteration steps but is not "
                                    "inside a loop");
      continue;
    }
    uint64_t last = tripsOf[idx] - 1;
    for (size_t i = 0; i < in.steps.size(); ++i) {
      AccessStep st = in.steps[i];
      if (st.isZero())
        continue;
      const AccessPattern &ap = in.operands[i];
      llvm::StringRef role = opcodeInfo(in.op).operands[i];
      role.consume_back("?");
      if (!ap.present())
        return err(who(prog, idx) + ": absent operand '" + role +
                   "' has a step");
      if (ap.space == MemSpace::HBM && st.partition != 0)
        return err(who(prog, idx) + ": HBM operand '" + role +
                   "' steps its partition start; HBM tiles step by offset");
      std::optional<AccessPattern> lastAp = stepAccess(ap, st, last);
      if (!lastAp)
        return err(who(prog, idx) + ": operand '" + role + "' advanced " +
                   Twine(last) + " times overflows 64 bits");
      if (llvm::Expected<TileExtent> e =
              checkAccess(prog, m, idx, i, *lastAp, last);
          !e)
        return e.takeError();
    }
    for (size_t i = 0; i < in.waitSteps.size(); ++i)
      if (in.waits[i].count + uint64_t(in.waitSteps[i]) * last > UINT32_MAX)
        return err(who(prog, idx) + ": wait on semaphore " +
                   Twine(in.waits[i].semaphore) +
                   " reaches a count past "
                   "2^32 - 1 in the loop's last iteration");
  }
  return Error::success();
}
} // namespace

std::optional<std::string>
muir::target::checkIndirectDmaTiles(const AccessPattern &rows,
                                    const AccessPattern &table,
                                    const AccessPattern &indices) {
  auto shape = [](const AccessPattern &ap) {
    return "[" + std::to_string(ap.partitions) + ", " +
           std::to_string(ap.freeElements()) + "]";
  };
  if (rows.space != MemSpace::SBUF)
    return std::string("the rows tile must be in SBUF, not ") +
           memSpaceName(rows.space).str();
  if (table.space != MemSpace::HBM)
    return std::string("the table tile must be in HBM, not ") +
           memSpaceName(table.space).str();
  if (indices.space != MemSpace::SBUF || indices.type != ElemType::I32 ||
      indices.freeElements() != 1)
    return "the indices tile must be an SBUF [P, 1] i32 tile, got " +
           memSpaceName(indices.space).str() + " " + shape(indices) + " " +
           elemTypeName(indices.type).str();
  if (indices.partitions != rows.partitions)
    return "the indices tile " + shape(indices) + " must have one index per " +
           "partition of the rows tile " + shape(rows);
  if (table.freeElements() != rows.freeElements())
    return "a table row has " + std::to_string(table.freeElements()) +
           " elements but the rows tile " + shape(rows) + " has " +
           std::to_string(rows.freeElements()) + " per partition";
  if (table.type != rows.type)
    return "the table (" + elemTypeName(table.type).str() + ") and the rows (" +
           elemTypeName(rows.type).str() + ") must have one element type";
  return std::nullopt;
}

Error muir::target::validateProgram(const Program &prog, const Machine &m,
                                    bool hostData) {
  if (Error e = checkMachine(m))
    return e;
  if (prog.numSemaphores > kMaxSemaphores)
    return err("program '" + prog.name + "' declares " +
               Twine(prog.numSemaphores) + " semaphores, more than " +
               Twine(kMaxSemaphores));
  if (Error e = checkTensors(prog, m, hostData))
    return e;
  for (uint32_t idx = 0; idx < prog.instructions.size(); ++idx)
    if (Error e = checkInstruction(prog, m, idx))
      return e;
  return checkLoops(prog, m);
}
