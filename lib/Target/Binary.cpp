//===- Binary.cpp - the NeuronCore program binary container ---------------===//
//
// Writer and validating reader for the format specified in Binary.h. The
// reader treats its input as hostile: every read goes through a bounds-checked
// cursor, every count is checked against the bytes left before anything is
// allocated, and every code is checked against its enum.
//
//===----------------------------------------------------------------------===//
#include "muir/Target/Binary.h"
#include "muir/Target/Collective.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

using namespace muir::target;
using llvm::ArrayRef;
using llvm::StringRef;
using llvm::Twine;

namespace {
constexpr unsigned kNumElemTypes = 6;
constexpr unsigned kNumTensorKinds = 4;
constexpr unsigned kMaxTensorRank = 8;
constexpr unsigned kMaxTileRank = 4;
constexpr unsigned kTensorEntryMin = 4 + 4 + 3 * 8;
constexpr unsigned kStreamHeader = 4 + 4 + 8;
constexpr unsigned kInstHeader = 4 + 1 + 1 + 2 + 2 + 2;
constexpr unsigned kTileMin = 4 + 4 + 4 * 8;
constexpr unsigned kLoopHeader = 6 * 4;
constexpr unsigned kStepEntry = 4 + 4 + 2 * 8;
constexpr unsigned kWaitStepEntry = 4 + 2 + 2 + 4;

//===----------------------------------------------------------------------===//
// Writer
//===----------------------------------------------------------------------===//

struct Writer {
  std::vector<uint8_t> out;

  void u8(uint8_t v) { out.push_back(v); }
  void u16(uint16_t v) { le(v, 2); }
  void u32(uint32_t v) { le(v, 4); }
  void u64(uint64_t v) { le(v, 8); }
  void i64(int64_t v) { le(static_cast<uint64_t>(v), 8); }
  void f64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    le(bits, 8);
  }
  void le(uint64_t v, unsigned n) {
    for (unsigned i = 0; i < n; ++i)
      out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void patch32(size_t at, uint32_t v) {
    for (unsigned i = 0; i < 4; ++i)
      out[at + i] = static_cast<uint8_t>(v >> (8 * i));
  }
  void patch64(size_t at, uint64_t v) {
    for (unsigned i = 0; i < 8; ++i)
      out[at + i] = static_cast<uint8_t>(v >> (8 * i));
  }
  void align(unsigned a) {
    while (out.size() % a)
      out.push_back(0);
  }

  void tile(const AccessPattern &p) {
    u8(static_cast<uint8_t>(p.space));
    u8(static_cast<uint8_t>(p.type));
    u8(static_cast<uint8_t>(p.sizes.size()));
    u8(0);
    u32(p.tensor);
    i64(p.partition);
    i64(p.partitions);
    i64(p.partitionStride);
    i64(p.offset);
    for (int64_t s : p.sizes)
      i64(s);
    for (size_t i = 0; i < p.sizes.size(); ++i)
      i64(i < p.strides.size() ? p.strides[i] : 0);
  }
};
/// The shortest %g form of `v` that reads back as the same double.
std::string shortest(double v) {
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v)
      break;
  }
  return buf;
}

/// `s` in single quotes, non-printable bytes escaped, for messages.
std::string quoted(llvm::StringRef s) {
  std::string out = "'";
  llvm::raw_string_ostream os(out);
  llvm::printEscapedString(s, os);
  os << "'";
  return out;
}
} // namespace

ParamKind muir::target::paramKind(Opcode op, unsigned index) {
  switch (op) {
  case Opcode::Nop:
  case Opcode::Transpose:
  case Opcode::TensorCopy:
    return ParamKind::Float;
  case Opcode::Dma:
  case Opcode::Matmul:
    return ParamKind::Flag;
  case Opcode::Activation:
    return index == 0 ? ParamKind::ActFunc : ParamKind::Float;
  case Opcode::TensorTensor:
    return ParamKind::AluOp;
  case Opcode::TensorScalar:
    return index % 2 == 0 ? ParamKind::AluOp : ParamKind::Float;
  case Opcode::TensorReduce:
    return index == 0 ? ParamKind::AluOp : ParamKind::Int;
  case Opcode::Iota:
    return ParamKind::Int;
  case Opcode::AffineSelect:
    return index == 0 ? ParamKind::Float : ParamKind::Int;
  case Opcode::AllReduce:
  case Opcode::ReduceScatter:
    return index == 0   ? ParamKind::AluOp
           : index == 1 ? ParamKind::Algorithm
                        : ParamKind::Rank;
  case Opcode::AllGather:
  case Opcode::AllToAll:
    return index == 0 ? ParamKind::Algorithm : ParamKind::Rank;
  case Opcode::Send:
  case Opcode::Recv:
    return ParamKind::Rank;
  case Opcode::DmaGather:
  case Opcode::DmaScatter:
    return ParamKind::Flag; // no parameters
  }
  return ParamKind::Float;
}

