//===- Gemm.h - the simulator's matmul kernel --------------------*- C++ -*-===//
//
// R[M, N] (+)= S[K, M]^T * V[K, N] in fp32, row-major, the PE array's
// operation. Each element accumulates over k in order 0..K-1, a rounded
// product then a rounded sum per step (no fused multiply-add: Gemm.cpp is
// built with -ffp-contract=off), in every clone of the kernel (one per
// instruction set, chosen at run time): results do not depend on the CPU.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_SIM_GEMM_H
#define MUIR_SIM_GEMM_H

#include <cstdint>

namespace muir::sim {
/// R is read when `accumulate`, else overwritten.
void gemmTransposedLhs(const float *S, const float *V, float *R, int64_t K,
                       int64_t M, int64_t N, bool accumulate);
} // namespace muir::sim

#endif // MUIR_SIM_GEMM_H
