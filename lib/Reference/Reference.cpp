//===- Reference.cpp - dtypes, rounding, constants and the interpreter ----===//
//
// The interpreter walks a verified function once, in order, keeping each SSA
// value as a HostTensor until its last use so large graphs stay in memory
// budget.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"
#include "Simd.h"

#include "muir/Dialect/Xf/XfDialect.h"
#include "muir/Support/CheckedSize.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>

using namespace mlir;
using namespace muir;
using namespace muir::ref;

//===----------------------------------------------------------------------===//
// DTypes and rounding
//===----------------------------------------------------------------------===//

std::optional<DType> ref::dtypeOf(Type t) {
  if (t.isF32())
    return DType::F32;
  if (t.isBF16())
    return DType::BF16;
  if (t.isF16())
    return DType::F16;
  if (isa<Float8E4M3FNType>(t))
    return DType::F8E4M3FN;
  if (isa<Float8E5M2Type>(t))
    return DType::F8E5M2;
  if (auto i = dyn_cast<IntegerType>(t)) {
    if (i.getWidth() == 32)
      return DType::I32;
    if (i.getWidth() == 64)
      return DType::I64;
  }
  return std::nullopt;
}

StringRef ref::dtypeName(DType d) {
  switch (d) {
  case DType::F32:
    return "f32";
  case DType::BF16:
    return "bf16";
  case DType::F16:
    return "f16";
  case DType::F8E4M3FN:
    return "f8E4M3FN";
  case DType::F8E5M2:
    return "f8E5M2";
  case DType::I32:
    return "i32";
  case DType::I64:
    return "i64";
  }
  return "?";
}

bool ref::isFloatDType(DType d) { return d != DType::I32 && d != DType::I64; }

Type ref::toMlirType(MLIRContext *ctx, DType d) {
  Builder b(ctx);
  switch (d) {
  case DType::F32:
    return b.getF32Type();
  case DType::BF16:
    return b.getBF16Type();
  case DType::F16:
    return b.getF16Type();
  case DType::F8E4M3FN:
    return Float8E4M3FNType::get(ctx);
  case DType::F8E5M2:
    return Float8E5M2Type::get(ctx);
  case DType::I32:
    return b.getI32Type();
  case DType::I64:
    return b.getI64Type();
  }
  return {};
}

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

float ref::roundTo(DType dtype, float value) {
  using namespace ref::detail::simd;
  Lanes<1>::F x = {value};
  switch (dtype) {
  case DType::BF16:
    return roundBF16<1>(x)[0];
  case DType::F16:
    return roundNarrow<1>(x, kF16)[0];
  case DType::F8E4M3FN:
    return roundNarrow<1>(x, kE4M3FN)[0];
  case DType::F8E5M2:
    return roundNarrow<1>(x, kE5M2)[0];
  default:
    return value;
  }
}

/// Round-to-nearest-even of a double to a narrow format, by scaling (as
/// simd::roundNarrow does for f32 lanes).
static double roundNarrowDouble(double x,
                                const ref::detail::simd::NarrowFormat &f) {
  if (std::isnan(x))
    return x;
  if (std::isinf(x))
    return f.hasInf ? x : std::numeric_limits<double>::quiet_NaN();
  if (x == 0)
    return x;
  int e;
  std::frexp(x, &e); // |x| in [2^(e-1), 2^e)
  int exp = std::max(e - 1, f.minExp);
  double quantum = std::ldexp(1.0, exp - f.mantBits);
  // nearbyint rounds ties to even under the default rounding mode.
  double r = std::nearbyint(x / quantum) * quantum;
  if (std::fabs(r) > f.maxFinite)
    return f.hasInf ? std::copysign(std::numeric_limits<double>::infinity(), x)
                    : std::numeric_limits<double>::quiet_NaN();
  return r;
}