bool muir::target::isValidParam(ParamKind kind, double v) {
  switch (kind) {
  case ParamKind::Float:
    return true;
  case ParamKind::Int:
    return v >= -0x1p63 && v < 0x1p63 && v == std::trunc(v);
  case ParamKind::Flag:
    return v == 0 || v == 1;
  case ParamKind::ActFunc:
    return v >= 0 && v < 13 && v == std::trunc(v);
  case ParamKind::AluOp:
    return v >= 0 && v < 8 && v == std::trunc(v);
  case ParamKind::Algorithm:
    return v >= 0 && v < kNumAlgorithms && v == std::trunc(v);
  case ParamKind::Rank:
    return v >= 0 && v < 0x1p31 && v == std::trunc(v);
  }
  return false;
}

std::vector<uint8_t> muir::target::writeBinary(const Program &prog) {
  Writer w;
  // Strings: kernel name, target, then tensor names (deduplicated).
  std::vector<StringRef> strings;
  llvm::StringMap<uint32_t> stringIndex;
  auto intern = [&](StringRef s) {
    auto [it, inserted] = stringIndex.try_emplace(s, strings.size());
    if (inserted)
      strings.push_back(s);
    return it->second;
  };
  uint32_t nameId = intern(prog.name), targetId = intern(prog.target);
  std::vector<uint32_t> tensorNames;
  for (const TensorDecl &t : prog.tensors)
    tensorNames.push_back(intern(t.name));

  // Queues in increasing id; each keeps program order.
  std::vector<std::vector<uint32_t>> byQueue;
  for (uint32_t i = 0; i < prog.instructions.size(); ++i) {
    uint32_t q = prog.instructions[i].queue;
    if (q >= byQueue.size())
      byQueue.resize(q + 1);
    byQueue[q].push_back(i);
  }
  uint32_t numStreams = 0;
  for (const auto &q : byQueue)
    numStreams += !q.empty();

  // Header, with section offsets patched below.
  // Loop-free programs keep the version 1 layout, byte for byte.
  bool loops = !prog.loops.empty();
  uint32_t headerSize = loops ? kBinaryHeaderSize : kBinaryHeaderSizeV1;
  w.out.insert(w.out.end(), std::begin(kBinaryMagic), std::end(kBinaryMagic));
  w.u32(loops ? kBinaryVersion : 1);
  w.u32(headerSize);
  w.u32(0); // flags
  w.u32(prog.numSemaphores);
  w.u32(nameId);
  w.u32(targetId);
  w.u32(static_cast<uint32_t>(prog.tensors.size()));
  w.u32(numStreams);
  w.u32(static_cast<uint32_t>(prog.instructions.size()));
  w.u32(0); // reserved
  while (w.out.size() < headerSize)
    w.u8(0);
  auto section = [&](size_t field, size_t start) {
    w.patch64(field, start);
    w.patch64(field + 8, w.out.size() - start);
  };

  size_t start = w.out.size();
  w.u32(static_cast<uint32_t>(strings.size()));
  for (StringRef s : strings) {
    w.u32(static_cast<uint32_t>(s.size()));
    w.out.insert(w.out.end(), s.bytes_begin(), s.bytes_end());
  }
  section(48, start);

  // Constant blocks are laid out first so the tensor table can point at them.
  std::vector<uint64_t> dataOffsets;
  uint64_t constSize = 0;
  for (const TensorDecl &t : prog.tensors) {
    dataOffsets.push_back(constSize);
    constSize += (t.data.size() + 7) / 8 * 8;
  }

  start = w.out.size();
  for (size_t i = 0; i < prog.tensors.size(); ++i) {
    const TensorDecl &t = prog.tensors[i];
    w.u32(tensorNames[i]);
    w.u8(static_cast<uint8_t>(t.kind));
    w.u8(static_cast<uint8_t>(t.type));
    w.u8(static_cast<uint8_t>(t.shape.size()));
    w.u8(0);
    for (int64_t d : t.shape)
      w.i64(d);
    w.u64(t.offset);
    w.u64(t.data.empty() ? 0 : dataOffsets[i]);
    w.u64(t.data.size());
  }
  section(64, start);

  w.align(8);
  start = w.out.size();
  for (const TensorDecl &t : prog.tensors) {
    w.out.insert(w.out.end(), t.data.begin(), t.data.end());
    w.align(8);
  }
  section(80, start);

  start = w.out.size();
  for (uint32_t q = 0; q < byQueue.size(); ++q) {
    if (byQueue[q].empty())
      continue;
    w.u32(q);
    w.u32(static_cast<uint32_t>(byQueue[q].size()));
    size_t sizeField = w.out.size();
    w.u64(0);
    size_t body = w.out.size();
    for (uint32_t seq : byQueue[q]) {
      const Instruction &in = prog.instructions[seq];
      w.u32(seq);
      w.u8(static_cast<uint8_t>(in.op));
      w.u8(static_cast<uint8_t>(in.operands.size()));
      w.u16(static_cast<uint16_t>(in.params.size()));
      w.u16(static_cast<uint16_t>(in.waits.size()));
      w.u16(static_cast<uint16_t>(in.signals.size()));
      for (const AccessPattern &p : in.operands)
        w.tile(p);
      for (double v : in.params)
        w.f64(v);
      for (const SemWait &sw : in.waits) {
        w.u32(sw.semaphore);
        w.u32(sw.count);
      }
      for (uint32_t s : in.signals)
        w.u32(s);
    }
    w.patch64(sizeField, w.out.size() - body);
  }
  section(96, start);
  if (!loops)
    return std::move(w.out);

  start = w.out.size();
  w.u32(static_cast<uint32_t>(prog.loops.size()));
  for (const Loop &l : prog.loops) {
    w.u32(l.begin);
    w.u32(l.length);
    w.u32(l.trips);
    size_t counts = w.out.size();
    w.u32(0);
    w.u32(0);
    w.u32(0); // reserved
    uint32_t numSteps = 0, numWaitSteps = 0;
    for (uint32_t i = 0; i < l.length; ++i) {
      const Instruction &in = prog.instructions[l.begin + i];
      for (size_t r = 0; r < in.steps.size(); ++r) {
        if (in.steps[r].isZero())
          continue;
        w.u32(i);
        w.u8(static_cast<uint8_t>(r));
        w.u8(0);
        w.u16(0);
        w.i64(in.steps[r].partition);
        w.i64(in.steps[r].offset);
        ++numSteps;
      }
    }
    for (uint32_t i = 0; i < l.length; ++i) {
      const Instruction &in = prog.instructions[l.begin + i];
      for (size_t k = 0; k < in.waitSteps.size(); ++k) {
        if (in.waitSteps[k] == 0)
          continue;
        w.u32(i);
        w.u16(static_cast<uint16_t>(k));
        w.u16(0);
        w.u32(in.waitSteps[k]);
        ++numWaitSteps;
      }
    }
    w.patch32(counts, numSteps);
    w.patch32(counts + 4, numWaitSteps);
  }
  section(kBinaryHeaderSizeV1, start);
  return std::move(w.out);
}

