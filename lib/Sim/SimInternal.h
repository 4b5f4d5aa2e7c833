//===- SimInternal.h - simulator state shared by its source files -*- C++
//-*-===//
#ifndef MUIR_LIB_SIM_SIMINTERNAL_H
#define MUIR_LIB_SIM_SIMINTERNAL_H

#include "muir/Sim/Simulator.h"

#include "llvm/ADT/SmallVector.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace muir::sim {

/// bf16 codecs, inline for the simulator's hot loops (decodeElement and
/// encodeElement use the same ones).
inline float decodeBF16(const uint8_t *p) {
  uint32_t b = uint32_t(p[0] | (p[1] << 8)) << 16;
  float v;
  std::memcpy(&v, &b, 4);
  return v;
}
inline void encodeBF16(float v, uint8_t *p) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  uint16_t h = std::isnan(v)
                   ? uint16_t((b >> 16) | 0x40) // keep sign, force a quiet NaN
                   : uint16_t((b + 0x7FFF + ((b >> 16) & 1)) >> 16);
  p[0] = uint8_t(h);
  p[1] = uint8_t(h >> 8);
}

/// A tile resolved against the emulated memories: element (p, i) lives at
/// byte rowBase[p] + freeOff[i] of its space's byte array.
struct Tile {
  target::MemSpace space = target::MemSpace::None;
  target::ElemType type = target::ElemType::F32;
  unsigned eb = 4;
  int64_t P = 0, F = 0;
  int64_t firstPartition = 0; // SBUF/PSUM
  uint32_t tensor = 0;        // HBM
  int64_t spanBytes = 0; // bytes from a row's first to its last element's end
  uint8_t *data = nullptr, *init = nullptr;
  std::vector<int64_t> rowBase, freeOff;
  bool present() const { return space != target::MemSpace::None; }
  int64_t addr(int64_t p, int64_t i) const { return rowBase[p] + freeOff[i]; }
  /// Each row's elements are adjacent and in order (freeOff[i] == i * eb).
  bool contiguous = false;
  bool isContiguous() const { return contiguous; }
};

/// A memory region an instruction touches, for the hazard checker. On-chip:
/// partitions [p0, p1) times one byte interval; HBM: sorted, disjoint
/// absolute byte intervals (each row's contiguous runs before merging),
/// p0 = 0, p1 = 1.
struct Region {
  target::MemSpace space = target::MemSpace::None;
  int64_t p0 = 0, p1 = 0;
  int64_t lo = 0, hi = 0; // bounding byte interval
  llvm::SmallVector<std::pair<int64_t, int64_t>, 1> ivals;
};

struct TraceRecord {
  uint64_t instr; // unrolled program-order index of the instance
  double startNs, endNs;
  double
      visibleNs; // when its signals fire (matmul/transpose: + pipeline latency)
  double exposedLoadNs;
};

} // namespace muir::sim

#endif // MUIR_LIB_SIM_SIMINTERNAL_H
