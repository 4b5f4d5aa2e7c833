//===- muir-run.cpp - run an xf function on a backend ---------------------===//
//
// The command-line face of the backends: tests feed .npy inputs, read .npy
// outputs or let muir-run compare against expected arrays. Exit codes: 0 ok,
// 1 numerical mismatch against --expect, 2 any error.
//
//===----------------------------------------------------------------------===//
#include "muir/Dialect/Xf/XfDialect.h"
#include "muir/Driver/Driver.h"
#include "muir/InitAll.h"
#include "muir/Reference/Reference.h"
#include "muir/Support/CheckedSize.h"
#include "muir/Support/Npy.h"
#include "muir/Support/ParserGuard.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <random>

using namespace mlir;
using namespace muir;
using muir::ref::DType;
using muir::ref::HostTensor;

namespace {
llvm::cl::OptionCategory runCat("muir-run options");

llvm::cl::opt<std::string> inputFile(llvm::cl::Positional,
                                     llvm::cl::desc("<input .mlir file>"),
                                     llvm::cl::init("-"),
                                     llvm::cl::cat(runCat));
llvm::cl::opt<std::string> functionName("function",
                                        llvm::cl::desc("Function to run"),
                                        llvm::cl::value_desc("name"),
                                        llvm::cl::cat(runCat));
llvm::cl::opt<std::string> backend("backend",
                                   llvm::cl::desc("Backend: reference (CPU "
                                                  "oracle) or sim (compile for "
                                                  "the target and simulate)"),
                                   llvm::cl::init("reference"),
                                   llvm::cl::cat(runCat));
llvm::cl::list<std::string>
    inputs("input", llvm::cl::desc("Argument .npy files, in argument order"),
           llvm::cl::value_desc("path"), llvm::cl::cat(runCat));
llvm::cl::opt<uint64_t>
    seed("seed", llvm::cl::desc("Seed for arguments without --input"),
         llvm::cl::init(0), llvm::cl::cat(runCat));
llvm::cl::list<std::string> kernelConfigs(
    "kernel-config",
    llvm::cl::desc("Override a kernel's schedule: <kernel>.<key>=<value> "
                   "(e.g. k3.schedule=stream; repeatable, comma-separated)"),
    llvm::cl::value_desc("item"), llvm::cl::CommaSeparated,
    llvm::cl::cat(runCat));
llvm::cl::list<std::string>
    outputs("output", llvm::cl::desc("Result .npy files, in result order"),
            llvm::cl::value_desc("path"), llvm::cl::cat(runCat));
llvm::cl::list<std::string>
    expects("expect", llvm::cl::desc("Expected result .npy files"),
            llvm::cl::value_desc("path"), llvm::cl::cat(runCat));
llvm::cl::opt<double> rtol("rtol", llvm::cl::desc("Relative tolerance"),
                           llvm::cl::init(1e-5), llvm::cl::cat(runCat));
llvm::cl::opt<double> atol("atol", llvm::cl::desc("Absolute tolerance"),
                           llvm::cl::init(1e-6), llvm::cl::cat(runCat));
llvm::cl::opt<bool> printValues("print",
                                llvm::cl::desc("Print every result's values"),
                                llvm::cl::cat(runCat));

llvm::cl::opt<std::string>
    targetName("target", llvm::cl::desc("Machine description (sim backend)"),
               llvm::cl::init("trn2"), llvm::cl::cat(runCat));
llvm::cl::opt<bool> check("check",
                          llvm::cl::desc("Also run the reference backend and "
                                         "compare within the per-dtype "
                                         "tolerance (plus each element's "
                                         "rounding sensitivity)"),
                          llvm::cl::cat(runCat));
// A test hook: shows that --check still catches an error of a given size.
llvm::cl::opt<double> checkInject(
    "check-inject",
    llvm::cl::desc("Testing: add this to the first element of every float "
                   "simulator result before --check compares it"),
    llvm::cl::init(0), llvm::cl::Hidden, llvm::cl::cat(runCat));
llvm::cl::opt<std::string>
    tracePath("trace", llvm::cl::desc("Write a Perfetto/Chrome trace (sim)"),
              llvm::cl::value_desc("path"), llvm::cl::cat(runCat));
llvm::cl::opt<std::string>
    reportJson("report-json", llvm::cl::desc("Write the sim report as JSON"),
               llvm::cl::value_desc("path"), llvm::cl::cat(runCat));
llvm::cl::opt<bool> noHazards("no-hazard-check",
                              llvm::cl::desc("Skip the simulator's hazard "
                                             "checker"),
                              llvm::cl::cat(runCat));
llvm::cl::opt<bool> timingOnly(
    "timing-only",
    llvm::cl::desc("Simulate timing without computing values (sim backend; "
                   "no inputs, outputs or checks)"),
    llvm::cl::cat(runCat));
llvm::cl::opt<int64_t>
    cores("cores",
          llvm::cl::desc("Shard the function over N cores (muir-xf-shard) and "
                         "simulate them on a multi-core target (sim backend; "
                         "inputs and results are global tensors)"),
          llvm::cl::init(0), llvm::cl::cat(runCat));
llvm::cl::opt<int64_t> contextParallel(
    "context-parallel",
    llvm::cl::desc("With --cores: split the sequence over this many blocks "
                   "of ranks (muir-xf-shard context-parallel=; 0: one block "
                   "per chip when the mesh spans chips and the graph allows, "
                   "1: one mesh axis)"),
    llvm::cl::init(0), llvm::cl::cat(runCat));
llvm::cl::opt<bool> tileLoops(
    "tile-loops",
    llvm::cl::desc("Roll each kernel's tiles into loops before scheduling "
                   "(--muir-compile tile-loops=; sim backend)"),
    llvm::cl::cat(runCat));
llvm::cl::opt<bool> splitResults(
    "split-results",
    llvm::cl::desc("With --cores: leave split results split on the ranks "
                   "(assembled for output), as a layer hands them to the "
                   "next, instead of gathering them on every rank"),
    llvm::cl::cat(runCat));
llvm::cl::opt<int64_t> pipelineStages(
    "pipeline-stages",
    llvm::cl::desc("With --cores: pipeline parallelism over this many stages "
                   "of layers (muir-xf-shard pipeline-stages=; needs "
                   "--microbatches); the program then takes the activation "
                   "argument as [microbatches, ...] and returns [microbatches, "
                   "...]"),
    llvm::cl::init(0), llvm::cl::cat(runCat));
llvm::cl::opt<int64_t> microbatches(
    "microbatches",
    llvm::cl::desc("With --pipeline-stages: the microbatches the pipelined "
                   "program runs"),
    llvm::cl::init(0), llvm::cl::cat(runCat));
llvm::cl::opt<bool> summary("summary",
                            llvm::cl::desc("Print min/max/mean of each result"),
                            llvm::cl::cat(runCat));

constexpr int kExitMismatch = 1;
constexpr int kExitError = 2;

int fail(const llvm::Twine &msg) {
  llvm::errs() << "muir-run: error: " << msg << "\n";
  return kExitError;
}

std::string typeStr(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

/// Picks --function, else "main", else the only public function.
FailureOr<func::FuncOp> selectFunction(ModuleOp module) {
  SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
  auto listNames = [&] {
    std::string names;
    for (func::FuncOp f : funcs)
      names += (names.empty() ? "" : ", ") + f.getSymName().str();
    return names.empty() ? std::string("none") : names;
  };
  if (!functionName.empty()) {
    for (func::FuncOp f : funcs)
      if (f.getSymName() == functionName)
        return f;
    fail("no function named '" + functionName + "' (functions: " + listNames() +
         ")");
    return failure();
  }
  for (func::FuncOp f : funcs)
    if (f.getSymName() == "main")
      return f;
  SmallVector<func::FuncOp> pub;
  for (func::FuncOp f : funcs)
    if (f.isPublic() && !f.isExternal())
      pub.push_back(f);
  if (pub.size() == 1)
    return pub[0];
  fail("cannot choose a function: pass --function (functions: " + listNames() +
       ")");
  return failure();
}

/// Converts a .npy array to argument #index of type `type`.
FailureOr<HostTensor> tensorFromNpy(const npy::Array &a, StringRef path,
                                    unsigned index, RankedTensorType type,
                                    DType dtype) {
  llvm::Expected<HostTensor> t =
      driver::hostTensorFromNpy(a, type.getShape(), dtype);
  if (!t) {
    fail("argument #" + llvm::Twine(index) + " expects " + typeStr(type) +
         " but " + path + " has shape " + npy::shapeString(a.shape) +
         " and dtype " + a.descr + " (" + llvm::toString(t.takeError()) + ")");
    return failure();
  }
  return std::move(*t);
}

/// Index range for a random integer argument: the table size of a gather
/// that uses it as indices, so seeded runs never index out of range.
int64_t randomIntRange(BlockArgument arg) {
  int64_t range = -1;
  auto within = [&](int64_t v) { range = range < 0 ? v : std::min(range, v); };
  for (Operation *user : arg.getUsers()) {
    if (auto g = dyn_cast<xf::GatherOp>(user); g && g.getIndices() == arg)
      within(cast<RankedTensorType>(g.getTable().getType()).getDimSize(0));
    // index_copy positions: along the destination's axis.
    if (auto c = dyn_cast<xf::IndexCopyOp>(user); c && c.getIndices() == arg) {
      auto t = cast<RankedTensorType>(c.getDest().getType());
      int64_t axis = static_cast<int64_t>(c.getAxis()); // verified in range
      if (axis >= 0 && axis < t.getRank())
        within(t.getDimSize(axis));
    }
  }
  return range < 0 ? 16 : std::max<int64_t>(range, 1);
}

HostTensor randomTensor(std::mt19937_64 &rng, RankedTensorType type,
                        DType dtype, int64_t intRange) {
  HostTensor t;
  t.shape.assign(type.getShape().begin(), type.getShape().end());
  t.dtype = dtype;
  int64_t n = t.numElements();
  if (ref::isFloatDType(dtype)) {
    t.data.resize(n);
    for (float &v : t.data) {
      // 24 random bits give an exact float k * 2^-23 - 1 in [-1, 1).
      float u = (float)(rng() >> 40) * 0x1p-23f - 1.0f;
      v = ref::roundTo(dtype, u);
    }
  } else {
    t.ints.resize(n);
    for (int64_t &v : t.ints)
      v = (int64_t)(rng() % (uint64_t)intRange);
  }
  return t;
}

std::string formatValue(double v, bool isInt) {
  char buf[64];
  if (isInt)
    snprintf(buf, sizeof(buf), "%lld", (long long)v);
  else if (std::isnan(v))
    return "nan"; // printf would say "-nan" for x86's default NaN
  else
    snprintf(buf, sizeof(buf), "%.7g", v);
  return buf;
}

double valueAt(const HostTensor &t, int64_t i) {
  return ref::isFloatDType(t.dtype) ? (double)t.data[i] : (double)t.ints[i];
}

/// NumPy-like nested brackets on one line: [[1, 2.5], [-3, 4]].
void printNested(llvm::raw_ostream &os, const HostTensor &t, size_t dim,
                 int64_t &flat) {
  bool isInt = !ref::isFloatDType(t.dtype);
  if (dim == t.shape.size()) {
    if (isInt)
      os << t.ints[flat++];
    else
      os << formatValue(t.data[flat++], false);
    return;
  }
  os << "[";
  for (int64_t i = 0; i < t.shape[dim]; ++i) {
    if (i)
      os << ", ";
    printNested(os, t, dim + 1, flat);
  }
  os << "]";
}

std::string indexStr(ArrayRef<int64_t> shape, int64_t flat) {
  SmallVector<int64_t> idx(shape.size());
  for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  std::string s = "[";
  for (size_t d = 0; d < idx.size(); ++d)
    s += (d ? ", " : "") + std::to_string(idx[d]);
  return s + "]";
}

/// Compares a result against expected values; true when all match.
FailureOr<bool> compare(unsigned index, const HostTensor &got, StringRef path,
                        llvm::raw_ostream &os) {
  auto exp = npy::readNpy(path);
  if (!exp) {
    fail(llvm::toString(exp.takeError()));
    return failure();
  }
  if (ArrayRef<int64_t>(exp->shape) != ArrayRef<int64_t>(got.shape)) {
    std::string shape = npy::shapeString(got.shape);
    fail("result #" + llvm::Twine(index) + " has shape " + shape + " but " +
         path + " has shape " + npy::shapeString(exp->shape));
    return failure();
  }
  auto expAt = [&](int64_t i) -> double {
    switch (exp->kind) {
    case npy::ElementKind::Float:
      return exp->floats[i];
    case npy::ElementKind::Int:
      return (double)exp->ints[i];
    case npy::ElementKind::RawBits:
      return ref::fromBits(got.dtype, exp->bits[i]);
    }
    return 0;
  };
  if (exp->kind == npy::ElementKind::RawBits && got.dtype != DType::F8E4M3FN &&
      got.dtype != DType::F8E5M2) {
    fail(path + " holds 1-byte void data, only read as float8, but result #" +
         llvm::Twine(index) + " is " + ref::dtypeName(got.dtype));
    return failure();
  }
  int64_t n = got.numElements(), mismatches = 0, first = -1;
  double maxAbs = 0, maxRel = 0;
  const double inf = std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i) {
    double g = valueAt(got, i), e = expAt(i);
    bool ok;
    double absErr, relErr;
    if (std::isnan(g) || std::isnan(e)) {
      ok = std::isnan(g) && std::isnan(e);
      absErr = relErr = ok ? 0 : inf;
    } else if (g == e) {
      ok = true;
      absErr = relErr = 0;
    } else {
      absErr = std::fabs(g - e);
      relErr = e != 0 ? absErr / std::fabs(e) : inf;
      ok = absErr <= atol + rtol * std::fabs(e);
    }
    maxAbs = std::max(maxAbs, absErr);
    if (e != 0 || !ok)
      maxRel = std::max(maxRel, relErr);
    if (!ok) {
      if (first < 0)
        first = i;
      ++mismatches;
    }
  }
  char buf[128];
  snprintf(buf, sizeof(buf), "max_abs_err=%.3g max_rel_err=%.3g", maxAbs,
           maxRel);
  os << "result #" << index << ": " << buf << " mismatches=" << mismatches
     << "/" << n;
  if (mismatches == 0) {
    os << " OK\n";
    return true;
  }
  bool isInt = !ref::isFloatDType(got.dtype);
  os << " MISMATCH first at " << indexStr(got.shape, first) << ": got "
     << formatValue(valueAt(got, first), isInt) << " expected "
     << formatValue(expAt(first), false) << "\n";
  return false;
}

int run() {
  if (backend != "reference" && backend != "sim")
    return fail("unknown backend '" + backend +
                "' (available: reference, sim)");

  DialectRegistry registry;
  muir::registerAllDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // The offending op's source line is already shown; a generic-form dump of
  // it only adds noise to execution errors.
  context.printOpOnDiagnostic(false);

  std::string errorMessage;
  auto file = openInputFile(inputFile, &errorMessage);
  if (!file)
    return fail(errorMessage);
  if (llvm::Error e = muir::checkParserInput(file->getBuffer(), inputFile))
    return fail(llvm::toString(std::move(e)));
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context, llvm::errs());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return kExitError; // the parser or verifier already reported why

