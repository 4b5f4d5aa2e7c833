//===- Driver.cpp - compile, simulate, compare ----------------------------===//
#include "muir/Driver/Driver.h"

#include "muir/Conversion/Passes.h"
#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/Target/NcProgram.h"

#include "mlir/IR/OwningOpRef.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/DenseSet.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>

using namespace mlir;
using namespace muir;
using namespace muir::driver;

FailureOr<Compiled> driver::compile(ModuleOp module, StringRef funcName,
                                    StringRef targetName,
                                    ArrayRef<std::string> kernelConfigs,
                                    int64_t cores, int64_t contextParallel,
                                    bool splitResults, int64_t pipelineStages,
                                    int64_t microbatches, bool tileLoops) {
  auto start = std::chrono::steady_clock::now();
  llvm::Expected<target::Machine> m = target::loadMachine(targetName);
  if (!m) {
    module.emitError() << llvm::toString(m.takeError());
    return failure();
  }
  OwningOpRef<ModuleOp> clone(module.clone());
  // Sharding first, on its own, so the arguments' xf.shard attributes can
  // be read before the lowering replaces the function.
  PassManager shardPm(module.getContext());
  XfShardPassOptions shard;
  shard.cores = cores;
  shard.contextParallel = contextParallel;
  shard.splitResults = splitResults;
  shard.pipelineStages = pipelineStages;
  shard.microbatches = microbatches;
  shard.target = targetName.str();
  shard.entry = funcName.str();
  shardPm.addPass(createXfShardPass(shard));
  if (failed(shardPm.run(*clone)))
    return failure();
  int64_t ranks = 1;
  SmallVector<ArgShard> argShards, resultShards;
  SmallVector<SmallVector<unsigned>> argSources;
  std::optional<PipelineInfo> pipeline;
  size_t globalArgs = 0;
  if (func::FuncOp f = selectEntryFunction(module, funcName))
    globalArgs = f.getNumArguments();
  if (Attribute a = (*clone)->getAttr("xf.pipeline")) {
    // (muir-xf-shard writes it; a hand-written SPMD module may not have.)
    auto pl = llvm::dyn_cast<DictionaryAttr>(a);
    auto field = [&](StringRef name) -> int64_t {
      auto i = pl ? pl.getAs<IntegerAttr>(name) : IntegerAttr();
      return i ? i.getInt() : -1;
    };
    pipeline.emplace();
    pipeline->stages = field("stages");
    pipeline->microbatches = field("microbatches");
    int64_t act = field("activation");
    if (pipeline->stages < 1 || pipeline->microbatches < 1 || act < 0 ||
        act >= (int64_t)globalArgs) {
      (*clone)->emitError()
          << "xf.pipeline must be {stages = P, microbatches = M, activation "
             "= A} with P, M >= 1 and A an argument of the function's "
          << globalArgs << ", got " << a;
      return failure();
    }
    pipeline->activation = act;
  }
  if (auto mesh = (*clone)->getAttrOfType<IntegerAttr>("xf.mesh")) {
    ranks = std::max<int64_t>(1, mesh.getInt());
    func::FuncOp f = selectEntryFunction(*clone, funcName);
    if (!f)
      return failure();
    int64_t blocks = 1;
    if (auto cp = (*clone)->getAttrOfType<IntegerAttr>("xf.context_parallel"))
      blocks = std::max<int64_t>(1, cp.getInt());
    if (pipeline)
      blocks = pipeline->stages;
    if (blocks < 1 || ranks % blocks != 0) {
      f.emitError() << "a mesh of " << ranks << " ranks cannot hold " << blocks
                    << " blocks (xf.context_parallel / xf.pipeline)";
      return failure();
    }
    // An xf.shard as the runner reads it; the function's own (local) type
    // bounds its dimensions and the block's ranks its parts.
    auto parse = [&](Attribute attr, Type type,
                     const Twine &what) -> FailureOr<ArgShard> {
      ArgShard a;
      a.seqBlocks = blocks;
      auto d = llvm::dyn_cast_or_null<DictionaryAttr>(attr);
      if (!d)
        return a; // absent or "replicated"
      int64_t rank = llvm::cast<ShapedType>(type).getRank();
      auto get = [&](StringRef name, int64_t dflt) -> std::optional<int64_t> {
        Attribute v = d.get(name);
        if (!v)
          return dflt;
        if (auto i = llvm::dyn_cast<IntegerAttr>(v))
          return i.getInt();
        return std::nullopt;
      };
      std::optional<int64_t> dim = get("dim", -1), groups = get("groups", 1),
                             parts = get("parts", 0), seq = get("seq_dim", -1);
      int64_t per = ranks / blocks;
      if (!dim || !groups || !parts || !seq || *dim < -1 || *dim >= rank ||
          *groups < 1 || *parts < 0 || (*parts > 0 && per % *parts != 0) ||
          *seq < -1 || *seq >= rank) {
        f.emitError() << what << ": xf.shard " << d << " is not a split of its "
                      << type << " over " << per << " ranks per block";
        return failure();
      }
      a.split = *dim >= 0;
      a.dim = std::max<int64_t>(*dim, 0);
      a.groups = *groups;
      a.parts = *parts;
      a.seqDim = *seq;
      return a;
    };
    for (unsigned i = 0; pipeline && i < f.getNumArguments(); ++i) {
      auto per = f.getArgAttrOfType<DenseI64ArrayAttr>(i, "xf.stage_args");
      if (!per || (int64_t)per.size() != pipeline->stages ||
          llvm::any_of(per.asArrayRef(), [&](int64_t g) {
            return g < 0 || g >= (int64_t)globalArgs;
          })) {
        f.emitError() << "pipelined program: argument " << i
                      << " needs xf.stage_args, one argument of the "
                      << globalArgs << " per stage, for its "
                      << pipeline->stages << " stages";
        return failure();
      }
      argSources.emplace_back(per.asArrayRef().begin(), per.asArrayRef().end());
    }
    for (unsigned i = 0; i < f.getNumArguments(); ++i) {
      FailureOr<ArgShard> a =
          parse(f.getArgAttr(i, "xf.shard"), f.getArgumentTypes()[i],
                "argument #" + Twine(i));
      if (failed(a))
        return failure();
      argShards.push_back(*a);
    }
    for (unsigned i = 0; i < f.getNumResults(); ++i) {
      FailureOr<ArgShard> r =
          parse(f.getResultAttr(i, "xf.shard"), f.getResultTypes()[i],
                "result #" + Twine(i));
      if (failed(r))
        return failure();
      resultShards.push_back(*r);
      if (Attribute st = f.getResultAttr(i, "xf.stage")) {
        auto si = llvm::dyn_cast<IntegerAttr>(st);
        if (!pipeline || !si || si.getInt() < 0 ||
            si.getInt() >= pipeline->stages) {
          f.emitError() << "result #" << i << ": xf.stage " << st
                        << " is not a stage of the pipeline";
          return failure();
        }
        resultShards.back().stage = si.getInt();
      }
    }
  }
  PassManager pm(module.getContext());
  CompileOptions opts;
  opts.target = targetName.str();
  opts.entry = funcName.str();
  opts.kernelConfigs.assign(kernelConfigs.begin(), kernelConfigs.end());
  opts.tileLoops = tileLoops;
  buildCompilePipeline(pm, opts);
  if (failed(pm.run(*clone)))
    return failure();
  SmallVector<nc::KernelOp> kernels(clone->getOps<nc::KernelOp>());
  if (kernels.size() != 1) {
    module.emitError() << "compilation produced " << kernels.size()
                       << " kernels, expected 1";
    return failure();
  }
  auto prog = target::kernelToProgram(kernels.front());
  if (failed(prog))
    return failure();
  Compiled c{std::move(*m),
             std::move(*prog),
             {},
             {},
             0,
             ranks,
             std::move(argShards),
             std::move(resultShards),
             std::move(argSources),
             pipeline,
             globalArgs};
  for (const target::TensorDecl &t : c.program.tensors) {
    if (t.kind == target::TensorKind::Input)
      c.inputs.push_back(t.name);
  }
  // Outputs are named out<i>; order them by result index.
  for (size_t i = 0;; ++i) {
    std::string name = "out" + std::to_string(i);
    bool found = llvm::any_of(c.program.tensors, [&](auto &t) {
      return t.name == name && t.kind == target::TensorKind::Output;
    });
    if (!found)
      break;
    c.outputs.push_back(name);
  }
  c.compileSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  return c;
}