/// Rounds a double (an exact integer, for int->float casts) with a single
/// rounding to `dtype`, avoiding the double rounding of going through f32.
static float roundToFromDouble(DType dtype, double value) {
  using namespace ref::detail::simd;
  switch (dtype) {
  case DType::BF16:
    return (float)roundNarrowDouble(value, kBF16);
  case DType::F16:
    return (float)roundNarrowDouble(value, kF16);
  case DType::F8E4M3FN:
    return (float)roundNarrowDouble(value, kE4M3FN);
  case DType::F8E5M2:
    return (float)roundNarrowDouble(value, kE5M2);
  default:
    return (float)value;
  }
}

static float halfBitsToFloat(uint32_t h) {
  float sign = (h & 0x8000) ? -1.0f : 1.0f;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  if (exp == 0x1f)
    return mant ? std::numeric_limits<float>::quiet_NaN()
                : sign * std::numeric_limits<float>::infinity();
  if (exp == 0)
    return sign * std::ldexp((float)mant, -24);
  return sign * std::ldexp((float)(mant | 0x400), (int)exp - 25);
}

float ref::fromBits(DType dtype, uint64_t bits) {
  switch (dtype) {
  case DType::F32: {
    uint32_t u = (uint32_t)bits;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  case DType::BF16: {
    uint32_t u = (uint32_t)(bits & 0xffff) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  case DType::F16:
    return halfBitsToFloat((uint32_t)(bits & 0xffff));
  case DType::F8E5M2:
    // e5m2 is the top byte of an IEEE half.
    return halfBitsToFloat((uint32_t)(bits & 0xff) << 8);
  case DType::F8E4M3FN: {
    uint32_t b = bits & 0xff;
    float sign = (b & 0x80) ? -1.0f : 1.0f;
    uint32_t exp = (b >> 3) & 0xf, mant = b & 0x7;
    if (exp == 0xf && mant == 0x7)
      return std::numeric_limits<float>::quiet_NaN();
    if (exp == 0)
      return sign * std::ldexp((float)mant, -9);
    return sign * std::ldexp((float)(mant | 0x8), (int)exp - 10);
  }
  default:
    return (float)(int64_t)bits;
  }
}

//===----------------------------------------------------------------------===//
// Shared kernel helpers
//===----------------------------------------------------------------------===//

SmallVector<int64_t> ref::detail::stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> s(shape.size(), 1);
  for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
    s[d] = s[d + 1] * shape[d + 1];
  return s;
}

SmallVector<int64_t> ref::detail::broadcastStrides(ArrayRef<int64_t> shape,
                                                   ArrayRef<int64_t> outShape) {
  SmallVector<int64_t> own = stridesOf(shape);
  SmallVector<int64_t> s(outShape.size(), 0);
  size_t lead = outShape.size() - shape.size();
  for (size_t d = 0; d < shape.size(); ++d)
    s[lead + d] = shape[d] == 1 ? 0 : own[d];
  return s;
}

void ref::roundTo(DType dtype, MutableArrayRef<float> values) {
  ref::detail::roundRow(dtype, values.data(), values.size());
}

void ref::detail::roundInPlace(HostTensor &t) { roundTo(t.dtype, t.data); }

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

static unsigned storageBytes(DType d) {
  switch (d) {
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::BF16:
  case DType::F16:
    return 2;
  case DType::F8E4M3FN:
  case DType::F8E5M2:
    return 1;
  case DType::I64:
    return 8;
  }
  return 0;
}

/// Fills `out` from packed little-endian element storage; `splat` repeats
/// the first element.
static void decodePacked(ArrayRef<char> raw, bool splat, HostTensor &out) {
  unsigned w = storageBytes(out.dtype);
  int64_t n = out.numElements();
  auto elem = [&](int64_t i) {
    uint64_t bits = 0;
    std::memcpy(&bits, raw.data() + (splat ? 0 : i) * w, w);
    return bits;
  };
  if (isFloatDType(out.dtype)) {
    for (int64_t i = 0; i < n; ++i)
      out.data[i] = fromBits(out.dtype, elem(i));
  } else {
    for (int64_t i = 0; i < n; ++i) {
      uint64_t b = elem(i);
      out.ints[i] = w == 4 ? (int64_t)(int32_t)(uint32_t)b : (int64_t)b;
    }
  }
}

static LogicalResult materializeConstant(xf::ConstantOp op, HostTensor &out) {
  ElementsAttr value = op.getValue();
  unsigned w = storageBytes(out.dtype);
  int64_t n = out.numElements();
  if (auto dense = dyn_cast<DenseIntOrFPElementsAttr>(value)) {
    ArrayRef<char> raw = dense.getRawData();
    bool splat = dense.isSplat();
    uint64_t need = (splat ? 1 : n) * (uint64_t)w;
    if (n > 0 && raw.size() < need)
      return op.emitError()
             << "constant holds " << raw.size() << " bytes, expected " << need;
    decodePacked(raw, splat, out);
    return success();
  }
  if (auto res = dyn_cast<DenseResourceElementsAttr>(value)) {
    DenseResourceElementsHandle handle = res.getRawHandle();
    AsmResourceBlob *blob = handle.getBlob();
    if (!blob)
      return op.emitError() << "dense_resource '" << handle.getKey()
                            << "' has no data (missing from the file's "
                               "resource section?)";
    ArrayRef<char> raw = blob->getData();
    if (raw.size() != (uint64_t)n * w)
      return op.emitError() << "dense_resource '" << handle.getKey()
                            << "' holds " << raw.size() << " bytes but "
                            << op.getType() << " needs " << (uint64_t)n * w;
    decodePacked(raw, false, out);
    return success();
  }
  // Any other ElementsAttr implementation, element by element.
  if (isFloatDType(out.dtype)) {
    auto values = value.tryGetValues<APFloat>();
    if (values) {
      int64_t i = 0;
      for (APFloat v : *values) {
        if (i >= n)
          break;
        out.data[i++] = v.convertToFloat();
      }
      if (i == n)
        return success();
    }
  } else {
    auto values = value.tryGetValues<APInt>();
    if (values) {
      int64_t i = 0;
      for (APInt v : *values) {
        if (i >= n)
          break;
        out.ints[i++] = v.getSExtValue();
      }
      if (i == n)
        return success();
    }
  }
  return op.emitError() << "reference backend: unsupported constant attribute "
                        << value;
}

//===----------------------------------------------------------------------===//
// Interpreter
//===----------------------------------------------------------------------===//

namespace {
/// Wall time per op name over one run, appended as "name<TAB>seconds" lines
/// to the file MUIR_REFERENCE_PROFILE names (bench/reference_speed.py reads
/// it). Off, and free, when the variable is unset.
class OpProfile {
public:
  OpProfile() : path(std::getenv("MUIR_REFERENCE_PROFILE")) {}
  ~OpProfile() {
    if (!path || seconds.empty())
      return;
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_Append);
    if (ec)
      return;
    for (auto &[name, s] : seconds)
      os << name << "\t" << llvm::format("%.9f", s) << "\n";
  }
  /// Runs `f`, charging its time to `op`'s name.
  template <typename F> auto time(Operation *op, F &&f) {
    if (!path)
      return f();
    auto t0 = std::chrono::steady_clock::now();
    auto r = f();
    seconds[op->getName().getStringRef()] +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count();
    return r;
  }

private:
  const char *path;
  llvm::MapVector<StringRef, double> seconds;
};
} // namespace

