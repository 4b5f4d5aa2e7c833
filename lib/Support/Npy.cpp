//===- Npy.cpp - NumPy .npy reader and writer -----------------------------===//
//
// Every length and offset is checked against the buffer before use: the files
// come from users and tests that deliberately truncate them.
//
//===----------------------------------------------------------------------===//
#include "muir/Support/Npy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <limits>

using namespace llvm;
using namespace muir::npy;

int64_t Array::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string muir::npy::shapeString(ArrayRef<int64_t> shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1)
    s += ",";
  return s + ")";
}

namespace {
Error fail(StringRef name, const Twine &msg) {
  return createStringError(inconvertibleErrorCode(),
                           Twine(name) + ": " + msg);
}

/// A cursor over the header's Python dict literal. NumPy writes a fixed
/// layout, but hand-made files may reorder keys or add spaces.
struct HeaderParser {
  StringRef s;
  void skipSpace() { s = s.ltrim(" \t\r\n"); }
  bool consume(StringRef tok) {
    skipSpace();
    return s.consume_front(tok);
  }
  bool parseString(std::string &out) {
    skipSpace();
    if (s.empty() || (s[0] != '\'' && s[0] != '"'))
      return false;
    char q = s[0];
    size_t end = s.find(q, 1);
    if (end == StringRef::npos)
      return false;
    out = s.substr(1, end - 1).str();
    s = s.drop_front(end + 1);
    return true;
  }
  bool parseInt(int64_t &out) {
    skipSpace();
    size_t n = 0;
    while (n < s.size() && isDigit(s[n]))
      ++n;
    if (n == 0 || n > 18)
      return false;
    if (s.substr(0, n).getAsInteger(10, out))
      return false;
    s = s.drop_front(n);
    // Python 2 era files may write longs as 3L.
    s.consume_front("L");
    return true;
  }
};

struct DTypeInfo {
  ElementKind kind;
  unsigned size;
  char code; // 'f', 'i', 'u', 'b', 'V'
};
} // namespace

static Expected<DTypeInfo> classifyDescr(StringRef name, StringRef descr) {
  if (descr.size() < 3)
    return fail(name, "unsupported dtype '" + descr + "'");
  char order = descr[0];
  char code = descr[1];
  unsigned size = 0;
  if (descr.drop_front(2).getAsInteger(10, size))
    return fail(name, "unsupported dtype '" + descr + "'");
  if (order == '>' && size > 1)
    return fail(name, "big-endian dtype '" + descr + "' is not supported");
  if (order != '<' && order != '|' && order != '=' && order != '>')
    return fail(name, "unsupported dtype '" + descr + "'");
  switch (code) {
  case 'f':
    if (size == 2 || size == 4 || size == 8)
      return DTypeInfo{ElementKind::Float, size, code};
    break;
  case 'i':
  case 'u':
    if (size == 1 || size == 2 || size == 4 || size == 8)
      return DTypeInfo{ElementKind::Int, size, code};
    break;
  case 'b':
    if (size == 1)
      return DTypeInfo{ElementKind::Int, size, code};
    break;
  case 'V':
    if (size == 2)
      return DTypeInfo{ElementKind::Float, size, code};
    if (size == 1)
      return DTypeInfo{ElementKind::RawBits, size, code};
    break;
  default:
    break;
  }
  return fail(name, "unsupported dtype '" + descr +
                        "' (supported: <f2 <f4 <f8 <i1..<i8 <u1..<u8 |b1, "
                        "<V2 as bfloat16, <V1 as float8)");
}

