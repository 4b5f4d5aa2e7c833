//===- Program.cpp - names, schemas and equality for target programs ------===//
#include "muir/Target/Program.h"
#include "muir/Support/CheckedSize.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/raw_ostream.h"

using namespace muir::target;
using llvm::StringRef;

StringRef muir::target::memSpaceName(MemSpace s) {
  switch (s) {
  case MemSpace::None:
    return "none";
  case MemSpace::HBM:
    return "hbm";
  case MemSpace::SBUF:
    return "sbuf";
  case MemSpace::PSUM:
    return "psum";
  }
  return "?";
}

std::optional<MemSpace> muir::target::parseMemSpace(StringRef s) {
  return llvm::StringSwitch<std::optional<MemSpace>>(s)
      .Case("hbm", MemSpace::HBM)
      .Case("sbuf", MemSpace::SBUF)
      .Case("psum", MemSpace::PSUM)
      .Default(std::nullopt);
}

static const StringRef kElemNames[] = {"f32",      "bf16",   "f16",
                                       "f8E4M3FN", "f8E5M2", "i32"};

StringRef muir::target::elemTypeName(ElemType t) {
  unsigned i = static_cast<unsigned>(t);
  return i < std::size(kElemNames) ? kElemNames[i] : StringRef("?");
}

std::optional<ElemType> muir::target::parseElemType(StringRef s) {
  for (unsigned i = 0; i < std::size(kElemNames); ++i)
    if (kElemNames[i] == s)
      return static_cast<ElemType>(i);
  return std::nullopt;
}

unsigned muir::target::elemBytes(ElemType t) {
  switch (t) {
  case ElemType::F32:
  case ElemType::I32:
    return 4;
  case ElemType::BF16:
  case ElemType::F16:
    return 2;
  case ElemType::F8E4M3FN:
  case ElemType::F8E5M2:
    return 1;
  }
  return 0;
}

int64_t AccessPattern::freeElements() const {
  int64_t n = 1;
  for (int64_t s : sizes)
    n *= s;
  return n;
}

std::optional<TileExtent>
muir::target::tileExtent(bool hbm, int64_t partition, int64_t partitions,
                         int64_t partitionStride, int64_t offset,
                         llvm::ArrayRef<int64_t> sizes,
                         llvm::ArrayRef<int64_t> strides, unsigned elemBytes) {
  using muir::checkedAdd, muir::checkedMul;
  if (partition < 0 || partitions < 1 || partitionStride < 0 || offset < 0 ||
      elemBytes == 0)
    return std::nullopt;
  std::optional<int64_t> span = checkedSpan(sizes, strides);
  std::optional<int64_t> free = checkedProduct(sizes);
  if (!span || !free)
    return std::nullopt;
  TileExtent e;
  e.freeElements = *free;
  std::optional<int64_t> elements = checkedMul(partitions, *free);
  std::optional<int64_t> end, pend;
  if (hbm) {
    // offset + (partitions - 1) * partitionStride + span + 1 elements.
    std::optional<int64_t> rows = checkedMul(partitions - 1, partitionStride);
    if (rows)
      if (auto last = checkedAdd(offset, *rows))
        if ((last = checkedAdd(*last, *span)))
          end = checkedAdd(*last, int64_t(1));
    pend = partitions;
  } else {
    // offset + (span + 1) * elemBytes bytes.
    if (auto n = checkedAdd(*span, int64_t(1)))
      if (auto bytes = checkedMul(*n, int64_t(elemBytes)))
        end = checkedAdd(offset, *bytes);
    pend = checkedAdd(partition, partitions);
  }
  if (!elements || !end || !pend)
    return std::nullopt;
  e.elements = *elements;
  e.end = *end;
  e.partitionEnd = *pend;
  return e;
}

std::optional<TileExtent> muir::target::tileExtent(const AccessPattern &ap) {
  return tileExtent(ap.space == MemSpace::HBM, ap.partition, ap.partitions,
                    ap.partitionStride, ap.offset, ap.sizes, ap.strides,
                    elemBytes(ap.type));
}

