//===- CheckedSize.h - overflow-checked sizes, extents and host caps -*- C++
//-*-===//
//
// Every element count, byte size and tile extent computed from user input
// (IR, binaries, assembly, .npy files, Python arrays) goes through these
// helpers, so a hostile shape yields an error instead of signed overflow.
// The host caps bound what muir allocates on the host for one tensor; they
// are documented in docs/tools.md.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_SUPPORT_CHECKEDSIZE_H
#define MUIR_SUPPORT_CHECKEDSIZE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <cstdint>
#include <optional>

namespace muir {

/// The most elements the reference backend, muir-run and the Python module
/// hold in one host tensor (2^30: 4 GiB of f32 values).
constexpr int64_t kMaxHostElements = int64_t(1) << 30;
/// The most bytes of HBM the simulator emulates (plus as many for its
/// initialised-byte map).
constexpr int64_t kMaxSimHbmBytes = int64_t(1) << 32;

/// Overflow-checked int64 arithmetic on the compiler's builtins (LLVM's
/// llvm::checkedMul goes through APInt: a fifth of the compile time when
/// every tile of a kernel is checked).
inline std::optional<int64_t> checkedMul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r))
    return std::nullopt;
  return r;
}
inline std::optional<int64_t> checkedAdd(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r))
    return std::nullopt;
  return r;
}

/// `init` times the product of `dims`; nullopt when a dimension is negative
/// or the product does not fit in int64.
inline std::optional<int64_t> checkedProduct(llvm::ArrayRef<int64_t> dims,
                                             int64_t init = 1) {
  std::optional<int64_t> n = init;
  for (int64_t d : dims) {
    if (d < 0)
      return std::nullopt;
    n = checkedMul(*n, d);
    if (!n)
      return std::nullopt;
  }
  return n;
}

/// The largest free-dimension offset of an access pattern,
/// sum_i (sizes[i] - 1) * strides[i]; nullopt when a size is < 1, a stride
/// is negative or the sum does not fit in int64.
inline std::optional<int64_t> checkedSpan(llvm::ArrayRef<int64_t> sizes,
                                          llvm::ArrayRef<int64_t> strides) {
  if (sizes.size() != strides.size())
    return std::nullopt;
  std::optional<int64_t> last = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] < 1 || strides[i] < 0)
      return std::nullopt;
    std::optional<int64_t> step = checkedMul(sizes[i] - 1, strides[i]);
    if (!step || !(last = checkedAdd(*last, *step)))
      return std::nullopt;
  }
  return last;
}

} // namespace muir

#endif // MUIR_SUPPORT_CHECKEDSIZE_H
