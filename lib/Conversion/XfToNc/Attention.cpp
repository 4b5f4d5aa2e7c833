//===- Attention.cpp - flash attention and rotary embedding kernels -------===//
//
// Attention is one tiled kernel with an online softmax: for each 128-query
// tile it streams key blocks, keeps the running max, sum and output on chip,
// and never writes the Sq x Sk scores to HBM. K^T and V of a key/value head
// are loaded once and reused by every query head of its group.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "llvm/ADT/SetVector.h"

#include <array>
#include <optional>

using namespace mlir;
using namespace muir;
using namespace muir::lower;
using nc::ActFunc;
using nc::AluOp;

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// The causal mask's chunks of a query tile starting at q0 against keys
/// [k0, k0 + kn): (chunk, diagonal offset) for every P-key chunk that has a
/// key past the tile's first query.
static SmallVector<std::pair<int64_t, int64_t>>
causalChunks(int64_t Sq, int64_t Sk, int64_t P, int64_t q0, int64_t k0,
             int64_t kn) {
  SmallVector<std::pair<int64_t, int64_t>> out;
  int64_t base = q0 + (Sk - Sq) - k0;
  for (int64_t c = 0; c * P < kn; ++c) {
    int64_t cn = std::min(P, kn - c * P);
    if (c * P + cn - 1 > base) // some key of the chunk is past query 0
      out.push_back({c, base - c * P});
  }
  return out;
}

/// The distinct diagonal offsets of every query tile's masked chunks (one
/// mask tile each when there are at most 8, else an affine_select); the
/// walk stops at 9.
static llvm::SmallSetVector<int64_t, 8>
causalMaskOffsets(int64_t Sq, int64_t Sk, int64_t P, int64_t qt, int64_t kw) {
  llvm::SmallSetVector<int64_t, 8> offsets;
  for (int64_t q0 = 0; q0 < Sq && offsets.size() <= 8; q0 += qt) {
    int64_t qn = std::min(qt, Sq - q0);
    int64_t kEnd = std::min(Sk, q0 + qn + (Sk - Sq));
    for (int64_t k0 = 0; k0 < kEnd; k0 += kw)
      for (auto [c, bc] :
           causalChunks(Sq, Sk, P, q0, k0, std::min(kw, kEnd - k0)))
        offsets.insert(bc);
  }
  return offsets;
}

DictionaryAttr AttentionPlan::toAttr(MLIRContext *ctx) const {
  Builder b(ctx);
  SmallVector<NamedAttribute> a{
      b.getNamedAttr("dma_piece_bytes", b.getI64IntegerAttr(dmaPieceBytes)),
      b.getNamedAttr("kv_heads_per_set", b.getI64IntegerAttr(kvHeads)),
      b.getNamedAttr("kv_sets", b.getI64IntegerAttr(kvSets)),
      b.getNamedAttr("tiles_in_flight", b.getI64IntegerAttr(tiles)),
      b.getNamedAttr("v_interleave", b.getI64IntegerAttr(vInterleave))};
  if (kvSets == 0) // the ring of streamed key blocks
    a.push_back(b.getNamedAttr("kv_blocks", b.getI64IntegerAttr(kvBlocks)));
  a.push_back(b.getNamedAttr("key_block", b.getI64IntegerAttr(keyBlock)));
  return b.getDictionaryAttr(a);
}