std::string muir::target::formatAccess(const Program &prog,
                                       const AccessPattern &ap) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (ap.space == MemSpace::HBM) {
    os << "hbm @"
       << (ap.tensor < prog.tensors.size() ? prog.tensors[ap.tensor].name
                                           : std::string("?"))
       << "[" << ap.partitions << " x " << ap.partitionStride << "]";
  } else {
    os << memSpaceName(ap.space) << "[" << ap.partition << ", " << ap.partitions
       << "]";
  }
  os << " at " << ap.offset << " dims [";
  llvm::interleaveComma(ap.sizes, os);
  os << "] strides [";
  llvm::interleaveComma(ap.strides, os);
  os << "] : " << elemTypeName(ap.type);
  return s;
}

bool AccessPattern::operator==(const AccessPattern &o) const {
  return space == o.space && tensor == o.tensor && partition == o.partition &&
         partitions == o.partitions && partitionStride == o.partitionStride &&
         offset == o.offset && sizes == o.sizes && strides == o.strides &&
         type == o.type;
}

StringRef muir::target::engineName(Engine e) {
  switch (e) {
  case Engine::PE:
    return "pe";
  case Engine::Scalar:
    return "act";
  case Engine::Vector:
    return "dve";
  case Engine::GpSimd:
    return "pool";
  case Engine::DMA:
    return "dma";
  }
  return "?";
}

std::string muir::target::queueName(uint32_t q) {
  if (q < kNumComputeQueues)
    return engineName(static_cast<Engine>(q)).str();
  return "dma" + std::to_string(q - kNumComputeQueues);
}

std::optional<uint32_t> muir::target::parseQueueName(StringRef s) {
  for (uint32_t q = 0; q < kNumComputeQueues; ++q)
    if (engineName(static_cast<Engine>(q)) == s)
      return q;
  unsigned n;
  if (s.consume_front("dma") && !s.empty() && !s.getAsInteger(10, n) && n < 256)
    return dmaQueue(n);
  return std::nullopt;
}

static const StringRef kAluNames[] = {"add", "sub", "mul",    "div",
                                      "max", "min", "bypass", "pow"};
StringRef muir::target::aluOpName(AluOp op) {
  return kAluNames[static_cast<unsigned>(op)];
}
std::optional<AluOp> muir::target::parseAluOp(StringRef s) {
  for (unsigned i = 0; i < std::size(kAluNames); ++i)
    if (kAluNames[i] == s)
      return static_cast<AluOp>(i);
  return std::nullopt;
}

static const StringRef kActNames[] = {
    "identity",  "exp",  "log",  "tanh",  "sigmoid", "relu",      "gelu",
    "gelu_tanh", "silu", "sqrt", "rsqrt", "square",  "reciprocal"};
StringRef muir::target::actFuncName(ActFunc f) {
  return kActNames[static_cast<unsigned>(f)];
}
std::optional<ActFunc> muir::target::parseActFunc(StringRef s) {
  for (unsigned i = 0; i < std::size(kActNames); ++i)
    if (kActNames[i] == s)
      return static_cast<ActFunc>(i);
  return std::nullopt;
}