  auto func = selectFunction(*module);
  if (failed(func))
    return kExitError;
  FunctionType fnType = func->getFunctionType();
  unsigned numArgs = fnType.getNumInputs();
  if (inputs.size() > numArgs)
    return fail(llvm::Twine(inputs.size()) + " --input files given but '" +
                func->getSymName() + "' takes " + llvm::Twine(numArgs) +
                " argument" + (numArgs == 1 ? "" : "s"));
  if (outputs.size() > fnType.getNumResults())
    return fail(llvm::Twine(outputs.size()) + " --output files given but '" +
                func->getSymName() + "' has " +
                llvm::Twine(fnType.getNumResults()) + " result" +
                (fnType.getNumResults() == 1 ? "" : "s"));
  if (expects.size() > fnType.getNumResults())
    return fail(llvm::Twine(expects.size()) + " --expect files given but '" +
                func->getSymName() + "' has " +
                llvm::Twine(fnType.getNumResults()) + " result" +
                (fnType.getNumResults() == 1 ? "" : "s"));
  if (func->isExternal())
    return fail("function '" + func->getSymName() + "' has no body");
  if (timingOnly &&
      (backend != "sim" || check || !inputs.empty() || !outputs.empty() ||
       !expects.empty() || printValues || summary))
    return fail("--timing-only needs --backend=sim and computes no values: "
                "it cannot be combined with --check, --input, --output, "
                "--expect, --print or --summary");

