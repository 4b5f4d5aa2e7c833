//===- Machine.cpp - loading machine descriptions from JSON ---------------===//
#include "muir/Target/Machine.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstdlib>

using namespace muir::target;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;

#ifndef MUIR_SOURCE_DIR
#define MUIR_SOURCE_DIR "."
#endif

namespace {
/// Reads required numeric fields, remembering the first problem.
class Reader {
public:
  Reader(StringRef origin) : origin(origin) {}

  const llvm::json::Object *object(const llvm::json::Object *parent,
                                   StringRef key) {
    if (!parent)
      return nullptr;
    const llvm::json::Object *o = parent->getObject(key);
    if (!o)
      problem(key, "missing object");
    return o;
  }

  double number(const llvm::json::Object *o, StringRef section, StringRef key,
                bool positive = true) {
    if (!o)
      return 0;
    std::optional<double> v = o->getNumber(key);
    if (!v) {
      problem((section + "." + key).str(), "missing number");
      return 0;
    }
    if (positive ? !(*v > 0) : !(*v >= 0))
      problem((section + "." + key).str(),
              positive ? "must be > 0" : "must be >= 0");
    return *v;
  }

  int64_t integer(const llvm::json::Object *o, StringRef section,
                  StringRef key) {
    double v = number(o, section, key);
    if (v != (double)(int64_t)v)
      problem((section + "." + key).str(), "must be an integer");
    return (int64_t)v;
  }

  /// A number in (0, 1].
  double fraction(const llvm::json::Object *o, StringRef section,
                  StringRef key) {
    double v = number(o, section, key);
    if (v > 1)
      problem((section + "." + key).str(), "must be <= 1");
    return v;
  }

  /// A speed-up factor, >= 1.
  double speedup(const llvm::json::Object *o, StringRef section,
                 StringRef key) {
    double v = number(o, section, key);
    if (o && o->getNumber(key) && v < 1)
      problem((section + "." + key).str(), "must be >= 1");
    return v;
  }

  /// A non-empty array of [x, y] points, x increasing and > 0, y in (0, 1].
  std::vector<std::pair<double, double>>
  curve(const llvm::json::Object *o, StringRef section, StringRef key) {
    std::vector<std::pair<double, double>> pts;
    if (!o)
      return pts;
    std::string field = (section + "." + key).str();
    const llvm::json::Array *arr = o->getArray(key);
    if (!arr || arr->empty()) {
      problem(field, "missing array of [bytes, efficiency] points");
      return pts;
    }
    for (const llvm::json::Value &v : *arr) {
      const llvm::json::Array *pt = v.getAsArray();
      std::optional<double> x, y;
      if (pt && pt->size() == 2) {
        x = (*pt)[0].getAsNumber();
        y = (*pt)[1].getAsNumber();
      }
      if (!x || !y) {
        problem(field, "each point must be [bytes, efficiency]");
        return {};
      }
      if (!(*x > 0) || !(*y > 0) || *y > 1 ||
          (!pts.empty() && !(*x > pts.back().first))) {
        problem(field, "points need increasing bytes > 0 and efficiency in "
                       "(0, 1]");
        return {};
      }
      pts.push_back({*x, *y});
    }
    return pts;
  }

  void problem(StringRef field, StringRef what) {
    if (err.empty())
      err = (origin + ": field '" + field + "': " + what).str();
  }

  std::string origin, err;
};
} // namespace

double Machine::peakMacsPerCycle(ElemType t) const {
  double perColumn = pe.mmCyclesPerColumn[static_cast<unsigned>(t)];
  double rowsUsed = pe.rows;
  if (pe.fp8DoubleRow && (t == ElemType::F8E4M3FN || t == ElemType::F8E5M2))
    rowsUsed *= 2;
  return rowsUsed * pe.cols / perColumn;
}