//===----------------------------------------------------------------------===//
// Reader
//===----------------------------------------------------------------------===//

namespace {
class Reader {
public:
  explicit Reader(ArrayRef<uint8_t> bytes) : bytes(bytes), end(bytes.size()) {}

  llvm::Expected<Program> read();

private:
  ArrayRef<uint8_t> bytes;
  uint64_t pos = 0;
  /// End of the section being read.
  uint64_t end;
  /// What is being read, for truncation messages ("tensor table").
  std::string context = "header";
  std::string error;

  bool ok() const { return error.empty(); }
  uint64_t left() const { return end - pos; }

  /// Records the first error: "muir binary: <what> at byte <at>[: detail]".
  bool fail(uint64_t at, const Twine &what, const Twine &detail = "") {
    if (!ok())
      return false;
    std::string d = detail.str();
    error = ("muir binary: " + what + " at byte " + Twine(at) +
             (d.empty() ? "" : ": ") + d)
                .str();
    return false;
  }

  bool need(uint64_t n) {
    if (!ok())
      return false;
    if (left() < n)
      return fail(pos, "truncated " + context,
                  "need " + Twine(n) + " bytes, " + Twine(left()) + " left");
    return true;
  }
  /// Checks that `count` items of at least `each` bytes can still follow.
  bool fits(uint64_t at, uint64_t count, uint64_t each, const Twine &what) {
    if (!ok())
      return false;
    if (each && count > left() / each)
      return fail(at,
                  Twine(what) + " " + Twine(count) + " too large for the " +
                      context,
                  "need at least " + Twine(each) + " bytes each, " +
                      Twine(left()) + " left");
    return true;
  }

