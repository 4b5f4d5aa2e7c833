//===- Cost.cpp - the timing model's cost of one instruction --------------===//
//
// Shared by the simulator and the scheduler; formulas in docs/simulator.md.
//
//===----------------------------------------------------------------------===//
#include "muir/Target/Cost.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>

using namespace muir::target;

namespace {

bool isTwoByteFloat(ElemType t) {
  return t == ElemType::BF16 || t == ElemType::F16;
}

/// The innermost free dimension with more than one element, if any.
std::optional<std::pair<int64_t, int64_t>> innermost(const AccessPattern &ap) {
  for (size_t d = ap.sizes.size(); d-- > 0;)
    if (ap.sizes[d] > 1)
      return std::make_pair(ap.sizes[d], ap.strides[d]);
  return std::nullopt;
}

/// Bytes between consecutive innermost elements (0 when the row has one).
double innermostStrideBytes(const AccessPattern &ap) {
  auto in = innermost(ap);
  return in ? double(std::llabs(in->second)) * elemBytes(ap.type) : 0;
}

/// How one side of a DMA splits a row into descriptors: contiguous runs of
/// `run` elements, or (`patterned`) one descriptor walking the whole row
/// when the innermost stride is not one element.
struct RowSplit {
  int64_t run = 1;
  bool patterned = false;
};

RowSplit splitRow(const AccessPattern &ap) {
  RowSplit r;
  int64_t expected = 1; // stride the next outer dim needs to stay contiguous
  bool first = true;
  for (size_t d = ap.sizes.size(); d-- > 0;) {
    if (ap.sizes[d] <= 1)
      continue;
    if (first) {
      first = false;
      if (ap.strides[d] != 1) {
        r.patterned = true;
        r.run = ap.freeElements();
        return r;
      }
    } else if (ap.strides[d] != expected) {
      break;
    }
    r.run *= ap.sizes[d];
    expected = r.run;
  }
  return r;
}

double onClock(double cycles, double hz) {
  return hz > 0 ? cycles / hz * 1e9 : 0;
}

} // namespace

DmaShape muir::target::analyzeDma(const Machine &m, const AccessPattern &dst,
                                  const AccessPattern &src, bool transpose) {
  DmaShape s;
  s.transpose = transpose;
  s.hbmRead = src.space == MemSpace::HBM;
  uint64_t sBytes = uint64_t(src.numElements()) * elemBytes(src.type);
  uint64_t dBytes = uint64_t(dst.numElements()) * elemBytes(dst.type);
  s.bytes = std::max(sBytes, dBytes);
  if (src.space == MemSpace::HBM)
    s.hbmBytes = sBytes;
  else if (dst.space == MemSpace::HBM)
    s.hbmBytes = dBytes;
  if (s.bytes == 0)
    return s;

  RowSplit rs = splitRow(src), rd = splitRow(dst);
  if (transpose) {
    // The engine reorders internally: descriptors follow the source only.
    s.descriptors = uint64_t(src.partitions) *
                    uint64_t(src.freeElements() / std::max<int64_t>(1, rs.run));
  } else {
    // Runs end wherever either side's run ends: the union of the two sets of
    // boundaries (both run lengths divide the row length).
    int64_t f = std::max<int64_t>(1, dst.freeElements());
    int64_t a = std::max<int64_t>(1, rd.run), b = std::max<int64_t>(1, rs.run);
    int64_t l = std::lcm(a, b);
    uint64_t perRow = uint64_t(f / a + f / b - (l <= f ? f / l : 0));
    s.descriptors = uint64_t(dst.partitions) * std::max<uint64_t>(1, perRow);
  }
  s.descriptors = std::max<uint64_t>(1, s.descriptors);
  s.runBytes = double(s.bytes) / double(s.descriptors);
  auto stridedSide = [&](const AccessPattern &ap, const RowSplit &r) {
    return r.patterned &&
           innermostStrideBytes(ap) > m.dma.stridedThresholdBytes;
  };
  s.strided = stridedSide(src, rs) || stridedSide(dst, rd);
  return s;
}

