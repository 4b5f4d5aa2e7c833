//===- Session.cpp - device memory that outlives one program run ----------===//
#include "muir/Sim/Session.h"

#include "muir/Support/CheckedSize.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <cstring>

using namespace muir;
using namespace muir::sim;
using namespace muir::target;
using llvm::Error;
using llvm::StringRef;
using llvm::Twine;

namespace {
Error err(const Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}
/// Tensors and buffers start on 64-byte boundaries, as the compiler places
/// a program's tensors.
constexpr uint64_t kAlign = 64;
} // namespace

Session::Session(const Machine &machine, Options options)
    : machine(machine), options(options) {}

Session::~Session() = default;

llvm::Expected<Session::Region> Session::reserve(uint64_t bytes,
                                                 StringRef what) {
  uint64_t size =
      std::max<uint64_t>(kAlign, (bytes + kAlign - 1) / kAlign * kAlign);
  // First fit between the regions in use, else at the end.
  uint64_t at = 0;
  size_t pos = 0;
  for (; pos < used.size(); ++pos) {
    if (used[pos].address - at >= size)
      break;
    at = used[pos].address + used[pos].size;
  }
  // Without numerics no byte is held: the target's HBM is the only limit.
  uint64_t cap = uint64_t(
      options.numerics ? std::min(machine.hbm.capacityBytes, kMaxSimHbmBytes)
                       : machine.hbm.capacityBytes);
  if (at + size > cap)
    return err("device memory is full: " + what + " needs " + Twine(bytes) +
               " bytes, " + Twine(bytesInUse()) + " of " + Twine(cap) +
               " are in use (target '" + machine.name +
               "' HBM, or the simulator's host limit)");
  Region r{at, size};
  used.insert(used.begin() + pos, r);
  if (options.numerics && mem.size() < at + size) {
    uint64_t grown = std::min<uint64_t>(
        cap, std::max<uint64_t>(at + size, 2 * uint64_t(mem.size())));
    mem.resize(grown);
    init.resize(grown);
  }
  if (options.numerics)
    std::memset(init.data() + at, 0, size);
  return r;
}

void Session::free(Region r) {
  llvm::erase_if(used, [&](const Region &u) { return u.address == r.address; });
}

uint64_t Session::bytesInUse() const {
  uint64_t n = 0;
  for (const Region &r : used)
    n += r.size;
  return n;
}

Error Session::allocate(StringRef name, ElemType type,
                        llvm::ArrayRef<int64_t> shape) {
  if (buffers.count(name.str()))
    return err("buffer '" + name + "' already exists");
  std::optional<int64_t> bytes = checkedProduct(shape, elemBytes(type));
  if (!bytes)
    return err("buffer '" + name +
               "' has a negative dimension or more than 2^63 bytes");
  llvm::Expected<Region> r =
      reserve(uint64_t(*bytes), "buffer '" + name.str() + "'");
  if (!r)
    return r.takeError();
  buffers[name.str()] = Buffer{*r, type, {shape.begin(), shape.end()}};
  return Error::success();
}

Error Session::release(StringRef name) {
  auto it = buffers.find(name.str());
  if (it == buffers.end())
    return err("no buffer '" + name + "'");
  free(it->second.region);
  buffers.erase(it);
  return Error::success();
}

static uint64_t byteSize(ElemType t, llvm::ArrayRef<int64_t> shape) {
  return uint64_t(*checkedProduct(shape, elemBytes(t)));
}

Error Session::write(StringRef name, llvm::ArrayRef<uint8_t> bytes) {
  auto it = buffers.find(name.str());
  if (it == buffers.end())
    return err("no buffer '" + name + "'");
  const Buffer &b = it->second;
  uint64_t want = byteSize(b.type, b.shape);
  if (bytes.size() != want)
    return err("buffer '" + name + "' holds " + Twine(want) + " bytes, got " +
               Twine(bytes.size()));
  totals.hostToDeviceBytes += want;
  if (options.numerics && want) {
    std::memcpy(mem.data() + b.region.address, bytes.data(), want);
    std::memset(init.data() + b.region.address, 1, want);
  }
  return Error::success();
}

llvm::Expected<std::vector<uint8_t>> Session::read(StringRef name) {
  auto it = buffers.find(name.str());
  if (it == buffers.end())
    return err("no buffer '" + name + "'");
  if (!options.numerics)
    return err("a timing-only session holds no values");
  const Buffer &b = it->second;
  uint64_t n = byteSize(b.type, b.shape);
  totals.deviceToHostBytes += n;
  const uint8_t *p = mem.data() + b.region.address;
  return std::vector<uint8_t>(p, p + n);
}

void Session::unload(const Program &program) {
  auto it = loaded.find(&program);
  if (it == loaded.end())
    return;
  for (const std::optional<Region> &r : it->second.own)
    if (r)
      free(*r);
  loaded.erase(it);
  if (last == &program)
    last = nullptr;
}

