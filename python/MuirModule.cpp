//===- MuirModule.cpp - the muir._muir Python extension -------------------===//
//
// A thin layer over the driver: parse and transform modules, compile for a
// target, run on the simulator or the reference backend. Every MLIR
// diagnostic raised while doing so becomes the text of the Python exception.
// Arrays cross the boundary as float32 / int64 NumPy arrays; the pure-Python
// package converts dtypes (bf16, fp8) and checks arguments.
//
//===----------------------------------------------------------------------===//
#include "muir/Conversion/Passes.h"
#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/Driver/Driver.h"
#include "muir/InitAll.h"
#include "muir/Sim/Session.h"
#include "muir/Support/ParserGuard.h"
#include "muir/Target/Assembly.h"
#include "muir/Target/Binary.h"
#include "muir/Target/NcProgram.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

namespace py = pybind11;
using namespace mlir;
using namespace muir;

namespace {
/// One context for the process: registering dialects is not free, and
/// modules never cross threads (the GIL guards every entry point).
MLIRContext &context() {
  static MLIRContext *ctx = [] {
    DialectRegistry registry;
    registerAllDialects(registry);
    registerAllPasses();
    auto *c = new MLIRContext(registry, MLIRContext::Threading::DISABLED);
    c->loadAllAvailableDialects();
    c->printOpOnDiagnostic(false);
    return c;
  }();
  return *ctx;
}

/// Collects diagnostics (with locations) while alive.
class Diagnostics {
public:
  Diagnostics()
      : handler(&context(), [this](Diagnostic &d) {
          std::string s;
          llvm::raw_string_ostream os(s);
          os << d.getLocation() << ": ";
          switch (d.getSeverity()) {
          case DiagnosticSeverity::Error:
            os << "error: ";
            break;
          case DiagnosticSeverity::Warning:
            os << "warning: ";
            break;
          case DiagnosticSeverity::Note:
            os << "note: ";
            break;
          case DiagnosticSeverity::Remark:
            os << "remark: ";
            break;
          }
          os << d;
          for (Diagnostic &n : d.getNotes())
            os << "\n" << n.getLocation() << ": note: " << n;
          text += (text.empty() ? "" : "\n") + s;
          return success();
        }) {}
  std::string take(StringRef fallback) {
    return text.empty() ? fallback.str() : text;
  }

private:
  std::string text;
  ScopedDiagnosticHandler handler;
};

struct PyModule {
  mutable OwningOpRef<ModuleOp> module;
  std::string str() const {
    std::string s;
    llvm::raw_string_ostream os(s);
    module->print(os);
    return s;
  }
};

/// The name `key` was written as and its data in `resources` (None if
/// absent). The context is shared by every parse, so a key the parser met
/// before is renamed `key_N`: the name as written is tried first.
std::pair<std::string, py::object> findResource(const py::dict &resources,
                                                StringRef key) {
  if (resources.contains(py::str(key.str())))
    return {key.str(), resources[py::str(key.str())]};
  auto [base, suffix] = key.rsplit('_');
  unsigned n;
  if (!suffix.empty() && !suffix.getAsInteger(10, n) &&
      resources.contains(py::str(base.str())))
    return {base.str(), resources[py::str(base.str())]};
  return {key.str(), py::none()};
}

/// Defines the bytes of each `dense_resource` the text names but leaves
/// undefined from `resources` (name -> buffer; copied once, aligned to the
/// element size), so weights never travel as hex text.
void attachResources(ModuleOp m, const py::dict &resources) {
  std::string missing;
  m->walk([&](Operation *op) {
    for (NamedAttribute a : op->getAttrs()) {
      auto res = dyn_cast<DenseResourceElementsAttr>(a.getValue());
      if (!res)
        continue;
      DenseResourceElementsHandle handle = res.getRawHandle();
      if (handle.getBlob())
        continue;
      auto [name, data] = findResource(resources, handle.getKey());
      if (data.is_none()) {
        missing += (missing.empty() ? "" : ", ") + name;
        continue;
      }
      py::buffer_info info = py::buffer(data).request();
      ArrayRef<char> bytes(static_cast<const char *>(info.ptr),
                           info.size * info.itemsize);
      Type elt = res.getType().getElementType();
      size_t align = std::max<size_t>(1, elt.getIntOrFloatBitWidth() / 8);
      int64_t want = res.getType().getNumElements() * align;
      if (static_cast<int64_t>(bytes.size()) != want)
        throw py::value_error("resource '" + name + "' has " +
                              std::to_string(bytes.size()) + " bytes, its " +
                              "type needs " + std::to_string(want));
      handle.getResource()->setBlob(
          HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, align));
    }
  });
  if (!missing.empty())
    throw py::value_error("no data for dense_resource(s): " + missing);
}