static float halfToFloat(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000 | (mant << 13);
  } else if (exp == 0) {
    // Subnormal halves are exact in f32: mant * 2^-24.
    float v = (float)mant * 0x1p-24f;
    return sign ? -v : v;
  } else {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

Expected<Array> muir::npy::parseNpy(StringRef bytes, StringRef name) {
  static const char magic[] = "\x93NUMPY";
  if (bytes.size() < 8 || !bytes.starts_with(StringRef(magic, 6)))
    return fail(name, "not a .npy file (bad magic)");
  unsigned major = (unsigned char)bytes[6];
  size_t lenBytes;
  if (major == 1)
    lenBytes = 2;
  else if (major == 2 || major == 3)
    lenBytes = 4;
  else
    return fail(name, "unsupported .npy format version " + Twine(major) +
                          "." + Twine((unsigned)(unsigned char)bytes[7]));
  if (bytes.size() < 8 + lenBytes)
    return fail(name, "truncated header");
  uint64_t headerLen =
      lenBytes == 2
          ? support::endian::read16le(bytes.data() + 8)
          : support::endian::read32le(bytes.data() + 8);
  size_t dataStart = 8 + lenBytes + headerLen;
  if (bytes.size() < dataStart)
    return fail(name, "truncated header (header length " + Twine(headerLen) +
                          ", file has " + Twine(bytes.size()) + " bytes)");
  HeaderParser p{bytes.substr(8 + lenBytes, headerLen)};

  Array arr;
  bool haveDescr = false, haveOrder = false, haveShape = false;
  bool fortran = false;
  if (!p.consume("{"))
    return fail(name, "malformed header: expected '{'");
  while (!p.consume("}")) {
    std::string key;
    if (!p.parseString(key) || !p.consume(":"))
      return fail(name, "malformed header: expected 'key':");
    if (key == "descr") {
      if (!p.parseString(arr.descr))
        return fail(name, "unsupported dtype: descr is not a simple type "
                          "string (structured arrays are not supported)");
      haveDescr = true;
    } else if (key == "fortran_order") {
      if (p.consume("True"))
        fortran = true;
      else if (!p.consume("False"))
        return fail(name, "malformed header: fortran_order is not a bool");
      haveOrder = true;
    } else if (key == "shape") {
      if (!p.consume("("))
        return fail(name, "malformed header: shape is not a tuple");
      while (!p.consume(")")) {
        int64_t d;
        if (!p.parseInt(d))
          return fail(name, "malformed header: bad shape entry");
        arr.shape.push_back(d);
        if (!p.consume(",") && !p.s.ltrim().starts_with(")"))
          return fail(name, "malformed header: bad shape tuple");
      }
      haveShape = true;
    } else {
      return fail(name, "malformed header: unknown key '" + key + "'");
    }
    if (!p.consume(",") && !p.s.ltrim().starts_with("}"))
      return fail(name, "malformed header: expected ',' or '}'");
  }
  if (!haveDescr || !haveOrder || !haveShape)
    return fail(name, "malformed header: needs descr, fortran_order and shape");
  if (fortran)
    return fail(name, "fortran_order arrays are not supported (save a "
                      "C-contiguous array, e.g. np.ascontiguousarray)");

  auto info = classifyDescr(name, arr.descr);
  if (!info)
    return info.takeError();
  arr.kind = info->kind;
  arr.isBF16 = info->code == 'V' && info->size == 2;

  // Overflow-safe element count: a hostile shape must not wrap around.
  uint64_t n = 1;
  for (int64_t d : arr.shape) {
    if (d != 0 && n > (uint64_t)std::numeric_limits<int64_t>::max() / d)
      return fail(name, "shape " + shapeString(arr.shape) + " is too large");
    n *= d;
  }
  uint64_t avail = bytes.size() - dataStart;
  if (n > avail / info->size || n * info->size != avail) {
    if (n > avail / info->size)
      return fail(name, "truncated data: shape " + shapeString(arr.shape) +
                            " of " + arr.descr + " needs " +
                            Twine(n * (uint64_t)info->size) +
                            " bytes, file has " + Twine(avail));
    return fail(name, "data size mismatch: shape " + shapeString(arr.shape) +
                          " of " + arr.descr + " needs " +
                          Twine(n * info->size) + " bytes, file has " +
                          Twine(avail));
  }

  const char *d = bytes.data() + dataStart;
  using namespace support::endian;
  switch (arr.kind) {
  case ElementKind::Float:
    arr.floats.resize(n);
    for (uint64_t i = 0; i < n; ++i) {
      float v;
      if (info->code == 'V') {
        uint32_t b = (uint32_t)read16le(d + 2 * i) << 16;
        std::memcpy(&v, &b, 4);
      } else if (info->size == 2) {
        v = halfToFloat(read16le(d + 2 * i));
      } else if (info->size == 4) {
        uint32_t b = read32le(d + 4 * i);
        std::memcpy(&v, &b, 4);
      } else {
        uint64_t b = read64le(d + 8 * i);
        double dv;
        std::memcpy(&dv, &b, 8);
        v = (float)dv;
      }
      arr.floats[i] = v;
    }
    break;
  case ElementKind::Int:
    arr.ints.resize(n);
    for (uint64_t i = 0; i < n; ++i) {
      const char *e = d + info->size * i;
      int64_t v;
      bool isSigned = info->code == 'i';
      switch (info->size) {
      case 1:
        v = isSigned ? (int64_t)(int8_t)*e : (int64_t)(uint8_t)*e;
        break;
      case 2:
        v = isSigned ? (int64_t)(int16_t)read16le(e) : (int64_t)read16le(e);
        break;
      case 4:
        v = isSigned ? (int64_t)(int32_t)read32le(e) : (int64_t)read32le(e);
        break;
      default: {
        uint64_t u = read64le(e);
        if (!isSigned && u > (uint64_t)std::numeric_limits<int64_t>::max())
          return fail(name, "uint64 value " + Twine(u) + " at flat index " +
                                Twine(i) + " does not fit in int64");
        v = (int64_t)u;
      }
      }
      arr.ints[i] = v;
    }
    break;
  case ElementKind::RawBits:
    arr.bits.assign((const uint8_t *)d, (const uint8_t *)d + n);
    break;
  }
  return arr;
}

Expected<Array> muir::npy::readNpy(StringRef path) {
  auto buf = MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!buf)
    return fail(path, "cannot read file: " + buf.getError().message());
  return parseNpy((*buf)->getBuffer(), path);
}

