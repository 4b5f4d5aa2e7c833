//===- Emitter.cpp - nc instruction building for the xf lowering ----------===//
#include "Emitter.h"

#include "muir/Target/Cost.h"
#include "muir/Target/NcProgram.h"

using namespace mlir;
using namespace muir;
using namespace muir::lower;

int64_t HbmValue::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

SmallVector<int64_t> muir::lower::rowMajorStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> s(shape.size(), 1);
  for (int i = (int)shape.size() - 2; i >= 0; --i)
    s[i] = s[i + 1] * shape[i + 1];
  return s;
}

SmallVector<int64_t> HbmValue::strides() const {
  return view.empty() ? rowMajorStrides(shape) : view;
}

unsigned Emitter::bytesOf(Type t) {
  auto e = nc::toElemType(t);
  return e ? target::elemBytes(*e) : 4;
}

// Buffers start on sbuf.alignment_bytes boundaries (64 on every target) so
// neighbouring tiles never share an access granule.
static int64_t alignUp(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

int64_t Emitter::setsThatFit(ArrayRef<int64_t> bytes, int64_t maxSets) const {
  int64_t perSet = 0;
  for (int64_t b : bytes)
    perSet += alignUp(b, m.sbuf.alignBytes);
  int64_t free = m.sbuf.bytesPerPartition - alignUp(sbufTop, m.sbuf.alignBytes);
  return std::clamp<int64_t>(free / std::max<int64_t>(1, perSet), 1, maxSets);
}

bool Emitter::fits(ArrayRef<int64_t> bytes) const {
  int64_t top = sbufTop;
  for (int64_t b : bytes)
    top = alignUp(top, m.sbuf.alignBytes) + b;
  return top <= m.sbuf.bytesPerPartition;
}

std::string Emitter::kernelPrefix() const {
  return kernelName.empty() ? std::string() : "kernel '" + kernelName + "' ";
}

FailureOr<Buffer> Emitter::allocSbuf(int64_t bytes, Operation *op,
                                     StringRef what) {
  int64_t start = alignUp(sbufTop, m.sbuf.alignBytes);
  if (start + bytes > m.sbuf.bytesPerPartition) {
    // One error per op: later allocations of the same kernel fail quietly.
    if (failedFor == op)
      return failure();
    failedFor = op;
    op->emitError() << kernelPrefix() << "does not fit on target '" << m.name
                    << "': " << what << " needs " << bytes
                    << " bytes per SBUF partition, "
                    << std::max<int64_t>(0, m.sbuf.bytesPerPartition - start)
                    << " of " << m.sbuf.bytesPerPartition << " are free";
    return failure();
  }
  sbufTop = start + bytes;
  kernelSbufBytes = std::max(kernelSbufBytes, sbufTop);
  if (mirrored) {
    // The capacity is a multiple of the alignment, so the mirrored start
    // stays aligned.
    int64_t end =
        std::min(alignUp(sbufTop, m.sbuf.alignBytes), m.sbuf.bytesPerPartition);
    return Buffer{nc::MemSpace::sbuf, m.sbuf.bytesPerPartition - end, bytes};
  }
  return Buffer{nc::MemSpace::sbuf, start, bytes};
}

FailureOr<Buffer> Emitter::allocPsumBanks(int64_t banks, Operation *op,
                                          StringRef what) {
  int64_t bank = m.psum.bankBytes();
  int64_t start = alignUp(psumTop, bank);
  if (start + banks * bank > m.psum.bytesPerPartition) {
    if (failedFor == op)
      return failure();
    failedFor = op;
    op->emitError() << kernelPrefix() << "does not fit on target '" << m.name
                    << "': " << what << " needs " << banks << " PSUM banks of "
                    << bank << " bytes, "
                    << (m.psum.bytesPerPartition - start) / bank << " are free";
    return failure();
  }
  psumTop = start + banks * bank;
  kernelPsumBytes = std::max(kernelPsumBytes, psumTop);
  if (mirrored)
    return Buffer{nc::MemSpace::psum, m.psum.banks * bank - psumTop,
                  banks * bank};
  return Buffer{nc::MemSpace::psum, start, banks * bank};
}

nc::AccessAttr Emitter::tile(nc::MemSpace space, int64_t offset, int64_t p0,
                             int64_t np, ArrayRef<int64_t> sizes,
                             ArrayRef<int64_t> strides, Type t) {
  return nc::AccessAttr::get(b.getContext(), space, "", p0, np, 0, offset,
                             sizes, strides, t);
}

nc::AccessAttr Emitter::dense(const Buffer &buf, int64_t np, int64_t n, Type t,
                              int64_t col, int64_t p0) {
  return tile(buf.space, buf.offset + col * bytesOf(t), p0, np, {n}, {1}, t);
}

nc::AccessAttr Emitter::hbm(const HbmValue &v, int64_t offset, int64_t np,
                            int64_t pstride, ArrayRef<int64_t> sizes,
                            ArrayRef<int64_t> strides) {
  return nc::AccessAttr::get(b.getContext(), nc::MemSpace::hbm, v.tensor, 0, np,
                             pstride, v.offset + offset, sizes, strides,
                             v.elemType);
}

void Emitter::setQueue(Operation *op, StringRef q) {
  // Queue names here are the lowering's own constants (engine names and
  // dmaN), so they always parse.
  std::optional<uint32_t> index = target::parseQueueName(q);
  if (index)
    op->setAttr("queue", nc::QueueAttr::get(b.getContext(), *index));
}

/// Whether `op` reads or writes a PSUM tile.
static bool touchesPsum(Operation *op) {
  return llvm::any_of(op->getAttrs(), [](NamedAttribute na) {
    auto ap = llvm::dyn_cast<nc::AccessAttr>(na.getValue());
    return ap && ap.isPsum();
  });
}

void Emitter::place(Operation *op) {
  // GpSimd cannot access PSUM: work a kernel hands it that does goes to
  // the Vector engine instead. "balance" is decided in finish().
  if (!override.empty() && override != "balance")
    setQueue(op, override == "pool" && touchesPsum(op) ? "dve" : override);
}

void Emitter::finish(Operation *op) {
  ++instructions;
  if (!balancing)
    return;
  // The op's compute queue and busy time there (nothing for other ops).
  auto cost = [&]() -> std::pair<unsigned, double> {
    FailureOr<target::Instruction> in = target::instructionOf(op);
    if (failed(in) || in->queue >= 4)
      return {0, 0.0};
    return {in->queue, target::instructionCost(m, *in).busyNs};
  };
  std::pair<unsigned, double> c;
  if (override == "balance" &&
      llvm::isa<nc::TensorCopyOp, nc::TensorScalarOp>(op)) {
    setQueue(op, "act");
    std::pair<unsigned, double> onAct = cost();
    setQueue(op, "dve");
    c = cost();
    if (load[c.first] + c.second > load[onAct.first] + onAct.second) {
      setQueue(op, "act");
      c = onAct;
    }
  } else {
    c = cost();
  }
  load[c.first] += c.second;
}

/// Rows [p0, p0 + n) of a tile.
static nc::AccessAttr partitionSlice(nc::AccessAttr a, int64_t p0, int64_t n) {
  if (a.isHbm())
    return nc::AccessAttr::get(
        a.getContext(), a.getSpace(), a.getTensor(), 0, n,
        a.getPartitionStride(), a.getOffset() + p0 * a.getPartitionStride(),
        a.getSizes(), a.getStrides(), a.getElementType());
  return nc::AccessAttr::get(a.getContext(), a.getSpace(), "",
                             a.getPartition() + p0, n, 0, a.getOffset(),
                             a.getSizes(), a.getStrides(), a.getElementType());
}

void Emitter::dma(nc::AccessAttr dst, nc::AccessAttr src, bool transpose) {
  // One queue moves one transfer at a time: a big transfer is split by
  // partitions over several queues so they stream in parallel.
  int64_t bytes = dst.getPartitions() * dst.getFreeElements() *
                  std::max(dst.getElementBytes(), src.getElementBytes());
  // Pieces of at least `kSplitBytes`: by default four times the bytes a
  // queue moves in one transfer's fixed cost (a fifth of each piece's queue
  // time is that cost), or what the kernel asked for (DmaPieces).
  const int64_t kSplitBytes = std::max<int64_t>(
      1, splitBytes ? splitBytes : dmaBytesForFixedMultiple(4.0));
  int64_t pieces =
      transpose ? 1
                : std::min<int64_t>({std::max<int64_t>(1, bytes / kSplitBytes),
                                     dst.getPartitions(),
                                     std::max<int64_t>(1, m.dma.queues / 2)});
  int64_t per = (dst.getPartitions() + pieces - 1) / pieces;
  // HBM rows that interleave (a partition stride shorter than a row's
  // extent: softmax along a leading axis writes element-strided columns)
  // write the same byte range element by element. The hazard checker's
  // regions are exact for at most 2^14 contiguous runs per access (or 2^14
  // free elements when partitions are adjacent elements) and bounds beyond
  // that, which it would report as unordered writes. So such a write is
  // split only when every piece stays exact (adjacent columns: 4096^2
  // softmax along axis 0 takes 2.40M cycles split, 8.52M not), and one the
  // checker can only bound goes to queue dma0, whose program order orders
  // it after the kernel's other bounded writes.
  bool serialise = false;
  if (dst.isHbm()) {
    int64_t runs = 1;
    ArrayRef<int64_t> sizes = dst.getSizes(), strides = dst.getStrides();
    for (size_t d = 0; d < sizes.size(); ++d)
      runs *= d + 1 == sizes.size() && std::abs(strides[d]) == 1 ? 1 : sizes[d];
    int64_t ps = std::abs(dst.getPartitionStride());
    constexpr int64_t kExact = 1 << 14;
    auto exact = [&](int64_t parts) {
      return runs * parts <= kExact ||
             (ps == 1 && parts > 1 && dst.getFreeElements() <= kExact);
    };
    if (nc::hbmRowsInterleave(dst)) {
      serialise = !exact(dst.getPartitions());
      if (pieces > 1 && (serialise || !exact(per))) {
        pieces = 1;
        per = dst.getPartitions();
      }
    }
  }
  for (int64_t p0 = 0; p0 < dst.getPartitions(); p0 += per) {
    int64_t n = std::min(per, dst.getPartitions() - p0);
    nc::AccessAttr d = pieces > 1 ? partitionSlice(dst, p0, n) : dst;
    nc::AccessAttr s = pieces > 1 ? partitionSlice(src, p0, n) : src;
    auto op =
        nc::DmaOp::create(b, loc, d, s, transpose, nullptr, nullptr, nullptr);
    // Spread transfers over the DMA queues so they run in parallel.
    unsigned q = serialise ? 0 : nextDma++ % m.dma.queues;
    if (q != 0)
      setQueue(op, "dma" + std::to_string(q));
    ++instructions;
  }
}

int64_t Emitter::dmaBytesForFixedMultiple(double fixedMultiple) const {
  return static_cast<int64_t>(fixedMultiple * m.dma.fixedNs * 1e-9 *
                              m.dma.queueBytesPerS);
}

void Emitter::matmul(nc::AccessAttr dst, nc::AccessAttr st, nc::AccessAttr mv,
                     bool accumulate) {
  nc::MatmulOp::create(b, loc, dst, st, mv, accumulate, nullptr, nullptr,
                       nullptr);
  ++instructions;
}

void Emitter::transpose(nc::AccessAttr dst, nc::AccessAttr src) {
  nc::TransposeOp::create(b, loc, dst, src, nullptr, nullptr, nullptr);
  ++instructions;
}

void Emitter::act(nc::ActFunc f, nc::AccessAttr dst, nc::AccessAttr src,
                  float scale, nc::AccessAttr bias, nc::AccessAttr accum) {
  finish(nc::ActivationOp::create(
      b, loc, dst, src, nc::ActFuncAttr::get(b.getContext(), f),
      b.getF32FloatAttr(scale), bias, accum, nullptr, nullptr, nullptr));
}

void Emitter::tt(nc::AluOp op, nc::AccessAttr dst, nc::AccessAttr lhs,
                 nc::AccessAttr rhs) {
  Operation *o =
      nc::TensorTensorOp::create(b, loc, nc::AluOpAttr::get(b.getContext(), op),
                                 dst, lhs, rhs, nullptr, nullptr, nullptr);
  place(o);
  finish(o);
}

void Emitter::ts(nc::AluOp op0, nc::AccessAttr dst, nc::AccessAttr src,
                 float imm0, nc::AccessAttr s0, nc::AluOp op1, float imm1,
                 nc::AccessAttr s1) {
  Operation *o = nc::TensorScalarOp::create(
      b, loc, nc::AluOpAttr::get(b.getContext(), op0), dst, src,
      b.getF32FloatAttr(imm0), nc::AluOpAttr::get(b.getContext(), op1),
      b.getF32FloatAttr(imm1), s0, s1, nullptr, nullptr, nullptr);
  place(o);
  finish(o);
}

void Emitter::reduce(nc::AluOp op, nc::AccessAttr dst, nc::AccessAttr src,
                     int64_t naxes) {
  Operation *o = nc::TensorReduceOp::create(
      b, loc, nc::AluOpAttr::get(b.getContext(), op), dst, src,
      b.getI64IntegerAttr(naxes), nullptr, nullptr, nullptr);
  place(o);
  finish(o);
}

void Emitter::copy(nc::AccessAttr dst, nc::AccessAttr src) {
  auto op =
      nc::TensorCopyOp::create(b, loc, dst, src, nullptr, nullptr, nullptr);
  if (!override.empty())
    place(op);
  else if (nextCopy++ % 2)
    setQueue(op, "act");
  finish(op);
}

void Emitter::select(nc::AccessAttr dst, nc::AccessAttr src, float fill,
                     int64_t base, int64_t channelMultiplier,
                     ArrayRef<int64_t> coefs) {
  finish(nc::AffineSelectOp::create(
      b, loc, dst, src, b.getF32FloatAttr(fill), b.getI64IntegerAttr(base),
      b.getI64IntegerAttr(channelMultiplier), b.getDenseI64ArrayAttr(coefs),
      nullptr, nullptr, nullptr));
}

void Emitter::memset(nc::AccessAttr dst, float value) {
  // iota with all-zero coefficients writes `base` everywhere; it takes
  // integers, so non-integral fills go through tensor_scalar on the result.
  finish(nc::IotaOp::create(
      b, loc, dst, b.getI64IntegerAttr((int64_t)value), b.getI64IntegerAttr(0),
      b.getDenseI64ArrayAttr(SmallVector<int64_t>(dst.getSizes().size(), 0)),
      nullptr, nullptr, nullptr));
  if ((float)(int64_t)value != value)
    ts(nc::AluOp::add, dst, dst, value - (float)(int64_t)value);
}
