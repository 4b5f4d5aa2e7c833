//===- Walk.h - tiled walks over strided index spaces -------------*- C++
//-*-===//
#ifndef MUIR_LIB_CONVERSION_XFTONC_WALK_H
#define MUIR_LIB_CONVERSION_XFTONC_WALK_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <algorithm>
#include <cstdint>
#include <optional>

namespace muir::lower {
/// An index space walked as (outer odometer) x (partition rows) x (columns).
struct Space {
  llvm::SmallVector<int64_t> shape;
  /// Element strides per dimension, one list per operand (0 = broadcast).
  llvm::SmallVector<llvm::SmallVector<int64_t>> strides;
  llvm::SmallVector<int64_t> offsets; // base element offset per operand
};

struct TileRef {
  llvm::SmallVector<int64_t> offsets; // per operand
  int64_t np, n;
  llvm::SmallVector<int64_t> pstrides, fstrides; // per operand
};

/// Merges adjacent dimensions that are contiguous for every operand, then
/// splits a long contiguous last dimension over the partitions, so walks
/// move big tiles instead of many small rows. With `ragged`, a last
/// dimension that the partitions do not divide is split too when it is the
/// only one left: the space becomes [p, q] with p partitions of q >=
/// kMinPartitionCols elements, and the remainder (fewer than p elements) is
/// returned as a second space to walk. Without it, only an even split of at
/// least 64 columns per partition is made.
constexpr int64_t kMinPartitionCols = 64;
inline std::optional<Space> coalesce(Space &s, int64_t rows,
                                     bool ragged = false) {
  // Size-1 dimensions address nothing.
  for (int64_t d = (int64_t)s.shape.size() - 1; d >= 0 && s.shape.size() > 1;
       --d) {
    if (s.shape[d] != 1)
      continue;
    s.shape.erase(s.shape.begin() + d);
    for (auto &st : s.strides)
      st.erase(st.begin() + d);
  }
  for (int64_t d = (int64_t)s.shape.size() - 2; d >= 0; --d) {
    bool ok = true;
    for (auto &st : s.strides)
      ok &= st[d] == st[d + 1] * s.shape[d + 1];
    if (!ok)
      continue;
    s.shape[d] *= s.shape[d + 1];
    s.shape.erase(s.shape.begin() + d + 1);
    for (auto &st : s.strides) {
      st[d] = st[d + 1];
      st.erase(st.begin() + d + 1);
    }
  }
  int64_t r = s.shape.size();
  int64_t last = s.shape.back();
  int64_t partDim = r >= 2 ? s.shape[r - 2] : 1;
  if (partDim >= rows)
    return std::nullopt;
  int64_t p = 0;
  if (last >= rows * kMinPartitionCols && last % rows == 0)
    p = rows;
  else if (ragged && r == 1) // one run: nothing else is on the partitions
    p = std::min(rows, last / kMinPartitionCols);
  if (p < 2 || p <= partDim)
    return std::nullopt;
  int64_t q = last / p, rem = last - p * q;
  std::optional<Space> tail;
  if (rem > 0) {
    tail = s;
    tail->shape.back() = rem;
    for (size_t o = 0; o < s.strides.size(); ++o)
      tail->offsets[o] += p * q * s.strides[o].back();
  }
  s.shape.back() = q;
  s.shape.insert(s.shape.end() - 1, p);
  for (auto &st : s.strides)
    st.insert(st.end() - 1, st.back() * q);
  return tail;
}

/// Calls `fn` for every tile of at most `rows` x `maxCols`.
inline void walk(const Space &s, int64_t rows, int64_t maxCols,
                 llvm::function_ref<void(const TileRef &)> fn) {
  int64_t rank = s.shape.size();
  size_t nops = s.strides.size();
  int64_t pd = rank >= 2 ? rank - 2 : -1, fd = rank - 1;
  llvm::SmallVector<int64_t> outerDims;
  for (int64_t d = 0; d < rank - 2; ++d)
    outerDims.push_back(d);
  llvm::SmallVector<int64_t> idx(outerDims.size(), 0);
  int64_t P = pd >= 0 ? s.shape[pd] : 1, N = s.shape[fd];
  while (true) {
    llvm::SmallVector<int64_t> base(s.offsets.begin(), s.offsets.end());
    for (size_t i = 0; i < outerDims.size(); ++i)
      for (size_t o = 0; o < nops; ++o)
        base[o] += idx[i] * s.strides[o][outerDims[i]];
    for (int64_t p0 = 0; p0 < P; p0 += rows) {
      for (int64_t c0 = 0; c0 < N; c0 += maxCols) {
        TileRef t;
        t.np = std::min(rows, P - p0);
        t.n = std::min(maxCols, N - c0);
        for (size_t o = 0; o < nops; ++o) {
          int64_t ps = pd >= 0 ? s.strides[o][pd] : 0;
          int64_t fs = s.strides[o][fd];
          t.offsets.push_back(base[o] + p0 * ps + c0 * fs);
          t.pstrides.push_back(ps);
          t.fstrides.push_back(fs);
        }
        fn(t);
      }
    }
    // Odometer over the outer dimensions.
    int64_t i = (int64_t)outerDims.size() - 1;
    for (; i >= 0; --i) {
      if (++idx[i] < s.shape[outerDims[i]])
        break;
      idx[i] = 0;
    }
    if (i < 0)
      break;
  }
}

} // namespace muir::lower

#endif // MUIR_LIB_CONVERSION_XFTONC_WALK_H
