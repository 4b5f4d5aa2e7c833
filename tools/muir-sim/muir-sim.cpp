//===- muir-sim.cpp - run an nc kernel on the NeuronCore simulator --------===//
//
// muir-sim KERNEL.mlir [--input=NAME=X.npy]... [--output=NAME=Y.npy]...
//          [--print] [--report] [--report-json=PATH] [--trace=PATH]
//          [--timing-only] [--no-hazard-check] [--no-verify]
//          [--target=NAME|PATH] [--seed=N]
//          [--kernel=NAME] [--cores=N [--sim-threads=T]]
// With --cores=N the kernel runs SPMD on ranks 0..N-1 of the target's
// topology (docs/scaleout.md): `--input=NAME=X.npy` feeds every rank the
// same tensor, or rank r the r-th slice when X has a leading dimension of
// N in front of the tensor's elements; `--input=NAME@R=X.npy` feeds rank R
// only (it wins over the former); --output writes the ranks' tensors
// stacked along a new leading dimension of N.
// Exit status 0 on success, 2 on any error (message on stderr).
//
//===----------------------------------------------------------------------===//
#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/InitAll.h"
#include "muir/Sim/MultiCore.h"
#include "muir/Sim/Simulator.h"
#include "muir/Support/Npy.h"
#include "muir/Support/ParserGuard.h"
#include "muir/Target/Binary.h"
#include "muir/Target/Machine.h"
#include "muir/Target/NcProgram.h"
#include "muir/Target/Validate.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <map>
#include <random>

using namespace muir;
using namespace muir::target;
namespace cl = llvm::cl;

static cl::OptionCategory simCat("muir-sim options");
static cl::opt<std::string> inputFile(cl::Positional,
                                      cl::desc("<kernel.mlir or muir binary>"),
                                      cl::init("-"), cl::cat(simCat));
static cl::list<std::string> inputs("input",
                                    cl::desc("NAME=PATH.npy: an input tensor"),
                                    cl::cat(simCat));
static cl::list<std::string>
    outputs("output", cl::desc("NAME=PATH.npy: write a tensor after the run"),
            cl::cat(simCat));
static cl::opt<unsigned> seed("seed", cl::desc("seed for inputs not given"),
                              cl::init(0), cl::cat(simCat));
static cl::opt<bool> printOutputs("print", cl::desc("print output tensors"),
                                  cl::cat(simCat));
static cl::opt<bool> printReport("report", cl::desc("print the timing report"),
                                 cl::cat(simCat));
static cl::opt<std::string> reportJson("report-json",
                                       cl::desc("write the report as JSON"),
                                       cl::value_desc("path"), cl::cat(simCat));
static cl::opt<std::string> tracePath("trace",
                                      cl::desc("write a Chrome/Perfetto trace"),
                                      cl::value_desc("path"), cl::cat(simCat));
static cl::opt<bool>
    timingOnly("timing-only",
               cl::desc("simulate timing without computing values (no "
                        "inputs, outputs or printing)"),
               cl::cat(simCat));
static cl::opt<bool> noHazards("no-hazard-check",
                               cl::desc("skip the hazard checker"),
                               cl::cat(simCat));
static cl::opt<bool>
    noVerify("no-verify",
             cl::desc("do not run the nc verifiers (the program is still "
                      "checked for memory safety)"),
             cl::cat(simCat));
static cl::opt<std::string>
    kernelName("kernel",
               cl::desc("the nc.kernel to run when the file holds several "
                        "(default: the first)"),
               cl::value_desc("name"), cl::cat(simCat));
static cl::opt<unsigned>
    numCores("cores",
             cl::desc("simulate N cores running the kernel (SPMD); 0: one "
                      "core, no collectives"),
             cl::init(0), cl::cat(simCat));
static cl::opt<unsigned>
    numThreads("sim-threads",
               cl::desc("host threads for --cores (0: one per hardware "
                        "thread); results do not depend on it"),
               cl::init(0), cl::cat(simCat));