FailureOr<func::FuncOp> driver::computedFunction(ModuleOp module,
                                                 StringRef funcName,
                                                 const Compiled &c) {
  func::FuncOp f = selectEntryFunction(module, funcName);
  if (!f)
    return failure();
  if (!c.pipeline)
    return f;
  std::string name = (f.getSymName() + ".microbatched").str();
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  return microbatchedFunction(f, c.pipeline->activation,
                              c.pipeline->microbatches, name);
}

static target::ElemType elemOf(ref::DType d) {
  switch (d) {
  case ref::DType::F32:
    return target::ElemType::F32;
  case ref::DType::BF16:
    return target::ElemType::BF16;
  case ref::DType::F16:
    return target::ElemType::F16;
  case ref::DType::F8E4M3FN:
    return target::ElemType::F8E4M3FN;
  case ref::DType::F8E5M2:
    return target::ElemType::F8E5M2;
  case ref::DType::I32:
  case ref::DType::I64:
    return target::ElemType::I32;
  }
  return target::ElemType::F32;
}

/// A host tensor as the simulator's little-endian elements.
static std::vector<uint8_t> encode(const ref::HostTensor &a) {
  target::ElemType et = elemOf(a.dtype);
  unsigned eb = target::elemBytes(et);
  int64_t n = a.numElements();
  std::vector<uint8_t> bytes(n * eb);
  for (int64_t k = 0; k < n; ++k) {
    float v = ref::isFloatDType(a.dtype) ? a.data[k] : (float)a.ints[k];
    if (et == target::ElemType::I32) {
      int32_t iv = (int32_t)a.ints[k];
      std::memcpy(&bytes[k * eb], &iv, 4);
    } else {
      sim::encodeElement(et, v, &bytes[k * eb]);
    }
  }
  return bytes;
}

