//===- Report.cpp - human and JSON forms of a simulation report -----------===//
#include "muir/Sim/Simulator.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace muir::sim;

std::string Report::toText() const {
  std::string s;
  llvm::raw_string_ostream os(s);
  auto line = [&](llvm::StringRef key) -> llvm::raw_ostream & {
    return os << llvm::left_justify(key, 18);
  };
  line("cycles") << llvm::format("%.0f", cycles) << " (PE clock)\n";
  line("time") << llvm::format("%.3f", seconds * 1e6) << " us\n";
  line("pe utilization") << llvm::format("%.1f", peUtilization * 100) << " %\n";
  line("macs") << macs << "\n";
  line("hbm bytes read") << hbmBytesRead << "\n";
  line("hbm bytes written") << hbmBytesWritten << "\n";
  line("sbuf peak bytes") << sbufPeakBytes << " per partition\n";
  line("psum peak bytes") << psumPeakBytes << " per partition\n";
  line("instructions") << instructions << "\n";
  os << "busy:\n";
  for (const QueueStats &q : queues) {
    if (q.instructions == 0 && q.name.rfind("dma", 0) == 0)
      continue; // unused DMA queues would only add noise
    os << "  " << llvm::left_justify(q.name, 8)
       << llvm::format("%6.1f", q.busyFraction * 100) << " %  "
       << llvm::format_decimal(q.instructions, 6) << " instructions\n";
  }
  return s;
}

std::string Report::toJson() const {
  llvm::json::Object busy, counts;
  for (const QueueStats &q : queues) {
    busy[q.name] = q.busyFraction;
    counts[q.name] = int64_t(q.instructions);
  }
  llvm::json::Object o{
      {"cycles", cycles},
      {"seconds", seconds},
      {"pe_utilization", peUtilization},
      {"macs", int64_t(macs)},
      {"hbm_bytes_read", int64_t(hbmBytesRead)},
      {"hbm_bytes_written", int64_t(hbmBytesWritten)},
      {"busy", std::move(busy)},
      {"queue_instructions", std::move(counts)},
      {"sbuf_peak_bytes", sbufPeakBytes},
      {"psum_peak_bytes", psumPeakBytes},
      {"instructions", int64_t(instructions)},
  };
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(o)));
  return s;
}