namespace {
constexpr uint8_t bit(Engine e) { return 1u << static_cast<unsigned>(e); }
const StringRef kDstSrc[] = {"dst", "src"};
const StringRef kMatmulOps[] = {"dst", "stationary", "moving"};
const StringRef kActOps[] = {"dst", "src", "bias?", "accum?"};
const StringRef kTTOps[] = {"dst", "lhs", "rhs"};
const StringRef kTSOps[] = {"dst", "src", "scalar0?", "scalar1?"};
const StringRef kDst[] = {"dst"};
const StringRef kDmaParams[] = {"transpose"};
const StringRef kMatmulParams[] = {"accumulate"};
const StringRef kActParams[] = {"func", "scale"};
const StringRef kOpParam[] = {"op"};
const StringRef kTSParams[] = {"op0", "imm0", "op1", "imm1"};
const StringRef kReduceParams[] = {"op", "naxes"};
const StringRef kIotaParams[] = {"base", "channel_multiplier"};
const StringRef kSelectParams[] = {"fill", "base", "channel_multiplier"};
const StringRef kSrc[] = {"src"};
const StringRef kReduceCollParams[] = {"op", "algorithm", "group_size"};
const StringRef kCollParams[] = {"algorithm", "group_size"};
const StringRef kGatherOps[] = {"dst", "table", "indices"};
const StringRef kScatterOps[] = {"dst", "src", "indices"};

const OpcodeInfo kInfos[kNumOpcodes] = {
    {"nop",
     {},
     {},
     false,
     bit(Engine::PE) | bit(Engine::Scalar) | bit(Engine::Vector) |
         bit(Engine::GpSimd) | bit(Engine::DMA)},
    {"dma", kDstSrc, kDmaParams, false, bit(Engine::DMA)},
    {"matmul", kMatmulOps, kMatmulParams, false, bit(Engine::PE)},
    {"transpose", kDstSrc, {}, false, bit(Engine::PE)},
    {"activation", kActOps, kActParams, false, bit(Engine::Scalar)},
    {"tensor_tensor", kTTOps, kOpParam, false,
     bit(Engine::Vector) | bit(Engine::GpSimd)},
    {"tensor_scalar", kTSOps, kTSParams, false,
     bit(Engine::Vector) | bit(Engine::GpSimd) | bit(Engine::Scalar)},
    {"tensor_reduce", kDstSrc, kReduceParams, false,
     bit(Engine::Vector) | bit(Engine::GpSimd)},
    {"tensor_copy",
     kDstSrc,
     {},
     false,
     bit(Engine::Vector) | bit(Engine::GpSimd) | bit(Engine::Scalar)},
    {"iota", kDst, kIotaParams, true, bit(Engine::GpSimd)},
    {"affine_select", kDstSrc, kSelectParams, true, bit(Engine::GpSimd)},
    {"all_reduce", kDstSrc, kReduceCollParams, true, bit(Engine::DMA), "ranks"},
    {"all_gather", kDstSrc, kCollParams, true, bit(Engine::DMA), "ranks"},
    {"reduce_scatter", kDstSrc, kReduceCollParams, true, bit(Engine::DMA),
     "ranks"},
    {"all_to_all", kDstSrc, kCollParams, true, bit(Engine::DMA), "ranks"},
    {"send", kSrc, {}, true, bit(Engine::DMA), "pairs"},
    {"recv", kDst, {}, true, bit(Engine::DMA), "pairs"},
    {"dma_gather", kGatherOps, {}, false, bit(Engine::DMA)},
    {"dma_scatter", kScatterOps, {}, false, bit(Engine::DMA)},
};
} // namespace

const OpcodeInfo &muir::target::opcodeInfo(Opcode op) {
  return kInfos[static_cast<unsigned>(op)];
}

uint32_t muir::target::defaultQueue(Opcode op) {
  switch (op) {
  case Opcode::Dma:
  case Opcode::DmaGather:
  case Opcode::DmaScatter:
    return dmaQueue(0);
  case Opcode::AllReduce:
  case Opcode::AllGather:
  case Opcode::ReduceScatter:
  case Opcode::AllToAll:
  case Opcode::Send:
  case Opcode::Recv:
    return dmaQueue(0);
  case Opcode::Matmul:
  case Opcode::Transpose:
    return static_cast<uint32_t>(Engine::PE);
  case Opcode::Activation:
    return static_cast<uint32_t>(Engine::Scalar);
  case Opcode::Iota:
  case Opcode::AffineSelect:
    return static_cast<uint32_t>(Engine::GpSimd);
  default:
    return static_cast<uint32_t>(Engine::Vector);
  }
}

std::optional<Opcode> muir::target::parseOpcode(StringRef mnemonic) {
  for (unsigned i = 0; i < kNumOpcodes; ++i)
    if (kInfos[i].mnemonic == mnemonic)
      return static_cast<Opcode>(i);
  return std::nullopt;
}

bool Instruction::hasSteps() const {
  return llvm::any_of(steps, [](AccessStep s) { return !s.isZero(); }) ||
         llvm::any_of(waitSteps, [](uint32_t s) { return s != 0; });
}