std::shared_ptr<PyModule> parse(const std::string &text,
                                const std::string &name,
                                const py::dict &resources) {
  if (llvm::Error e = muir::checkParserInput(text, name))
    throw py::value_error(llvm::toString(std::move(e)));
  Diagnostics diags;
  llvm::SourceMgr sm;
  sm.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBuffer(text, name),
                        llvm::SMLoc());
  OwningOpRef<ModuleOp> m = parseSourceFile<ModuleOp>(sm, &context());
  if (!m)
    throw py::value_error(diags.take("failed to parse the module"));
  if (!resources.empty())
    attachResources(*m, resources);
  return std::make_shared<PyModule>(PyModule{std::move(m)});
}

std::shared_ptr<PyModule> runPipeline(const PyModule &in,
                                      const std::string &pipeline) {
  Diagnostics diags;
  OwningOpRef<ModuleOp> clone(in.module->clone());
  PassManager pm(&context());
  std::string err;
  llvm::raw_string_ostream es(err);
  // Accept both "builtin.module(...)" and a bare pipeline element list; the
  // pass manager is anchored on the module already.
  StringRef p = StringRef(pipeline).trim();
  if (p.starts_with("builtin.module(") && p.ends_with(")"))
    p = p.drop_front(strlen("builtin.module(")).drop_back();
  if (failed(parsePassPipeline(p, pm, es)))
    throw py::value_error("invalid pass pipeline '" + pipeline + "': " + err);
  if (failed(pm.run(*clone)))
    throw std::runtime_error(diags.take("pass pipeline failed"));
  return std::make_shared<PyModule>(PyModule{std::move(clone)});
}

struct Signature {
  std::vector<std::vector<int64_t>> shapes;
  std::vector<std::string> dtypes;
};

Signature signatureOf(TypeRange types) {
  Signature s;
  for (Type t : types) {
    auto rt = llvm::cast<RankedTensorType>(t);
    s.shapes.emplace_back(rt.getShape().begin(), rt.getShape().end());
    s.dtypes.push_back(
        ref::dtypeName(*ref::dtypeOf(rt.getElementType())).str());
  }
  return s;
}

struct PyExecutable {
  OwningOpRef<ModuleOp> xf; // the source module, for the reference backend
  std::string funcName;
  driver::Compiled compiled;
  Signature args, results;
  std::string lastReport, lastTrace;
  /// The reference backend's prepared function (constants decoded once).
  std::optional<ref::Program> reference;

  func::FuncOp func() { return xf->lookupSymbol<func::FuncOp>(funcName); }

  /// float32 / int64 arrays -> host tensors rounded to the argument types.
  SmallVector<ref::HostTensor> hostArgs(const std::vector<py::array> &arrays) {
    SmallVector<ref::HostTensor> out;
    for (size_t i = 0; i < arrays.size(); ++i) {
      ref::HostTensor t;
      t.shape.assign(args.shapes[i].begin(), args.shapes[i].end());
      auto dt = ref::dtypeOf(
          llvm::cast<RankedTensorType>(func().getArgumentTypes()[i])
              .getElementType());
      t.dtype = *dt;
      if (ref::isFloatDType(t.dtype)) {
        auto a = py::array_t<float, py::array::c_style | py::array::forcecast>(
            arrays[i]);
        t.data.assign(a.data(), a.data() + a.size());
        ref::roundTo(t.dtype, t.data);
      } else {
        auto a =
            py::array_t<int64_t, py::array::c_style | py::array::forcecast>(
                arrays[i]);
        t.ints.assign(a.data(), a.data() + a.size());
        if (t.dtype == ref::DType::I32)
          for (py::ssize_t k = 0; k < a.size(); ++k)
            if (t.ints[k] < INT32_MIN || t.ints[k] > INT32_MAX)
              throw py::value_error("argument " + std::to_string(i) +
                                    ": value " + std::to_string(t.ints[k]) +
                                    " at flat index " + std::to_string(k) +
                                    " does not fit in i32");
      }
      out.push_back(std::move(t));
    }
    return out;
  }