double muir::target::dmaSizeEfficiency(const Machine &m, double bytes) {
  const auto &pts = m.dma.sizeEfficiency;
  if (pts.empty())
    return 1;
  if (bytes <= pts.front().first)
    return pts.front().second * std::max(bytes, 1.0) / pts.front().first;
  if (bytes >= pts.back().first)
    return pts.back().second;
  for (size_t i = 1; i < pts.size(); ++i) {
    if (bytes > pts[i].first)
      continue;
    double x0 = std::log2(pts[i - 1].first), x1 = std::log2(pts[i].first);
    double t = (std::log2(bytes) - x0) / (x1 - x0);
    return pts[i - 1].second + t * (pts[i].second - pts[i - 1].second);
  }
  return pts.back().second;
}

double muir::target::dmaEfficientBytes(const Machine &m, double fraction) {
  double best = 0;
  for (const auto &pt : m.dma.sizeEfficiency)
    best = std::max(best, pt.second);
  for (const auto &pt : m.dma.sizeEfficiency)
    if (pt.second >= fraction * best)
      return pt.first;
  return 0;
}

double muir::target::dmaBusyNs(const Machine &m, const DmaShape &s) {
  if (s.bytes == 0)
    return m.dma.fixedNs;
  double eff = dmaSizeEfficiency(m, s.runBytes);
  if (s.strided)
    eff *= m.dma.stridedEfficiency;
  if (s.transpose)
    eff *= s.hbmRead ? m.dma.transposeEfficiencyHbm
                     : m.dma.transposeEfficiencySbuf;
  return m.dma.fixedNs + double(s.bytes) / (m.dma.queueBytesPerS * eff) * 1e9;
}

double muir::target::hbmChannelNs(const Machine &m, uint64_t bytes) {
  return double(bytes) / (m.hbm.bytesPerS * m.hbm.efficiency) * 1e9;
}

double muir::target::semaphoreLatencyNs(const Machine &m, uint32_t queue) {
  return engineOfQueue(queue) == Engine::DMA ? m.sync.dmaSemaphoreLatencyNs
                                             : m.sync.computeSemaphoreLatencyNs;
}