/// Guards against result types so large the allocation itself would abort
/// (the documented host limit, docs/tools.md).
static constexpr int64_t kMaxElements = muir::kMaxHostElements;

/// The shape and dtype of a tensor of `type`, without its values.
static FailureOr<HostTensor> describe(Location loc, Type type, StringRef what) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t || !t.hasStaticShape())
    return emitError(loc) << what << " type " << type
                          << " is not a statically shaped tensor",
           failure();
  auto dtype = dtypeOf(t.getElementType());
  if (!dtype)
    return emitError(loc) << what << " element type " << t.getElementType()
                          << " is not supported by the reference backend",
           failure();
  HostTensor out;
  out.shape.assign(t.getShape().begin(), t.getShape().end());
  out.dtype = *dtype;
  int64_t n = 1;
  for (int64_t d : out.shape) {
    if (d != 0 && n > kMaxElements / d)
      return emitError(loc) << what << " type " << type
                            << " is too large for the reference backend (more "
                               "than its host limit of "
                            << kMaxElements << " elements)",
             failure();
    n *= d;
  }
  return out;
}

static FailureOr<HostTensor> allocateFor(Location loc, Type type,
                                         StringRef what) {
  FailureOr<HostTensor> out = describe(loc, type, what);
  if (failed(out))
    return failure();
  int64_t n = out->numElements();
  if (isFloatDType(out->dtype))
    out->data.assign(n, 0.0f);
  else
    out->ints.assign(n, 0);
  return out;
}