  static py::array toNumpy(const ref::HostTensor &t) {
    std::vector<py::ssize_t> shape(t.shape.begin(), t.shape.end());
    if (ref::isFloatDType(t.dtype)) {
      py::array_t<float> a(shape);
      std::copy(t.data.begin(), t.data.end(), a.mutable_data());
      return a;
    }
    py::array_t<int64_t> a(shape);
    std::copy(t.ints.begin(), t.ints.end(), a.mutable_data());
    return a;
  }

  std::vector<py::array> runReference(const std::vector<py::array> &arrays,
                                      uint64_t perturbSeed) {
    auto host = hostArgs(arrays);
    Diagnostics diags;
    // Prepared under the GIL, so concurrent first runs cannot race.
    if (!reference)
      if (FailureOr<ref::Program> p = ref::Program::prepare(func());
          succeeded(p))
        reference = std::move(*p);
    FailureOr<SmallVector<ref::HostTensor>> r = failure();
    if (reference) {
      py::gil_scoped_release release;
      ref::RunOptions o;
      o.perturbSeed = perturbSeed;
      r = reference->run(host, o);
    }
    if (failed(r))
      throw std::runtime_error(diags.take("the reference backend failed"));
    std::vector<py::array> out;
    for (auto &t : *r)
      out.push_back(toNumpy(t));
    return out;
  }

  std::vector<py::array> runSim(const std::vector<py::array> &arrays,
                                bool trace, bool checkHazards, bool numerics) {
    auto host = hostArgs(arrays);
    SmallVector<ref::HostTensor> shapes;
    for (size_t i = 0; i < results.shapes.size(); ++i) {
      ref::HostTensor h;
      h.shape.assign(results.shapes[i].begin(), results.shapes[i].end());
      h.dtype =
          *ref::dtypeOf(llvm::cast<RankedTensorType>(func().getResultTypes()[i])
                            .getElementType());
      shapes.push_back(std::move(h));
    }
    sim::Options o;
    o.trace = trace;
    o.checkHazards = checkHazards;
    o.numerics = numerics;
    // A sharded (SPMD) program: global arguments sliced per rank, every
    // rank simulated, the replicated results returned; the report is the
    // multi-core one (per core, collectives, links).
    if (compiled.cores > 1)
      return finish(
          o, [&] { return driver::simulateCores(compiled, host, shapes, o); });
    return finish(o,
                  [&] { return driver::simulate(compiled, host, shapes, o); });
  }

  /// Runs `simulate` without the GIL and keeps its report and trace.
  template <typename Fn>
  std::vector<py::array> finish(const sim::Options &o, Fn simulate) {
    std::optional<decltype(simulate())> r;
    {
      py::gil_scoped_release release;
      r.emplace(simulate());
    }
    if (!*r)
      throw std::runtime_error("simulation failed: " +
                               llvm::toString(r->takeError()));
    lastReport = (*r)->report.toJson();
    if (o.trace)
      lastTrace = (*r)->traceJson;
    std::vector<py::array> out;
    for (auto &t : (*r)->outputs)
      out.push_back(toNumpy(t));
    return out;
  }

  std::string nc() {
    OpBuilder b(&context());
    OwningOpRef<ModuleOp> m(ModuleOp::create(UnknownLoc::get(&context())));
    b.setInsertionPointToEnd(m->getBody());
    Diagnostics diags;
    if (failed(target::programToKernel(compiled.program, b,
                                       UnknownLoc::get(&context()))))
      throw std::runtime_error(diags.take("cannot rebuild the kernel"));
    std::string s;
    llvm::raw_string_ostream os(s);
    m->print(os);
    return s;
  }
};