Error Session::run(
    const Program &program, llvm::ArrayRef<Binding> bindings,
    llvm::ArrayRef<std::pair<std::string, std::vector<uint8_t>>> inputs) {
  if (program.target != machine.name)
    return err("program '" + program.name + "' is for target '" +
               program.target + "' but the session simulates '" + machine.name +
               "'");
  size_t n = program.tensors.size();
  auto find = [&](StringRef tensor) -> std::optional<size_t> {
    for (size_t i = 0; i < n; ++i)
      if (program.tensors[i].name == tensor)
        return i;
    return std::nullopt;
  };
  // The tensor an output or scratch tensor updates in place, if any.
  std::vector<std::optional<size_t>> aliasOf(n);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n && !aliasOf[i]; ++j) {
      const TensorDecl &t = program.tensors[i], &u = program.tensors[j];
      if (t.kind != TensorKind::Input && u.kind == TensorKind::Input &&
          t.offset == u.offset && t.byteSize() == u.byteSize())
        aliasOf[i] = j;
    }

  std::vector<const Buffer *> bound(n, nullptr);
  for (const Binding &b : bindings) {
    std::optional<size_t> i = find(b.tensor);
    if (!i)
      return err("program '" + program.name + "' has no tensor '" + b.tensor +
                 "' to bind to buffer '" + b.buffer + "'");
    auto it = buffers.find(b.buffer);
    if (it == buffers.end())
      return err("tensor '" + b.tensor + "' is bound to buffer '" + b.buffer +
                 "', which the session does not have");
    const TensorDecl &t = program.tensors[*i];
    const Buffer &buf = it->second;
    if (t.kind == TensorKind::Constant)
      return err("tensor '" + b.tensor + "' is a constant of program '" +
                 program.name + "' and cannot be bound");
    if (t.type != buf.type || t.byteSize() != byteSize(buf.type, buf.shape))
      return err("tensor '" + b.tensor + "' (" + Twine(t.numElements()) +
                 " x " + elemTypeName(t.type) + ") does not fit buffer '" +
                 b.buffer + "' (" +
                 Twine(byteSize(buf.type, buf.shape) / elemBytes(buf.type)) +
                 " x " + elemTypeName(buf.type) + ")");
    if (bound[*i] && bound[*i] != &buf)
      return err("tensor '" + b.tensor + "' is bound twice");
    bound[*i] = &buf;
  }
  for (size_t i = 0; i < n; ++i) {
    if (!aliasOf[i])
      continue;
    const Buffer *in = bound[*aliasOf[i]];
    if (bound[i] && bound[i] != in)
      return err("tensor '" + program.tensors[i].name + "' updates input '" +
                 program.tensors[*aliasOf[i]].name +
                 "' in place, so it can only be bound where that input is");
    bound[i] = in;
  }
  std::vector<const std::vector<uint8_t> *> given(n, nullptr);
  for (const auto &[name, bytes] : inputs) {
    std::optional<size_t> i = find(name);
    if (!i || program.tensors[*i].kind != TensorKind::Input)
      return err("program '" + program.name + "' has no input tensor '" + name +
                 "'");
    if (bound[*i])
      return err("input '" + name + "' is bound to a buffer and given bytes");
    if (bytes.size() != program.tensors[*i].byteSize())
      return err("input '" + name + "' needs " +
                 Twine(program.tensors[*i].byteSize()) + " bytes, got " +
                 Twine(bytes.size()));
    given[*i] = &bytes;
  }
  for (size_t i = 0; i < n; ++i)
    if (options.numerics && program.tensors[i].kind == TensorKind::Input &&
        !bound[i] && !given[i])
      return err("input '" + program.tensors[i].name + "' of program '" +
                 program.name + "' is neither bound to a buffer nor given");

  // Place every tensor: bound ones on their buffers, the others on memory
  // the program keeps (constants written once, when it is reserved).
  Loaded &ld = loaded[&program];
  ld.own.resize(n);
  DeviceMemory dm;
  dm.address.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const TensorDecl &t = program.tensors[i];
    if (bound[i]) {
      dm.address[i] = bound[i]->region.address;
      continue;
    }
    if (aliasOf[i])
      continue; // placed with its input below
    if (!ld.own[i]) {
      llvm::Expected<Region> r = reserve(
          t.byteSize(), "tensor '" + t.name + "' of '" + program.name + "'");
      if (!r)
        return r.takeError();
      ld.own[i] = *r;
      if (t.kind == TensorKind::Constant && t.byteSize()) {
        totals.constantBytes += t.byteSize();
        if (options.numerics) {
          std::memcpy(mem.data() + r->address, t.data.data(), t.byteSize());
          std::memset(init.data() + r->address, 1, t.byteSize());
        }
      }
    }
    dm.address[i] = ld.own[i]->address;
    if (!options.numerics || !t.byteSize())
      continue;
    if (given[i]) {
      std::memcpy(mem.data() + dm.address[i], given[i]->data(), t.byteSize());
      std::memset(init.data() + dm.address[i], 1, t.byteSize());
      totals.hostToDeviceBytes += t.byteSize();
    } else if (t.kind != TensorKind::Constant) {
      // Outputs and scratch start unwritten in every run.
      std::memset(init.data() + dm.address[i], 0, t.byteSize());
    }
  }
  for (size_t i = 0; i < n; ++i)
    if (aliasOf[i] && !bound[i])
      dm.address[i] = dm.address[*aliasOf[i]];
  dm.data = mem.data();
  dm.init = init.data();
  dm.size = mem.size();
  if (!options.numerics) // no bytes: every tensor fits the empty memory
    dm.size = uint64_t(machine.hbm.capacityBytes);

  Simulator sim(machine, program, options);
  sim.useDeviceMemory(&dm);
  if (Error e = sim.run())
    return e;
  report = sim.report();
  last = &program;
  lastAddress = dm.address;
  ++totals.runs;
  totals.seconds += report.seconds;
  return Error::success();
}

llvm::Expected<std::vector<uint8_t>> Session::output(StringRef tensor) {
  if (!last)
    return err("no program has run in this session");
  if (!options.numerics)
    return err("a timing-only session holds no values");
  for (size_t i = 0; i < last->tensors.size(); ++i) {
    const TensorDecl &t = last->tensors[i];
    if (t.name != tensor)
      continue;
    totals.deviceToHostBytes += t.byteSize();
    const uint8_t *p = mem.data() + lastAddress[i];
    return std::vector<uint8_t>(p, p + t.byteSize());
  }
  return err("program '" + last->name + "' has no tensor '" + tensor + "'");
}