  if (cores.getNumOccurrences() && (cores < 1 || backend != "sim"))
    return fail("--cores=N needs N >= 1 and --backend=sim (got --cores=" +
                llvm::Twine(cores) + ", --backend=" + backend + ")");
  if ((contextParallel.getNumOccurrences() ||
       splitResults.getNumOccurrences()) &&
      !cores.getNumOccurrences())
    return fail("--context-parallel and --split-results shape a mesh: they "
                "need --cores=N");

  if ((pipelineStages.getNumOccurrences() ||
       microbatches.getNumOccurrences()) &&
      (!cores.getNumOccurrences() || backend != "sim"))
    return fail("--pipeline-stages and --microbatches shape a mesh: they "
                "need --cores=N and --backend=sim");
  // The simulator's program is compiled first: a pipelined one (the flags
  // or the module's xf.pipeline_stages) computes the function on stacked
  // microbatches, and its arguments and reference are that function's.
  std::optional<driver::Compiled> compiled;
  if (backend == "sim") {
    auto c = driver::compile(
        *module, func->getSymName(), targetName,
        std::vector<std::string>(kernelConfigs.begin(), kernelConfigs.end()),
        cores, contextParallel, splitResults, pipelineStages, microbatches,
        tileLoops);
    if (failed(c))
      return kExitError;
    compiled = std::move(*c);
    func = driver::computedFunction(*module, func->getSymName(), *compiled);
    if (failed(func))
      return kExitError;
    fnType = func->getFunctionType();
  }

