//===- MultiCoreBinding.cpp - muir._muir.simulate_cores -------------------===//
//
// Runs an nc kernel SPMD on N simulated cores (MultiCoreSimulator) with
// per-rank NumPy inputs. Registered by MuirModule.cpp through
// registerMultiCore(); errors (MLIR diagnostics included) become the text of
// the Python exception.
//
//===----------------------------------------------------------------------===//
#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/InitAll.h"
#include "muir/Sim/MultiCore.h"
#include "muir/Support/CheckedSize.h"
#include "muir/Support/ParserGuard.h"
#include "muir/Target/Machine.h"
#include "muir/Target/NcProgram.h"
#include "muir/Target/Validate.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>

namespace py = pybind11;
using namespace muir;
using namespace muir::target;

namespace {
mlir::MLIRContext &ncContext() {
  static mlir::MLIRContext *ctx = [] {
    mlir::DialectRegistry registry;
    registerAllDialects(registry);
    auto *c =
        new mlir::MLIRContext(registry, mlir::MLIRContext::Threading::DISABLED);
    c->loadAllAvailableDialects();
    c->printOpOnDiagnostic(false);
    return c;
  }();
  return *ctx;
}

[[noreturn]] void fail(const std::string &msg) {
  throw std::runtime_error(msg);
}

/// The program of the first nc.kernel (or the one named) in `text`.
Program parseKernel(const std::string &text, const std::string &name) {
  if (llvm::Error e = checkParserInput(text, "<kernel>"))
    fail(llvm::toString(std::move(e)));
  std::string diags;
  mlir::ScopedDiagnosticHandler handler(&ncContext(), [&](mlir::Diagnostic &d) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << d.getLocation() << ": " << d;
    diags += (diags.empty() ? "" : "\n") + s;
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text, &ncContext());
  if (!module)
    fail("cannot parse the kernel: " + diags);
  nc::KernelOp kernel;
  module->walk([&](nc::KernelOp k) {
    if (!kernel && (name.empty() || k.getSymName() == name))
      kernel = k;
  });
  if (!kernel)
    fail("the text holds no nc.kernel" +
         (name.empty() ? std::string() : " named '" + name + "'"));
  mlir::FailureOr<Program> prog = kernelToProgram(kernel);
  if (failed(prog))
    fail("cannot convert the kernel: " + diags);
  return std::move(*prog);
}

/// A float32 (or, for i32 tensors, integer) array as the tensor's bytes.
std::vector<uint8_t> toBytes(const py::array &a, const TensorDecl &t,
                             unsigned rank) {
  std::string what = "rank " + std::to_string(rank) + " input '" + t.name + "'";
  if (a.size() != t.numElements())
    fail(what + " has " + std::to_string(a.size()) + " elements, the tensor " +
         std::to_string(t.numElements()));
  unsigned eb = elemBytes(t.type);
  std::vector<uint8_t> out(size_t(t.numElements()) * eb);
  if (t.type == ElemType::I32) {
    auto v = py::array_t<int64_t, py::array::c_style | py::array::forcecast>(a);
    for (int64_t i = 0; i < t.numElements(); ++i) {
      int32_t x = int32_t(v.data()[i]);
      std::memcpy(out.data() + i * eb, &x, 4);
    }
    return out;
  }
  auto v = py::array_t<float, py::array::c_style | py::array::forcecast>(a);
  for (int64_t i = 0; i < t.numElements(); ++i)
    sim::encodeElement(t.type, v.data()[i], out.data() + i * eb);
  return out;
}

py::tuple simulateCores(const std::string &text, unsigned cores,
                        const std::vector<py::dict> &inputs,
                        const std::string &kernelName,
                        const std::string &targetName, unsigned threads,
                        bool numerics, bool checkHazards, bool trace) {
  Program prog = parseKernel(text, kernelName);
  llvm::Expected<Machine> m =
      loadMachine(targetName.empty() ? prog.target : targetName);
  if (!m)
    fail(llvm::toString(m.takeError()));
  if (llvm::Error e = validateProgram(prog, *m, numerics))
    fail(llvm::toString(std::move(e)));
  if (numerics && inputs.size() != cores)
    fail("inputs lists " + std::to_string(inputs.size()) +
         " ranks' tensors, the run has " + std::to_string(cores));
  sim::Options o;
  o.numerics = numerics;
  o.checkHazards = checkHazards;
  o.trace = trace;
  sim::MultiCoreSimulator mc(*m, prog, cores, o);
  for (unsigned r = 0; numerics && r < cores; ++r) {
    for (auto item : inputs[r]) {
      std::string name = py::str(item.first);
      const TensorDecl *t = nullptr;
      for (const TensorDecl &d : prog.tensors)
        if (d.name == name && d.kind == TensorKind::Input)
          t = &d;
      if (!t)
        fail("rank " + std::to_string(r) + " input '" + name +
             "' is not an input tensor of kernel '" + prog.name + "'");
      std::vector<uint8_t> bytes =
          toBytes(py::array::ensure(item.second), *t, r);
      if (llvm::Error e = mc.setInput(r, name, bytes))
        fail(llvm::toString(std::move(e)));
    }
  }
  llvm::Error err = llvm::Error::success();
  {
    py::gil_scoped_release release;
    err = mc.run(threads);
  }
  if (err)
    fail(llvm::toString(std::move(err)));
  py::list outputs;
  for (unsigned r = 0; r < cores; ++r) {
    py::dict d;
    for (const TensorDecl &t : prog.tensors) {
      if (t.kind != TensorKind::Output || !numerics)
        continue;
      llvm::ArrayRef<uint8_t> bytes = mc.output(r, t.name);
      std::vector<py::ssize_t> shape(t.shape.begin(), t.shape.end());
      py::array_t<float> a(shape);
      unsigned eb = elemBytes(t.type);
      for (int64_t i = 0; i < t.numElements(); ++i)
        a.mutable_data()[i] = sim::decodeElement(t.type, bytes.data() + i * eb);
      d[py::str(t.name)] = std::move(a);
    }
    outputs.append(std::move(d));
  }
  return py::make_tuple(outputs, mc.report().toJson(),
                        trace ? mc.traceJson() : std::string());
}
} // namespace

void registerMultiCore(py::module_ &m) {
  m.def("simulate_cores", &simulateCores, py::arg("kernel"), py::arg("cores"),
        py::arg("inputs"), py::arg("kernel_name") = "", py::arg("target") = "",
        py::arg("threads") = 0, py::arg("numerics") = true,
        py::arg("check_hazards") = true, py::arg("trace") = false,
        "Runs an nc kernel on `cores` simulated cores; `inputs` is one dict "
        "of NumPy arrays per rank. Returns (outputs per rank, report JSON, "
        "trace JSON).");
}
