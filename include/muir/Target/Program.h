//===- Program.h - the target's instruction-level program --------*- C++
//-*-===//
//
// The in-memory form of a NeuronCore program: HBM tensor table, constants and
// one in-order instruction stream per engine queue. The `nc` dialect, the
// binary container, the assembly text and the simulator all meet here, so
// each converts to and from this one structure instead of to each other.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_TARGET_PROGRAM_H
#define MUIR_TARGET_PROGRAM_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace muir::target {

enum class MemSpace : uint8_t { None = 0, HBM = 1, SBUF = 2, PSUM = 3 };
enum class ElemType : uint8_t { F32 = 0, BF16, F16, F8E4M3FN, F8E5M2, I32 };

llvm::StringRef memSpaceName(MemSpace s);
std::optional<MemSpace> parseMemSpace(llvm::StringRef s);
llvm::StringRef elemTypeName(ElemType t);
std::optional<ElemType> parseElemType(llvm::StringRef s);
unsigned elemBytes(ElemType t);

/// A tile: a partition range times a free-dimension access pattern.
///  - HBM: `partitions` rows `partitionStride` elements apart, starting at
///    element `offset` of tensor `tensor`; free dims in elements.
///  - SBUF/PSUM: partitions [partition, partition + partitions), each read at
///    byte `offset` of the partition with free dims in elements.
struct AccessPattern {
  MemSpace space = MemSpace::None;
  uint32_t tensor = 0;
  int64_t partition = 0;
  int64_t partitions = 0;
  int64_t partitionStride = 0;
  int64_t offset = 0;
  llvm::SmallVector<int64_t, 4> sizes;
  llvm::SmallVector<int64_t, 4> strides;
  ElemType type = ElemType::F32;

  bool present() const { return space != MemSpace::None; }
  /// Elements per partition (product of the free sizes).
  int64_t freeElements() const;
  int64_t numElements() const { return partitions * freeElements(); }
  bool operator==(const AccessPattern &o) const;
};

/// A tile's extent, computed without overflow.
struct TileExtent {
  int64_t freeElements = 0; // product of the free sizes
  int64_t elements = 0;     // partitions * freeElements
  /// HBM: one past the last element index the tile reaches in its tensor;
  /// SBUF/PSUM: one past the last byte it reaches in a partition.
  int64_t end = 0;
  /// SBUF/PSUM: one past the last partition (HBM: the partition count).
  int64_t partitionEnd = 0;
};
/// The extent of a tile with these fields (`offset` in elements for HBM, in
/// bytes on chip); nullopt when a start is negative, the partition range is
/// empty, a free size is < 1, a stride is negative or an extent does not
/// fit in int64.
std::optional<TileExtent> tileExtent(bool hbm, int64_t partition,
                                     int64_t partitions,
                                     int64_t partitionStride, int64_t offset,
                                     llvm::ArrayRef<int64_t> sizes,
                                     llvm::ArrayRef<int64_t> strides,
                                     unsigned elemBytes);
std::optional<TileExtent> tileExtent(const AccessPattern &ap);

/// Engine queues: the four compute engines, then the DMA queues.
enum class Engine : uint8_t {
  PE = 0,
  Scalar = 1,
  Vector = 2,
  GpSimd = 3,
  DMA = 4
};
constexpr uint32_t kNumComputeQueues = 4;
inline uint32_t dmaQueue(uint32_t i) { return kNumComputeQueues + i; }
inline Engine engineOfQueue(uint32_t q) {
  return q < kNumComputeQueues ? static_cast<Engine>(q) : Engine::DMA;
}
llvm::StringRef engineName(Engine e);
/// "pe", "act", "dve", "pool", "dma3"...
std::string queueName(uint32_t q);
std::optional<uint32_t> parseQueueName(llvm::StringRef s);

