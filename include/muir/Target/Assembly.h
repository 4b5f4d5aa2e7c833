//===- Assembly.h - NeuronCore assembly text ----------------------*- C++
//-*-===//
//
// A line-oriented text form of a target Program, one instruction per line
// with its engine queue and semaphores explicit:
//
//   # comments run from '#' to the end of the line
//   .kernel mm target=trn2 semaphores=2
//   .tensor a input bf16 [128, 128] at 0
//   .tensor w const f32 [2] at 32768 data=0x0000803f00000040
//   dma0  dma         dst=sbuf[0, 128]+0 {128:1} bf16, src=hbm:a[128 x 128]+0
//   {128:1} bf16, transpose=0 ; signal s0 pe    matmul      dst=psum[0, 128]+0
//   {512:1} f32, stationary=..., moving=..., accumulate=0 ; wait s0>=2 ; signal
//   s1
//
// Grammar (whitespace between tokens is free, except inside a line break):
//
//   file      ::= line*
//   line      ::= kernel | tensor | inst | '.loop' uint | '.endloop' | (empty)
//   kernel    ::= '.kernel' name ('target=' name | 'semaphores=' uint)*
//                 (first non-empty line; target required)
//   tensor    ::= '.tensor' name kind type '[' (int (',' int)*)? ']'
//                 'at' uint ('data=0x' hexbyte*)?
//   inst      ::= queue mnemonic (arg (',' arg)*)? (';' semclause)*
//   arg       ::= role '=' tile | param '=' value
//                 | variadic '=[' (number (',' number)*)? ']'
//   tile      ::= ('sbuf' | 'psum') '[' int ',' int ('x' int)? ']' off dims
//   type
//               | 'hbm' ':' name '[' (int ',')? int 'x' int ']' off dims type
//   off       ::= ('+' | '-') uint
//   dims      ::= '{' (int ':' int (',' int ':' int)*)? '}'   size:stride
//   semclause ::= 'step' role '=p' int ('+' | '-') uint (',' ...)*
//               | 'wait' 's'uint '>=' uint ('+' uint)? (',' ...)*
//               | 'signal' 's'uint (',' 's'uint)*
//   name      ::= [A-Za-z_][A-Za-z0-9_.$]* | '"' escaped chars '"'
//
// `.loop N` ... `.endloop` (not nested, not empty) repeat the instructions
// between them N times (Program::loops); inside, `step dst=p0+512` advances
// an operand's partition start and offset per iteration and `s0>=1+1` a
// wait count.
//
// Queues are pe, act, dve, pool, dma<N>; mnemonics, operand roles and
// parameter names are those of opcodeInfo(). Every present operand and every
// fixed parameter is named exactly once (absent optional operands are left
// out); `coefficients` carries the variadic parameters of iota and
// affine_select, `ranks` the replica groups of collectives (flattened;
// `group_size` splits them) and `pairs` the (source, target) rank pairs of
// send/recv; the collective `algorithm` is written by name (ring, tree,
// ring2d). Enum parameters (activation `func`, ALU `op`, `op0`, `op1`)
// are written by name, other parameters as the shortest decimal that reads
// back as the same double. printAssembly(parseAssembly(t)) == t for text
// printed by printAssembly.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_TARGET_ASSEMBLY_H
#define MUIR_TARGET_ASSEMBLY_H

#include "muir/Target/Program.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace muir::target {

/// A parse error at a position of the text; log() prints
/// "<buffer>:<line>:<column>: error: <message>".
class AssemblyError : public llvm::ErrorInfo<AssemblyError> {
public:
  static char ID;
  AssemblyError(std::string buffer, unsigned line, unsigned column,
                std::string message)
      : buffer(std::move(buffer)), line(line), column(column),
        message(std::move(message)) {}
  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

  std::string buffer;
  unsigned line, column; // 1-based
  std::string message;
};

std::string printAssembly(const Program &prog);

/// Where each tensor and instruction of a parsed program came from.
struct AssemblyLines {
  std::vector<unsigned> tensors;      // 1-based line of each .tensor
  std::vector<unsigned> instructions; // 1-based line of each instruction
};

/// Parses assembly text; errors are AssemblyError. `lines`, when given,
/// receives the source line of every tensor and instruction.
llvm::Expected<Program> parseAssembly(llvm::StringRef text,
                                      llvm::StringRef bufferName,
                                      AssemblyLines *lines = nullptr);

} // namespace muir::target

#endif // MUIR_TARGET_ASSEMBLY_H