/// Output tensor `name` of the simulator as a host tensor of `shape`'s
/// shape and dtype.
static llvm::Expected<ref::HostTensor>
decode(ArrayRef<uint8_t> bytes, const ref::HostTensor &shape, StringRef name) {
  ref::HostTensor t;
  t.shape = shape.shape;
  t.dtype = shape.dtype;
  target::ElemType et = elemOf(t.dtype);
  unsigned eb = target::elemBytes(et);
  if ((int64_t)bytes.size() != t.numElements() * eb)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "output " + name + " has " + Twine(bytes.size()) + " bytes, expected " +
            Twine(t.numElements() * eb));
  int64_t n = t.numElements();
  t.data.reserve(ref::isFloatDType(t.dtype) ? n : 0);
  for (int64_t k = 0; k < n; ++k) {
    if (ref::isFloatDType(t.dtype)) {
      t.data.push_back(sim::decodeElement(et, &bytes[k * eb]));
    } else {
      int32_t iv;
      std::memcpy(&iv, &bytes[k * eb], 4);
      t.ints.push_back(iv);
    }
  }
  return t;
}

ref::HostTensor driver::sliceForRank(const ref::HostTensor &t,
                                     const ArgShard &s, int64_t cores,
                                     int64_t rank) {
  if (s.seqBlocks > 1 && cores % s.seqBlocks == 0) {
    // This rank's block of the sequence (when split by it), then the split
    // within the block, among the block's ranks.
    ArgShard inner = s;
    inner.seqDim = -1;
    inner.seqBlocks = 1;
    int64_t per = cores / s.seqBlocks;
    ref::HostTensor local = t;
    if (s.seqDim >= 0) {
      ArgShard blockSplit;
      blockSplit.split = true;
      blockSplit.dim = s.seqDim;
      blockSplit.parts = s.seqBlocks;
      local = sliceForRank(t, blockSplit, cores, rank);
    }
    return sliceForRank(local, inner, per, rank % per);
  }
  if (!s.split || cores <= 1)
    return t;
  // The global tensor as [P, G, parts, c * Q]; rank r takes piece
  // r / (cores / parts): [:, :, piece, :].
  int64_t parts = s.parts > 0 ? s.parts : cores;
  int64_t piece = rank / (cores / parts);
  int64_t p = 1, q = 1;
  for (int64_t d = 0; d < s.dim; ++d)
    p *= t.shape[d];
  for (size_t d = s.dim + 1; d < t.shape.size(); ++d)
    q *= t.shape[d];
  int64_t block = t.shape[s.dim] / (s.groups * parts) * q;
  ref::HostTensor r;
  r.dtype = t.dtype;
  r.shape = t.shape;
  r.shape[s.dim] /= parts;
  bool isFloat = ref::isFloatDType(t.dtype);
  for (int64_t i = 0; i < p * s.groups; ++i) {
    int64_t from = (i * parts + piece) * block;
    if (isFloat)
      r.data.insert(r.data.end(), t.data.begin() + from,
                    t.data.begin() + from + block);
    else
      r.ints.insert(r.ints.end(), t.ints.begin() + from,
                    t.ints.begin() + from + block);
  }
  return r;
}

