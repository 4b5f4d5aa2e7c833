//===- Kernels.h - tiled nc kernels for xf ops --------------------*- C++
//-*-===//
//
// One function per kernel family. Each reads its inputs from HBM values,
// writes its result to an HBM value, and keeps its working set on chip.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_LIB_CONVERSION_XFTONC_KERNELS_H
#define MUIR_LIB_CONVERSION_XFTONC_KERNELS_H

#include "Emitter.h"

#include <functional>

namespace muir::lower {

/// Computes one output tile from input tiles already in SBUF. All tiles are
/// dense [np, n]; inputs have their own element types, the output its own.
using TileFn = std::function<void(Emitter &, nc::AccessAttr out,
                                  llvm::ArrayRef<nc::AccessAttr> ins)>;

/// Like TileFn, with scratch tiles (same [np, n] shape, the requested element
/// types) for the intermediates of a fused elementwise expression.
using FusedTileFn = std::function<void(Emitter &, nc::AccessAttr out,
                                       llvm::ArrayRef<nc::AccessAttr> ins,
                                       llvm::ArrayRef<nc::AccessAttr> temps)>;

/// Elementwise map with NumPy broadcasting of the inputs to `out`'s shape.
mlir::LogicalResult emitElementwise(Emitter &e, mlir::Operation *op,
                                    const HbmValue &out,
                                    llvm::ArrayRef<HbmValue> ins, TileFn fn);
mlir::LogicalResult emitElementwise(Emitter &e, mlir::Operation *op,
                                    const HbmValue &out,
                                    llvm::ArrayRef<HbmValue> ins,
                                    llvm::ArrayRef<mlir::Type> temps,
                                    FusedTileFn fn);

/// How an elementwise kernel is tiled: columns per tile (per partition) and
/// buffer sets in flight (3: load, compute and store overlap).
struct ElementwisePlan {
  int64_t cols = 0;
  int64_t buffers = 0;
  std::string error; // non-empty: a bad config
  mlir::DictionaryAttr toAttr(mlir::MLIRContext *ctx) const;
};
/// The value of kernel config entry `na` of a `kind` kernel ("elementwise",
/// "attention"), checked to be an integer in [lo, hi]; `hi` = 0 marks an
/// unknown key (`keys` lists the known ones). nullopt with `error` set.
std::optional<int64_t> configValue(mlir::NamedAttribute na, int64_t hi,
                                   llvm::StringRef kind, llvm::StringRef keys,
                                   std::string &error, int64_t lo = 1);

/// The one planning function for elementwise kernels (the kernel and
/// muir-xf-kernel-config call it); `config` may fix `tile_cols`/`buffers`.
ElementwisePlan planElementwise(const target::Machine &m, int64_t sbufFree,
                                const HbmValue &out,
                                llvm::ArrayRef<HbmValue> ins,
                                llvm::ArrayRef<mlir::Type> temps,
                                mlir::DictionaryAttr config = {});

/// Copies (and casts) `src` into `dst`, both contiguous with equal counts.
mlir::LogicalResult emitCopy(Emitter &e, mlir::Operation *op,
                             const HbmValue &dst, const HbmValue &src);

/// Generic strided gather: out[i] = src[offset + sum_d i_d * srcStrides[d]]
/// for i over out's shape (transpose, slice, broadcast_to, concat parts).
mlir::LogicalResult emitStridedCopy(Emitter &e, mlir::Operation *op,
                                    const HbmValue &dst,
                                    llvm::ArrayRef<int64_t> dstShape,
                                    llvm::ArrayRef<int64_t> dstStrides,
                                    int64_t dstOffset, const HbmValue &src,
                                    llvm::ArrayRef<int64_t> srcStrides,
                                    int64_t srcOffset);

struct MatmulShape {
  int64_t m, k, n;
  bool transposeA, transposeB;
};
/// A gated product (SwiGLU, GeGLU): a second B operand multiplied by the
/// same A tiles into a second accumulator, and an epilogue combining the two
/// fp32 accumulator tiles into the output tile through scratch tiles of
/// `tempTypes` (same [np, n] shape).
struct MatmulGate {
  const HbmValue *b2 = nullptr;
  llvm::SmallVector<mlir::Type> tempTypes;
  std::function<void(Emitter &, nc::AccessAttr out, nc::AccessAttr acc1,
                     nc::AccessAttr acc2, llvm::ArrayRef<nc::AccessAttr> temps)>
      combine;
};

/// A matmul epilogue: an elementwise tree over the accumulator tile and
/// other tensors (`extras`, each broadcastable to [M, N]: a bias [N], a
/// residual [M, N], a scalar), run as each accumulator tile leaves PSUM.
/// `combine` gets the output tile, the accumulator tile (fp32, unrounded),
/// a tile of each extra (loaded in the evacuation) and scratch tiles of
/// `tempTypes`, all [np, n].
struct MatmulEpilogue {
  llvm::SmallVector<HbmValue> extras;
  llvm::SmallVector<mlir::Type> tempTypes;
  std::function<void(Emitter &, nc::AccessAttr out, nc::AccessAttr acc,
                     llvm::ArrayRef<nc::AccessAttr> extras,
                     llvm::ArrayRef<nc::AccessAttr> temps)>
      combine;
  /// Bytes per output column of the epilogue's tiles (extras and temps).
  int64_t bytesPerColumn() const;
};

/// How a matmul is computed: the schedule and its parameters, chosen by
/// planMatmul from the machine description (or fixed by a kernel config).
struct MatmulPlan {
  enum Schedule { Resident, RowPanel, WeightRing, Stream };
  Schedule schedule = Resident;
  int64_t mt = 0, nt = 0; // row and column tile sizes
  int64_t blockTiles = 0; // nt-wide column tiles per B block
  int64_t bBuffers = 1;   // resident: B block copies (2: prefetch)
  int64_t ringSlots = 0;  // weight_ring: K-tile slots in flight
  int64_t panelRows = 0;  // row_panel: row tiles per A^T panel
  std::string error;      // non-empty: nothing fits / bad config
  /// The kernel config attribute that reproduces this plan.
  mlir::DictionaryAttr toAttr(mlir::MLIRContext *ctx) const;
};
/// The one planning function for matmuls (the kernel, the fusion check and
/// muir-xf-kernel-config all call it): `sbufFree` bytes per partition,
/// element bytes of A/B (`eb`) and C (`cb`), epilogue bytes per output
/// column (`rb`: residual, gate scratch), and an optional config whose
/// `schedule` and parameters override the defaults (checked: an unknown key
/// or an out-of-range value is an error).
MatmulPlan planMatmul(const target::Machine &m, int64_t sbufFree,
                      const MatmulShape &s, int64_t eb, int64_t cb, int64_t rb,
                      bool gated, mlir::DictionaryAttr config = {});

/// The config of the xf.kernel `op` belongs to, if any.
mlir::DictionaryAttr configOf(mlir::Operation *op);

/// A further product of the same A in a horizontally fused matmul
/// (Q, K and V projections of one normalised input): C_i = A . B_i, with
/// B_i laid out like the first B (transposed or not) and `n` columns.
struct MatmulPart {
  HbmValue b, c;
  int64_t n = 0;
};

/// C[m, n] = A . B (each maybe transposed) for one 2-D problem at the given
/// element offsets of the three HBM values. With `residual` (an [M, N] value),
/// C = A . B + residual, added while the accumulator leaves PSUM. With
/// `gate`, C = combine(A . B, A . B2) (B2 shaped and laid out like B). With
/// `more` (no residual, gate or epilogue), the products A . B_i are computed
/// as one matmul over N + sum n_i columns: each A^T tile is loaded once for
/// all of them.
mlir::LogicalResult
emitMatmul(Emitter &e, mlir::Operation *op, const HbmValue &a, int64_t aOff,
           const HbmValue &b, int64_t bOff, const HbmValue &c, int64_t cOff,
           const MatmulShape &s, const HbmValue *residual = nullptr,
           const MatmulGate *gate = nullptr,
           const MatmulEpilogue *epilogue = nullptr,
           llvm::ArrayRef<MatmulPart> more = {});

/// Whether a gated matmul of this shape keeps both B blocks resident on the
/// target (the only schedule the gated form has).
bool gatedMatmulFits(const target::Machine &m, const MatmulShape &s,
                     unsigned eb, unsigned cb, unsigned tempBytes);

/// Row lookup by indirect DMA (Gather.cpp): out[t, :] = table[indices[t], :]
/// with nc.dma_gather, 128 indices per instruction; an index outside the
/// table is an execution error.
mlir::LogicalResult emitGatherRows(Emitter &e, mlir::Operation *op,
                                   const HbmValue &table,
                                   const HbmValue &indices,
                                   const HbmValue &out);
/// xf.index_copy by nc.dma_scatter (Gather.cpp): `out` = `dest` with the
/// rows of `source` at positions `indices` along `axis`. With `inPlace`
/// (`dest` a donated input) `out` is placed on `dest`'s bytes and only the
/// rows move; otherwise `dest` is copied first.
mlir::LogicalResult emitIndexCopy(Emitter &e, mlir::Operation *op,
                                  const HbmValue &dest, const HbmValue &indices,
                                  const HbmValue &source, const HbmValue &out,
                                  int64_t axis, bool inPlace);

/// How a row-wise kernel (softmax, layer/RMS norm, rope) tiles: buffer sets
/// in flight (2: the next tile loads while this one computes), for rope the
/// leading indices (batch x heads) of one position tile it rotates per
/// instruction, and for softmax the columns of a chunk when a whole row does
/// not fit (`cols` = 0: whole rows; else rows stream through SBUF twice in
/// chunks: online max/sum, then the normalised chunks).
struct RowPlan {
  int64_t buffers = 0, lead = 0, cols = 0;
  std::string error; // non-empty: nothing fits / bad config
  mlir::DictionaryAttr toAttr(mlir::MLIRContext *ctx) const;
};
/// The planning functions of the row kernels (the kernels and
/// muir-xf-kernel-config call them), from the SBUF bytes per partition free
/// at the kernel's start: `buffers` (and for rope `heads_per_tile`) in
/// `config` override the defaults (checked; whether they fit is checked on
/// allocation). `a`/`d`: the row length; `outBytes`: the result's element
/// bytes; `lead`: rope's leading indices (batch x heads).
RowPlan planSoftmax(const target::Machine &m, int64_t sbufFree, int64_t a,
                    int64_t outBytes, mlir::DictionaryAttr config = {});
RowPlan planNorm(const target::Machine &m, int64_t sbufFree, int64_t d,
                 int64_t outBytes, bool bias, mlir::DictionaryAttr config = {});
RowPlan planRope(const target::Machine &m, int64_t sbufFree, int64_t d,
                 int64_t lead, mlir::DictionaryAttr config = {});
/// Reductions: `buffers` (1 or 2 row tiles in flight) and `chunk_cols` (the
/// innermost reduced group's elements per load; partial results combine).
RowPlan planReduce(const target::Machine &m, int64_t sbufFree,
                   llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> axes,
                   mlir::DictionaryAttr config = {});

mlir::LogicalResult emitSoftmax(Emitter &e, mlir::Operation *op,
                                const HbmValue &in, const HbmValue &out,
                                int64_t axis);
mlir::LogicalResult emitNorm(Emitter &e, mlir::Operation *op,
                             const HbmValue &in, const HbmValue &weight,
                             const HbmValue *bias, const HbmValue &out,
                             float eps, bool rms);
mlir::LogicalResult emitReduce(Emitter &e, mlir::Operation *op,
                               const HbmValue &in, const HbmValue &out,
                               llvm::ArrayRef<int64_t> axes, nc::AluOp kind,
                               bool mean);
mlir::LogicalResult emitRope(Emitter &e, mlir::Operation *op, const HbmValue &x,
                             const HbmValue &cos, const HbmValue &sin,
                             const HbmValue &out);
/// An attention problem as the planner sees it.
struct AttentionShape {
  int64_t B = 1, Hq = 1, Hkv = 1, Sq = 1, Sk = 1, D = 1, Dv = 1;
  int64_t eb = 4; // element bytes of Q, K, V
  bool keyBias = false, bias = false, causal = false;
};
/// How the attention kernel runs: query tiles in flight (independent
/// online-softmax chains interleaved across the engines), key/value heads
/// per resident set (two sets: one in use, one prefetched) and the smallest
/// DMA piece a load is split into over the queues.
struct AttentionPlan {
  int64_t tiles = 0, kvHeads = 0, dmaPieceBytes = 0;
  int64_t vInterleave = 0; // V loaded R rows per partition (0 or 1)
  int64_t kvSets = 2;      // resident K/V sets: 2 = the next one prefetched;
                           // 0 = key blocks streamed through a ring of kvBlocks
  int64_t kvBlocks = 0;
  int64_t keyBlock = 0; // keys per block (a multiple of the PE rows)
  std::string error;    // non-empty: nothing fits / bad config
  mlir::DictionaryAttr toAttr(mlir::MLIRContext *ctx) const;
};
/// The one planning function for attention (the kernel and
/// muir-xf-kernel-config call it): `tiles_in_flight`, `kv_heads_per_set`
/// and `dma_piece_bytes` in `config` override the defaults (checked).
AttentionPlan planAttention(const target::Machine &m, int64_t sbufFree,
                            const AttentionShape &s,
                            mlir::DictionaryAttr config = {});

/// Keys and values come as sequence segments ([B, Hkv, S_i, D] each,
/// concatenated along the sequence), so a KV cache never has to be copied.
/// `keyBias` ([B, Sk], optional) and `bias` ([B or 1, Hq or 1, Sq or 1, Sk],
/// optional, a size-1 dimension broadcast) are added to the scaled scores.
mlir::LogicalResult
emitAttention(Emitter &e, mlir::Operation *op, const HbmValue &q,
              llvm::ArrayRef<HbmValue> kSegs, llvm::ArrayRef<HbmValue> vSegs,
              const HbmValue *keyBias, const HbmValue *bias,
              const HbmValue &out, float scale, bool causal);

/// An xf collective (all_reduce, all_gather, reduce_scatter) from `in` to
/// `out` as one nc collective instruction (Collectives.cpp).
mlir::LogicalResult emitCollective(Emitter &e, mlir::Operation *op,
                                   const HbmValue &in, const HbmValue &out);

/// xf.collective_permute: `init` copied into `out` (by DMAs through SBUF),
/// then nc.send of `in` and nc.recv into `out` (a target's copy is overwritten
/// by its source's data; the others keep `init`).
mlir::LogicalResult emitCollectivePermute(Emitter &e, mlir::Operation *op,
                                          const HbmValue &in,
                                          const HbmValue &init,
                                          const HbmValue &out);

} // namespace muir::lower

#endif // MUIR_LIB_CONVERSION_XFTONC_KERNELS_H