AttentionPlan muir::lower::planAttention(const target::Machine &m,
                                         int64_t sbufFree,
                                         const AttentionShape &s,
                                         DictionaryAttr config) {
  AttentionPlan plan;
  int64_t P = m.pe.rows, bankElems = m.psum.bankBytes() / 4;
  int64_t kwMax = std::min<int64_t>(m.pe.movingFreeMax, bankElems) / P * P;
  int64_t qt = std::min<int64_t>(P, s.Sq);
  int64_t DC = ceilDiv(s.D, P), KC = ceilDiv(s.Sk, P);
  int64_t eb = s.eb;
  // Tiles in flight: each needs a PSUM bank for its scores and a [qt, Dv]
  // fp32 output accumulator (several share a bank).
  int64_t oPerBank =
      std::max<int64_t>(1, bankElems / std::max<int64_t>(1, s.Dv));
  int64_t maxG = 1;
  while (maxG < 8 && (maxG + 1) + ceilDiv(maxG + 1, oPerBank) <= m.psum.banks)
    ++maxG;
  int64_t kvBytes =
      (DC * s.Sk + KC * s.Dv) * eb + 2 * 64 + (s.keyBias ? s.Sk * eb + 64 : 0);
  auto align64 = [](int64_t x) { return (x + 63) / 64 * 64; };
  // What a key block of `kw` keys (whole P-key chunks) costs: one query
  // tile's buffers (slotBytes), the tiles every plan holds (the identity and
  // up to 8 causal mask tiles, the key-bias scale rows: fixedBytes) and one
  // streamed key block (blockBytes). Each allocation starts on 64 bytes.
  int64_t kw = 0, chunksPerBlock = 0, slotBytes = 0, fixedBytes = 0,
          blockBytes = 0;
  auto sizeFor = [&](int64_t w) {
    kw = w;
    chunksPerBlock = kw / P;
    slotBytes = (DC * qt + chunksPerBlock * qt) * eb + kw * 4 +
                s.Dv * std::max<int64_t>(4, eb) + 32 + 4 * 64 +
                (s.bias ? 2 * (kw * eb + 64) : 0);
    int64_t masks = 0;
    if (s.causal) {
      size_t n = causalMaskOffsets(s.Sq, s.Sk, P, qt, kw).size();
      masks = n && n <= 8 ? 1 + n : 0;
    }
    fixedBytes = masks * align64(P * eb) + (s.keyBias ? align64(qt * eb) : 0);
    blockBytes = align64(DC * kw * eb) + align64(chunksPerBlock * s.Dv * eb) +
                 (s.keyBias ? align64(kw * eb) : 0);
  };
  // Key blocks as wide as a moving tile and a PSUM bank; narrower (down to
  // one P-key chunk) only when two streamed blocks and one query tile would
  // not fit otherwise (the small test target's 4 KiB partitions with f32
  // heads), or as a config asks.
  std::optional<int64_t> wantBlock;
  if (config)
    if (Attribute v = config.get("key_block")) {
      std::optional<int64_t> x = configValue(
          NamedAttribute(StringAttr::get(config.getContext(), "key_block"), v),
          kwMax, "attention",
          "tiles_in_flight, kv_heads_per_set, kv_sets, kv_blocks, "
          "dma_piece_bytes, v_interleave, key_block",
          plan.error, P);
      if (!x)
        return plan;
      if (*x % P)
        return plan.error = ("kernel config: 'key_block' = " + Twine(*x) +
                             " is not a multiple of " + Twine(P) +
                             " keys (whole PE-row chunks)")
                                .str(),
               plan;
      wantBlock = *x;
    }
  sizeFor(wantBlock.value_or(kwMax));
  if (!wantBlock)
    while (kw > P && kvBytes + slotBytes + fixedBytes > sbufFree &&
           2 * blockBytes + slotBytes + fixedBytes > sbufFree)
      sizeFor(std::max(P, kw / 2 / P * P));
  plan.keyBlock = kw;
  if (2 * blockBytes + slotBytes + fixedBytes > sbufFree &&
      kvBytes + slotBytes + fixedBytes > sbufFree)
    return plan.error =
               ("does not fit on target '" + m.name + "': attention needs " +
                Twine(2 * blockBytes + slotBytes + fixedBytes) +
                " bytes per SBUF partition for two key blocks of " + Twine(kw) +
                " keys and one query tile (head dims " + Twine(s.D) + " and " +
                Twine(s.Dv) + "), " + Twine(sbufFree) + " are free")
                   .str(),
           plan;
  // Fewer tiles in flight when SBUF cannot hold their buffers next to two
  // heads' K/V (the small test target); one K/V set (no prefetch: the next
  // head's loads wait for this one's products) when even one tile does not
  // fit next to two (long sequences: a head's K and V are 128 KiB per
  // partition at 32k bf16 keys on trn2).
  // Beyond that (a head's K/V wider than SBUF), K/V stream through two
  // key-block buffers shared by the tiles of one head (kv_sets = 0).
  int64_t kvSets = 2 * kvBytes + slotBytes + fixedBytes <= sbufFree ? 2
                   : kvBytes + slotBytes + fixedBytes <= sbufFree   ? 1
                                                                    : 0;
  auto resident = [&](int64_t sets) {
    return sets ? sets * kvBytes : 2 * blockBytes;
  };
  int64_t G = maxG;
  while (G > 1 && resident(kvSets) + G * slotBytes + fixedBytes > sbufFree)
    --G;
  // When a head has fewer query tiles than G (decode: one query row), a set
  // takes the tiles of KG heads; K/V of two sets are resident (one in use,
  // one prefetched) when SBUF has room.
  int64_t group = s.Hq / std::max<int64_t>(1, s.Hkv);
  int64_t tilesPerKv = group * ceilDiv(s.Sq, qt);
  int64_t KG = std::max<int64_t>(1, G / std::max<int64_t>(1, tilesPerKv));
  KG = std::min<int64_t>(KG, s.Hkv);
  while (KG > 1 &&
         kvSets * KG * kvBytes + G * slotBytes + fixedBytes > sbufFree)
    --KG;
  // Streamed blocks serve one head at a time, up to 8 in SBUF (the next
  // ones load while one is used: DMA-bound decode over a long context keeps
  // several loads in flight).
  // (Computed for every plan, so that a config forcing kv_sets = 0 gets it.)
  int64_t NB = 8;
  while (NB > 2 && NB * blockBytes + G * slotBytes + fixedBytes > sbufFree)
    --NB;
  if (kvSets == 0)
    KG = 1;
  // DMA pieces by what bounds the kernel: when moving Q, K, V and O takes
  // longer than the PE's products (decode: one query row), the queues are
  // the bottleneck and large pieces keep each transfer's fixed cost small;
  // otherwise small pieces over more queues cut the latency of each load
  // (the engines wait on them).
  double dmaNs =
      double((s.Hq * s.Sq + s.Hkv * s.Sk) * (s.D + s.Dv) * s.B * eb) /
      (m.dma.queues * m.dma.queueBytesPerS) * 1e9;
  double peNs = double(s.B * s.Hq) * ceilDiv(s.Sq, qt) * KC * P * 2.0 /
                m.pe.clockHz * 1e9;
  bool dmaBound = dmaNs > peNs;
  double multiple = dmaBound ? 8.0 : 1.0;
  plan.tiles = G;
  // V interleaved (R rows per partition, see emitAttention) makes each V
  // load R times longer per partition and fewer transfers: it pays when the
  // queues bound the kernel; when the PE does, the longer first load of a
  // block delays its products more than the saved fixed costs return
  // (measured: causal s2048 attention 1.141 vs 1.110 ms, decode 1.477 vs
  // 1.522 ms on trn2).
  plan.vInterleave = dmaBound ? 1 : 0;
  plan.kvHeads = KG;
  plan.kvSets = kvSets;
  plan.kvBlocks = NB;
  plan.dmaPieceBytes = std::max<int64_t>(
      1, int64_t(multiple * m.dma.fixedNs * 1e-9 * m.dma.queueBytesPerS));
  if (config)
    for (NamedAttribute na : config) {
      StringRef key = na.getName().getValue();
      if (key == "key_block")
        continue; // applied above: it sizes everything else
      int64_t hi = key == "tiles_in_flight"    ? maxG
                   : key == "kv_heads_per_set" ? s.Hkv
                   : key == "dma_piece_bytes"  ? (int64_t(1) << 30)
                   : key == "v_interleave"     ? 1
                   : key == "kv_sets"          ? 2
                   : key == "kv_blocks"        ? 16
                                               : 0;
      int64_t lo = key == "v_interleave" || key == "kv_sets" ? 0
                   : key == "kv_blocks"                      ? 2
                                                             : 1;
      std::optional<int64_t> x =
          configValue(na, hi, "attention",
                      "tiles_in_flight, kv_heads_per_set, kv_sets, kv_blocks, "
                      "dma_piece_bytes, v_interleave, key_block",
                      plan.error, lo);
      if (!x)
        return plan;
      (key == "tiles_in_flight"    ? plan.tiles
       : key == "kv_heads_per_set" ? plan.kvHeads
       : key == "dma_piece_bytes"  ? plan.dmaPieceBytes
       : key == "kv_sets"          ? plan.kvSets
       : key == "kv_blocks"        ? plan.kvBlocks
                                   : plan.vInterleave) = *x;
    }
  return plan;
}