/// The body simulate and simulateCores share: checks the arguments, feeds
/// them (`feed(args)`), runs, and decodes each result from `fetch(i)`.
static llvm::Error runAndCollect(
    const Compiled &c, ArrayRef<ref::HostTensor> args,
    ArrayRef<ref::HostTensor> resultShapes, const sim::Options &options,
    llvm::function_ref<llvm::Error(ArrayRef<ref::HostTensor>)> feed,
    llvm::function_ref<llvm::Error()> run,
    llvm::function_ref<llvm::Expected<ArrayRef<uint8_t>>(size_t)> fetch,
    SmallVectorImpl<ref::HostTensor> &outputs) {
  auto err = [](const Twine &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
  };
  size_t want = c.argSources.empty() ? c.inputs.size() : c.globalArgs;
  if (options.numerics && args.size() != want)
    return err("the program takes " + Twine(want) + " inputs, got " +
               Twine(args.size()));
  // (Timing only: no values go in or come out.)
  if (options.numerics)
    if (llvm::Error e = feed(args))
      return e;
  if (llvm::Error e = run())
    return e;
  for (auto [i, shape] : llvm::enumerate(resultShapes)) {
    if (!options.numerics)
      break;
    if (i >= c.outputs.size())
      return err("the program has no output #" + Twine(i));
    llvm::Expected<ArrayRef<uint8_t>> bytes = fetch(i);
    if (!bytes)
      return bytes.takeError();
    auto t = decode(*bytes, shape, c.outputs[i]);
    if (!t)
      return t.takeError();
    outputs.push_back(std::move(*t));
  }
  return llvm::Error::success();
}