static LogicalResult evalOp(Operation *op, ref::detail::Operands in,
                            HostTensor &out) {
  using namespace xf;
  if (isa<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, NegOp, ExpOp, LogOp, TanhOp,
          SqrtOp, RsqrtOp, SigmoidOp, ReluOp, SiluOp, GeluOp, CastOp, SoftmaxOp,
          LayerNormOp, RmsNormOp, ReduceSumOp, ReduceMaxOp, ReduceMeanOp,
          RopeOp>(op))
    return ref::detail::evalElementwise(op, in, out);
  if (isa<MatmulOp, BatchMatmulOp, AttentionOp>(op))
    return ref::detail::evalLinearAlgebra(op, in, out);
  if (isa<TransposeOp, ReshapeOp, BroadcastToOp, ConcatOp, SliceOp, GatherOp,
          IndexCopyOp>(op))
    return ref::detail::evalDataMovement(op, in, out);
  // The reference backend is one rank: a collective over a group of one
  // is the identity; a larger group needs the multi-core simulator.
  if (isa<AllReduceOp, AllGatherOp, ReduceScatterOp, AllToAllOp>(op)) {
    auto groups = cast<ShapedType>(
        op->getAttrOfType<ElementsAttr>("replica_groups").getType());
    if (groups.getDimSize(1) != 1)
      return op->emitError()
             << "reference backend: runs one rank, but this collective's "
                "replica groups have "
             << groups.getDimSize(1)
             << " (run the unsharded program, or the sharded one on the "
                "multi-core simulator)";
    out.data = in[0]->data;
    out.ints = in[0]->ints;
    return success();
  }
  if (auto cp = dyn_cast<CollectivePermuteOp>(op)) {
    // Rank 0 alone: its init when it is the target of no pair; another
    // rank's data it does not have.
    SmallVector<int64_t> v;
    for (APInt r : cp.getPairs().getValues<APInt>())
      v.push_back(r.getSExtValue());
    for (size_t i = 0; i + 1 < v.size(); i += 2)
      if (v[i + 1] == 0)
        return op->emitError()
               << "reference backend: runs one rank, but rank " << v[i]
               << " sends to rank 0 here (run the sharded program on the "
                  "multi-core simulator)";
    out.data = in[1]->data;
    out.ints = in[1]->ints;
    return success();
  }
  return op->emitError() << "reference backend: unsupported op '"
                         << op->getName() << "'";
}

/// Gives integer-to-float casts a single correct rounding (see
/// roundToFromDouble); the generic path in Elementwise.cpp covers floats.
static LogicalResult evalIntCast(xf::CastOp op, const HostTensor &in,
                                 HostTensor &out) {
  for (size_t i = 0; i < in.ints.size(); ++i)
    out.data[i] = out.dtype == DType::F32
                      ? (float)in.ints[i]
                      : roundToFromDouble(out.dtype, (double)in.ints[i]);
  return success();
}

/// Checks a given argument against its block argument's type; on success
/// `slot` is sized and typed for it.
static LogicalResult checkArgument(func::FuncOp func, unsigned i,
                                   BlockArgument arg, const HostTensor &given,
                                   HostTensor &slot) {
  auto typed =
      describe(func.getLoc(), arg.getType(), "argument #" + std::to_string(i));
  if (failed(typed))
    return failure();
  if (given.dtype != typed->dtype ||
      ArrayRef<int64_t>(given.shape) != ArrayRef<int64_t>(typed->shape)) {
    std::string shape;
    for (size_t d = 0; d < given.shape.size(); ++d)
      shape += (d ? "x" : "") + std::to_string(given.shape[d]);
    return func.emitError()
           << "argument #" << i << " has type " << arg.getType()
           << " but the given tensor is " << shape
           << (given.shape.empty() ? "" : "x") << dtypeName(given.dtype);
  }
  size_t n = typed->numElements();
  size_t have =
      isFloatDType(given.dtype) ? given.data.size() : given.ints.size();
  if (have != n)
    return func.emitError() << "argument #" << i << " holds " << have
                            << " values but its shape needs " << n;
  slot = std::move(*typed);
  return success();
}

