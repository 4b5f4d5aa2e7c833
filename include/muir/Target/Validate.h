//===- Validate.h - memory safety of a program on a machine -------*- C++
//-*-===//
//
// The one check every target::Program passes before it runs, whether it came
// from nc text, a binary or assembly, verified or not: what the simulator
// needs to be memory safe, never the hardware rules the nc verifiers enforce.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_TARGET_VALIDATE_H
#define MUIR_TARGET_VALIDATE_H

#include "muir/Target/Machine.h"
#include "muir/Target/Program.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace muir::target {

/// Checks that `prog` can run on `m` without touching memory it does not
/// own and without huge allocations: the machine's on-chip memories and
/// every tensor (size, HBM placement, constant data) fit the machine (and
/// the simulator's host cap, below); every instruction has a known opcode on a
/// queue the machine has, its opcode's operands and parameters, and
/// waits/signals on declared semaphores; every tile lies inside its memory
/// (an HBM tile inside its tensor) and has at most as many elements per
/// partition as an SBUF partition has bytes (and in all as the SBUF has).
/// Errors name the instruction or tensor. `hostData`: the simulator will
/// hold the tensors' bytes (a run with numerics), so they must also fit its
/// host cap (kMaxSimHbmBytes); a timing-only run holds none, and its
/// tensors may fill the machine's HBM.
llvm::Error validateProgram(const Program &prog, const Machine &m,
                            bool hostData = true);

/// The tile rules of an indirect DMA (dma_gather / dma_scatter), shared by
/// validateProgram, the nc verifiers and the simulator: `rows` is the SBUF
/// side ([P, F]), `table` the HBM side (its partitions are the table's
/// rows, each F elements of the rows' type), `indices` an SBUF [P, 1] i32
/// tile. nullopt when they fit together, else why not.
std::optional<std::string> checkIndirectDmaTiles(const AccessPattern &rows,
                                                 const AccessPattern &table,
                                                 const AccessPattern &indices);

} // namespace muir::target

#endif // MUIR_TARGET_VALIDATE_H