llvm::Expected<MultiSimResult>
driver::simulateCores(const Compiled &c, ArrayRef<ref::HostTensor> args,
                      ArrayRef<ref::HostTensor> resultShapes,
                      sim::Options options) {
  int64_t have = c.machine.topology.cores();
  if (c.cores > have)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the program runs on " + Twine(c.cores) +
                                       " cores but target '" + c.machine.name +
                                       "' has " + Twine(have));
  sim::MultiCoreSimulator s(c.machine, c.program, c.cores, options);
  MultiSimResult r;
  auto feed = [&](ArrayRef<ref::HostTensor> args) -> llvm::Error {
    int64_t stages = c.pipeline ? c.pipeline->stages : 1;
    for (size_t i = 0; i < c.inputs.size(); ++i) {
      ArgShard sh = i < c.argShards.size() ? c.argShards[i] : ArgShard();
      for (int64_t rank = 0; rank < c.cores; ++rank) {
        // A pipeline stage reads its own argument (its layers' weights).
        size_t from =
            c.argSources.empty()
                ? i
                : c.argSources[i]
                              [rank / std::max<int64_t>(1, c.cores / stages)];
        if (from >= args.size())
          return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                         "program input " + c.inputs[i] +
                                             " reads argument #" + Twine(from) +
                                             " of " + Twine(args.size()));
        if (llvm::Error e =
                s.setInput(rank, c.inputs[i],
                           encode(sliceForRank(args[from], sh, c.cores, rank))))
          return e;
      }
    }
    return llvm::Error::success();
  };
  std::vector<std::vector<uint8_t>> assembled;
  auto fetch = [&](size_t i) -> llvm::Expected<ArrayRef<uint8_t>> {
    ArgShard rs = i < c.resultShards.size() ? c.resultShards[i] : ArgShard();
    // The ranks holding the result: all, or one pipeline stage's.
    int64_t first = 0, last = c.cores;
    if (rs.stage >= 0) {
      int64_t per = c.cores / std::max<int64_t>(1, rs.seqBlocks);
      first = rs.stage * per;
      last = first + per;
    }
    if (rs.split || rs.seqDim >= 0) {
      // A result left split: each rank's piece goes back where
      // sliceForRank takes it from (the element indices of an iota).
      const ref::HostTensor &shape = resultShapes[i];
      ref::HostTensor iota;
      iota.shape = shape.shape;
      iota.dtype = ref::DType::I64;
      iota.ints.resize(shape.numElements());
      std::iota(iota.ints.begin(), iota.ints.end(), 0);
      ref::HostTensor global = shape;
      global.data.assign(
          ref::isFloatDType(shape.dtype) ? shape.numElements() : 0, 0.0f);
      global.ints.assign(
          ref::isFloatDType(shape.dtype) ? 0 : shape.numElements(), 0);
      for (int64_t rank = first; rank < last; ++rank) {
        ref::HostTensor idx = sliceForRank(iota, rs, c.cores, rank);
        ref::HostTensor local;
        local.shape = {(int64_t)idx.ints.size()};
        local.dtype = shape.dtype;
        auto piece = decode(s.output(rank, c.outputs[i]), local, c.outputs[i]);
        if (!piece)
          return piece.takeError();
        for (size_t k = 0; k < idx.ints.size(); ++k) {
          if (ref::isFloatDType(shape.dtype))
            global.data[idx.ints[k]] = piece->data[k];
          else
            global.ints[idx.ints[k]] = piece->ints[k];
        }
      }
      assembled.push_back(encode(global));
      return ArrayRef<uint8_t>(assembled.back());
    }
    ArrayRef<uint8_t> held = s.output(first, c.outputs[i]);
    for (int64_t rank = first + 1; rank < last; ++rank)
      if (s.output(rank, c.outputs[i]) != held)
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            "result #" + Twine(i) + " differs between rank " + Twine(first) +
                " and rank " + Twine(rank) +
                ": the SPMD program's results are not "
                "replicated");
    return held;
  };
  if (llvm::Error e = runAndCollect(
          c, args, resultShapes, options, feed, [&] { return s.run(); }, fetch,
          r.outputs))
    return std::move(e);
  r.report = s.report();
  if (options.trace)
    r.traceJson = s.traceJson();
  return r;
}