  uint64_t le(unsigned n) {
    if (!need(n))
      return 0;
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i)
      v |= uint64_t(bytes[pos + i]) << (8 * i);
    pos += n;
    return v;
  }
  unsigned u8() { return static_cast<unsigned>(le(1)); }
  uint16_t u16() { return static_cast<uint16_t>(le(2)); }
  uint32_t u32() { return static_cast<uint32_t>(le(4)); }
  uint64_t u64() { return le(8); }
  int64_t i64() { return static_cast<int64_t>(le(8)); }
  double f64() {
    uint64_t bits = le(8);
    double v;
    std::memcpy(&v, &bits, 8);
    return v;
  }

  struct Section {
    uint64_t offset = 0, size = 0;
  };
  bool section(uint64_t field, StringRef name, uint64_t headerSize,
               Section &s) {
    pos = field;
    s.offset = u64();
    s.size = u64();
    if (!ok())
      return false;
    uint64_t fileSize = bytes.size();
    if (s.offset < headerSize)
      return fail(field,
                  name + " offset " + Twine(s.offset) + " inside the header",
                  "the header has " + Twine(headerSize) + " bytes");
    if (s.offset > fileSize || s.size > fileSize - s.offset)
      return fail(field,
                  "truncated file: " + name + " at offset " + Twine(s.offset) +
                      " with " + Twine(s.size) + " bytes runs past the end",
                  "the file has " + Twine(fileSize) + " bytes");
    return true;
  }
  void enter(const Section &s, const Twine &name) {
    pos = s.offset;
    end = s.offset + s.size;
    context = name.str();
  }
  bool leave(const Twine &name) {
    if (ok() && left() != 0)
      return fail(pos, Twine(left()) + " trailing bytes in the " + name);
    return ok();
  }

  bool tile(AccessPattern &p, Opcode op, unsigned role, size_t numTensors);
  bool loopTable(const Section &sec, Program &prog);

  std::vector<std::string> strings;
};
} // namespace

bool Reader::tile(AccessPattern &p, Opcode op, unsigned role,
                  size_t numTensors) {
  const OpcodeInfo &info = opcodeInfo(op);
  StringRef roleName = info.operands[role];
  uint64_t at = pos;
  unsigned space = u8(), type = u8(), rank = u8(), reserved = u8();
  p.tensor = u32();
  if (!ok())
    return false;
  if (space > static_cast<uint8_t>(MemSpace::PSUM))
    return fail(at, "unknown memory space code " + Twine(space),
                info.mnemonic + " operand '" + roleName + "'");
  p.space = static_cast<MemSpace>(space);
  if (p.space == MemSpace::None && !roleName.ends_with("?"))
    return fail(at, "missing required operand '" + roleName + "'",
                info.mnemonic + " operand " + Twine(role) + " has space none");
  if (type >= kNumElemTypes)
    return fail(at + 1, "unknown element type code " + Twine(type),
                info.mnemonic + " operand '" + roleName + "'");
  p.type = static_cast<ElemType>(type);
  if (rank > kMaxTileRank)
    return fail(at + 2,
                "tile rank " + Twine(rank) + " exceeds " + Twine(kMaxTileRank),
                info.mnemonic + " operand '" + roleName + "'");
  if (reserved != 0)
    return fail(at + 3, "nonzero reserved byte in a tile");
  if (p.space == MemSpace::HBM && p.tensor >= numTensors)
    return fail(at + 4, "tile names tensor #" + Twine(p.tensor),
                "the program has " + Twine(numTensors) + " tensors");
  if (p.space != MemSpace::HBM && p.tensor != 0)
    return fail(at + 4, "non-HBM tile names tensor #" + Twine(p.tensor));
  p.partition = i64();
  p.partitions = i64();
  p.partitionStride = i64();
  p.offset = i64();
  if (!need(16ull * rank))
    return false;
  for (unsigned i = 0; i < rank; ++i)
    p.sizes.push_back(i64());
  for (unsigned i = 0; i < rank; ++i)
    p.strides.push_back(i64());
  return ok();
}