std::shared_ptr<PyExecutable>
compile(const PyModule &m, const std::string &targetName,
        const std::string &entry, const std::vector<std::string> &kernelConfigs,
        int64_t cores, int64_t contextParallel, bool splitResults,
        int64_t pipelineStages, int64_t microbatches, bool tileLoops) {
  Diagnostics diags;
  auto exe = std::make_shared<PyExecutable>();
  exe->xf = OwningOpRef<ModuleOp>(m.module->clone());
  func::FuncOp f = selectEntryFunction(*exe->xf, entry);
  if (!f)
    throw py::value_error(diags.take("no function to compile"));
  exe->funcName = f.getSymName().str();
  for (Type t :
       llvm::concat<const Type>(f.getArgumentTypes(), f.getResultTypes())) {
    auto rt = llvm::dyn_cast<RankedTensorType>(t);
    if (!rt || !rt.hasStaticShape() || !ref::dtypeOf(rt.getElementType()))
      throw py::value_error("function @" + exe->funcName +
                            " has a non-tensor or unsupported type in its "
                            "signature");
  }
  exe->args = signatureOf(f.getArgumentTypes());
  exe->results = signatureOf(f.getResultTypes());
  FailureOr<driver::Compiled> c = failure();
  {
    py::gil_scoped_release release;
    c = driver::compile(*exe->xf, exe->funcName, targetName, kernelConfigs,
                        cores, contextParallel, splitResults, pipelineStages,
                        microbatches, tileLoops);
  }
  if (failed(c)) {
    std::string msg = diags.take("compilation failed");
    if (msg.find("unknown target") != std::string::npos)
      throw py::value_error(msg);
    throw std::runtime_error(msg);
  }
  exe->compiled = std::move(*c);
  if (exe->compiled.pipeline) {
    // A pipelined program computes the function on stacked microbatches:
    // that function is its signature and what the reference runs.
    FailureOr<func::FuncOp> g =
        driver::computedFunction(*exe->xf, exe->funcName, exe->compiled);
    if (failed(g))
      throw std::runtime_error(diags.take("compilation failed"));
    exe->funcName = g->getSymName().str();
    exe->args = signatureOf(g->getArgumentTypes());
    exe->results = signatureOf(g->getResultTypes());
  }
  return exe;
}
} // namespace

//===--- muir.Session: device memory that outlives one run (kv) ---------===//
namespace {
/// A simulator session (muir/Sim/Session.h) from Python: buffers by name,
/// runs of compiled executables with some tensors bound to buffers.
/// Arrays cross as float32 / int64 NumPy arrays (muir/session.py converts).
struct PySession {
  target::Machine machine;
  std::unique_ptr<sim::Session> session;
  /// Executables that have run: their programs stay loaded (and must stay
  /// alive) as long as the session.
  std::vector<std::shared_ptr<PyExecutable>> keep;

  static void check(llvm::Error e) {
    if (e)
      throw std::runtime_error(llvm::toString(std::move(e)));
  }
  static target::ElemType elemTypeOf(const std::string &dtype) {
    std::optional<target::ElemType> t = target::parseElemType(dtype);
    if (!t && dtype == "i64")
      t = target::ElemType::I32; // i64 values live on the target as i32
    if (!t)
      throw py::value_error("unknown dtype '" + dtype + "'");
    return *t;
  }
  static std::vector<uint8_t> encode(const py::array &a, target::ElemType t,
                                     int64_t n, const std::string &what) {
    if (a.size() != n)
      throw py::value_error(what + " needs " + std::to_string(n) +
                            " elements, got " + std::to_string(a.size()));
    unsigned eb = target::elemBytes(t);
    std::vector<uint8_t> bytes(size_t(n) * eb);
    if (t == target::ElemType::I32) {
      auto v =
          py::array_t<int64_t, py::array::c_style | py::array::forcecast>(a);
      for (int64_t k = 0; k < n; ++k) {
        if (v.data()[k] < INT32_MIN || v.data()[k] > INT32_MAX)
          throw py::value_error(
              what + ": value " + std::to_string(v.data()[k]) +
              " at flat index " + std::to_string(k) + " does not fit in i32");
        int32_t x = int32_t(v.data()[k]);
        std::memcpy(&bytes[k * eb], &x, 4);
      }
      return bytes;
    }
    auto v = py::array_t<float, py::array::c_style | py::array::forcecast>(a);
    for (int64_t k = 0; k < n; ++k)
      sim::encodeElement(t, v.data()[k], &bytes[k * eb]);
    return bytes;
  }
  static py::array decode(const std::vector<uint8_t> &bytes, target::ElemType t,
                          std::vector<py::ssize_t> shape) {
    unsigned eb = target::elemBytes(t);
    size_t n = bytes.size() / eb;
    if (t == target::ElemType::I32) {
      py::array_t<int64_t> a(shape);
      for (size_t k = 0; k < n; ++k) {
        int32_t x;
        std::memcpy(&x, &bytes[k * eb], 4);
        a.mutable_data()[k] = x;
      }
      return a;
    }
    py::array_t<float> a(shape);
    for (size_t k = 0; k < n; ++k)
      a.mutable_data()[k] = sim::decodeElement(t, &bytes[k * eb]);
    return a;
  }
  const target::TensorDecl *tensor(const PyExecutable &e,
                                   const std::string &name) {
    for (const target::TensorDecl &t : e.compiled.program.tensors)
      if (t.name == name)
        return &t;
    return nullptr;
  }