FailureOr<Program> Program::prepare(func::FuncOp func) {
  if (func.isExternal())
    return func.emitError()
               << "function '" << func.getSymName() << "' has no body",
           failure();
  if (failed(mlir::verify(func)))
    return failure();
  if (!func.getBody().hasOneBlock())
    return func.emitError()
               << "reference backend: functions must have a single block",
           failure();
  Program p;
  p.func = func;
  // Post-order: a kernel's region runs before the kernel's results exist.
  func.getBody().front().walk([&](Operation *op) {
    if (!isa<xf::YieldOp>(op))
      p.order.push_back(op);
  });
  for (Operation *opp : p.order) {
    Operation &op = *opp;
    for (Value v : op.getOperands())
      p.lastUse[v] = &op;
    if (auto k = dyn_cast<xf::KernelOp>(op))
      for (Value v : k.getYield().getValues())
        p.lastUse[v] = k; // kept alive: the kernel's results alias them
    auto c = dyn_cast<xf::ConstantOp>(op);
    if (!c)
      continue;
    auto out = allocateFor(c.getLoc(), c.getType(), "result");
    if (failed(out) || failed(materializeConstant(c, *out)))
      return failure();
    p.constants[c.getResult()] = std::move(*out);
  }
  return p;
}

/// True for ops whose results are exact functions of their operands' values
/// (they move, select or convert values): a sensitivity run leaves them be.
static bool movesValuesOnly(Operation *op) {
  return isa<xf::NegOp, xf::ReluOp, xf::MaxOp, xf::MinOp, xf::CastOp,
             xf::TransposeOp, xf::ReshapeOp, xf::BroadcastToOp, xf::ConcatOp,
             xf::SliceOp, xf::GatherOp, xf::IndexCopyOp, xf::ReduceMaxOp,
             xf::AllGatherOp>(op);
}

/// True if `v` is a result of the function: returned, or yielded by an
/// xf.kernel whose corresponding result is.
static bool isReturned(Value v) {
  for (OpOperand &use : v.getUses()) {
    Operation *u = use.getOwner();
    if (isa<func::ReturnOp>(u))
      return true;
    if (isa<xf::YieldOp>(u))
      if (auto k = dyn_cast<xf::KernelOp>(u->getParentOp()))
        if (isReturned(k->getResult(use.getOperandNumber())))
          return true;
  }
  return false;
}

/// SplitMix64: a well-mixed 64-bit hash, so each element's direction is
/// independent of its neighbours' and reproducible from the seed.
static uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// Moves every finite element of `t` one unit in the last place of its type
/// (up or down by the bits of a hash of seed, op and element).
static void perturbOneUlp(HostTensor &t, uint64_t seed, uint64_t opIndex) {
  using namespace ref::detail::simd;
  int mantBits = t.dtype == DType::BF16       ? kBF16.mantBits
                 : t.dtype == DType::F16      ? kF16.mantBits
                 : t.dtype == DType::F8E4M3FN ? kE4M3FN.mantBits
                 : t.dtype == DType::F8E5M2   ? kE5M2.mantBits
                                              : 23;
  uint64_t base = mix64(seed ^ mix64(opIndex));
  for (size_t i = 0; i < t.data.size(); ++i) {
    float x = t.data[i];
    if (!std::isfinite(x))
      continue;
    // One quantum of the type at x (the subnormal quantum of f32 at most;
    // the narrow types' own subnormal ranges round the step away below).
    int e = 0;
    std::frexp(x == 0 ? std::numeric_limits<float>::min() : x, &e);
    float ulp = std::ldexp(1.0f, e - 1 - mantBits);
    bool up = mix64(base + i) & 1;
    float y = roundTo(t.dtype, up ? x + ulp : x - ulp);
    if (std::isfinite(y))
      t.data[i] = y;
  }
}