bool Instruction::operator==(const Instruction &o) const {
  if (!(op == o.op && queue == o.queue && operands == o.operands &&
        params == o.params && waits == o.waits && signals == o.signals))
    return false;
  for (size_t i = 0; i < std::max(steps.size(), o.steps.size()); ++i)
    if (!(stepOf(i) == o.stepOf(i)))
      return false;
  for (size_t i = 0; i < std::max(waitSteps.size(), o.waitSteps.size()); ++i)
    if (waitStepOf(i) != o.waitStepOf(i))
      return false;
  return true;
}

std::optional<AccessPattern>
muir::target::stepAccess(const AccessPattern &ap, AccessStep step, uint64_t k) {
  AccessPattern r = ap;
  if (step.isZero() || k == 0)
    return r;
  if (k > uint64_t(INT64_MAX))
    return std::nullopt;
  std::optional<int64_t> dp = muir::checkedMul(int64_t(k), step.partition);
  std::optional<int64_t> doff = muir::checkedMul(int64_t(k), step.offset);
  std::optional<int64_t> p =
      dp ? muir::checkedAdd(ap.partition, *dp) : std::nullopt;
  std::optional<int64_t> off =
      doff ? muir::checkedAdd(ap.offset, *doff) : std::nullopt;
  if (!p || !off)
    return std::nullopt;
  r.partition = *p;
  r.offset = *off;
  return r;
}

Instruction muir::target::instructionAt(const Instruction &in, uint64_t k) {
  Instruction r = in;
  r.steps.clear();
  r.waitSteps.clear();
  if (k == 0)
    return r;
  for (size_t i = 0; i < in.steps.size() && i < r.operands.size(); ++i)
    if (r.operands[i].present() && !in.steps[i].isZero())
      r.operands[i] = *stepAccess(in.operands[i], in.steps[i], k);
  for (size_t i = 0; i < in.waitSteps.size() && i < r.waits.size(); ++i)
    r.waits[i].count += uint32_t(k * in.waitSteps[i]);
  return r;
}

uint64_t Program::executedInstructions() const {
  uint64_t n = instructions.size();
  for (const Loop &l : loops)
    n += uint64_t(l.length) * (uint64_t(l.trips) - (l.trips > 0));
  return n;
}

Program muir::target::unrollLoops(const Program &prog) {
  Program out = prog;
  out.loops.clear();
  out.instructions.clear();
  out.instructionSource.clear();
  auto add = [&](uint32_t i, uint64_t k) {
    out.instructions.push_back(instructionAt(prog.instructions[i], k));
    if (i < prog.instructionSource.size())
      out.instructionSource.push_back(prog.instructionSource[i]);
  };
  uint32_t i = 0;
  for (const Loop &l : prog.loops) {
    for (; i < l.begin; ++i)
      add(i, 0);
    for (uint64_t k = 0; k < l.trips; ++k)
      for (uint32_t j = l.begin; j < l.begin + l.length; ++j)
        add(j, k);
    i = l.begin + l.length;
  }
  for (; i < prog.instructions.size(); ++i)
    add(i, 0);
  return out;
}

StringRef muir::target::tensorKindName(TensorKind k) {
  switch (k) {
  case TensorKind::Input:
    return "input";
  case TensorKind::Output:
    return "output";
  case TensorKind::Constant:
    return "const";
  case TensorKind::Scratch:
    return "scratch";
  }
  return "?";
}

std::optional<TensorKind> muir::target::parseTensorKind(StringRef s) {
  return llvm::StringSwitch<std::optional<TensorKind>>(s)
      .Case("input", TensorKind::Input)
      .Case("output", TensorKind::Output)
      .Case("const", TensorKind::Constant)
      .Case("scratch", TensorKind::Scratch)
      .Default(std::nullopt);
}

int64_t TensorDecl::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

bool TensorDecl::operator==(const TensorDecl &o) const {
  return name == o.name && kind == o.kind && type == o.type &&
         shape == o.shape && offset == o.offset && data == o.data;
}

bool Program::operator==(const Program &o) const {
  return name == o.name && target == o.target &&
         numSemaphores == o.numSemaphores && tensors == o.tensors &&
         instructions == o.instructions && loops == o.loops;
}