LogicalResult
muir::lower::emitAttention(Emitter &e, Operation *op, const HbmValue &q,
                           ArrayRef<HbmValue> kSegs, ArrayRef<HbmValue> vSegs,
                           const HbmValue *keyBias, const HbmValue *bias,
                           const HbmValue &out, float scale, bool causal) {
  const target::Machine &m = e.m;
  int64_t B = q.shape[0], Hq = q.shape[1], Sq = q.shape[2], D = q.shape[3];
  int64_t Hkv = kSegs[0].shape[1], Dv = vSegs[0].shape[3], Sk = 0;
  for (const HbmValue &sg : kSegs)
    Sk += sg.shape[2];
  int64_t group = Hq / Hkv;
  Type et = q.elemType, f32 = e.f32();
  // Operands and result may be strided views ([B, H, S, D] over a
  // [B, S, H, D] tensor): every address goes through their strides; the
  // head dimension is contiguous.
  SmallVector<int64_t> qSt = q.strides(), oSt = out.strides();
  for (const HbmValue *v : {&q, &out})
    if (v->strides()[3] != 1)
      return op->emitError() << "attention needs a contiguous head dimension";
  int64_t eb = Emitter::bytesOf(et);
  bool dmaT = m.dma.transposes(eb);
  int64_t P = e.rows();
  int64_t bankElems = m.psum.bankBytes() / 4;
  if (Dv > std::min<int64_t>(bankElems, m.pe.movingFreeMax))
    return op->emitError() << "value head dim " << Dv
                           << " exceeds what one product accumulates (a PSUM "
                              "bank of "
                           << bankElems << " fp32 and a moving tile of "
                           << m.pe.movingFreeMax << " columns) on target '"
                           << m.name << "'";
  if (scale <= 0)
    return op->emitError() << "attention scale must be > 0 on the "
                              "accelerator, got "
                           << scale;
  // Key blocks: whole 128-key chunks, as wide as a moving tile and a bank
  // (or the plan's narrower key_block).
  if (std::min<int64_t>(m.pe.movingFreeMax, bankElems) / P == 0)
    return op->emitError() << "a key block of " << P
                           << " keys does not fit one PSUM bank";
  int64_t DC = ceilDiv(D, P);
  int64_t qt = std::min<int64_t>(P, Sq);
  // Independent query tiles in flight: each needs a PSUM bank for its
  // scores (which P^T reuses once exp has read them) and a [qt, Dv] fp32
  // output accumulator; several outputs share a bank. Interleaving the
  // tiles' stages keeps every engine busy.
  if (m.psum.banks < 2)
    return op->emitError() << "attention needs 2 PSUM banks";
  int64_t oPerBank = std::max<int64_t>(1, bankElems / Dv);
  AttentionShape shape{
      B,     Hq, Hkv, Sq, Sk, D, Dv, eb, keyBias != nullptr, bias != nullptr,
      causal};
  AttentionPlan plan = planAttention(m, e.sbufFree(), shape, configOf(op));
  if (!plan.error.empty())
    return op->emitError() << plan.error;
  int64_t G = plan.tiles, KG = plan.kvHeads;
  int64_t kw = plan.keyBlock, chunksPerBlock = kw / P;

  Emitter::Mark mk = e.mark();
  Emitter::Balance balance(e);
  Emitter::DmaPieces dmaPieces(e, plan.dmaPieceBytes);
  struct Slot {
    Buffer qT, p, pt, oOut, st, ps;
  };
  // Query tiles per key/value head. When a head has fewer than G (decode:
  // one query row), a group takes tiles of KG heads so that G independent
  // chains still run side by side (see planAttention).
  // Causal masking of the diagonal blocks: the chunks of a block that reach
  // past some query get a large negative bias added to their scores by one
  // more matmul (identity stationary, a mask tile moving, accumulating into
  // the scores), so softmax reads the scores straight from PSUM. A mask
  // tile depends only on its chunk's diagonal offset, so a handful cover
  // every block. The mask value must be finite in the operand type (f32 or
  // bf16: -3e38; f16 would make it -inf, and the identity's zeros times
  // -inf are NaN); otherwise an affine_select masks a scaled copy.
  auto maskedChunks = [&](int64_t q0, int64_t k0, int64_t kn) {
    return causalChunks(Sq, Sk, P, q0, k0, kn);
  };
  const float kMaskNeg = -3.0e38f;
  llvm::SmallDenseMap<int64_t, Buffer> maskTiles;
  std::optional<Buffer> ident;
  if (causal && (et.isF32() || et.isBF16())) {
    llvm::SmallSetVector<int64_t, 8> offsets =
        causalMaskOffsets(Sq, Sk, P, qt, kw);
    if (!offsets.empty() && offsets.size() <= 8) {
      auto ib = e.allocSbuf(P * eb, op, "an identity tile");
      if (failed(ib))
        return failure();
      ident = *ib;
      nc::AccessAttr id = e.dense(*ident, P, P, et);
      e.memset(id, 1.0f);
      e.select(id, id, 0.0f, 0, 1, {-1}); // keep p >= k
      e.select(id, id, 0.0f, 0, -1, {1}); // keep k >= p
      for (int64_t bc : offsets) {
        auto mb = e.allocSbuf(P * eb, op, "a causal mask tile");
        if (failed(mb))
          return failure();
        nc::AccessAttr mt = e.dense(*mb, P, P, et);
        e.memset(mt, 0.0f);
        e.select(mt, mt, kMaskNeg, bc, 1,
                 {-1}); // key k visible iff k <= bc + p
        maskTiles[bc] = *mb;
      }
    }
  }
  // Key bias: S += key_bias / scale in PSUM, by a 2-row matmul whose
  // stationary rows are hi + lo = 1 / scale (each exact in the operand type,
  // together to ~2^-16) and whose moving rows both hold the batch's bias
  // row; the Scalar engine's scale then restores key_bias exactly enough.
  std::optional<Buffer> invScale;
  int64_t biasRows = 2;
  if (keyBias) {
    auto ib = e.allocSbuf(qt * eb, op, "the key-bias scale rows");
    if (failed(ib))
      return failure();
    invScale = *ib;
    float inv = 1.0f / scale;
    auto round = [&](float x) {
      if (eb == 4)
        return x;
      llvm::APFloat f(x);
      bool lost;
      f.convert(llvm::cast<FloatType>(et).getFloatSemantics(),
                llvm::APFloat::rmNearestTiesToEven, &lost);
      f.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven,
                &lost);
      return f.convertToFloat();
    };
    float hi = round(inv), lo = round(inv - hi);
    e.memset(e.dense(*invScale, 1, qt, et, 0, 0), hi);
    e.memset(e.dense(*invScale, 1, qt, et, 0, 1), lo);
    // An exact 1/scale needs one row: a zero lo row would turn a -inf bias
    // (a padding mask) into 0 * -inf = NaN.
    biasRows = lo == 0.0f ? 1 : 2;
  }
  SmallVector<Buffer> kT, vB, biasB;
  int64_t kvSets = plan.kvSets;
  bool streamed = kvSets == 0;
  if (streamed && KG != 1)
    return op->emitError()
           << "attention kernel config: kv_sets = 0 "
              "(streamed key blocks) needs kv_heads_per_set = 1";
  // Streamed: a ring of key-block buffers (K^T [DC][kw], V [kw/P
  // chunks][Dv], the key-bias block), the next ones loading while one is
  // used.
  int64_t NB = streamed ? std::max<int64_t>(2, plan.kvBlocks) : 0;
  SmallVector<Buffer> kBlk, vBlk, biasBlk;
  // `n` sets of K^T, V and key-bias buffers for `keys` keys each.
  auto allocKeys = [&](int64_t n, int64_t keys, SmallVector<Buffer> &ks,
                       SmallVector<Buffer> &vs, SmallVector<Buffer> &bs,
                       StringRef kWhat, StringRef vWhat,
                       StringRef bWhat) -> LogicalResult {
    for (int64_t i = 0; i < n; ++i) {
      auto kb = e.allocSbuf(DC * keys * eb, op, kWhat);
      auto vb = e.allocSbuf(ceilDiv(keys, P) * Dv * eb, op, vWhat);
      if (failed(kb) || failed(vb))
        return failure();
      ks.push_back(*kb), vs.push_back(*vb);
      if (keyBias) {
        auto bb = e.allocSbuf(keys * eb, op, bWhat);
        if (failed(bb))
          return failure();
        bs.push_back(*bb);
      }
    }
    return success();
  };
  if (failed(allocKeys(NB, kw, kBlk, vBlk, biasBlk, "a K^T key block",
                       "a V key block", "a key-bias block")) ||
      failed(allocKeys(kvSets * KG, Sk, kT, vB, biasB,
                       "K^T of one key/value head", "V of one key/value head",
                       "a key-bias row")))
    return failure();
  SmallVector<Slot> slots;
  // Full bias: a [qn, kn] tile per query tile and key block, DMAed from HBM
  // (a broadcast dimension has stride 0) into one of two buffers per slot,
  // so the next block's tile loads while this one's is added.
  SmallVector<int64_t> bSt;
  SmallVector<std::array<Buffer, 2>> biasT;
  if (bias) {
    bSt = bias->strides();
    for (int i = 0; i < 3; ++i)
      if (bias->shape[i] == 1)
        bSt[i] = 0;
    for (int64_t g = 0; g < G; ++g) {
      std::array<Buffer, 2> pair;
      for (Buffer &buf : pair) {
        auto bb = e.allocSbuf(kw * eb, op, "an attention bias tile");
        if (failed(bb))
          return failure();
        buf = *bb;
      }
      biasT.push_back(pair);
    }
  }
  auto oBanks = e.allocPsumBanks(ceilDiv(G, oPerBank), op,
                                 "attention output accumulators");
  if (failed(oBanks))
    return failure();
  for (int64_t g = 0; g < G; ++g) {
    auto qb = e.allocSbuf(DC * qt * eb, op, "a Q^T tile");
    auto pb = e.allocSbuf(kw * 4, op, "a score block");
    auto tb = e.allocSbuf(chunksPerBlock * qt * eb, op, "P^T of a block");
    auto ob = e.allocSbuf(Dv * std::max<int64_t>(4, eb), op, "an output tile");
    auto sb = e.allocSbuf(8 * 4, op, "softmax statistics");
    auto ps = e.allocPsumBanks(1, op, "attention scores");
    if (failed(qb) || failed(pb) || failed(tb) || failed(ob) || failed(sb) ||
        failed(ps))
      return failure();
    slots.push_back({*qb, *pb, *tb, *ob, *sb, *ps});
  }
  auto bank = [&](const Slot &sl, int64_t i, int64_t np, int64_t n,
                  int64_t col = 0) {
    return e.dense(sl.ps, np, n, f32, i * bankElems + col);
  };
  // P^T in PSUM: a PE transpose writes its source's type (NKI
  // nc_transpose: dst has the data's type), so the evacuation is a copy
  // between two-byte tiles, which the Vector engine runs in its 2x mode.
  auto bankT = [&](const Slot &sl, int64_t np, int64_t n, int64_t col) {
    return e.dense(sl.ps, np, n, et, col);
  };
  // The output accumulator of a slot: [np, Dv] inside a shared bank.
  auto oAcc = [&](const Slot &sl, int64_t np) {
    int64_t g = &sl - &slots[0];
    return e.dense(*oBanks, np, Dv, f32,
                   (g / oPerBank) * bankElems + (g % oPerBank) * Dv);
  };

  // Keys/values may arrive as several sequence segments (a KV cache and the
  // new token's rows, fused from an xf.concat): each chunk of up to P keys
  // is assembled from the pieces that cover it.
  auto pieces = [&](ArrayRef<HbmValue> segs, int64_t k0, int64_t kn, auto fn) {
    int64_t segStart = 0;
    for (const HbmValue &sg : segs) {
      int64_t len = sg.shape[2];
      int64_t lo = std::max(k0, segStart),
              hi = std::min(k0 + kn, segStart + len);
      if (lo < hi)
        fn(sg, len, lo - segStart, lo - k0, hi - lo);
      segStart += len;
    }
  };
  // V of a whole key block that lies in one segment is loaded interleaved:
  // partition p holds the block's keys p*R .. p*R+R-1 (R = chunks per
  // block), so each partition reads R contiguous rows (R*Dv elements)
  // instead of one (a 128-byte-per-partition bf16 row is a quarter of the
  // DMA's efficient size). Chunk r of the block is then the keys
  // {k0 + p*R + r}: its P^T comes from every R-th score column, and a
  // block only partly visible to a query tile (causal) uses a prefix of
  // partitions per chunk.
  int64_t R = chunksPerBlock;
  auto interleaved = [&](int64_t k0) {
    if (!plan.vInterleave || R < 2 || k0 + kw > Sk)
      return false;
    int64_t n = 0;
    pieces(vSegs, k0, kw,
           [&](const HbmValue &, int64_t, int64_t, int64_t, int64_t) { ++n; });
    return n == 1;
  };
  // Loads keys [kBegin, kEnd) of head (b, kh): K^T rows of `rowLen`
  // columns (key k at column k - kBegin), V chunk c at column
  // (c - kBegin / P) * Dv, the key-bias row.
  auto loadKeys = [&](const Buffer &kTi, const Buffer &vBi,
                      const Buffer *biasBi, int64_t b, int64_t kh,
                      int64_t kBegin, int64_t kEnd, int64_t rowLen) {
    int64_t c0 = kBegin / P, cEnd = ceilDiv(kEnd, P);
    for (int64_t dc = 0; dc < DC; ++dc) {
      int64_t d0 = dc * P, dn = std::min(P, D - d0);
      for (int64_t c = c0; c < cEnd; ++c) {
        int64_t k0 = c * P, kn = std::min(P, Sk - k0);
        pieces(kSegs, k0, kn,
               [&](const HbmValue &sg, int64_t len, int64_t r0, int64_t at,
                   int64_t n) {
                 SmallVector<int64_t> st = sg.strides();
                 int64_t base = b * st[0] + kh * st[1] + r0 * st[2] + d0;
                 nc::AccessAttr dst =
                     e.dense(kTi, dn, n, et, dc * rowLen + k0 - kBegin + at);
                 if (dmaT)
                   e.dma(dst, e.hbm(sg, base, n, st[2], {dn}, {1}), true);
                 else
                   e.dma(dst, e.hbm(sg, base, dn, 1, {n}, {st[2]}));
               });
      }
    }
    if (biasBi) // the batch's bias row on partitions 0 and 1
      e.dma(e.dense(*biasBi, 2, kEnd - kBegin, et),
            e.hbm(*keyBias, b * Sk + kBegin, 2, 0, {kEnd - kBegin}, {1}));
    for (int64_t c = c0; c < cEnd; ++c) {
      int64_t k0 = c * P, kn = std::min(P, Sk - k0);
      if (k0 % kw == 0 && interleaved(k0)) {
        pieces(vSegs, k0, kw,
               [&](const HbmValue &sg, int64_t len, int64_t r0, int64_t at,
                   int64_t n) {
                 SmallVector<int64_t> st = sg.strides();
                 int64_t base = b * st[0] + kh * st[1] + r0 * st[2];
                 e.dma(e.dense(vBi, P, R * Dv, et, (c - c0) * Dv),
                       e.hbm(sg, base, P, R * st[2], {R, Dv}, {st[2], 1}));
               });
        c += R - 1;
        continue;
      }
      pieces(vSegs, k0, kn,
             [&](const HbmValue &sg, int64_t len, int64_t r0, int64_t at,
                 int64_t n) {
               SmallVector<int64_t> st = sg.strides();
               int64_t base = b * st[0] + kh * st[1] + r0 * st[2];
               e.dma(e.dense(vBi, n, Dv, et, (c - c0) * Dv, at),
                     e.hbm(sg, base, n, st[2], {Dv}, {1}));
             });
    }
  };
  auto loadKV = [&](int64_t idx, int64_t b, int64_t kh) {
    loadKeys(kT[idx], vB[idx], keyBias ? &biasB[idx] : nullptr, b, kh, 0, Sk,
             Sk);
  };

  struct Item {
    int64_t b, h, q0, qn, blocks;
    int64_t buf; // which K/V buffer holds its head
    int cur = 0; // which statistics column holds the running -max
  };
  SmallVector<std::pair<int64_t, int64_t>> kvs;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t kh = 0; kh < Hkv; ++kh)
      kvs.push_back({b, kh});
  int64_t numSets = ceilDiv(static_cast<int64_t>(kvs.size()), KG);
  auto loadSet = [&](int64_t set) {
    for (int64_t j = 0; j < KG && set * KG + j < (int64_t)kvs.size(); ++j) {
      auto [b, kh] = kvs[set * KG + j];
      if (!streamed)
        loadKV((set % kvSets) * KG + j, b, kh);
    }
  };
  // Every set's query tiles, known up front so that a bias tile can be
  // loaded one step ahead across groups and sets.
  SmallVector<SmallVector<Item>> setItems(numSets);
  for (int64_t set = 0; set < numSets; ++set)
    for (int64_t j = 0; j < KG && set * KG + j < (int64_t)kvs.size(); ++j) {
      auto [b, kh] = kvs[set * KG + j];
      for (int64_t hg = 0; hg < group; ++hg)
        for (int64_t q0 = 0; q0 < Sq; q0 += qt) {
          int64_t qn = std::min(qt, Sq - q0);
          // Keys visible to the last query of the tile bound the blocks.
          int64_t kEnd = causal ? std::min(Sk, q0 + qn + (Sk - Sq)) : Sk;
          setItems[set].push_back({b, kh * group + hg, q0, qn,
                                   ceilDiv(kEnd, kw),
                                   streamed ? 0 : (set % kvSets) * KG + j});
        }
    }
  auto keysOf = [&](const Item &it, int64_t k0) {
    int64_t kEnd = causal ? std::min(Sk, it.q0 + it.qn + (Sk - Sq)) : Sk;
    return std::min(kw, kEnd - k0);
  };
  // Bias tiles: the (set, group, step) positions in program order; a tile
  // goes to buffer `phase % 2` of its slot and the next position's tiles
  // load while this one's are used.
  struct BiasPos {
    int64_t set;
    size_t g0;
    int64_t step;
  };
  auto groupSteps = [&](int64_t set, size_t g0) {
    int64_t steps = 0;
    for (size_t i = g0; i < std::min(g0 + G, setItems[set].size()); ++i)
      steps = std::max(steps, setItems[set][i].blocks);
    return steps;
  };
  auto nextBiasPos = [&](BiasPos p) -> std::optional<BiasPos> {
    if (p.step + 1 < groupSteps(p.set, p.g0))
      return BiasPos{p.set, p.g0, p.step + 1};
    if (p.g0 + G < setItems[p.set].size())
      return BiasPos{p.set, p.g0 + G, 0};
    if (p.set + 1 < numSets)
      return BiasPos{p.set + 1, 0, 0};
    return std::nullopt;
  };
  auto biasTile = [&](const Item &it, size_t slot, int64_t step,
                      int64_t phase) {
    return e.dense(biasT[slot][phase % 2], it.qn, keysOf(it, step * kw), et);
  };
  auto loadBias = [&](BiasPos p, int64_t phase) {
    ArrayRef<Item> its = setItems[p.set];
    for (size_t i = 0; (int64_t)i < G && p.g0 + i < its.size(); ++i) {
      const Item &it = its[p.g0 + i];
      if (p.step >= it.blocks)
        continue;
      int64_t k0 = p.step * kw;
      int64_t base =
          it.b * bSt[0] + it.h * bSt[1] + it.q0 * bSt[2] + k0 * bSt[3];
      e.dma(biasTile(it, i, p.step, phase),
            e.hbm(*bias, base, it.qn, bSt[2], {keysOf(it, k0)}, {bSt[3]}));
    }
  };
  int64_t biasPhase = 0;
  if (bias)
    loadBias({0, 0, 0}, 0);

  if (kvSets == 2)
    loadSet(0);
  int64_t blockLoads = 0; // streamed key blocks loaded so far
  auto loadBlock = [&](int64_t set, int64_t step) {
    int64_t r = blockLoads++ % NB;
    auto [b, kh] = kvs[set];
    int64_t k0 = step * kw;
    loadKeys(kBlk[r], vBlk[r], keyBias ? &biasBlk[r] : nullptr, b, kh, k0,
             std::min(Sk, k0 + kw), kw);
    return r;
  };
  for (int64_t set = 0; set < numSets; ++set) {
    // Prefetch the next set's K/V into the other buffers; with one set,
    // this set's loads follow the previous set's last reads.
    if (kvSets == 1)
      loadSet(set);
    else if (set + 1 < numSets)
      loadSet(set + 1);
    SmallVector<Item> &items = setItems[set];
    for (size_t g0 = 0; g0 < items.size(); g0 += G) {
      size_t gn = std::min<size_t>(G, items.size() - g0);
      auto forEach = [&](int64_t step, auto fn) {
        for (size_t i = 0; i < gn; ++i)
          if (step < items[g0 + i].blocks)
            fn(items[g0 + i], slots[i]);
      };
      for (size_t i = 0; i < gn; ++i) {
        Item &it = items[g0 + i];
        int64_t qBase = it.b * qSt[0] + it.h * qSt[1] + it.q0 * qSt[2];
        for (int64_t dc = 0; dc < DC; ++dc) {
          int64_t d0 = dc * P, dn = std::min(P, D - d0);
          nc::AccessAttr dst = e.dense(slots[i].qT, dn, it.qn, et, dc * qt);
          if (dmaT)
            e.dma(dst, e.hbm(q, qBase + d0, it.qn, qSt[2], {dn}, {1}), true);
          else
            e.dma(dst, e.hbm(q, qBase + d0, dn, 1, {it.qn}, {qSt[2]}));
        }
      }
      int64_t steps = 0;
      for (size_t i = 0; i < gn; ++i)
        steps = std::max(steps, items[g0 + i].blocks);
      // Streamed: NB - 1 blocks ahead are in flight; step s loads block
      // s + NB - 1 into the buffer block s - 1 used.
      SmallVector<int64_t> ringOf; // the buffer of each block loaded
      for (int64_t b = 0; streamed && b < std::min(NB - 1, steps); ++b)
        ringOf.push_back(loadBlock(set, b));
      for (int64_t step = 0; step < steps; ++step, ++biasPhase) {
        int64_t k0 = step * kw;
        if (streamed && (int64_t)ringOf.size() < steps)
          ringOf.push_back(loadBlock(set, ringOf.size()));
        // Where this step's keys are: a head's resident K^T/V (key k at
        // column k) or the streamed block (key k at k - k0).
        int64_t ring = streamed ? ringOf[step] : 0;
        auto kAt = [&](const Item &it) -> const Buffer & {
          return streamed ? kBlk[ring] : kT[it.buf];
        };
        auto vAt = [&](const Item &it) -> const Buffer & {
          return streamed ? vBlk[ring] : vB[it.buf];
        };
        auto biasAt = [&](const Item &it) -> const Buffer & {
          return streamed ? biasBlk[ring] : biasB[it.buf];
        };
        int64_t kRow = streamed ? kw : Sk, kBase = streamed ? k0 : 0;
        auto kLen = [&](Item &it) { return keysOf(it, k0); };
        if (bias)
          if (std::optional<BiasPos> next = nextBiasPos({set, g0, step}))
            loadBias(*next, biasPhase + 1);
        // S = Q K^T for every tile of the group.
        forEach(step, [&](Item &it, Slot &sl) {
          int64_t kn = kLen(it);
          for (int64_t dc = 0; dc < DC; ++dc) {
            int64_t dn = std::min(P, D - dc * P);
            e.matmul(
                bank(sl, 0, it.qn, kn), e.dense(sl.qT, dn, it.qn, et, dc * qt),
                e.dense(kAt(it), dn, kn, et, dc * kRow + k0 - kBase), dc > 0);
          }
          if (keyBias)
            e.matmul(bank(sl, 0, it.qn, kn),
                     e.dense(*invScale, biasRows, it.qn, et),
                     e.dense(biasAt(it), biasRows, kn, et, k0 - kBase), true);
          if (causal && ident)
            for (auto [c, bc] : maskedChunks(it.q0, k0, kn)) {
              int64_t cn = std::min(P, kn - c * P);
              e.matmul(bank(sl, 0, it.qn, cn, c * P),
                       e.dense(*ident, it.qn, it.qn, et),
                       e.dense(maskTiles[bc], it.qn, cn, et), true);
            }
        });
        // Online softmax, on -max: nm = -scale * rowmax(S).
        forEach(step, [&](Item &it, Slot &sl) {
          int64_t kn = kLen(it), qn = it.qn;
          bool first = step == 0;
          int64_t base = it.q0 + (Sk - Sq) - k0;
          bool masked = causal && !ident && base < kn - 1;
          nc::AccessAttr s = bank(sl, 0, qn, kn);
          nc::AccessAttr nmOld = e.column(sl.st, qn, it.cur);
          nc::AccessAttr nmNew =
              e.column(sl.st, qn, first ? it.cur : 1 - it.cur);
          nc::AccessAttr corr = e.column(sl.st, qn, 2);
          nc::AccessAttr sum = e.column(sl.st, qn, 3);
          nc::AccessAttr l = e.column(sl.st, qn, 4);
          nc::AccessAttr src = s;
          float actScale = scale;
          if (bias || masked) {
            // Scale into SBUF, add the bias tile, mask keys past each query
            // (diagonal blocks without the mask matmul).
            nc::AccessAttr sc = e.dense(sl.p, qn, kn, f32);
            if (!bias || scale != 1.0f)
              e.act(ActFunc::identity, sc, s, scale);
            if (bias) {
              // On the engine that does not take this tile's row max.
              Emitter::OnQueue q(e, (&sl - &slots[0]) % 2 ? "dve" : "pool");
              e.tt(AluOp::add, sc, scale != 1.0f ? sc : s,
                   biasTile(it, &sl - &slots[0], step, biasPhase));
            }
            if (masked)
              e.select(sc, sc, -3.0e38f, base, 1, {-1});
            src = sc;
            actScale = 1.0f;
          }
          {
            // The row max is the Vector engine's biggest job per block; the
            // second tile of a pair does it on GpSimd to balance the two.
            Emitter::OnQueue q(e, (&sl - &slots[0]) % 2 ? "pool" : "dve");
            e.reduce(AluOp::max, nmNew, src, 1);
          }
          {
            // Per-row statistics are tiny SBUF columns: GpSimd, which
            // cannot touch the scores in PSUM, has time for them.
            // -(new max) = min(-scale * rowmax, -(old max)) in one step.
            Emitter::OnQueue q(e, "pool");
            if (first)
              e.ts(AluOp::mul, nmNew, nmNew, -actScale);
            else
              e.ts(AluOp::mul, nmNew, nmNew, -actScale, {}, AluOp::min, 0.0f,
                   nmOld);
          }
          if (!first) {
            // corr = exp(old max - new max) = exp(-nmOld + nmNew).
            e.act(ActFunc::exp, corr, nmOld, -1.0f, nmNew);
            it.cur = 1 - it.cur;
          }
          // P = exp(scale*S - max), in the operand type, with its row sum.
          e.act(ActFunc::exp, e.dense(sl.p, qn, kn, et), src, actScale, nmNew,
                first ? l : sum);
          if (!first) {
            Emitter::OnQueue q(e, "pool");
            e.ts(AluOp::mul, l, l, 0.0f, corr, AluOp::add, 0.0f, sum);
          }
        });
        // P^T through the PE array, evacuated in one copy when it can be.
        // Chunk c of this block for a tile seeing kn keys: its keys (rows
        // of P^T and of V) and where they start in the score block.
        bool il = interleaved(k0);
        auto chunkRows = [&](int64_t kn, int64_t c) -> int64_t {
          return il ? std::max<int64_t>(0, ceilDiv(kn - c, R))
                    : std::min(P, kn - c * P);
        };
        auto numChunks = [&](int64_t kn) {
          return il ? std::min(R, kn) : ceilDiv(kn, P);
        };
        forEach(step, [&](Item &it, Slot &sl) {
          int64_t kn = kLen(it), qn = it.qn;
          int64_t chunks = numChunks(kn);
          for (int64_t c = 0; c < chunks; ++c) {
            int64_t cn = chunkRows(kn, c);
            e.transpose(bankT(sl, cn, qn, c * qt),
                        il ? e.tile(nc::MemSpace::sbuf, sl.p.offset + c * eb, 0,
                                    qn, {cn}, {R}, et)
                           : e.tile(nc::MemSpace::sbuf,
                                    sl.p.offset + c * P * eb, 0, qn, {cn}, {1},
                                    et));
          }
          int64_t full = 0;
          while (full < chunks && chunkRows(kn, full) == P)
            ++full;
          // PSUM is read by the Vector and Scalar engines only: each copy
          // goes to the one with less work so far (the Vector engine also
          // takes the row maxima of the scores, the Scalar engine the
          // exponentials).
          Emitter::OnQueue onq(e, "balance");
          if (qn == qt && full > 1) {
            e.copy(e.dense(sl.pt, P, full * qt, et),
                   bankT(sl, P, full * qt, 0));
          } else {
            for (int64_t c = 0; c < full; ++c)
              e.copy(e.dense(sl.pt, P, qn, et, c * qt),
                     bankT(sl, P, qn, c * qt));
          }
          for (int64_t c = full; c < chunks; ++c) {
            int64_t cn = chunkRows(kn, c);
            e.copy(e.dense(sl.pt, cn, qn, et, c * qt),
                   bankT(sl, cn, qn, c * qt));
          }
        });
        // O = O * corr + P V, accumulated in PSUM.
        forEach(step, [&](Item &it, Slot &sl) {
          int64_t kn = kLen(it), qn = it.qn;
          nc::AccessAttr o = oAcc(sl, qn);
          if (step > 0) {
            Emitter::OnQueue q(e, "balance"); // in PSUM: Vector or Scalar
            e.ts(AluOp::mul, o, o, 0.0f, e.column(sl.st, qn, 2));
          }
          int64_t chunks = numChunks(kn);
          for (int64_t c = 0; c < chunks; ++c) {
            int64_t cn = chunkRows(kn, c);
            e.matmul(o, e.dense(sl.pt, cn, qn, et, c * qt),
                     e.dense(vAt(it), cn, Dv, et, ((k0 - kBase) / P + c) * Dv),
                     step > 0 || c > 0);
          }
        });
      }
      for (size_t i = 0; i < gn; ++i) {
        Item &it = items[g0 + i];
        Slot &sl = slots[i];
        nc::AccessAttr l = e.column(sl.st, it.qn, 4);
        nc::AccessAttr ot = e.dense(sl.oOut, it.qn, Dv, out.elemType);
        {
          // O / l in one instruction (tensor_scalar divides on every
          // engine that reads PSUM), on the less loaded of the two.
          Emitter::OnQueue q(e, "balance");
          e.ts(AluOp::div, ot, oAcc(sl, it.qn), 0.0f, l);
        }
        int64_t oBase = it.b * oSt[0] + it.h * oSt[1] + it.q0 * oSt[2];
        e.dma(e.hbm(out, oBase, it.qn, oSt[2], {Dv}, {1}), ot);
      }
    }
  }
  e.release(mk);
  return success();
}