llvm::Expected<SimResult>
driver::simulate(const Compiled &c, ArrayRef<ref::HostTensor> args,
                 ArrayRef<ref::HostTensor> resultShapes, sim::Options options) {
  sim::Simulator s(c.machine, c.program, options);
  SimResult r;
  auto feed = [&](ArrayRef<ref::HostTensor> args) -> llvm::Error {
    for (auto [i, a] : llvm::enumerate(args))
      if (llvm::Error e = s.setInput(c.inputs[i], encode(a)))
        return e;
    return llvm::Error::success();
  };
  auto fetch = [&](size_t i) -> llvm::Expected<ArrayRef<uint8_t>> {
    return s.output(c.outputs[i]);
  };
  if (llvm::Error e = runAndCollect(
          c, args, resultShapes, options, feed, [&] { return s.run(); }, fetch,
          r.outputs))
    return std::move(e);
  r.report = s.report();
  if (options.trace)
    r.traceJson = s.traceJson();
  return r;
}

llvm::Expected<ref::HostTensor>
driver::hostTensorFromNpy(const npy::Array &a, ArrayRef<int64_t> shape,
                          ref::DType dtype) {
  auto mismatch = [](const Twine &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), why.str());
  };
  if (ArrayRef<int64_t>(a.shape) != shape)
    return mismatch("shape differs");
  ref::HostTensor t;
  t.shape.assign(a.shape.begin(), a.shape.end());
  t.dtype = dtype;
  if (ref::isFloatDType(dtype)) {
    if (a.kind == npy::ElementKind::Int)
      return mismatch("integer data for a float argument");
    if (a.kind == npy::ElementKind::RawBits) {
      if (dtype != ref::DType::F8E4M3FN && dtype != ref::DType::F8E5M2)
        return mismatch("1-byte void data is only read as float8");
      for (uint8_t b : a.bits)
        t.data.push_back(ref::fromBits(dtype, b));
    } else {
      t.data.reserve(a.floats.size());
      for (float v : a.floats)
        t.data.push_back(ref::roundTo(dtype, v));
    }
    return t;
  }
  if (a.kind != npy::ElementKind::Int)
    return mismatch("float data for an integer argument");
  for (int64_t v : a.ints)
    if (dtype == ref::DType::I32 && (v < INT32_MIN || v > INT32_MAX))
      return mismatch("value " + Twine(v) + " does not fit in i32");
  t.ints = a.ints;
  return t;
}

Tolerance driver::toleranceFor(ref::DType t) {
  // About two units in the last place of the result type, and an absolute
  // floor for values that cancel to near zero. The simulator accumulates in
  // a different order (K tiles in PSUM, online softmax) and rounds some
  // on-chip intermediates (P in attention) to the operand type, as the
  // hardware does. docs/numerics.md gives the reasoning.
  switch (t) {
  case ref::DType::F32:
    return {1e-4, 1e-5};
  case ref::DType::BF16:
    return {1.6e-2, 1e-2};
  case ref::DType::F16:
    return {2e-3, 1e-3};
  case ref::DType::F8E4M3FN:
    return {0.25, 0.05};
  case ref::DType::F8E5M2:
    return {0.5, 0.1};
  case ref::DType::I32:
  case ref::DType::I64:
    return {0, 0};
  }
  return {0, 0};
}