enum class Opcode : uint8_t {
  Nop = 0,      // waits and signals only
  Dma,          // dst <- src (optionally transposing 2-D tiles)
  Matmul,       // psum dst[M,N] (+)= stationary[K,M]^T . moving[K,N]
  Transpose,    // psum dst[N,P] = src[P,N]^T through the PE array
  Activation,   // dst = f(src * scale + bias), optional free-dim sum to accum
  TensorTensor, // dst = lhs <op> rhs
  TensorScalar, // dst = (src <op0> s0) <op1> s1, s per partition or immediate
  TensorReduce, // dst = reduce<op>(src) over the innermost `naxes` free dims
  TensorCopy,   // dst = cast(src)
  Iota,         // dst = base + cm * p + sum_i coef_i * idx_i
  AffineSelect, // dst = (base + cm*p + sum coef_i*idx_i >= 0) ? src : fill
  // Collectives (docs/scaleout.md): DMA queues, over replica groups of ranks.
  AllReduce,     // dst = reduce<op> over the group of src
  AllGather,     // dst = concat over the group of src
  ReduceScatter, // dst = block `rank` of reduce<op> over the group of src
  AllToAll,      // dst block i = block `rank` of src of group member i
  Send,          // src to the peer of each (source, target) pair
  Recv,          // dst from the peer of each (source, target) pair
  // Indirect DMA (DMA queues): rows of an HBM table selected at run time by
  // i32 indices held in SBUF, one row per partition.
  DmaGather,  // dst[p, :] = table row indices[p]
  DmaScatter, // table row indices[p] (the dst) = src[p, :]
};
constexpr unsigned kNumOpcodes = 19;
/// The indirect DMA opcodes (DmaGather, DmaScatter).
inline bool isIndirectDma(Opcode op) {
  return op == Opcode::DmaGather || op == Opcode::DmaScatter;
}
/// The collective opcodes (AllReduce .. Recv).
inline bool isCollective(Opcode op) {
  return op >= Opcode::AllReduce && op <= Opcode::Recv;
}

enum class AluOp : uint8_t { Add = 0, Sub, Mul, Div, Max, Min, Bypass, Pow };
llvm::StringRef aluOpName(AluOp op);
std::optional<AluOp> parseAluOp(llvm::StringRef s);

enum class ActFunc : uint8_t {
  Identity = 0,
  Exp,
  Log,
  Tanh,
  Sigmoid,
  Relu,
  Gelu,
  GeluTanh,
  Silu,
  Sqrt,
  Rsqrt,
  Square,
  Reciprocal
};
llvm::StringRef actFuncName(ActFunc f);
std::optional<ActFunc> parseActFunc(llvm::StringRef s);

/// The fixed shape of each opcode: operand roles and scalar parameters.
struct OpcodeInfo {
  llvm::StringRef mnemonic;
  /// Operand role names, in order; a trailing '?' marks optional operands.
  llvm::ArrayRef<llvm::StringRef> operands;
  /// Fixed parameter names; `variadicParams` allows more after them.
  llvm::ArrayRef<llvm::StringRef> params;
  bool variadicParams;
  /// Bit i set: the instruction may run on queue kind i (Engine value).
  uint8_t engines;
  /// The name of the variadic parameters in text forms.
  llvm::StringRef variadicName = "coefficients";
};
const OpcodeInfo &opcodeInfo(Opcode op);
/// The queue an instruction runs on when none is named.
uint32_t defaultQueue(Opcode op);
std::optional<Opcode> parseOpcode(llvm::StringRef mnemonic);

struct SemWait {
  uint32_t semaphore;
  uint32_t
      count; // proceed once the semaphore has been signalled >= count times
  bool operator==(const SemWait &o) const {
    return semaphore == o.semaphore && count == o.count;
  }
};

/// How one operand of an instruction inside a loop advances per iteration:
/// iteration k reads `partition + k * partition` and `offset + k * offset`
/// (offset in the tile's own unit: elements for HBM, bytes on chip).
struct AccessStep {
  int64_t partition = 0;
  int64_t offset = 0;
  bool isZero() const { return partition == 0 && offset == 0; }
  bool operator==(const AccessStep &o) const {
    return partition == o.partition && offset == o.offset;
  }
};

