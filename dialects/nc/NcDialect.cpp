//===- NcDialect.cpp - nc registration, tile attribute, machine lookup ----===//
#include "muir/Dialect/Nc/NcDialect.h"
#include "muir/Dialect/Nc/NcUtils.h"
#include "muir/Target/Machine.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <atomic>
#include <limits>
#include <memory>
#include <mutex>

using namespace mlir;
using namespace muir::nc;
namespace tgt = muir::target;

#include "nc/NcDialect.cpp.inc"
#include "nc/NcEnums.cpp.inc"

namespace muir::nc::detail {
/// AccessAttr's storage: the parameters (the uniquing key) and, computed
/// once when the attribute is created (attributes are immutable), the
/// tile's extent and element bytes, which the verifiers, the scheduler and
/// the synchronisation pass ask for on every instruction. verify() rejects
/// tiles whose extent overflows; one built unchecked saturates, so every
/// bound it is compared with fails.
struct AccessAttrStorage : public ::mlir::AttributeStorage {
  using KeyTy = std::tuple<MemSpace, StringRef, int64_t, int64_t, int64_t,
                           int64_t, ArrayRef<int64_t>, ArrayRef<int64_t>, Type>;
  AccessAttrStorage(MemSpace space, StringRef tensor, int64_t partition,
                    int64_t partitions, int64_t partitionStride, int64_t offset,
                    ArrayRef<int64_t> sizes, ArrayRef<int64_t> strides,
                    Type elementType)
      : space(space), tensor(tensor), partition(partition),
        partitions(partitions), partitionStride(partitionStride),
        offset(offset), sizes(sizes), strides(strides),
        elementType(elementType) {
    auto t = toElemType(elementType);
    elementBytes = t ? tgt::elemBytes(*t) : 0;
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    extent =
        tgt::tileExtent(space == MemSpace::hbm, partition, partitions,
                        partitionStride, offset, sizes, strides, elementBytes)
            .value_or(tgt::TileExtent{kMax, kMax, kMax, kMax});
  }

  KeyTy getAsKey() const {
    return KeyTy(space, tensor, partition, partitions, partitionStride, offset,
                 sizes, strides, elementType);
  }
  bool operator==(const KeyTy &key) const { return getAsKey() == key; }
  static llvm::hash_code hashKey(const KeyTy &key) {
    // In two levels: nine values in one hash_combine overflow its 64-byte
    // buffer, whose rotation cost more than the rest of the hash (every
    // tile an instruction builds is hashed to be uniqued).
    llvm::hash_code scalars = llvm::hash_combine(
        std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<3>(key),
        std::get<4>(key), std::get<5>(key));
    return llvm::hash_combine(scalars,
                              llvm::hash_combine_range(std::get<6>(key).begin(),
                                                       std::get<6>(key).end()),
                              llvm::hash_combine_range(std::get<7>(key).begin(),
                                                       std::get<7>(key).end()),
                              std::get<8>(key));
  }
  static AccessAttrStorage *construct(::mlir::AttributeStorageAllocator &alloc,
                                      KeyTy &&key) {
    auto [space, tensor, partition, partitions, partitionStride, offset, sizes,
          strides, elementType] = key;
    return new (alloc.allocate<AccessAttrStorage>()) AccessAttrStorage(
        space, alloc.copyInto(tensor), partition, partitions, partitionStride,
        offset, alloc.copyInto(sizes), alloc.copyInto(strides), elementType);
  }

  MemSpace space;
  StringRef tensor;
  int64_t partition;
  int64_t partitions;
  int64_t partitionStride;
  int64_t offset;
  ArrayRef<int64_t> sizes;
  ArrayRef<int64_t> strides;
  Type elementType;
  unsigned elementBytes;
  tgt::TileExtent extent;
  /// `tensor` as a StringAttr, set on first use (getTensorAttr; racing
  /// threads store the same uniqued pointer).
  mutable std::atomic<const void *> tensorAttr{nullptr};
};
} // namespace muir::nc::detail

#define GET_ATTRDEF_CLASSES
#include "nc/NcAttrs.cpp.inc"

namespace {
using OpcodeMap = llvm::DenseMap<TypeID, tgt::Opcode>;
template <typename T> void addOpcode(OpcodeMap &map) {
  if (auto opcode = tgt::parseOpcode(
          T::getOperationName().drop_front(StringRef("nc.").size())))
    map[TypeID::get<T>()] = *opcode;
}
template <typename... Ops> OpcodeMap opcodeMap() {
  OpcodeMap map;
  (addOpcode<Ops>(map), ...);
  return map;
}
} // namespace

bool muir::nc::hbmRowsInterleave(AccessAttr ap) {
  if (!ap || !ap.isHbm())
    return false;
  int64_t extent = 1;
  for (auto [n, st] : llvm::zip(ap.getSizes(), ap.getStrides()))
    extent += (n - 1) * std::abs(st);
  return std::abs(ap.getPartitionStride()) < extent;
}