static cl::opt<std::string> targetOverride(
    "target",
    cl::desc("simulate on this machine instead of the kernel's target"),
    cl::value_desc("name or .json path"), cl::cat(simCat));

static int fail(const llvm::Twine &msg) {
  llvm::errs() << "muir-sim: " << msg << "\n";
  return 2;
}
static int fail(llvm::Error e) { return fail(llvm::toString(std::move(e))); }

/// --report, --report-json and --trace for a single- or multi-core run.
template <typename Report, typename Sim>
static int writeReports(const Report &rep, Sim &sim) {
  if (printReport)
    llvm::outs() << rep.toText();
  if (!reportJson.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream os(reportJson, ec);
    if (ec)
      return fail("cannot write '" + reportJson + "': " + ec.message());
    os << rep.toJson() << "\n";
  }
  if (!tracePath.empty())
    if (llvm::Error e = sim.writeTrace(tracePath))
      return fail(std::move(e));
  return 0;
}

static bool splitAssign(llvm::StringRef arg, std::string &name,
                        std::string &path) {
  auto [n, p] = arg.split('=');
  if (n.empty() || p.empty())
    return false;
  name = n.str();
  path = p.str();
  return true;
}

/// Converts a .npy array to the tensor's raw element bytes.
static llvm::Expected<std::vector<uint8_t>>
npyToBytes(const npy::Array &a, const TensorDecl &t, llvm::StringRef path) {
  if (a.numElements() != t.numElements())
    return llvm::createStringError(
        "'%s' holds %lld elements %s but tensor '%s' has %lld",
        path.str().c_str(), (long long)a.numElements(),
        npy::shapeString(a.shape).c_str(), t.name.c_str(),
        (long long)t.numElements());
  unsigned eb = elemBytes(t.type);
  std::vector<uint8_t> out(size_t(t.numElements()) * eb);
  for (int64_t i = 0; i < t.numElements(); ++i) {
    uint8_t *p = out.data() + i * eb;
    switch (a.kind) {
    case npy::ElementKind::Float:
      sim::encodeElement(t.type, a.floats[i], p);
      break;
    case npy::ElementKind::Int:
      if (t.type == ElemType::I32) {
        int32_t v = int32_t(a.ints[i]);
        std::memcpy(p, &v, 4);
      } else if (t.type == ElemType::BF16 && a.descr == "<u2") {
        uint16_t v = uint16_t(a.ints[i]); // raw bfloat16 bits
        std::memcpy(p, &v, 2);
      } else {
        sim::encodeElement(t.type, float(a.ints[i]), p);
      }
      break;
    case npy::ElementKind::RawBits:
      if (eb != 1)
        return llvm::createStringError(
            "'%s' holds 1-byte raw values but tensor "
            "'%s' is %s",
            path.str().c_str(), t.name.c_str(),
            elemTypeName(t.type).str().c_str());
      p[0] = a.bits[i];
      break;
    }
  }
  return out;
}

static std::vector<uint8_t> randomBytes(const TensorDecl &t,
                                        std::mt19937 &rng) {
  unsigned eb = elemBytes(t.type);
  std::vector<uint8_t> out(size_t(t.numElements()) * eb);
  for (int64_t i = 0; i < t.numElements(); ++i) {
    uint32_t r = rng();
    if (t.type == ElemType::I32) {
      int32_t v = int32_t(r % 17) - 8; // [-8, 8]
      std::memcpy(out.data() + i * eb, &v, 4);
    } else {
      float v = float(r >> 8) * (2.0f / 16777216.0f) - 1.0f; // [-1, 1)
      sim::encodeElement(t.type, v, out.data() + i * eb);
    }
  }
  return out;
}