  void allocate(const std::string &name, const std::vector<int64_t> &shape,
                const std::string &dtype) {
    check(session->allocate(name, elemTypeOf(dtype), shape));
  }
  void write(const std::string &name, const py::array &a,
             const std::string &dtype) {
    target::ElemType t = elemTypeOf(dtype);
    check(
        session->write(name, encode(a, t, a.size(), "buffer '" + name + "'")));
  }
  py::array read(const std::string &name, const std::vector<int64_t> &shape,
                 const std::string &dtype) {
    llvm::Expected<std::vector<uint8_t>> b = session->read(name);
    if (!b)
      throw std::runtime_error(llvm::toString(b.takeError()));
    return decode(*b, elemTypeOf(dtype), {shape.begin(), shape.end()});
  }
  /// Runs `exe`: `inputs` maps unbound input tensors ("arg0") to arrays,
  /// `bind` tensors to buffers; returns the tensors named in `fetch`.
  py::dict run(const std::shared_ptr<PyExecutable> &exe, const py::dict &inputs,
               const std::map<std::string, std::string> &bind,
               const std::vector<std::string> &fetch) {
    if (exe->compiled.cores > 1)
      throw py::value_error(
          "a Session simulates one core; this executable is sharded over " +
          std::to_string(exe->compiled.cores) +
          " cores (run it with Executable.run)");
    std::vector<sim::Session::Binding> bindings;
    for (const auto &[t, b] : bind)
      bindings.push_back({t, b});
    std::vector<std::pair<std::string, std::vector<uint8_t>>> given;
    for (auto [k, v] : inputs) {
      std::string name = py::str(k);
      const target::TensorDecl *t = tensor(*exe, name);
      if (!t)
        throw py::value_error("the executable has no tensor '" + name + "'");
      given.push_back({name, encode(py::array::ensure(v), t->type,
                                    t->numElements(), "input '" + name + "'")});
    }
    if (std::find(keep.begin(), keep.end(), exe) == keep.end())
      keep.push_back(exe);
    {
      py::gil_scoped_release release;
      check(session->run(exe->compiled.program, bindings, given));
    }
    py::dict out;
    for (const std::string &name : fetch) {
      const target::TensorDecl *t = tensor(*exe, name);
      if (!t)
        throw py::value_error("the executable has no tensor '" + name + "'");
      llvm::Expected<std::vector<uint8_t>> b = session->output(name);
      if (!b)
        throw std::runtime_error(llvm::toString(b.takeError()));
      out[py::str(name)] =
          decode(*b, t->type, {t->shape.begin(), t->shape.end()});
    }
    return out;
  }
  py::dict stats() const {
    const sim::SessionStats &s = session->stats();
    py::dict d;
    d["runs"] = s.runs;
    d["seconds"] = s.seconds;
    d["host_to_device_bytes"] = s.hostToDeviceBytes;
    d["device_to_host_bytes"] = s.deviceToHostBytes;
    d["constant_bytes"] = s.constantBytes;
    d["device_bytes_in_use"] = session->bytesInUse();
    return d;
  }
};

std::shared_ptr<PySession> makeSession(const std::string &targetName,
                                       bool checkHazards) {
  llvm::Expected<target::Machine> m = target::loadMachine(targetName);
  if (!m)
    throw py::value_error(llvm::toString(m.takeError()));
  auto s = std::make_shared<PySession>();
  s->machine = std::move(*m);
  sim::Options o;
  o.checkHazards = checkHazards;
  s->session = std::make_unique<sim::Session>(s->machine, o);
  return s;
}

void registerSession(py::module_ &m) {
  py::class_<PySession, std::shared_ptr<PySession>>(m, "Session")
      .def(py::init(&makeSession), py::arg("target"),
           py::arg("check_hazards") = true)
      .def("allocate", &PySession::allocate)
      .def("release",
           [](PySession &s, const std::string &name) {
             PySession::check(s.session->release(name));
           })
      .def("has", [](PySession &s,
                     const std::string &name) { return s.session->has(name); })
      .def("write", &PySession::write)
      .def("read", &PySession::read)
      .def("run", &PySession::run)
      .def_property_readonly("stats", &PySession::stats)
      .def_property_readonly(
          "last_report",
          [](PySession &s) { return s.session->lastReport().toJson(); })
      .def_property_readonly("target",
                             [](PySession &s) { return s.machine.name; })
      .def_static("tensors", [](const PyExecutable &e) {
        // (name, kind, HBM offset, bytes) of each tensor of the program.
        std::vector<std::tuple<std::string, std::string, uint64_t, uint64_t>>
            out;
        for (const target::TensorDecl &t : e.compiled.program.tensors)
          out.push_back({t.name, target::tensorKindName(t.kind).str(), t.offset,
                         t.byteSize()});
        return out;
      });
}
} // namespace
//===--- end of muir.Session ---------------------------------------------===//