std::optional<tgt::Opcode> muir::nc::opcodeOf(Operation *op) {
  // Every nc op class whose name is an opcode, by TypeID: a pointer lookup,
  // where matching the name against the opcode table compared strings.
  static const OpcodeMap map = opcodeMap<
#define GET_OP_LIST
#include "nc/NcOps.cpp.inc"
      >();
  auto it = map.find(op->getName().getTypeID());
  if (it == map.end())
    return std::nullopt;
  return it->second;
}

void NcDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "nc/NcAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "nc/NcOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

std::optional<tgt::ElemType> muir::nc::toElemType(Type t) {
  if (t.isF32())
    return tgt::ElemType::F32;
  if (t.isBF16())
    return tgt::ElemType::BF16;
  if (t.isF16())
    return tgt::ElemType::F16;
  if (llvm::isa<Float8E4M3FNType>(t))
    return tgt::ElemType::F8E4M3FN;
  if (llvm::isa<Float8E5M2Type>(t))
    return tgt::ElemType::F8E5M2;
  if (t.isSignlessInteger(32))
    return tgt::ElemType::I32;
  return std::nullopt;
}

Type muir::nc::fromElemType(MLIRContext *ctx, tgt::ElemType t) {
  Builder b(ctx);
  switch (t) {
  case tgt::ElemType::F32:
    return b.getF32Type();
  case tgt::ElemType::BF16:
    return b.getBF16Type();
  case tgt::ElemType::F16:
    return b.getF16Type();
  case tgt::ElemType::F8E4M3FN:
    return b.getType<Float8E4M3FNType>();
  case tgt::ElemType::F8E5M2:
    return b.getType<Float8E5M2Type>();
  case tgt::ElemType::I32:
    return b.getI32Type();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// AccessAttr
//===----------------------------------------------------------------------===//

MemSpace AccessAttr::getSpace() const { return getImpl()->space; }
StringRef AccessAttr::getTensor() const { return getImpl()->tensor; }
int64_t AccessAttr::getPartition() const { return getImpl()->partition; }
int64_t AccessAttr::getPartitions() const { return getImpl()->partitions; }
int64_t AccessAttr::getPartitionStride() const {
  return getImpl()->partitionStride;
}
int64_t AccessAttr::getOffset() const { return getImpl()->offset; }
ArrayRef<int64_t> AccessAttr::getSizes() const { return getImpl()->sizes; }
ArrayRef<int64_t> AccessAttr::getStrides() const { return getImpl()->strides; }
Type AccessAttr::getElementType() const { return getImpl()->elementType; }

StringAttr AccessAttr::getTensorAttr() const {
  const void *p = getImpl()->tensorAttr.load(std::memory_order_acquire);
  if (!p) {
    p = StringAttr::get(getContext(), getTensor()).getAsOpaquePointer();
    getImpl()->tensorAttr.store(p, std::memory_order_release);
  }
  return StringAttr::getFromOpaquePointer(p);
}

int64_t AccessAttr::getFreeElements() const {
  return getImpl()->extent.freeElements;
}

unsigned AccessAttr::getElementBytes() const { return getImpl()->elementBytes; }

int64_t AccessAttr::getEndByte() const { return getImpl()->extent.end; }

int64_t AccessAttr::getLastElement() const { return getImpl()->extent.end - 1; }

LogicalResult AccessAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 MemSpace space, StringRef tensor,
                                 int64_t partition, int64_t partitions,
                                 int64_t partitionStride, int64_t offset,
                                 ArrayRef<int64_t> sizes,
                                 ArrayRef<int64_t> strides, Type elementType) {
  if (!toElemType(elementType))
    return emitError()
           << "tile element type " << elementType
           << " is not one of f32, bf16, f16, f8E4M3FN, f8E5M2, i32";
  if (sizes.size() != strides.size())
    return emitError() << "tile has " << sizes.size() << " sizes but "
                       << strides.size() << " strides";
  if (sizes.empty() || sizes.size() > 4)
    return emitError() << "tile needs 1 to 4 free dimensions, got "
                       << sizes.size();
  if (partitions < 1 || partition < 0 || offset < 0)
    return emitError() << "tile partition start " << partition << ", count "
                       << partitions << " and offset " << offset
                       << " must be >= 0, >= 1 and >= 0";
  for (auto [size, stride] : llvm::zip(sizes, strides))
    if (size < 1 || stride < 0)
      return emitError() << "tile free dimension size " << size << ", stride "
                         << stride << " must be >= 1 and >= 0";
  if (space == MemSpace::hbm && tensor.empty())
    return emitError() << "an HBM tile must name its tensor";
  if (space != MemSpace::hbm && !tensor.empty())
    return emitError() << "only HBM tiles name a tensor";
  if (space != MemSpace::hbm && partitionStride != 0)
    return emitError() << "SBUF/PSUM tiles have no partition stride";
  // Like the free strides: the passes' overlap tests and the simulator
  // address tiles that only grow from their offset.
  if (partitionStride < 0)
    return emitError() << "HBM tile partition stride " << partitionStride
                       << " must be >= 0";
  // Every later bound (end byte, last element, element count) is computed
  // from these fields: they must not overflow.
  if (!tgt::tileExtent(space == MemSpace::hbm, partition, partitions,
                       partitionStride, offset, sizes, strides,
                       tgt::elemBytes(*toElemType(elementType))))
    return emitError() << "tile extent (offset " << offset << ", " << partitions
                       << " partitions, free sizes and "
                       << "strides) does not fit in 64 bits";
  return success();
}

static ParseResult parseIntList(AsmParser &p, SmallVectorImpl<int64_t> &out) {
  return p.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&] {
    return p.parseInteger(out.emplace_back());
  });
}

