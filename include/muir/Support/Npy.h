//===- Npy.h - NumPy .npy reader and writer -----------------------*- C++ -*-===//
//
// Tensors cross the tool boundary as .npy files so tests can produce inputs
// and check outputs with plain NumPy (and ml_dtypes for bf16).
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_SUPPORT_NPY_H
#define MUIR_SUPPORT_NPY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace muir::npy {

/// How an array's elements are held after reading.
enum class ElementKind {
  Float,   ///< f2/f4/f8 and bf16 ('<V2', as ml_dtypes writes it): `floats`.
  Int,     ///< signed/unsigned integers and bools: `ints`.
  RawBits, ///< 1-byte void ('<V1', ml_dtypes float8): undecoded `bits`.
};

struct Array {
  llvm::SmallVector<int64_t> shape;
  /// The header's descr string, e.g. "<f4" or "<V2".
  std::string descr;
  ElementKind kind = ElementKind::Float;
  /// True for '<V2' data read as bfloat16 bits.
  bool isBF16 = false;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<uint8_t> bits;

  int64_t numElements() const;
};

/// Parses the bytes of a .npy file; `name` only labels error messages.
llvm::Expected<Array> parseNpy(llvm::StringRef bytes, llvm::StringRef name);
/// Reads and parses a .npy file.
llvm::Expected<Array> readNpy(llvm::StringRef path);

/// Writes a C-order '<f4' array.
llvm::Error writeNpyF32(llvm::StringRef path, llvm::ArrayRef<int64_t> shape,
                        llvm::ArrayRef<float> data);
/// Writes a C-order '<i8' array.
llvm::Error writeNpyI64(llvm::StringRef path, llvm::ArrayRef<int64_t> shape,
                        llvm::ArrayRef<int64_t> data);

/// Formats a shape as NumPy prints it: "(2, 3)", "(4,)", "()".
std::string shapeString(llvm::ArrayRef<int64_t> shape);

} // namespace muir::npy

#endif // MUIR_SUPPORT_NPY_H