void registerMultiCore(py::module_ &m); // MultiCoreBinding.cpp

PYBIND11_MODULE(_muir, m) {
  m.doc() = "muir native bindings (use the `muir` package)";
  registerMultiCore(m);
  registerSession(m); // muir.Session (kv)
  py::class_<PyModule, std::shared_ptr<PyModule>>(m, "Module")
      .def("__str__", &PyModule::str);
  m.def("parse", &parse, py::arg("text"), py::arg("name") = "<string>",
        py::arg("resources") = py::dict());
  m.def("run_pipeline", &runPipeline, py::arg("module"), py::arg("pipeline"));
  m.def("compile", &compile, py::arg("module"), py::arg("target"),
        py::arg("entry") = "",
        py::arg("kernel_configs") = std::vector<std::string>(),
        py::arg("cores") = 0, py::arg("context_parallel") = 0,
        py::arg("split_results") = false, py::arg("pipeline_stages") = 0,
        py::arg("microbatches") = 0, py::arg("tile_loops") = false);
  py::class_<PyExecutable, std::shared_ptr<PyExecutable>>(m, "Executable")
      .def_property_readonly("arg_shapes",
                             [](PyExecutable &e) { return e.args.shapes; })
      .def_property_readonly("arg_dtypes",
                             [](PyExecutable &e) { return e.args.dtypes; })
      .def_property_readonly("result_shapes",
                             [](PyExecutable &e) { return e.results.shapes; })
      .def_property_readonly("result_dtypes",
                             [](PyExecutable &e) { return e.results.dtypes; })
      .def_property_readonly(
          "target", [](PyExecutable &e) { return e.compiled.machine.name; })
      .def_property_readonly("cores",
                             [](PyExecutable &e) { return e.compiled.cores; })
      .def_property_readonly(
          "compile_seconds",
          [](PyExecutable &e) { return e.compiled.compileSeconds; })
      .def_property_readonly(
          "result_tolerances",
          [](PyExecutable &e) {
            std::vector<std::pair<double, double>> out;
            for (size_t i = 0; i < e.results.shapes.size(); ++i) {
              driver::Tolerance t = driver::toleranceForResult(e.func(), i);
              out.push_back({t.rtol, t.atol});
            }
            return out;
          })
      .def("run_reference", &PyExecutable::runReference, py::arg("arrays"),
           py::arg("perturb_seed") = 0)
      .def("run_sim", &PyExecutable::runSim, py::arg("arrays"),
           py::arg("trace") = false, py::arg("check_hazards") = true,
           py::arg("numerics") = true)
      .def_property_readonly("last_report",
                             [](PyExecutable &e) { return e.lastReport; })
      .def_property_readonly("last_trace",
                             [](PyExecutable &e) { return e.lastTrace; })
      .def_property_readonly("asm",
                             [](PyExecutable &e) {
                               return target::printAssembly(e.compiled.program);
                             })
      .def_property_readonly(
          "binary",
          [](PyExecutable &e) {
            std::vector<uint8_t> b = target::writeBinary(e.compiled.program);
            return py::bytes(reinterpret_cast<const char *>(b.data()),
                             b.size());
          })
      .def_property_readonly("nc", &PyExecutable::nc);
  m.attr("SENSITIVITY_RUNS") = driver::kSensitivityRuns;
  m.attr("SENSITIVITY_FACTOR") = driver::kSensitivityFactor;
  m.def("tolerance", [](const std::string &dtype) {
    for (ref::DType d : {ref::DType::F32, ref::DType::BF16, ref::DType::F16,
                         ref::DType::F8E4M3FN, ref::DType::F8E5M2,
                         ref::DType::I32, ref::DType::I64})
      if (ref::dtypeName(d) == dtype) {
        driver::Tolerance t = driver::toleranceFor(d);
        return std::make_pair(t.rtol, t.atol);
      }
    throw py::value_error("unknown dtype '" + dtype + "'");
  });
}