// #nc.queue<dma3>
Attribute QueueAttr::parse(AsmParser &p, Type) {
  StringRef kw;
  SMLoc loc = p.getCurrentLocation();
  if (p.parseLess() || p.parseKeyword(&kw))
    return {};
  std::optional<uint32_t> q = muir::target::parseQueueName(kw);
  if (!q) {
    p.emitError(loc, "unknown queue '")
        << kw << "': expected pe, act, dve, pool or dmaN (N < 256)";
    return {};
  }
  if (p.parseGreater())
    return {};
  return QueueAttr::get(p.getContext(), *q);
}

void QueueAttr::print(AsmPrinter &p) const {
  p << "<" << muir::target::queueName(getIndex()) << ">";
}

// #nc.ap<sbuf[0, 128] at 0 dims [512] strides [1] : bf16>
// #nc.ap<hbm @a[128 x 512] at 0 dims [512] strides [1] : bf16>
Attribute AccessAttr::parse(AsmParser &p, Type) {
  StringRef kw;
  std::string tensor;
  int64_t partition = 0, partitions = 0, pstride = 0, offset = 0;
  SmallVector<int64_t> sizes, strides;
  Type elt;
  SMLoc loc = p.getCurrentLocation();
  if (p.parseLess() || p.parseKeyword(&kw))
    return {};
  auto space = symbolizeMemSpace(kw);
  if (!space) {
    p.emitError(loc, "expected memory space hbm, sbuf or psum, got '")
        << kw << "'";
    return {};
  }
  if (*space == MemSpace::hbm) {
    StringAttr name;
    if (p.parseSymbolName(name) || p.parseLSquare() ||
        p.parseInteger(partitions) || p.parseKeyword("x") ||
        p.parseInteger(pstride) || p.parseRSquare())
      return {};
    tensor = name.getValue().str();
  } else if (p.parseLSquare() || p.parseInteger(partition) || p.parseComma() ||
             p.parseInteger(partitions) || p.parseRSquare()) {
    return {};
  }
  if (p.parseKeyword("at") || p.parseInteger(offset) ||
      p.parseKeyword("dims") || parseIntList(p, sizes) ||
      p.parseKeyword("strides") || parseIntList(p, strides) || p.parseColon() ||
      p.parseType(elt) || p.parseGreater())
    return {};
  return AccessAttr::getChecked(
      [&] { return p.emitError(loc); }, p.getContext(), *space, tensor,
      partition, partitions, pstride, offset, sizes, strides, elt);
}

void AccessAttr::print(AsmPrinter &p) const {
  p << "<" << stringifyMemSpace(getSpace());
  if (isHbm()) {
    p << " ";
    p.printSymbolName(getTensor());
    p << "[" << getPartitions() << " x " << getPartitionStride() << "]";
  } else {
    p << "[" << getPartition() << ", " << getPartitions() << "]";
  }
  p << " at " << getOffset() << " dims [";
  llvm::interleaveComma(getSizes(), p);
  p << "] strides [";
  llvm::interleaveComma(getStrides(), p);
  p << "] : " << getElementType() << ">";
}

//===----------------------------------------------------------------------===//
// Machine lookup
//===----------------------------------------------------------------------===//

const tgt::Machine *muir::nc::getMachine(KernelOp kernel) {
  static std::mutex mutex;
  static llvm::StringMap<std::unique_ptr<tgt::Machine>> cache;
  static llvm::StringMap<std::string> failures;
  std::lock_guard<std::mutex> lock(mutex);
  StringRef name = kernel.getTarget();
  auto it = cache.find(name);
  if (it != cache.end())
    return it->second.get();
  auto failed = failures.find(name);
  if (failed != failures.end()) {
    kernel.emitOpError() << failed->second;
    return nullptr;
  }
  llvm::Expected<tgt::Machine> m = tgt::loadMachine(name);
  if (!m) {
    std::string msg = llvm::toString(m.takeError());
    failures[name] = msg;
    kernel.emitOpError() << msg;
    return nullptr;
  }
  auto owned = std::make_unique<tgt::Machine>(std::move(*m));
  const tgt::Machine *raw = owned.get();
  cache[name] = std::move(owned);
  return raw;
}