FailureOr<SmallVector<HostTensor>>
Program::run(ArrayRef<HostTensor> args, const RunOptions &options) const {
  func::FuncOp f = func;
  FunctionType fnType = f.getFunctionType();
  if (args.size() != fnType.getNumInputs())
    return f.emitError() << "function '" << f.getSymName() << "' takes "
                         << fnType.getNumInputs() << " arguments, got "
                         << args.size(),
           failure();
  Block &body = f.getBody().front();

  // Values by reference: arguments and constants are read in place; what
  // the run computes lives in `owned` until its last use.
  DenseMap<Value, const HostTensor *> env;
  DenseMap<Value, std::unique_ptr<HostTensor>> owned;
  auto own = [&](Value v, HostTensor t) {
    auto &slot = owned[v];
    slot = std::make_unique<HostTensor>(std::move(t));
    env[v] = slot.get();
  };
  for (auto [i, arg] : llvm::enumerate(body.getArguments())) {
    HostTensor slot;
    if (failed(checkArgument(f, i, arg, args[i], slot)))
      return failure();
    if (!isFloatDType(slot.dtype) || slot.dtype == DType::F32) {
      env[arg] = &args[i];
      continue;
    }
    slot.data = args[i].data;
    ref::detail::roundInPlace(slot);
    own(arg, std::move(slot));
  }

  OpProfile profile;
  uint64_t opIndex = 0;
  for (Operation *op : order) {
    if (auto k = dyn_cast<xf::KernelOp>(op)) {
      for (auto [r, y] : llvm::zip(k.getResults(), k.getYield().getValues()))
        env[r] = env.lookup(y);
      continue;
    }
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      SmallVector<HostTensor> results;
      for (Value v : ret.getOperands()) {
        auto it = env.find(v);
        if (it == env.end())
          return ret.emitError() << "returned value was not computed",
                 failure();
        results.push_back(*it->second);
      }
      return results;
    }
    if (isa<xf::ConstantOp>(op)) {
      env[op->getResult(0)] = &constants.find(op->getResult(0))->second;
      continue;
    }
    if (op->getNumResults() != 1 || op->getNumRegions() != 0 ||
        !isa_and_nonnull<xf::XfDialect>(op->getDialect()))
      return op->emitError() << "reference backend: unsupported op '"
                             << op->getName() << "'",
             failure();
    auto out = allocateFor(op->getLoc(), op->getResult(0).getType(), "result");
    if (failed(out))
      return failure();
    SmallVector<const HostTensor *> in;
    for (Value v : op->getOperands()) {
      auto it = env.find(v);
      if (it == env.end())
        return op->emitError() << "operand was not computed (not defined "
                                  "earlier in the function body)",
               failure();
      in.push_back(it->second);
    }
    LogicalResult ok = profile.time(op, [&] {
      if (auto cast = dyn_cast<xf::CastOp>(op);
          cast && !isFloatDType(in[0]->dtype))
        return evalIntCast(cast, *in[0], *out);
      return evalOp(op, in, *out);
    });
    if (failed(ok))
      return failure();
    for (Value v : op->getOperands()) {
      auto it = lastUse.find(v);
      if (it != lastUse.end() && it->second == op) {
        env.erase(v);
        owned.erase(v);
      }
    }
    if (options.perturbSeed && isFloatDType(out->dtype) &&
        !movesValuesOnly(op) && !isReturned(op->getResult(0)))
      perturbOneUlp(*out, options.perturbSeed, opIndex);
    ++opIndex;
    own(op->getResult(0), std::move(*out));
  }
  return f.emitError() << "function body has no func.return", failure();
}

FailureOr<SmallVector<HostTensor>> ref::runFunction(func::FuncOp func,
                                                    ArrayRef<HostTensor> args,
                                                    const RunOptions &options) {
  FailureOr<Program> program = Program::prepare(func);
  if (failed(program))
    return failure();
  return program->run(args, options);
}
