//===- Kernels.h - reference kernels shared by the interpreter ---*- C++
//-*-===//
//
// Private to lib/Reference. Kernels receive verified ops, operand tensors and
// a result tensor already sized from the op's result type.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_LIB_REFERENCE_KERNELS_H
#define MUIR_LIB_REFERENCE_KERNELS_H

#include "muir/Reference/Reference.h"
#include "muir/Support/Gemm.h"

#include "mlir/IR/Operation.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <array>

namespace muir::ref::detail {

using Operands = llvm::ArrayRef<const HostTensor *>;

/// Row-major strides of `shape`.
llvm::SmallVector<int64_t> stridesOf(llvm::ArrayRef<int64_t> shape);

/// Strides for reading an operand of `shape` while iterating the broadcast
/// result shape `outShape` (0 where the operand is broadcast or missing).
llvm::SmallVector<int64_t> broadcastStrides(llvm::ArrayRef<int64_t> shape,
                                            llvm::ArrayRef<int64_t> outShape);

/// Rounds every element of a float tensor to its dtype.
void roundInPlace(HostTensor &t);

//===----------------------------------------------------------------------===//
// Vectorised row kernels (Rows.cpp): f32 arithmetic, compiled per instruction
// set with bit-identical results.
//===----------------------------------------------------------------------===//

enum class UnaryFn {
  Neg,
  Exp,
  Log,
  Tanh,
  Sqrt,
  Rsqrt,
  Sigmoid,
  Relu,
  Silu,
  GeluTanh,
  GeluErf,
  Copy
};
enum class BinaryFn { Add, Sub, Mul, Div, Max, Min };

/// out[i] = fn(x[i]) in f32 for i < n (x may be out).
void unaryRow(UnaryFn fn, const float *x, float *out, int64_t n);
/// out[i] = fn(a[i * sa], b[i * sb]) in f32; sa, sb are 0 (broadcast) or 1.
void binaryRow(BinaryFn fn, const float *a, int64_t sa, const float *b,
               int64_t sb, float *out, int64_t n);
/// x[i] = roundTo(dtype, x[i]) for i < n.
void roundRow(DType dtype, float *x, int64_t n);
/// Softmax of one row in place: e = exp(x - max) in f32, summed in order in
/// double, e / (float)sum; a row holding a NaN becomes all NaN. Entries from
/// `live` on must be -inf (masked): their e is known to be 0 when that is
/// exact, and then they are not computed.
void softmaxRow(float *row, int64_t n, int64_t live);

//===----------------------------------------------------------------------===//
// Matrix product (Gemm.cpp)
//===----------------------------------------------------------------------===//

using muir::gemm;
using muir::MatrixView;

/// Visits every index of `shape` in row-major order, calling
/// f(flatOut, off[0], ..., off[N-1]) where off[k] = sum idx[d] * strides[k][d]
/// (+ base[k]). Innermost dimension runs as a plain loop to keep this O(n).
template <size_t N, typename F>
void forEachStrided(llvm::ArrayRef<int64_t> shape,
                    const std::array<llvm::ArrayRef<int64_t>, N> &strides,
                    const std::array<int64_t, N> &base, F &&f) {
  int64_t rank = shape.size();
  int64_t total = 1;
  for (int64_t d : shape)
    total *= d;
  if (total == 0)
    return;
  if (rank == 0) {
    std::apply([&](auto... o) { f(int64_t(0), o...); }, base);
    return;
  }
  int64_t inner = shape[rank - 1];
  std::array<int64_t, N> innerStride;
  for (size_t k = 0; k < N; ++k)
    innerStride[k] = strides[k][rank - 1];
  llvm::SmallVector<int64_t> idx(rank, 0);
  std::array<int64_t, N> off = base;
  int64_t flat = 0;
  for (int64_t outer = total / inner; outer > 0; --outer) {
    std::array<int64_t, N> o = off;
    for (int64_t j = 0; j < inner; ++j) {
      std::apply([&](auto... v) { f(flat, v...); }, o);
      ++flat;
      for (size_t k = 0; k < N; ++k)
        o[k] += innerStride[k];
    }
    for (int64_t d = rank - 2; d >= 0; --d) {
      if (++idx[d] < shape[d]) {
        for (size_t k = 0; k < N; ++k)
          off[k] += strides[k][d];
        break;
      }
      for (size_t k = 0; k < N; ++k)
        off[k] -= strides[k][d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
}

/// Elementwise, cast, softmax, norms, reductions, rope.
mlir::LogicalResult evalElementwise(mlir::Operation *op, Operands in,
                                    HostTensor &out);
/// matmul, batch_matmul, attention.
mlir::LogicalResult evalLinearAlgebra(mlir::Operation *op, Operands in,
                                      HostTensor &out);
/// transpose, reshape, broadcast_to, concat, slice, gather.
mlir::LogicalResult evalDataMovement(mlir::Operation *op, Operands in,
                                     HostTensor &out);

} // namespace muir::ref::detail

#endif // MUIR_LIB_REFERENCE_KERNELS_H