struct Instruction {
  Opcode op = Opcode::Nop;
  uint32_t queue = 0;
  /// Roles per opcodeInfo(op).operands; absent optional ones have space None.
  llvm::SmallVector<AccessPattern, 3> operands;
  /// Scalars per opcodeInfo(op).params: enums, flags and immediates.
  llvm::SmallVector<double, 4> params;
  llvm::SmallVector<SemWait, 1> waits;
  llvm::SmallVector<uint32_t, 1> signals;
  /// Inside a loop only: per operand (empty: none advance) the step of its
  /// tile per iteration, per wait (empty: none advance) the step of its
  /// count. Equality treats an empty list as all zeros.
  llvm::SmallVector<AccessStep, 0> steps;
  llvm::SmallVector<uint32_t, 0> waitSteps;
  AccessStep stepOf(unsigned operand) const {
    return operand < steps.size() ? steps[operand] : AccessStep();
  }
  uint32_t waitStepOf(unsigned wait) const {
    return wait < waitSteps.size() ? waitSteps[wait] : 0;
  }
  /// Whether any operand or wait advances per iteration.
  bool hasSteps() const;
  bool operator==(const Instruction &o) const;
};

/// A counted loop: instructions [begin, begin + length) of the program run
/// `trips` times, iteration after iteration, exactly as if they were written
/// out unrolled (each queue still executes its instructions in that order).
/// Iteration k of an instruction reads its tiles and waits advanced k times
/// by its steps. Loops do not nest or overlap.
struct Loop {
  uint32_t begin = 0;
  uint32_t length = 0;
  uint32_t trips = 1;
  bool operator==(const Loop &o) const {
    return begin == o.begin && length == o.length && trips == o.trips;
  }
};

/// `ap` advanced `k` iterations by `step`; nullopt when a field overflows.
std::optional<AccessPattern> stepAccess(const AccessPattern &ap,
                                        AccessStep step, uint64_t k);
/// Iteration `k` of `in`: its tiles and wait counts advanced, no steps left.
/// The program must be valid (validateProgram checked every iteration).
Instruction instructionAt(const Instruction &in, uint64_t k);

enum class TensorKind : uint8_t { Input = 0, Output, Constant, Scratch };
llvm::StringRef tensorKindName(TensorKind k);
std::optional<TensorKind> parseTensorKind(llvm::StringRef s);

struct TensorDecl {
  std::string name;
  TensorKind kind = TensorKind::Input;
  ElemType type = ElemType::F32;
  llvm::SmallVector<int64_t, 4> shape;
  uint64_t offset = 0;       // byte offset in HBM
  std::vector<uint8_t> data; // constants only: little-endian elements
  int64_t numElements() const;
  uint64_t byteSize() const { return numElements() * elemBytes(type); }
  bool operator==(const TensorDecl &o) const;
};

struct Program {
  std::string name;
  std::string target;
  uint32_t numSemaphores = 0;
  std::vector<TensorDecl> tensors;
  /// Program order; each queue executes its own instructions in this order.
  std::vector<Instruction> instructions;
  /// Counted loops over `instructions`, sorted by `begin`, disjoint.
  std::vector<Loop> loops;
  /// Debug information, not part of the program's meaning (nor of its
  /// equality or the binary): the source location of each instruction as
  /// an index into `sourceLocations`, when known (kernelToProgram fills it
  /// from the nc ops' locations; the trace shows it).
  std::vector<std::string> sourceLocations;
  std::vector<uint32_t> instructionSource;
  bool operator==(const Program &o) const;
  /// How many instructions the program executes (loops unrolled).
  uint64_t executedInstructions() const;
};

/// The same program with every loop written out: identical in meaning.
Program unrollLoops(const Program &prog);

/// The most semaphores a program (and an nc.kernel) may declare.
constexpr uint32_t kMaxSemaphores = 65536;

/// "hbm @t[2 x 4] at 4 dims [4] strides [1] : f32", for errors and traces.
std::string formatAccess(const Program &prog, const AccessPattern &ap);

} // namespace muir::target

#endif // MUIR_TARGET_PROGRAM_H