Expected<Machine> muir::target::parseMachine(StringRef json, StringRef origin) {
  Expected<llvm::json::Value> parsed = llvm::json::parse(json);
  if (!parsed)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "%s: invalid JSON: %s", origin.str().c_str(),
                                   llvm::toString(parsed.takeError()).c_str());
  const llvm::json::Object *root = parsed->getAsObject();
  if (!root)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "%s: top level must be an object",
                                   origin.str().c_str());
  Reader r(origin);
  Machine m;
  m.path = origin.str();
  if (auto name = root->getString("name"))
    m.name = name->str();
  else
    r.problem("name", "missing string");

  const auto *pe = r.object(root, "pe");
  m.pe.rows = r.integer(pe, "pe", "rows");
  m.pe.cols = r.integer(pe, "pe", "cols");
  m.pe.clockHz = r.number(pe, "pe", "clock_hz");
  m.pe.movingFreeMax = r.integer(pe, "pe", "moving_free_max");
  m.pe.mmMinCycles = r.number(pe, "pe", "mm_min_cycles");
  m.pe.loadStationarySpeedup = r.number(pe, "pe", "load_stationary_speedup");
  m.pe.pipelineLatencyCycles =
      r.number(pe, "pe", "pipeline_latency_cycles", /*positive=*/false);
  m.pe.issueCycles = r.number(pe, "pe", "issue_cycles", /*positive=*/false);
  if (pe) {
    m.pe.fp8DoubleRow = pe->getBoolean("fp8_double_row").value_or(false);
    const auto *perCol = r.object(pe, "mm_cycles_per_column");
    for (unsigned t = 0; t <= static_cast<unsigned>(ElemType::F8E5M2); ++t)
      m.pe.mmCyclesPerColumn[t] =
          r.number(perCol, "pe.mm_cycles_per_column",
                   elemTypeName(static_cast<ElemType>(t)));
    m.pe.mmCyclesPerColumn[static_cast<unsigned>(ElemType::I32)] =
        m.pe.mmCyclesPerColumn[static_cast<unsigned>(ElemType::F32)];
  }

  const auto *vec = r.object(root, "vector");
  m.vector.clockHz = r.number(vec, "vector", "clock_hz");
  m.vector.accessStartCycles =
      r.number(vec, "vector", "access_start_cycles", false);
  m.vector.minCycles = r.number(vec, "vector", "min_cycles", false);
  const auto *vecPer = r.object(vec, "cycles_per_element");
  m.vector.cyclesPerElementOneInput =
      r.number(vecPer, "vector.cycles_per_element", "one_input");
  m.vector.cyclesPerElementTwoInputs =
      r.number(vecPer, "vector.cycles_per_element", "two_inputs");
  const auto *perf = r.object(vec, "perf_mode");
  m.vector.perfCopyContiguous =
      r.speedup(perf, "vector.perf_mode", "copy_sbuf_contiguous");
  m.vector.perfCopyOther = r.speedup(perf, "vector.perf_mode", "copy_other");
  m.vector.perfTensorTensor =
      r.speedup(perf, "vector.perf_mode", "tensor_tensor_sbuf");
  m.vector.bf16ReduceSpeedup = r.speedup(vec, "vector", "bf16_reduce_speedup");
  if (perf)
    m.vector.perfModeSharesGpSimdBus =
        perf->getBoolean("shares_gpsimd_bus").value_or(false);

  const auto *act = r.object(root, "scalar");
  m.scalar.clockHz = r.number(act, "scalar", "clock_hz");
  m.scalar.accessStartCycles =
      r.number(act, "scalar", "access_start_cycles", false);
  m.scalar.minCycles = r.number(act, "scalar", "min_cycles", false);
  m.scalar.cyclesPerElement = r.number(act, "scalar", "cycles_per_element");
  m.scalar.reduceReadoutCycles =
      r.number(act, "scalar", "reduce_readout_cycles", false);

  const auto *pool = r.object(root, "gpsimd");
  m.gpsimd.clockHz = r.number(pool, "gpsimd", "clock_hz");
  m.gpsimd.cyclesPerElement = r.number(pool, "gpsimd", "cycles_per_element");
  m.gpsimd.fixedCycles = r.number(pool, "gpsimd", "fixed_cycles", false);

  const auto *access = r.object(root, "engine_access");
  m.engineAccess.stridedThresholdBytes =
      r.number(access, "engine_access", "strided_threshold_bytes");
  m.engineAccess.stridedSlowdown =
      r.speedup(access, "engine_access", "strided_slowdown");

  const auto *sync = r.object(root, "sync");
  m.sync.computeSemaphoreLatencyNs =
      r.number(sync, "sync", "compute_semaphore_latency_ns", false);
  m.sync.dmaSemaphoreLatencyNs =
      r.number(sync, "sync", "dma_semaphore_latency_ns", false);

  const auto *sbuf = r.object(root, "sbuf");
  m.sbuf.partitions = r.integer(sbuf, "sbuf", "partitions");
  m.sbuf.bytesPerPartition = r.integer(sbuf, "sbuf", "bytes_per_partition");
  if (sbuf)
    m.sbuf.alignBytes = sbuf->getInteger("alignment_bytes").value_or(64);
  const auto *psum = r.object(root, "psum");
  m.psum.partitions = r.integer(psum, "psum", "partitions");
  m.psum.bytesPerPartition = r.integer(psum, "psum", "bytes_per_partition");
  m.psum.banks = r.integer(psum, "psum", "banks");
  if (psum)
    m.psum.parallelBankAccess =
        psum->getBoolean("parallel_bank_access").value_or(false);

  const auto *dma = r.object(root, "dma");
  m.dma.queues = r.integer(dma, "dma", "queues");
  m.dma.fixedNs = r.number(dma, "dma", "fixed_ns", false);
  m.dma.queueBytesPerS = r.number(dma, "dma", "queue_bytes_per_s");
  m.dma.sizeEfficiency = r.curve(dma, "dma", "size_efficiency");
  m.dma.stridedThresholdBytes = r.number(dma, "dma", "strided_threshold_bytes");
  m.dma.stridedEfficiency = r.fraction(dma, "dma", "strided_efficiency");
  m.dma.indirectRowNs = r.number(dma, "dma", "indirect_row_ns", false);
  if (const llvm::json::Array *sizes =
          dma ? dma->getArray("transpose_element_bytes") : nullptr) {
    m.dma.transposeElementBytes.clear();
    for (const llvm::json::Value &v : *sizes) {
      std::optional<int64_t> b = v.getAsInteger();
      if (!b || (*b != 1 && *b != 2 && *b != 4))
        r.problem("dma.transpose_element_bytes",
                  "must list element sizes of 1, 2 or 4 bytes");
      else
        m.dma.transposeElementBytes.push_back(*b);
    }
  }
  const auto *tr = r.object(dma, "transpose_efficiency");
  m.dma.transposeEfficiencyHbm =
      r.fraction(tr, "dma.transpose_efficiency", "hbm_to_sbuf");
  m.dma.transposeEfficiencySbuf =
      r.fraction(tr, "dma.transpose_efficiency", "sbuf_to_sbuf");

  const auto *hbm = r.object(root, "hbm");
  m.hbm.bytesPerS = r.number(hbm, "hbm", "bytes_per_s");
  m.hbm.efficiency = r.fraction(hbm, "hbm", "efficiency");
  m.hbm.capacityBytes = r.integer(hbm, "hbm", "capacity_bytes");

  if (const auto *topo = root->getObject("topology")) {
    Machine::Topology &t = m.topology;
    t.present = true;
    t.coresPerChip = r.integer(topo, "topology", "cores_per_chip");
    t.lnc = r.integer(topo, "topology", "lnc");
    const llvm::json::Array *torus = topo->getArray("torus");
    if (!torus || torus->size() != 2)
      r.problem("topology.torus", "must be [x, y] chips per instance");
    else
      for (unsigned i = 0; i < 2; ++i) {
        std::optional<int64_t> v = (*torus)[i].getAsInteger();
        if (!v || *v < 1 || *v > 64)
          r.problem("topology.torus", "dimensions must be integers in [1, 64]");
        else
          t.torus[i] = *v;
      }
    t.torus[2] = r.integer(topo, "topology", "instances");
    t.collectiveEngines =
        r.integer(topo, "topology", "collective_engines_per_chip");
    t.neuronLinks = r.integer(topo, "topology", "neuronlinks_per_chip");
    t.hbmBytesPerSPerChip =
        r.number(topo, "topology", "hbm_bytes_per_s_per_chip");
    t.hbmCapacityBytesPerChip =
        r.integer(topo, "topology", "hbm_capacity_bytes_per_chip");
    t.intraChipBytesPerS = r.number(topo, "topology", "intra_chip_bytes_per_s");
    t.neuronLinkBytesPerS =
        r.number(topo, "topology", "neuronlink_bytes_per_s");
    t.interInstanceBytesPerS =
        r.number(topo, "topology", "inter_instance_bytes_per_s");
    t.stepLatencyNs = r.number(topo, "topology", "step_latency_ns", false);
    t.neuronLinkHopNs =
        r.number(topo, "topology", "neuronlink_hop_latency_ns", false);
    t.interInstanceHopNs =
        r.number(topo, "topology", "inter_instance_hop_latency_ns", false);
    if (r.err.empty()) {
      if (t.lnc != 1 && t.lnc != 2)
        r.problem("topology.lnc", "must be 1 or 2");
      else if (t.coresPerChip > 64 || t.coresPerChip % t.lnc != 0)
        r.problem("topology.cores_per_chip",
                  "must be at most 64 and a multiple of lnc");
      else if (t.torus[2] > 64)
        r.problem("topology.instances", "must be at most 64");
      else if (t.collectiveEngines > 256)
        r.problem("topology.collective_engines_per_chip",
                  "must be at most 256");
      else if (t.hbmCapacityBytesPerChip <
               m.hbm.capacityBytes * t.logicalCoresPerChip())
        r.problem("topology.hbm_capacity_bytes_per_chip",
                  "must hold hbm.capacity_bytes for every logical core");
    }
  }

  if (r.err.empty()) {
    if (m.sbuf.partitions != m.pe.rows)
      r.problem("sbuf.partitions", "must equal pe.rows");
    else if (m.psum.partitions != m.pe.rows)
      r.problem("psum.partitions", "must equal pe.rows");
    else if (m.sbuf.alignBytes < 1 ||
             (m.sbuf.alignBytes & (m.sbuf.alignBytes - 1)) != 0)
      r.problem("sbuf.alignment_bytes", "must be a power of two");
    else if (m.sbuf.bytesPerPartition % m.sbuf.alignBytes != 0)
      r.problem("sbuf.bytes_per_partition",
                "must be a multiple of sbuf.alignment_bytes (the allocation "
                "granule)");
    else if (m.psum.bytesPerPartition % m.psum.banks != 0)
      r.problem("psum.banks", "must divide psum.bytes_per_partition");
    else if (m.dma.queues > 64)
      r.problem("dma.queues", "must be <= 64");
  }
  if (!r.err.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), r.err);
  return m;
}

Expected<Machine> muir::target::loadMachine(StringRef nameOrPath) {
  std::string path = nameOrPath.str();
  if (!nameOrPath.ends_with(".json")) {
    llvm::SmallVector<std::string, 2> dirs;
    if (const char *env = std::getenv("MUIR_TARGETS_DIR"))
      dirs.push_back(env);
    dirs.push_back(std::string(MUIR_SOURCE_DIR) + "/targets");
    path.clear();
    for (const std::string &d : dirs) {
      std::string candidate = d + "/" + nameOrPath.str() + ".json";
      if (llvm::sys::fs::exists(candidate)) {
        path = candidate;
        break;
      }
    }
    if (path.empty())
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "unknown target '%s': no %s.json in MUIR_TARGETS_DIR or %s/targets",
          nameOrPath.str().c_str(), nameOrPath.str().c_str(), MUIR_SOURCE_DIR);
  }
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf)
    return llvm::createStringError(buf.getError(), "cannot read %s: %s",
                                   path.c_str(),
                                   buf.getError().message().c_str());
  return parseMachine((*buf)->getBuffer(), path);
}