  std::mt19937_64 rng(seed);
  SmallVector<HostTensor> args;
  for (unsigned i = 0; i < numArgs; ++i) {
    Type argType = fnType.getInput(i);
    auto ranked = dyn_cast<RankedTensorType>(argType);
    auto dtype = ranked ? ref::dtypeOf(ranked.getElementType()) : std::nullopt;
    if (!ranked || !ranked.hasStaticShape() || !dtype)
      return fail("argument #" + llvm::Twine(i) + " has unsupported type " +
                  typeStr(argType));
    if (timingOnly) { // no values: the shape is all the simulator needs
      HostTensor h;
      h.shape.assign(ranked.getShape().begin(), ranked.getShape().end());
      h.dtype = *dtype;
      args.push_back(std::move(h));
      continue;
    }
    std::optional<int64_t> n = muir::checkedProduct(ranked.getShape());
    if (!n || *n > muir::kMaxHostElements)
      return fail("argument #" + llvm::Twine(i) + " of type " +
                  typeStr(argType) + " has more than " +
                  llvm::Twine(muir::kMaxHostElements) +
                  " elements, the host limit of muir-run");
    if (i < inputs.size()) {
      auto a = npy::readNpy(inputs[i]);
      if (!a)
        return fail(llvm::toString(a.takeError()));
      auto t = tensorFromNpy(*a, inputs[i], i, ranked, *dtype);
      if (failed(t))
        return kExitError;
      args.push_back(std::move(*t));
    } else {
      args.push_back(randomTensor(rng, ranked, *dtype,
                                  randomIntRange(func->getArgument(i))));
    }
  }