static Error writeNpy(StringRef path, StringRef descr, ArrayRef<int64_t> shape,
                      const void *data, size_t bytes) {
  std::string header = "{'descr': '" + descr.str() +
                       "', 'fortran_order': False, 'shape': " +
                       shapeString(shape) + ", }";
  // Magic + version + length + header + '\n' is padded to a multiple of 64;
  // version 2.0 (4-byte length) only when the header outgrows 16 bits.
  bool v2 = header.size() + 11 + 64 > 65535;
  size_t prefix = v2 ? 12 : 10;
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::error_code ec;
  raw_fd_ostream os(path, ec, sys::fs::OF_None);
  if (ec)
    return fail(path, "cannot write file: " + ec.message());
  os << StringRef("\x93NUMPY", 6);
  if (v2) {
    os << '\x02' << '\x00';
    char len[4];
    support::endian::write32le(len, header.size());
    os.write(len, 4);
  } else {
    os << '\x01' << '\x00';
    char len[2];
    support::endian::write16le(len, header.size());
    os.write(len, 2);
  }
  os << header;
  // Hosts are little-endian; the payload is written as-is.
  os.write((const char *)data, bytes);
  os.close();
  if (os.has_error())
    return fail(path, "write failed: " + os.error().message());
  return Error::success();
}

Error muir::npy::writeNpyF32(StringRef path, ArrayRef<int64_t> shape,
                             ArrayRef<float> data) {
  return writeNpy(path, "<f4", shape, data.data(), data.size() * 4);
}

Error muir::npy::writeNpyI64(StringRef path, ArrayRef<int64_t> shape,
                             ArrayRef<int64_t> data) {
  return writeNpy(path, "<i8", shape, data.data(), data.size() * 8);
}