llvm::Expected<Program> Reader::read() {
  auto err = [&]() -> llvm::Error {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), error);
  };
  Program prog;
  uint64_t fileSize = bytes.size();

  // Header.
  if (!need(8))
    return err();
  if (std::memcmp(bytes.data(), kBinaryMagic, 8) != 0) {
    fail(0, "bad magic", "expected \"MUIRNC\\0\\1\" (not a muir binary)");
    return err();
  }
  pos = 8;
  uint32_t version = u32();
  if (ok() && (version < 1 || version > kBinaryVersion))
    fail(8, "unsupported version " + Twine(version),
         "this reader handles versions 1 to " + Twine(kBinaryVersion));
  uint32_t headerSize = u32();
  uint32_t minHeader = version == 1 ? kBinaryHeaderSizeV1 : kBinaryHeaderSize;
  if (ok() && headerSize < minHeader)
    fail(12, "bad header size " + Twine(headerSize),
         "version " + Twine(version) + " headers have at least " +
             Twine(minHeader) + " bytes");
  else if (ok() && headerSize > fileSize)
    fail(fileSize, "truncated header",
         "need " + Twine(headerSize) + " bytes, " + Twine(fileSize) +
             " in the file");
  uint32_t flags = u32();
  if (ok() && flags != 0)
    fail(16, "unknown flags 0x" + Twine::utohexstr(flags));
  prog.numSemaphores = u32();
  uint32_t nameId = u32(), targetId = u32();
  uint32_t numTensors = u32(), numStreams = u32(), numInsts = u32();
  uint32_t reserved = u32();
  if (ok() && reserved != 0)
    fail(44, "nonzero reserved header field");
  Section strSec, tensorSec, constSec, streamSec, loopSec;
  if (!ok() || !section(48, "string table", headerSize, strSec) ||
      !section(64, "tensor table", headerSize, tensorSec) ||
      !section(80, "constant data", headerSize, constSec) ||
      !section(96, "instruction streams", headerSize, streamSec) ||
      (version >= 2 &&
       !section(kBinaryHeaderSizeV1, "loop table", headerSize, loopSec)))
    return err();

  // String table.
  enter(strSec, "string table");
  uint32_t numStrings = u32();
  if (!fits(pos - 4, numStrings, 4, "string count"))
    return err();
  strings.reserve(numStrings);
  for (uint32_t i = 0; i < numStrings; ++i) {
    uint32_t len = u32();
    if (!need(len))
      return err();
    strings.emplace_back(reinterpret_cast<const char *>(bytes.data() + pos),
                         len);
    pos += len;
  }
  if (!leave("string table"))
    return err();
  auto str = [&](uint32_t id, uint64_t at, StringRef what, std::string &out) {
    if (id >= strings.size())
      return fail(at, what + " string index " + Twine(id) + " out of range",
                  "the string table has " + Twine(strings.size()) + " strings");
    out = strings[id];
    return true;
  };
  if (!str(nameId, 24, "kernel name", prog.name) ||
      !str(targetId, 28, "target name", prog.target))
    return err();

  // Tensor table.
  enter(tensorSec, "tensor table");
  if (!fits(32, numTensors, kTensorEntryMin, "tensor count"))
    return err();
  prog.tensors.reserve(numTensors);
  llvm::StringMap<uint32_t> tensorNames;
  for (uint32_t i = 0; i < numTensors; ++i) {
    uint64_t at = pos;
    TensorDecl t;
    uint32_t name = u32();
    unsigned kind = u8(), type = u8(), rank = u8(), pad = u8();
    if (!ok() || !str(name, at, "tensor name", t.name))
      return err();
    if (!tensorNames.try_emplace(t.name, i).second) {
      fail(at, "duplicate tensor name " + quoted(t.name));
      return err();
    }
    if (kind >= kNumTensorKinds)
      fail(at + 4, "unknown tensor kind code " + Twine(kind),
           "tensor " + quoted(t.name));
    else if (type >= kNumElemTypes)
      fail(at + 5, "unknown element type code " + Twine(type),
           "tensor " + quoted(t.name));
    else if (rank > kMaxTensorRank)
      fail(at + 6,
           "tensor rank " + Twine(rank) + " exceeds " + Twine(kMaxTensorRank),
           "tensor " + quoted(t.name));
    else if (pad != 0)
      fail(at + 7, "nonzero reserved byte in a tensor entry");
    if (!ok() || !need(8ull * rank))
      return err();
    t.kind = static_cast<TensorKind>(kind);
    t.type = static_cast<ElemType>(type);
    uint64_t bytesTotal = elemBytes(t.type);
    for (unsigned d = 0; d < rank; ++d) {
      uint64_t dimAt = pos;
      int64_t dim = i64();
      if (dim < 0 ||
          (dim != 0 &&
           bytesTotal >
               uint64_t(std::numeric_limits<int64_t>::max()) / uint64_t(dim))) {
        fail(dimAt, "bad dimension " + Twine(dim),
             "tensor " + quoted(t.name) +
                 " needs dimensions >= 0 and fewer than "
                 "2^63 bytes");
        return err();
      }
      bytesTotal *= uint64_t(dim);
      t.shape.push_back(dim);
    }
    t.offset = u64();
    uint64_t dataAt = pos;
    uint64_t dataOffset = u64(), dataSize = u64();
    if (!ok())
      return err();
    if (dataOffset > constSec.size || dataSize > constSec.size - dataOffset) {
      fail(dataAt,
           "constant data offset " + Twine(dataOffset) + " size " +
               Twine(dataSize) + " out of range",
           "tensor " + quoted(t.name) + "; the constant data section has " +
               Twine(constSec.size) + " bytes");
      return err();
    }
    uint64_t expected = t.kind == TensorKind::Constant ? bytesTotal : 0;
    if (dataSize != expected) {
      fail(dataAt + 8, "constant data size mismatch",
           "tensor " + quoted(t.name) + " (" + tensorKindName(t.kind) +
               ") has " + Twine(dataSize) + " bytes, expected " +
               Twine(expected));
      return err();
    }
    const uint8_t *data = bytes.data() + constSec.offset + dataOffset;
    t.data.assign(data, data + dataSize);
    prog.tensors.push_back(std::move(t));
  }
  if (!leave("tensor table"))
    return err();

  // Instruction streams.
  enter(streamSec, "instruction streams");
  if (!fits(40, numInsts, kInstHeader, "instruction count") ||
      !fits(36, numStreams, kStreamHeader, "stream count"))
    return err();
  std::vector<Instruction> insts(numInsts);
  std::vector<bool> seen(numInsts, false);
  uint32_t total = 0;
  int64_t lastQueue = -1;
  for (uint32_t s = 0; s < numStreams; ++s) {
    uint64_t at = pos;
    uint32_t queue = u32(), count = u32();
    uint64_t size = u64();
    if (!ok())
      return err();
    if (queue >= kMaxBinaryQueues)
      fail(at, "queue id " + Twine(queue) + " out of range",
           "queue ids are below " + Twine(kMaxBinaryQueues));
    else if (int64_t(queue) <= lastQueue)
      fail(at,
           "duplicate or out-of-order stream for queue " + queueName(queue));
    else if (size > left())
      fail(at + 8,
           "instruction stream for queue " + queueName(queue) + " claims " +
               Twine(size) + " bytes",
           Twine(left()) + " left in the file");
    else if (count > numInsts - total)
      fail(at + 4,
           "instruction stream for queue " + queueName(queue) + " has " +
               Twine(count) + " instructions",
           "the header counts " + Twine(numInsts) + " in all, " +
               Twine(numInsts - total) + " not yet seen");
    if (!ok())
      return err();
    lastQueue = queue;
    uint64_t outerEnd = end;
    end = pos + size;
    std::string ctx = "instruction stream for queue " + queueName(queue);
    context = ctx;
    if (!fits(at + 4, count, kInstHeader, "instruction count"))
      return err();
    int64_t lastSeq = -1;
    Engine engine = engineOfQueue(queue);
    for (uint32_t k = 0; k < count; ++k) {
      uint64_t instAt = pos;
      uint32_t seq = u32();
      unsigned opcode = u8(), numOperands = u8();
      unsigned numParams = u16(), numWaits = u16(), numSignals = u16();
      if (!ok())
        return err();
      if (seq >= numInsts)
        fail(instAt, "sequence number " + Twine(seq) + " out of range",
             "the program has " + Twine(numInsts) + " instructions");
      else if (seen[seq])
        fail(instAt, "duplicate sequence number " + Twine(seq));
      else if (int64_t(seq) < lastSeq)
        fail(instAt, "sequence number " + Twine(seq) + " out of order",
             ctx + " already had " + Twine(lastSeq));
      else if (opcode >= kNumOpcodes)
        fail(instAt + 4, "unknown opcode " + Twine(opcode), ctx);
      if (!ok())
        return err();
      seen[seq] = true;
      lastSeq = seq;
      Instruction &in = insts[seq];
      in.op = static_cast<Opcode>(opcode);
      in.queue = queue;
      const OpcodeInfo &info = opcodeInfo(in.op);
      if (!(info.engines & (1u << static_cast<unsigned>(engine))))
        fail(instAt + 4,
             info.mnemonic + " cannot run on queue " + queueName(queue));
      else if (numOperands != info.operands.size())
        fail(instAt + 5, info.mnemonic + " has " + Twine(numOperands) +
                             " operands, expected " +
                             Twine(info.operands.size()));
      else if (numParams < info.params.size() ||
               (!info.variadicParams && numParams != info.params.size()))
        fail(instAt + 6, info.mnemonic + " has " + Twine(numParams) +
                             " parameters, expected " +
                             (info.variadicParams ? "at least " : "") +
                             Twine(info.params.size()));
      if (!ok() || !fits(instAt + 6, numParams, 8, "parameter count") ||
          !fits(instAt + 8, numWaits, 8, "wait count") ||
          !fits(instAt + 10, numSignals, 4, "signal count"))
        return err();
      for (unsigned o = 0; o < numOperands; ++o)
        if (!tile(in.operands.emplace_back(), in.op, o, prog.tensors.size()))
          return err();
      for (unsigned i = 0; i < numParams; ++i) {
        uint64_t paramAt = pos;
        double v = f64();
        if (!ok())
          return err();
        ParamKind kind = paramKind(in.op, i);
        if (!isValidParam(kind, v)) {
          static const char *const expected[] = {"a number",
                                                 "an integer",
                                                 "0 or 1",
                                                 "an activation function code",
                                                 "an ALU op code",
                                                 "a collective algorithm code",
                                                 "a rank in [0, 2^31)"};
          fail(paramAt,
               "bad " + info.mnemonic + " parameter '" +
                   (i < info.params.size() ? info.params[i]
                                           : info.variadicName) +
                   "' " + shortest(v),
               Twine("expected ") + expected[unsigned(kind)]);
          return err();
        }
        in.params.push_back(v);
      }
      for (unsigned i = 0; i < numWaits; ++i) {
        uint64_t waitAt = pos;
        SemWait sw{u32(), u32()};
        if (ok() && sw.semaphore >= prog.numSemaphores)
          fail(waitAt, "wait on semaphore " + Twine(sw.semaphore),
               "the program has " + Twine(prog.numSemaphores));
        if (!ok())
          return err();
        in.waits.push_back(sw);
      }
      for (unsigned i = 0; i < numSignals; ++i) {
        uint64_t sigAt = pos;
        uint32_t sem = u32();
        if (ok() && sem >= prog.numSemaphores)
          fail(sigAt, "signal of semaphore " + Twine(sem),
               "the program has " + Twine(prog.numSemaphores));
        if (!ok())
          return err();
        in.signals.push_back(sem);
      }
    }
    if (!leave(ctx))
      return err();
    end = outerEnd;
    context = "instruction streams";
    total += count;
  }
  if (!leave("instruction streams"))
    return err();
  if (total != numInsts) {
    fail(40, "instruction count " + Twine(numInsts) + " mismatch",
         "the streams hold " + Twine(total));
    return err();
  }
  prog.instructions = std::move(insts);
  if (version >= 2 && !loopTable(loopSec, prog))
    return err();
  return std::move(prog);
}

