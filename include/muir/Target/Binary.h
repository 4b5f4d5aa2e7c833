//===- Binary.h - the NeuronCore program binary container ---------*- C++
//-*-===//
//
// The on-disk form of a target Program (see Program.h). This comment is the
// specification; docs/binary-format.md repeats it with examples.
//
// All integers are little-endian; i64 is two's complement, f64 is IEEE-754
// binary64 stored as its 8 bytes (so every double, including NaN payloads and
// -0, round-trips bit-exactly). Offsets are byte offsets from the start of
// the file. Version 1 layout (version 2 below):
//
//   Header (112 bytes in version 1)
//     0   u8[8]  magic "MUIRNC\0\1"
//     8   u32    version (1)
//     12  u32    header size in bytes (>= 112; readers skip extra bytes)
//     16  u32    flags (0; readers reject unknown bits)
//     20  u32    semaphore count
//     24  u32    kernel name (string index)
//     28  u32    target name (string index)
//     32  u32    tensor count
//     36  u32    instruction stream (queue) count
//     40  u32    instruction count, over all streams
//     44  u32    reserved (0)
//     48  u64    string table offset         56   u64  string table size
//     64  u64    tensor table offset         72   u64  tensor table size
//     80  u64    constant data offset        88   u64  constant data size
//     96  u64    instruction streams offset  104  u64  instruction streams size
//   Each section lies inside the file, after the header. The string table,
//   tensor table and instruction streams are consumed exactly by their
//   contents; constant blocks lie inside the constant data section. The
//   writer places the sections in this order with no gaps.
//
//   String table
//     u32 count, then per string: u32 length, `length` bytes (no terminator).
//     Strings are referred to by index.
//
//   Tensor table: `tensor count` entries, each
//     u32 name (string index), u8 kind (0 input, 1 output, 2 const,
//     3 scratch), u8 element type (0 f32, 1 bf16, 2 f16, 3 f8E4M3FN,
//     4 f8E5M2, 5 i32), u8 rank (<= 8), u8 reserved (0), i64 dims[rank]
//     (each >= 0), u64 HBM byte offset, u64 data offset (relative to the
//     constant data section), u64 data size. A const tensor's data size is
//     exactly elements * element bytes; other tensors carry no data (size 0).
//
//   Constant data: the tensors' little-endian element bytes, each block
//     starting at a multiple of 8 (zero padding in between).
//
//   Instruction streams: `stream count` streams, one per queue that has
//   instructions, in increasing queue id, each
//     u32 queue id (0 pe, 1 act, 2 dve, 3 pool, 4 + n dma<n>; < 68),
//     u32 instruction count, u64 byte size of the instructions that follow,
//     then the instructions, in the queue's execution order:
//       u32 program-order sequence number (unique over the program, < the
//           instruction count, increasing within a stream),
//       u8 opcode (Opcode enum), u8 operand count, u16 param count,
//       u16 wait count, u16 signal count,
//       operands: u8 space (0 none, 1 hbm, 2 sbuf, 3 psum), u8 element type,
//           u8 rank (<= 4), u8 reserved (0), u32 tensor (table index for HBM
//           tiles, else 0), i64 partition, i64 partitions,
//           i64 partition stride, i64 offset, i64 sizes[rank],
//           i64 strides[rank],
//       params: f64 each (enum codes, 0/1 flags and integers are exact
//           integral values; see paramKind()),
//       waits: u32 semaphore, u32 count each,
//       signals: u32 semaphore each.
//   Operand and parameter counts follow opcodeInfo(): an absent optional
//   operand ('?' role) is a tile with space 0; required roles are never 0;
//   opcodes with variadic parameters may carry more than the fixed ones.
//   Semaphore ids are < the semaphore count; an opcode only appears on
//   queues of an engine that runs it (OpcodeInfo::engines); HBM tiles name
//   existing tensors.
//
// Version 2 adds loops (Program::loops): the header has at least 128 bytes,
//   112 u64    loop table offset           120  u64  loop table size
// and the loop table section (after the instruction streams) holds
//   u32 loop count, then per loop, in increasing first sequence number:
//     u32 first sequence number, u32 body length (instructions, >= 1),
//     u32 trip count (>= 1), u32 step count, u32 wait step count,
//     u32 reserved (0); then the step entries, each
//       u32 body index (< body length), u8 operand, u8 + u16 reserved (0),
//       i64 partition step, i64 offset step;
//     then the wait step entries, each
//       u32 body index, u16 wait index, u16 reserved (0), u32 count step.
//   Loops are disjoint and inside the program; entries name an existing
//   operand (present) or wait, are nonzero and strictly increase in
//   (body index, operand or wait). Writers emit version 1 for programs
//   without loops (their bytes are those of version 1); readers take both.
//
// The global program order is rebuilt from the sequence numbers, so
// readBinary(writeBinary(p)) == p for every valid program.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_TARGET_BINARY_H
#define MUIR_TARGET_BINARY_H

#include "muir/Target/Program.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace muir::target {

constexpr uint8_t kBinaryMagic[8] = {'M', 'U', 'I', 'R', 'N', 'C', 0, 1};
constexpr uint32_t kBinaryVersion = 2;
constexpr uint32_t kBinaryHeaderSize = 128;
constexpr uint32_t kBinaryHeaderSizeV1 = 112;
/// Queue ids a binary may use: the compute queues and up to 64 DMA queues.
constexpr uint32_t kMaxBinaryQueues = kNumComputeQueues + 64;

/// What values an instruction parameter takes (the reader and the assembly
/// parser check them; NcProgram converts them to attributes).
enum class ParamKind : uint8_t {
  Float,     // any double (f32 immediates: scale, imm0, imm1, fill)
  Int,       // an integer in int64 range (naxes, base, coefficients...)
  Flag,      // 0 or 1 (transpose, accumulate)
  ActFunc,   // an ActFunc code
  AluOp,     // an AluOp code
  Algorithm, // a collective Algorithm code
  Rank,      // an integer in [0, 2^31) (collective group sizes and ranks)
};
/// The kind of parameter `index` of `op` (variadic ones included).
ParamKind paramKind(Opcode op, unsigned index);
/// Whether `v` is a valid value of `kind`.
bool isValidParam(ParamKind kind, double v);

/// Serializes `prog`. The program should be well formed (operand and
/// parameter counts per opcodeInfo, HBM tiles naming existing tensors).
std::vector<uint8_t> writeBinary(const Program &prog);

/// Parses and validates a binary; never reads out of bounds. Errors read
/// "muir binary: <what> at byte <offset>: <detail>".
llvm::Expected<Program> readBinary(llvm::ArrayRef<uint8_t> bytes);

} // namespace muir::target

#endif // MUIR_TARGET_BINARY_H