static void printTensor(llvm::raw_ostream &os, const TensorDecl &t,
                        llvm::ArrayRef<uint8_t> bytes) {
  os << "@" << t.name << " : ";
  for (int64_t d : t.shape)
    os << d << "x";
  os << elemTypeName(t.type) << "\n";
  int64_t row = t.shape.empty() ? 1 : t.shape.back();
  int64_t n = t.numElements();
  unsigned eb = elemBytes(t.type);
  for (int64_t r = 0; r * row < n; ++r) {
    os << "  [" << r << "]";
    for (int64_t i = r * row; i < (r + 1) * row && i < n; ++i) {
      if (t.type == ElemType::I32) {
        int32_t v;
        std::memcpy(&v, bytes.data() + i * eb, 4);
        os << " " << v;
      } else {
        os << " "
           << llvm::format("%.7g",
                           sim::decodeElement(t.type, bytes.data() + i * eb));
      }
    }
    os << "\n";
  }
}

/// Writes raw elements of `type` as a .npy of `shape` (i32 as int64).
static llvm::Error writeTensor(llvm::StringRef path, ElemType type,
                               llvm::ArrayRef<int64_t> shape,
                               llvm::ArrayRef<uint8_t> bytes) {
  unsigned eb = elemBytes(type);
  size_t n = bytes.size() / eb;
  if (type == ElemType::I32) {
    std::vector<int64_t> v(n);
    for (size_t i = 0; i < n; ++i) {
      int32_t x;
      std::memcpy(&x, bytes.data() + i * eb, 4);
      v[i] = x;
    }
    return npy::writeNpyI64(path, shape, v);
  }
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = sim::decodeElement(type, bytes.data() + i * eb);
  return npy::writeNpyF32(path, shape, v);
}