InstrCost muir::target::instructionCost(const Machine &m,
                                        const Instruction &in) {
  InstrCost c;
  auto operand = [&](unsigned i) -> const AccessPattern * {
    return i < in.operands.size() && in.operands[i].present() ? &in.operands[i]
                                                              : nullptr;
  };
  // Collectives are timed by the multi-core simulator (Collective.h).
  if (isCollective(in.op))
    return c;
  switch (in.op) {
  case Opcode::Nop:
    return c;
  case Opcode::Dma: {
    if (!operand(0) || !operand(1))
      return c;
    bool transpose = !in.params.empty() && in.params[0] != 0;
    c.dma = analyzeDma(m, *operand(0), *operand(1), transpose);
    c.busyNs = dmaBusyNs(m, c.dma);
    return c;
  }
  case Opcode::DmaGather:
  case Opcode::DmaScatter: {
    if (!operand(0) || !operand(1))
      return c;
    // The selected rows move like a DMA between the SBUF tile and P table
    // rows (one descriptor per row at least); each row's descriptor is
    // generated from its index at dma.indirect_row_ns.
    bool gather = in.op == Opcode::DmaGather;
    const AccessPattern &rows = *operand(gather ? 0 : 1);
    AccessPattern table = *operand(gather ? 1 : 0);
    table.partitions = rows.partitions;
    c.dma = gather ? analyzeDma(m, rows, table, false)
                   : analyzeDma(m, table, rows, false);
    c.busyNs =
        dmaBusyNs(m, c.dma) + double(rows.partitions) * m.dma.indirectRowNs;
    return c;
  }
  case Opcode::Matmul:
  case Opcode::Transpose: {
    const AccessPattern *st = operand(1);
    if (!st)
      return c;
    double n = double(st->partitions); // a transpose streams an identity
    if (in.op == Opcode::Matmul)
      n = operand(2) ? double(operand(2)->freeElements()) : 0;
    double perCol = m.pe.mmCyclesPerColumn[unsigned(st->type)];
    c.busyNs =
        onClock(m.pe.issueCycles + std::max(n, m.pe.mmMinCycles) * perCol,
                m.pe.clockHz);
    c.loadStationaryNs =
        onClock(std::max(double(st->freeElements()), m.pe.mmMinCycles) *
                    perCol / m.pe.loadStationarySpeedup,
                m.pe.clockHz);
    c.visibleDelayNs = onClock(m.pe.pipelineLatencyCycles, m.pe.clockHz);
    return c;
  }
  default:
    break;
  }

  // Compute engines: N = free elements per partition of the streamed input.
  const AccessPattern *dst = operand(0), *src = operand(1);
  const AccessPattern *streamed =
      in.op == Opcode::Iota || in.op == Opcode::AffineSelect ? dst : src;
  double n = streamed ? double(streamed->freeElements()) : 0;
  bool twoInputs = in.op == Opcode::TensorTensor;
  double stridedSlow = 1;
  for (const AccessPattern &ap : in.operands)
    if (ap.present() && ap.space != MemSpace::HBM &&
        innermostStrideBytes(ap) > m.engineAccess.stridedThresholdBytes)
      stridedSlow = m.engineAccess.stridedSlowdown;

  switch (engineOfQueue(in.queue)) {
  case Engine::Vector: {
    double cpe = twoInputs ? m.vector.cyclesPerElementTwoInputs
                           : m.vector.cyclesPerElementOneInput;
    double speed = 1;
    auto sbufContiguous = [](const AccessPattern *ap) {
      if (ap->space != MemSpace::SBUF)
        return false;
      auto inner = innermost(*ap);
      return !inner || inner->second == 1;
    };
    if (in.op == Opcode::TensorTensor && dst && src && operand(2)) {
      const AccessPattern *rhs = operand(2);
      bool lhsPsum = src->space == MemSpace::PSUM,
           rhsPsum = rhs->space == MemSpace::PSUM;
      if (lhsPsum != rhsPsum) // separate read ports: one pass
        cpe = m.vector.cyclesPerElementOneInput;
      else if (!lhsPsum && isTwoByteFloat(src->type) &&
               isTwoByteFloat(rhs->type) && isTwoByteFloat(dst->type))
        speed = m.vector.perfTensorTensor;
    } else if ((in.op == Opcode::TensorCopy || in.op == Opcode::TensorScalar) &&
               dst && src && isTwoByteFloat(src->type) &&
               isTwoByteFloat(dst->type)) {
      speed = sbufContiguous(src) && sbufContiguous(dst)
                  ? m.vector.perfCopyContiguous
                  : m.vector.perfCopyOther;
    } else if (in.op == Opcode::TensorReduce && dst && src &&
               src->type == ElemType::BF16 && dst->type == ElemType::BF16 &&
               !in.params.empty() &&
               (AluOp(int(in.params[0])) == AluOp::Add ||
                AluOp(int(in.params[0])) == AluOp::Max)) {
      speed = m.vector.bf16ReduceSpeedup;
    }
    c.perfMode = speed > 1;
    c.busyNs =
        onClock(m.vector.accessStartCycles +
                    std::max(m.vector.minCycles, n * cpe * stridedSlow / speed),
                m.vector.clockHz);
    return c;
  }
  case Engine::Scalar: {
    bool accum = in.op == Opcode::Activation && operand(3);
    c.busyNs =
        onClock(m.scalar.accessStartCycles +
                    std::max(m.scalar.minCycles,
                             n * m.scalar.cyclesPerElement * stridedSlow) +
                    (accum ? m.scalar.reduceReadoutCycles : 0),
                m.scalar.clockHz);
    return c;
  }
  case Engine::GpSimd:
    c.busyNs = onClock(m.gpsimd.fixedCycles +
                           n * m.gpsimd.cyclesPerElement * stridedSlow,
                       m.gpsimd.clockHz);
    return c;
  default:
    return c;
  }
}