bool Reader::loopTable(const Section &sec, Program &prog) {
  enter(sec, "loop table");
  uint64_t countAt = pos;
  uint32_t numLoops = u32();
  if (!fits(countAt, numLoops, kLoopHeader, "loop count"))
    return false;
  uint64_t next = 0, numInsts = prog.instructions.size();
  for (uint32_t li = 0; li < numLoops; ++li) {
    uint64_t at = pos;
    Loop l;
    l.begin = u32();
    l.length = u32();
    l.trips = u32();
    uint32_t numSteps = u32(), numWaitSteps = u32(), reserved = u32();
    if (!ok())
      return false;
    std::string what = "loop #" + std::to_string(li);
    if (l.length == 0 || l.trips == 0)
      return fail(at + 4,
                  what + " has " + Twine(l.length) + " instructions and " +
                      Twine(l.trips) + " trips",
                  "both must be at least 1");
    if (l.begin < next || uint64_t(l.begin) + l.length > numInsts)
      return fail(at,
                  what + " over instructions [" + Twine(l.begin) + ", " +
                      Twine(uint64_t(l.begin) + l.length) + ")",
                  "loops are ordered, disjoint and inside the " +
                      Twine(numInsts) + " instructions");
    if (reserved != 0)
      return fail(at + 20, "nonzero reserved field in " + what);
    next = uint64_t(l.begin) + l.length;
    if (!fits(at + 12, numSteps, kStepEntry, "step count") ||
        !fits(at + 16, numWaitSteps, kWaitStepEntry, "wait step count"))
      return false;
    int64_t last = -1;
    for (uint32_t k = 0; k < numSteps; ++k) {
      uint64_t entryAt = pos;
      uint32_t i = u32();
      unsigned r = u8(), pad = u8(), pad2 = u16();
      AccessStep st{i64(), i64()};
      if (!ok())
        return false;
      if (i >= l.length)
        return fail(entryAt, what + " step names body instruction " + Twine(i),
                    "the body has " + Twine(l.length));
      Instruction &in = prog.instructions[l.begin + i];
      int64_t key = int64_t(i) * 256 + r;
      if (r >= in.operands.size() || !in.operands[r].present())
        return fail(entryAt + 4,
                    what + " step names operand " + Twine(r) + " of " +
                        opcodeInfo(in.op).mnemonic,
                    "it has no such operand");
      if (pad != 0 || pad2 != 0)
        return fail(entryAt + 5, "nonzero reserved bytes in a step entry");
      if (key <= last || st.isZero())
        return fail(entryAt, what + " step entries must be nonzero and in "
                                    "increasing (instruction, operand) order");
      last = key;
      in.steps.resize(in.operands.size());
      in.steps[r] = st;
    }
    last = -1;
    for (uint32_t k = 0; k < numWaitSteps; ++k) {
      uint64_t entryAt = pos;
      uint32_t i = u32();
      unsigned wi = u16(), pad = u16();
      uint32_t step = u32();
      if (!ok())
        return false;
      if (i >= l.length)
        return fail(entryAt,
                    what + " wait step names body instruction " + Twine(i),
                    "the body has " + Twine(l.length));
      Instruction &in = prog.instructions[l.begin + i];
      int64_t key = int64_t(i) * 65536 + wi;
      if (wi >= in.waits.size())
        return fail(entryAt + 4,
                    what + " wait step names wait " + Twine(wi) + " of " +
                        opcodeInfo(in.op).mnemonic,
                    "it has " + Twine(in.waits.size()));
      if (pad != 0)
        return fail(entryAt + 6, "nonzero reserved bytes in a wait step entry");
      if (key <= last || step == 0)
        return fail(entryAt, what + " wait step entries must be nonzero and "
                                    "in increasing (instruction, wait) order");
      last = key;
      in.waitSteps.resize(in.waits.size());
      in.waitSteps[wi] = step;
    }
    prog.loops.push_back(l);
  }
  return leave("loop table");
}

llvm::Expected<Program> muir::target::readBinary(ArrayRef<uint8_t> bytes) {
  return Reader(bytes).read();
}