/// --cores=N: the kernel on N simulated cores.
static int runMultiCore(const Machine &machine, const Program &prog,
                        sim::Options opts) {
  unsigned n = numCores;
  sim::MultiCoreSimulator mc(machine, prog, n, opts);
  // NAME -> path for every rank, (NAME, rank) -> path for one.
  std::map<std::string, std::string> all;
  std::map<std::pair<std::string, unsigned>, std::string> one;
  for (const std::string &arg : inputs) {
    std::string name, path;
    if (!splitAssign(arg, name, path))
      return fail("--input expects NAME=PATH.npy or NAME@RANK=PATH.npy, got "
                  "'" +
                  arg + "'");
    auto [base, rankText] = llvm::StringRef(name).split('@');
    unsigned rank;
    if (rankText.empty() && name.find('@') == std::string::npos) {
      all[name] = path;
    } else if (rankText.getAsInteger(10, rank) || rank >= n) {
      return fail("--input '" + arg + "' names rank '" + rankText +
                  "', not one of the " + llvm::Twine(n) + " ranks");
    } else {
      one[{base.str(), rank}] = path;
    }
  }
  for (const auto &[name, path] : all)
    if (!llvm::any_of(prog.tensors, [&](const TensorDecl &t) {
          return t.name == name && t.kind == TensorKind::Input;
        }))
      return fail("--input names '" + name +
                  "', which is not an input "
                  "tensor of kernel '" +
                  prog.name + "'");
  for (const auto &[key, path] : one)
    if (!llvm::any_of(prog.tensors, [&](const TensorDecl &t) {
          return t.name == key.first && t.kind == TensorKind::Input;
        }))
      return fail("--input names '" + key.first +
                  "', which is not an input "
                  "tensor of kernel '" +
                  prog.name + "'");
  // Inputs for every rank, stacked ([N, ...]) or not, read once.
  std::map<std::string, std::pair<std::vector<uint8_t>, bool>> shared;
  for (const TensorDecl &t : prog.tensors) {
    auto it = all.find(t.name);
    if (t.kind != TensorKind::Input || it == all.end() || timingOnly)
      continue;
    auto arr = npy::readNpy(it->second);
    if (!arr)
      return fail(arr.takeError());
    TensorDecl whole = t;
    bool stacked = n > 1 && !arr->shape.empty() && arr->shape[0] == n &&
                   arr->numElements() == int64_t(n) * t.numElements();
    if (stacked)
      whole.shape.insert(whole.shape.begin(), int64_t(n));
    else if (arr->numElements() != t.numElements())
      return fail("'" + it->second + "' holds " +
                  llvm::Twine(arr->numElements()) + " elements " +
                  npy::shapeString(arr->shape) + " but tensor '" + t.name +
                  "' has " + llvm::Twine(t.numElements()) +
                  " (one for every "
                  "rank) or " +
                  llvm::Twine(n) + " x " + llvm::Twine(t.numElements()) +
                  " with a leading dimension "
                  "of " +
                  llvm::Twine(n) + " (one per rank)");
    auto b = npyToBytes(*arr, whole, it->second);
    if (!b)
      return fail(b.takeError());
    shared[t.name] = {std::move(*b), stacked};
  }
  std::mt19937 rng(seed);
  for (unsigned r = 0; r < n && !timingOnly; ++r)
    for (const TensorDecl &t : prog.tensors) {
      if (t.kind != TensorKind::Input)
        continue;
      std::vector<uint8_t> bytes;
      if (auto it = one.find({t.name, r}); it != one.end()) {
        auto arr = npy::readNpy(it->second);
        if (!arr)
          return fail(arr.takeError());
        auto b = npyToBytes(*arr, t, it->second);
        if (!b)
          return fail(b.takeError());
        bytes = std::move(*b);
      } else if (auto it = shared.find(t.name); it != shared.end()) {
        const auto &[whole, stacked] = it->second;
        size_t size = t.byteSize(), at = stacked ? r * size : 0;
        bytes.assign(whole.begin() + at, whole.begin() + at + size);
      } else {
        bytes = randomBytes(t, rng);
      }
      if (llvm::Error e = mc.setInput(r, t.name, bytes))
        return fail(std::move(e));
    }
  if (llvm::Error e = mc.run(numThreads))
    return fail(std::move(e));
  if (printOutputs)
    for (unsigned r = 0; r < n; ++r) {
      llvm::outs() << "rank " << r << ":\n";
      for (const TensorDecl &t : prog.tensors)
        if (t.kind == TensorKind::Output)
          printTensor(llvm::outs(), t, mc.output(r, t.name));
    }
  for (const std::string &arg : outputs) {
    std::string name, path;
    if (!splitAssign(arg, name, path))
      return fail("--output expects NAME=PATH.npy, got '" + arg + "'");
    const TensorDecl *t = nullptr;
    for (const TensorDecl &d : prog.tensors)
      if (d.name == name)
        t = &d;
    if (!t)
      return fail("--output names '" + name + "', which kernel '" + prog.name +
                  "' does not have");
    std::vector<uint8_t> stacked;
    for (unsigned r = 0; r < n; ++r) {
      llvm::ArrayRef<uint8_t> b = mc.output(r, name);
      stacked.insert(stacked.end(), b.begin(), b.end());
    }
    llvm::SmallVector<int64_t> shape{int64_t(n)};
    shape.append(t->shape.begin(), t->shape.end());
    if (llvm::Error e = writeTensor(path, t->type, shape, stacked))
      return fail(std::move(e));
  }
  return writeReports(mc.report(), mc);
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(simCat);
  cl::ParseCommandLineOptions(argc, argv, "muir NeuronCore simulator\n");

  mlir::DialectRegistry registry;
  registerAllDialects(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diag(sourceMgr, &ctx);
  std::string errMsg;
  auto buffer = mlir::openInputFile(inputFile, &errMsg);
  if (!buffer)
    return fail(errMsg);
  // A muir binary (magic "MUIRNC") or nc text.
  Program program;
  llvm::StringRef head = buffer->getBuffer();
  if (head.starts_with(llvm::StringRef("MUIRNC\0", 7))) {
    llvm::ArrayRef<uint8_t> bytes(
        reinterpret_cast<const uint8_t *>(head.data()), head.size());
    llvm::Expected<Program> p = readBinary(bytes);
    if (!p)
      return fail(inputFile + ": " + llvm::toString(p.takeError()));
    program = std::move(*p);
    if (!noVerify) {
      // The dialect's verifiers check the hardware rules of every instruction.
      mlir::OpBuilder b(&ctx);
      mlir::OwningOpRef<mlir::ModuleOp> m =
          mlir::ModuleOp::create(mlir::UnknownLoc::get(&ctx));
      b.setInsertionPointToEnd(m->getBody());
      if (failed(programToKernel(program, b, m->getLoc())) ||
          failed(mlir::verify(*m)))
        return 2;
    }
  } else {
    if (llvm::Error e = muir::checkParserInput(head, inputFile))
      return fail(std::move(e));
    sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
    mlir::ParserConfig config(&ctx, /*verifyAfterParse=*/!noVerify);
    mlir::OwningOpRef<mlir::ModuleOp> module =
        mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, config);
    if (!module)
      return 2;
    nc::KernelOp kernel;
    module->walk([&](nc::KernelOp k) {
      if (!kernel && (kernelName.empty() || k.getSymName() == kernelName))
        kernel = k;
    });
    if (!kernel)
      return fail("'" + inputFile + "' contains no nc.kernel" +
                  (kernelName.empty() ? "" : " named '" + kernelName + "'"));
    if (!noVerify && failed(mlir::verify(*module)))
      return 2;
    mlir::FailureOr<Program> prog = kernelToProgram(kernel);
    if (failed(prog))
      return 2;
    program = std::move(*prog);
  }
  Program *prog = &program;
  llvm::Expected<Machine> machine =
      loadMachine(targetOverride.empty() ? llvm::StringRef(prog->target)
                                         : llvm::StringRef(targetOverride));
  if (!machine)
    return fail(machine.takeError());
  // Memory safety, verified or not: every size used below is then sane.
  if (llvm::Error e = validateProgram(program, *machine, !timingOnly))
    return fail(std::move(e));

  if (timingOnly && (!inputs.empty() || !outputs.empty() || printOutputs))
    return fail("--timing-only computes no values: it cannot be combined "
                "with --input, --output or --print");
  sim::Options opts;
  opts.checkHazards = !noHazards;
  opts.trace = !tracePath.empty();
  opts.numerics = !timingOnly;
  if (numCores > 0)
    return runMultiCore(*machine, program, opts);
  if (numThreads > 0)
    return fail("--sim-threads needs --cores");
  sim::Simulator simulator(*machine, program, opts);

  std::map<std::string, std::string> given;
  for (const std::string &arg : inputs) {
    std::string name, path;
    if (!splitAssign(arg, name, path))
      return fail("--input expects NAME=PATH.npy, got '" + arg + "'");
    given[name] = path;
  }
  std::mt19937 rng(seed);
  for (const TensorDecl &t : prog->tensors) {
    if (t.kind != TensorKind::Input || timingOnly)
      continue;
    std::vector<uint8_t> bytes;
    auto it = given.find(t.name);
    if (it != given.end()) {
      auto arr = npy::readNpy(it->second);
      if (!arr)
        return fail(arr.takeError());
      auto b = npyToBytes(*arr, t, it->second);
      if (!b)
        return fail(b.takeError());
      bytes = std::move(*b);
      given.erase(it);
    } else {
      bytes = randomBytes(t, rng);
    }
    if (llvm::Error e = simulator.setInput(t.name, bytes))
      return fail(std::move(e));
  }
  if (!given.empty())
    return fail("--input names '" + given.begin()->first +
                "', which is not an input tensor of kernel '" + prog->name +
                "'");

  if (llvm::Error e = simulator.run())
    return fail(std::move(e));

  const sim::Report &rep = simulator.report();
  if (printOutputs)
    for (const TensorDecl &t : prog->tensors)
      if (t.kind == TensorKind::Output)
        printTensor(llvm::outs(), t, simulator.output(t.name));
  for (const std::string &arg : outputs) {
    std::string name, path;
    if (!splitAssign(arg, name, path))
      return fail("--output expects NAME=PATH.npy, got '" + arg + "'");
    const TensorDecl *t = nullptr;
    for (const TensorDecl &d : prog->tensors)
      if (d.name == name)
        t = &d;
    if (!t)
      return fail("--output names '" + name + "', which kernel '" + prog->name +
                  "' does not have");
    if (llvm::Error e =
            writeTensor(path, t->type, t->shape, simulator.output(name)))
      return fail(std::move(e));
  }
  return writeReports(rep, simulator);
}