  llvm::raw_ostream &os = llvm::outs();
  auto start = std::chrono::steady_clock::now();
  FailureOr<SmallVector<HostTensor>> results = failure();
  bool checkOk = true;
  if (backend == "reference") {
    results = ref::runFunction(*func, args);
  } else {
    SmallVector<HostTensor> shapes;
    for (Type t : fnType.getResults()) {
      auto rt = cast<RankedTensorType>(t);
      HostTensor h;
      h.shape.assign(rt.getShape().begin(), rt.getShape().end());
      h.dtype = *ref::dtypeOf(rt.getElementType());
      shapes.push_back(std::move(h));
    }
    sim::Options so;
    so.checkHazards = !noHazards;
    so.trace = !tracePath.empty();
    so.numerics = !timingOnly;
    char line[256];
    // Several cores: one SPMD program, global inputs sliced per rank.
    std::optional<driver::MultiSimResult> multi;
    if (compiled->cores > 1) {
      auto m = driver::simulateCores(*compiled, args, shapes, so);
      if (!m)
        return fail(llvm::toString(m.takeError()));
      multi = std::move(*m);
      const sim::MultiReport &mr = multi->report;
      snprintf(line, sizeof(line),
               "sim: target=%s cores=%lld cycles=%.0f time=%.3f us "
               "collectives=%llu collective_time=%.3f us (%.1f%%) per rank "
               "link_bytes=%.0f compile=%.3f s\n",
               compiled->machine.name.c_str(), (long long)compiled->cores,
               mr.cycles, mr.seconds * 1e6, (unsigned long long)mr.collectives,
               mr.collectiveRankNs / 1000,
               mr.seconds > 0 ? mr.collectiveRankNs * 1e-9 / mr.seconds * 100
                              : 0,
               mr.linkBytes, compiled->compileSeconds);
      os << line << mr.toText();
    }
    auto simRes = multi ? llvm::Expected<driver::SimResult>(driver::SimResult{
                              std::move(multi->outputs), sim::Report(),
                              std::move(multi->traceJson)})
                        : driver::simulate(*compiled, args, shapes, so);
    if (!simRes)
      return fail(llvm::toString(simRes.takeError()));
    const sim::Report &rep = simRes->report;
    snprintf(line, sizeof(line),
             "sim: target=%s cycles=%.0f time=%.3f us pe_utilization=%.1f%% "
             "hbm_read=%llu hbm_written=%llu instructions=%llu "
             "compile=%.3f s\n",
             compiled->machine.name.c_str(), rep.cycles, rep.seconds * 1e6,
             rep.peUtilization * 100, (unsigned long long)rep.hbmBytesRead,
             (unsigned long long)rep.hbmBytesWritten,
             (unsigned long long)rep.instructions, compiled->compileSeconds);
    if (!multi)
      os << line;
    if (!tracePath.empty()) {
      std::error_code ec;
      llvm::raw_fd_ostream f(tracePath, ec);
      if (ec)
        return fail("cannot write " + tracePath + ": " + ec.message());
      f << simRes->traceJson;
    }
    if (!reportJson.empty()) {
      std::error_code ec;
      llvm::raw_fd_ostream f(reportJson, ec);
      if (ec)
        return fail("cannot write " + reportJson + ": " + ec.message());
      f << (multi ? multi->report.toJson() : rep.toJson());
    }
    if (check) {
      auto want = ref::runFunction(*func, args);
      if (failed(want))
        return kExitError;
      // Elements outside the per-type tolerance get a second look: the
      // allowance of their rounding sensitivity, measured only then.
      std::optional<SmallVector<std::vector<float>>> sensitivity;
      if (checkInject != 0)
        for (ref::HostTensor &t : simRes->outputs)
          if (ref::isFloatDType(t.dtype) && !t.data.empty())
            t.data[0] += checkInject;
      for (auto [i, w] : llvm::enumerate(*want)) {
        driver::Tolerance tol = driver::toleranceForResult(*func, i);
        double maxAbs, maxRel;
        int64_t first, sensitive = 0;
        int64_t bad =
            driver::compare(simRes->outputs[i], w, tol, maxAbs, maxRel, first);
        if (bad && !sensitivity) {
          auto s = driver::roundingSensitivity(*func, args, *want);
          if (failed(s))
            return kExitError;
          sensitivity = std::move(*s);
        }
        if (bad)
          bad = driver::compare(simRes->outputs[i], w, tol, maxAbs, maxRel,
                                first, (*sensitivity)[i], &sensitive);
        snprintf(line, sizeof(line),
                 "check #%zu: vs reference rtol=%g atol=%g max_abs_err=%.3g "
                 "max_rel_err=%.3g mismatches=%lld/%lld %s",
                 i, tol.rtol, tol.atol, maxAbs, maxRel, (long long)bad,
                 (long long)w.numElements(), bad ? "MISMATCH" : "OK");
        os << line;
        if (sensitive)
          os << " (" << sensitive << " only within their rounding sensitivity)";
        os << "\n";
        if (bad) {
          checkOk = false;
          double g = ref::isFloatDType(w.dtype)
                         ? simRes->outputs[i].data[first]
                         : simRes->outputs[i].ints[first];
          double e = ref::isFloatDType(w.dtype) ? w.data[first] : w.ints[first];
          os << "check #" << i << ": first mismatch at flat index " << first
             << ": sim " << g << ", reference " << e << "\n";
        }
      }
    }
    results = std::move(simRes->outputs);
  }
  double ms = std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - start)
                  .count();
  if (failed(results))
    return kExitError;

  bool allMatch = checkOk;
  for (auto [i, r] : llvm::enumerate(*results)) {
    if (timingOnly)
      break;
    os << "result #" << i << ": " << fnType.getResult(i) << "\n";
    if (summary && ref::isFloatDType(r.dtype) && r.numElements() > 0) {
      double lo = r.data[0], hi = r.data[0], sum = 0, sumAbs = 0;
      for (float v : r.data) {
        lo = std::min<double>(lo, v);
        hi = std::max<double>(hi, v);
        sum += v;
        sumAbs += std::fabs(v);
      }
      char line[200];
      snprintf(line, sizeof(line),
               "  min=%.6g max=%.6g mean=%.6g mean_abs=%.6g\n", lo, hi,
               sum / r.numElements(), sumAbs / r.numElements());
      os << line;
    }
    if (printValues) {
      int64_t flat = 0;
      printNested(os, r, 0, flat);
      os << "\n";
    }
    if (i < outputs.size()) {
      llvm::Error err = ref::isFloatDType(r.dtype)
                            ? npy::writeNpyF32(outputs[i], r.shape, r.data)
                            : npy::writeNpyI64(outputs[i], r.shape, r.ints);
      if (err)
        return fail(llvm::toString(std::move(err)));
    }
    if (i < expects.size()) {
      auto ok = compare(i, r, expects[i], os);
      if (failed(ok))
        return kExitError;
      allMatch &= *ok;
    }
  }
  os.flush();
  char buf[64];
  snprintf(buf, sizeof(buf), "%.3f", ms);
  llvm::errs() << "muir-run: backend=" << backend << " time=" << buf << " ms\n";
  return allMatch ? 0 : kExitMismatch;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  llvm::cl::HideUnrelatedOptions(runCat);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "muir-run: run an xf function on a backend\n\n"
      "Exit status: 0 success, 1 mismatch against --expect, 2 error.\n");
  return run();
}