LogicalResult muir::lower::emitRope(Emitter &e, Operation *op,
                                    const HbmValue &x, const HbmValue &cos,
                                    const HbmValue &sin, const HbmValue &out) {
  // Sequence positions on partitions; every leading index (batch, head) of a
  // position side by side in the free dimension, so one instruction rotates
  // all heads at once, with cos/sin broadcast across them (zero stride).
  int64_t rank = x.shape.size();
  int64_t S = x.shape[rank - 2], D = x.shape[rank - 1], h = D / 2;
  int64_t lead = x.numElements() / std::max<int64_t>(1, S * D);
  // x may be a strided view (heads of a [.., S, H, D] tensor): positions and
  // the collapsed leading dims each have one stride (checked by the caller).
  SmallVector<int64_t> xs = x.strides();
  int64_t xPos = xs[rank - 2], xLead = S * D;
  for (int64_t i = rank - 3; i >= 0; --i)
    if (x.shape[i] != 1) {
      xLead = xs[i];
      break;
    }
  Type f32 = e.f32();
  RowPlan plan = planRope(e.m, e.sbufFree(), D, lead, configOf(op));
  if (!plan.error.empty())
    return op->emitError() << plan.error;
  Emitter::Mark mk = e.mark();
  // Cos/sin sets and leading indices per tile: see planRope. Where two sets
  // of everything do not fit, one set is used: slower, but a long row (D =
  // 128 on the small target) still compiles. Rows wider than that go in
  // chunks of `hc` columns of each half (plan.cols): a tile then holds, per
  // leading index, columns [c0, c0 + hc) of both halves side by side.
  int nbuf = plan.buffers;
  bool chunked = plan.cols > 0 && plan.cols < h;
  int64_t hc = chunked ? plan.cols : h, W = chunked ? 2 * hc : D;
  Buffer cbs[2], sbs[2];
  for (int k = 0; k < nbuf; ++k) {
    auto c = e.allocSbuf(W * 4, op, "a cos tile");
    auto s = e.allocSbuf(W * 4, op, "a sin tile");
    if (failed(c) || failed(s))
      return failure();
    cbs[k] = *c, sbs[k] = *s;
  }
  int64_t L = plan.lead;
  Buffer xb[2], ob[2], tb[2];
  for (int k = 0; k < nbuf; ++k) {
    auto xa = e.allocSbuf(L * W * 4, op, "a rope input tile");
    auto oa = e.allocSbuf(L * W * 4, op, "a rope output tile");
    auto ta = e.allocSbuf(L * hc * 4, op, "a rope scratch tile");
    if (failed(xa) || failed(oa) || failed(ta))
      return failure();
    xb[k] = *xa, ob[k] = *oa, tb[k] = *ta;
  }
  int64_t tileNo = 0, tableNo = 0;
  for (int64_t s0 = 0; s0 < S; s0 += e.rows()) {
    int64_t np = std::min(e.rows(), S - s0);
    for (int64_t c0 = 0; c0 < h; c0 += hc, ++tableNo) {
      int64_t cn = std::min(hc, h - c0);
      // Where half j's columns start in a W-wide row of a tile.
      int64_t hoff = chunked ? hc : h;
      const Buffer *cb = &cbs[tableNo % nbuf], *sb = &sbs[tableNo % nbuf];
      // A table's columns [c0, c0 + cn) of both halves (or the whole row).
      auto table = [&](const Buffer &buf, const HbmValue &t) {
        if (!chunked)
          return e.dma(e.dense(buf, np, D, f32),
                       e.hbm(t, s0 * D, np, D, {D}, {1}));
        e.dma(e.tile(nc::MemSpace::sbuf, buf.offset, 0, np, {2, cn}, {hc, 1},
                     f32),
              e.hbm(t, s0 * D + c0, np, D, {2, cn}, {h, 1}));
      };
      table(*cb, cos);
      table(*sb, sin);
      for (int64_t l0 = 0; l0 < lead; l0 += L, ++tileNo) {
        int64_t ln = std::min(L, lead - l0);
        const Buffer &X = xb[tileNo % nbuf], &O = ob[tileNo % nbuf],
                     &T = tb[tileNo % nbuf];
        auto half = [&](const Buffer &buf, int64_t j) {
          return e.tile(nc::MemSpace::sbuf, buf.offset + j * hoff * 4, 0, np,
                        {ln, cn}, {W, 1}, f32);
        };
        auto bcast = [&](const Buffer &buf, int64_t j) {
          return e.tile(nc::MemSpace::sbuf, buf.offset + j * hoff * 4, 0, np,
                        {ln, cn}, {0, 1}, f32);
        };
        nc::AccessAttr tmp =
            e.tile(nc::MemSpace::sbuf, T.offset, 0, np, {ln, cn}, {hc, 1}, f32);
        int64_t off = l0 * S * D + s0 * D;
        // The tile of x (and of out): whole rows, or both halves' chunks.
        auto rows = [&](const Buffer &buf) {
          return chunked ? e.tile(nc::MemSpace::sbuf, buf.offset, 0, np,
                                  {ln, 2, cn}, {W, hc, 1}, f32)
                         : e.tile(nc::MemSpace::sbuf, buf.offset, 0, np,
                                  {ln, D}, {D, 1}, f32);
        };
        e.dma(rows(X), chunked ? e.hbm(x, l0 * xLead + s0 * xPos + c0, np, xPos,
                                       {ln, 2, cn}, {xLead, h, 1})
                               : e.hbm(x, l0 * xLead + s0 * xPos, np, xPos,
                                       {ln, D}, {xLead, 1}));
        // out[:h] = x[:h] cos[:h] - x[h:] sin[:h]; out[h:] = x[h:] cos[h:] +
        // x[:h] sin[h:] The products go to GpSimd, the combines to Vector:
        // the two engines work on consecutive halves in parallel.
        {
          Emitter::OnQueue q(e, "pool");
          e.tt(AluOp::mul, half(O, 0), half(X, 0), bcast(*cb, 0));
          e.tt(AluOp::mul, tmp, half(X, 1), bcast(*sb, 0));
        }
        e.tt(AluOp::sub, half(O, 0), half(O, 0), tmp);
        {
          Emitter::OnQueue q(e, "pool");
          e.tt(AluOp::mul, half(O, 1), half(X, 1), bcast(*cb, 1));
          e.tt(AluOp::mul, tmp, half(X, 0), bcast(*sb, 1));
        }
        e.tt(AluOp::add, half(O, 1), half(O, 1), tmp);
        e.dma(chunked ? e.hbm(out, off + c0, np, D, {ln, 2, cn}, {S * D, h, 1})
                      : e.hbm(out, off, np, D, {ln, D}, {S * D, 1}),
              rows(O));
      }
    }
  }
  e.release(mk);
  return success();
}