Tolerance driver::toleranceForResult(func::FuncOp func, unsigned index) {
  auto ret = llvm::cast<func::ReturnOp>(func.getBody().front().getTerminator());
  Value result = ret.getOperand(index);
  auto dtypeOfValue = [](Value v) {
    return ref::dtypeOf(llvm::cast<ShapedType>(v.getType()).getElementType());
  };
  std::optional<ref::DType> own = dtypeOfValue(result);
  if (!own || !ref::isFloatDType(*own))
    return toleranceFor(own.value_or(ref::DType::I64));
  Tolerance tol = toleranceFor(*own);
  SmallVector<Value> work{result};
  llvm::DenseSet<Value> seen{result};
  while (!work.empty()) {
    Operation *def = work.pop_back_val().getDefiningOp();
    if (!def)
      continue; // an argument: exact in both backends
    for (Value r : def->getResults())
      if (std::optional<ref::DType> d = dtypeOfValue(r);
          d && ref::isFloatDType(*d)) {
        Tolerance t = toleranceFor(*d);
        tol.rtol = std::max(tol.rtol, t.rtol);
        tol.atol = std::max(tol.atol, t.atol);
      }
    for (Value operand : def->getOperands())
      if (seen.insert(operand).second)
        work.push_back(operand);
  }
  return tol;
}

FailureOr<SmallVector<std::vector<float>>>
driver::roundingSensitivity(func::FuncOp func, ArrayRef<ref::HostTensor> args,
                            ArrayRef<ref::HostTensor> want) {
  FailureOr<ref::Program> program = ref::Program::prepare(func);
  if (failed(program))
    return failure();
  SmallVector<std::vector<float>> sens;
  for (const ref::HostTensor &w : want)
    sens.emplace_back(ref::isFloatDType(w.dtype) ? w.data.size() : 0, 0.0f);
  for (int run = 1; run <= kSensitivityRuns; ++run) {
    ref::RunOptions o;
    o.perturbSeed = run;
    auto p = program->run(args, o);
    if (failed(p))
      return failure();
    for (auto [s, pr, w] : llvm::zip(sens, *p, want))
      for (size_t i = 0; i < s.size(); ++i) {
        double d = std::fabs((double)pr.data[i] - (double)w.data[i]);
        if (std::isfinite(d))
          s[i] = std::max<float>(s[i], (float)d);
      }
  }
  return sens;
}

int64_t driver::compare(const ref::HostTensor &got, const ref::HostTensor &want,
                        Tolerance tol, double &maxAbs, double &maxRel,
                        int64_t &firstBad, ArrayRef<float> sensitivity,
                        int64_t *withinSensitivity) {
  maxAbs = maxRel = 0;
  firstBad = -1;
  int64_t bad = 0;
  if (withinSensitivity)
    *withinSensitivity = 0;
  // Rounding differences of sums scale with the magnitude of what was
  // summed, not with a result that cancelled to near zero: the absolute
  // tolerance is relative to the largest magnitude in the expected tensor.
  double scale = 1;
  for (int64_t i = 0; i < want.numElements(); ++i) {
    double w = ref::isFloatDType(want.dtype) ? want.data[i] : want.ints[i];
    if (std::isfinite(w))
      scale = std::max(scale, std::fabs(w));
  }
  double atol = tol.atol * scale;
  for (int64_t i = 0; i < want.numElements(); ++i) {
    double g = ref::isFloatDType(got.dtype) ? got.data[i] : got.ints[i];
    double w = ref::isFloatDType(want.dtype) ? want.data[i] : want.ints[i];
    bool ok;
    if (std::isnan(g) || std::isnan(w)) {
      ok = std::isnan(g) && std::isnan(w);
    } else if (std::isinf(g) || std::isinf(w)) {
      ok = g == w;
    } else {
      double a = std::fabs(g - w);
      maxAbs = std::max(maxAbs, a);
      if (w != 0)
        maxRel = std::max(maxRel, a / std::fabs(w));
      double allowed = atol + tol.rtol * std::fabs(w);
      ok = a <= allowed;
      if (!ok && i < (int64_t)sensitivity.size()) {
        ok = a <= allowed + kSensitivityFactor * sensitivity[i];
        if (ok && withinSensitivity)
          ++*withinSensitivity;
      }
    }
    if (!ok) {
      if (firstBad < 0)
        firstBad = i;
      ++bad;
    }
  }
  return bad;
}
