//===- Assembly.cpp - NeuronCore assembly text ----------------------------===//
//
// Printer and parser for the text form described in Assembly.h. The printer
// is canonical (fixed spacing, every field spelled out), so text it printed
// reads back to the same Program and prints identically.
//
//===----------------------------------------------------------------------===//
#include "muir/Target/Assembly.h"
#include "muir/Target/Binary.h"
#include "muir/Target/Collective.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

using namespace muir::target;
using llvm::StringRef;
using llvm::Twine;

char AssemblyError::ID = 0;

void AssemblyError::log(llvm::raw_ostream &os) const {
  os << buffer << ":" << line << ":" << column << ": error: " << message;
}

namespace {
constexpr unsigned kNumActFuncs = 13, kNumAluOps = 8;

bool isIdentStart(char c) { return llvm::isAlpha(c) || c == '_'; }
bool isIdentChar(char c) {
  return llvm::isAlnum(c) || c == '_' || c == '.' || c == '$';
}
bool isBareName(StringRef s) {
  if (s.empty() || !isIdentStart(s[0]))
    return false;
  return llvm::all_of(s, isIdentChar);
}

//===----------------------------------------------------------------------===//
// Printer
//===----------------------------------------------------------------------===//

void printName(llvm::raw_ostream &os, StringRef s) {
  if (isBareName(s)) {
    os << s;
    return;
  }
  os << '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\')
      os << '\\' << c;
    else if (c < 0x20 || c >= 0x7f)
      os << "\\x" << llvm::hexdigit(c >> 4, true)
         << llvm::hexdigit(c & 15, true);
    else
      os << c;
  }
  os << '"';
}

/// The shortest %g form that reads back as the same bits.
std::string formatDouble(double v) {
  if (std::isnan(v))
    return std::signbit(v) ? "-nan" : "nan";
  if (std::isinf(v))
    return v < 0 ? "-inf" : "inf";
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*g", prec, v);
    double back = std::strtod(buf, nullptr);
    if (std::memcmp(&back, &v, sizeof(double)) == 0)
      break;
  }
  return buf;
}

void printOffset(llvm::raw_ostream &os, int64_t v) {
  if (v < 0)
    os << '-' << (0 - static_cast<uint64_t>(v));
  else
    os << '+' << v;
}

void printTile(llvm::raw_ostream &os, const AccessPattern &p,
               const Program &prog) {
  os << memSpaceName(p.space);
  if (p.space == MemSpace::HBM) {
    os << ':';
    if (p.tensor < prog.tensors.size())
      printName(os, prog.tensors[p.tensor].name);
    else
      os << "\"<tensor #" << p.tensor << ">\"";
    os << '[';
    if (p.partition != 0)
      os << p.partition << ", ";
    os << p.partitions << " x " << p.partitionStride << ']';
  } else {
    os << '[' << p.partition << ", " << p.partitions;
    if (p.partitionStride != 0)
      os << " x " << p.partitionStride;
    os << ']';
  }
  printOffset(os, p.offset);
  os << " {";
  for (size_t i = 0; i < p.sizes.size(); ++i) {
    if (i)
      os << ", ";
    os << p.sizes[i] << ':' << (i < p.strides.size() ? p.strides[i] : 0);
  }
  os << "} " << elemTypeName(p.type);
}

void printParam(llvm::raw_ostream &os, Opcode op, unsigned i, double v) {
  ParamKind kind = paramKind(op, i);
  if (kind == ParamKind::ActFunc && isValidParam(kind, v))
    os << actFuncName(static_cast<ActFunc>(unsigned(v)));
  else if (kind == ParamKind::AluOp && isValidParam(kind, v))
    os << aluOpName(static_cast<AluOp>(unsigned(v)));
  else if (kind == ParamKind::Algorithm && isValidParam(kind, v))
    os << algorithmName(static_cast<Algorithm>(unsigned(v)));
  else
    os << formatDouble(v);
}
} // namespace

std::string muir::target::printAssembly(const Program &prog) {
  std::string out;
  llvm::raw_string_ostream os(out);
  os << ".kernel ";
  printName(os, prog.name);
  os << " target=";
  printName(os, prog.target);
  os << " semaphores=" << prog.numSemaphores << "\n";
  for (const TensorDecl &t : prog.tensors) {
    os << ".tensor ";
    printName(os, t.name);
    os << ' ' << tensorKindName(t.kind) << ' ' << elemTypeName(t.type) << " [";
    llvm::interleaveComma(t.shape, os);
    os << "] at " << t.offset;
    if (t.kind == TensorKind::Constant || !t.data.empty()) {
      os << " data=0x";
      for (uint8_t b : t.data)
        os << llvm::hexdigit(b >> 4, true) << llvm::hexdigit(b & 15, true);
    }
    os << "\n";
  }
  if (!prog.instructions.empty())
    os << "\n";
  size_t loopIndex = 0;
  for (auto [idx, in] : llvm::enumerate(prog.instructions)) {
    const Loop *loop =
        loopIndex < prog.loops.size() ? &prog.loops[loopIndex] : nullptr;
    if (loop && loop->begin == idx)
      os << ".loop " << loop->trips << "\n";
    const OpcodeInfo &info = opcodeInfo(in.op);
    std::string line;
    llvm::raw_string_ostream ls(line);
    ls << llvm::left_justify(queueName(in.queue), 5) << ' '
       << llvm::left_justify(info.mnemonic, 13);
    bool first = true;
    auto sep = [&] {
      ls << (first ? " " : ", ");
      first = false;
    };
    for (size_t i = 0; i < in.operands.size(); ++i) {
      const AccessPattern &p = in.operands[i];
      if (!p.present())
        continue;
      sep();
      if (i < info.operands.size())
        ls << info.operands[i].rtrim('?');
      else
        ls << "operand" << i;
      ls << '=';
      printTile(ls, p, prog);
    }
    size_t fixed = std::min(in.params.size(), info.params.size());
    for (size_t i = 0; i < fixed; ++i) {
      sep();
      ls << info.params[i] << '=';
      printParam(ls, in.op, i, in.params[i]);
    }
    if (info.variadicParams) {
      sep();
      ls << info.variadicName << "=[";
      for (size_t i = fixed; i < in.params.size(); ++i)
        ls << (i > fixed ? ", " : "") << formatDouble(in.params[i]);
      ls << ']';
    }
    if (llvm::any_of(in.steps, [](AccessStep s) { return !s.isZero(); })) {
      ls << " ; step ";
      bool firstStep = true;
      for (size_t i = 0; i < in.steps.size(); ++i) {
        if (in.steps[i].isZero())
          continue;
        ls << (firstStep ? "" : ", ");
        firstStep = false;
        if (i < info.operands.size())
          ls << info.operands[i].rtrim('?');
        else
          ls << "operand" << i;
        ls << "=p" << in.steps[i].partition;
        printOffset(ls, in.steps[i].offset);
      }
    }
    if (!in.waits.empty()) {
      ls << " ; wait ";
      for (size_t i = 0; i < in.waits.size(); ++i) {
        ls << (i ? ", " : "") << 's' << in.waits[i].semaphore
           << ">=" << in.waits[i].count;
        if (in.waitStepOf(i))
          ls << '+' << in.waitStepOf(i);
      }
    }
    if (!in.signals.empty()) {
      ls << " ; signal ";
      for (size_t i = 0; i < in.signals.size(); ++i)
        ls << (i ? ", " : "") << 's' << in.signals[i];
    }
    os << StringRef(line).rtrim() << "\n";
    if (loop && idx + 1 == uint64_t(loop->begin) + loop->length) {
      os << ".endloop\n";
      ++loopIndex;
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Parser
//===----------------------------------------------------------------------===//

namespace {
class Parser {
public:
  Parser(StringRef text, StringRef buffer, AssemblyLines *lines)
      : text(text), buffer(buffer), lines(lines) {}
  llvm::Expected<Program> parse();

private:
  StringRef text, buffer;
  AssemblyLines *lines;
  StringRef L; // current line
  unsigned lineNo = 0;
  size_t i = 0; // column index in L
  unsigned errLine = 0;
  size_t errCol = 0;
  std::string errMsg;

  Program prog;
  bool haveKernel = false;
  /// The open .loop, if any (loops do not nest).
  bool inLoop = false;
  Loop loop;
  unsigned loopLineNo = 0;

  bool loopLine(size_t at) {
    if (inLoop)
      return fail(at, "nested .loop: loops do not nest (the open one is on "
                      "line " +
                          Twine(loopLineNo) + ")");
    uint32_t trips;
    size_t tripsAt = (ws(), i);
    if (!uint32(trips, "trip count"))
      return false;
    if (trips == 0)
      return fail(tripsAt, "trip count must be at least 1");
    if (!eol())
      return fail(i, "expected end of line after the trip count" + found());
    inLoop = true;
    loopLineNo = lineNo;
    loop = Loop{uint32_t(prog.instructions.size()), 0, trips};
    return true;
  }
  bool endLoopLine(size_t at) {
    if (!inLoop)
      return fail(at, ".endloop without a .loop");
    if (!eol())
      return fail(i, "expected end of line after .endloop" + found());
    loop.length = prog.instructions.size() - loop.begin;
    if (loop.length == 0)
      return fail(at, "empty .loop body");
    prog.loops.push_back(loop);
    inLoop = false;
    return true;
  }
  llvm::StringMap<uint32_t> tensorIndex;

  bool fail(size_t at, const Twine &msg) {
    if (errMsg.empty()) {
      errLine = lineNo;
      errCol = at;
      errMsg = msg.str();
    }
    return false;
  }
  void ws() {
    while (i < L.size() && (L[i] == ' ' || L[i] == '\t' || L[i] == '\r'))
      ++i;
    if (i < L.size() && L[i] == '#')
      i = L.size();
  }
  bool eol() {
    ws();
    return i >= L.size();
  }
  bool peek(char c) {
    ws();
    return i < L.size() && L[i] == c;
  }
  bool eat(char c) {
    if (!peek(c))
      return false;
    ++i;
    return true;
  }
  /// ", found 'tok'" describing what is at the cursor.
  std::string found() {
    ws();
    if (i >= L.size())
      return ", found end of line";
    size_t j = i;
    if (isIdentChar(L[j]) || L[j] == '-' || L[j] == '+')
      while (j < L.size() && j - i < 24 &&
             (isIdentChar(L[j]) || L[j] == '-' || L[j] == '+'))
        ++j;
    else
      ++j;
    return (", found '" + L.slice(i, j) + "'").str();
  }
  bool expect(char c, const Twine &what) {
    if (eat(c))
      return true;
    return fail(i, "expected '" + Twine(c) + "' " + what + found());
  }
  bool expectStr(StringRef s, const Twine &what) {
    ws();
    if (L.substr(i).starts_with(s)) {
      i += s.size();
      return true;
    }
    return fail(i, "expected '" + s + "' " + what + found());
  }

  bool ident(StringRef &out, const Twine &what) {
    ws();
    if (i >= L.size() || !isIdentStart(L[i]))
      return fail(i, "expected " + what + found());
    size_t j = i;
    while (j < L.size() && isIdentChar(L[j]))
      ++j;
    out = L.slice(i, j);
    i = j;
    return true;
  }
  bool name(std::string &out, const Twine &what) {
    ws();
    if (i < L.size() && L[i] == '"') {
      size_t start = i++;
      out.clear();
      while (i < L.size() && L[i] != '"') {
        char c = L[i++];
        if (c != '\\') {
          out.push_back(c);
          continue;
        }
        if (i >= L.size())
          break;
        char e = L[i++];
        if (e == '"' || e == '\\') {
          out.push_back(e);
        } else if (e == 'x' && i + 2 <= L.size() && llvm::isHexDigit(L[i]) &&
                   llvm::isHexDigit(L[i + 1])) {
          out.push_back(char(llvm::hexDigitValue(L[i]) * 16 +
                             llvm::hexDigitValue(L[i + 1])));
          i += 2;
        } else {
          return fail(i - 2, "bad escape in quoted name (use \\\", \\\\ or "
                             "\\xHH)");
        }
      }
      if (i >= L.size())
        return fail(start, "unterminated quoted name");
      ++i;
      return true;
    }
    StringRef id;
    if (!ident(id, what))
      return false;
    out = id.str();
    return true;
  }
  bool keyword(StringRef kw) {
    ws();
    size_t save = i;
    StringRef id;
    if (i < L.size() && isIdentStart(L[i])) {
      size_t j = i;
      while (j < L.size() && isIdentChar(L[j]))
        ++j;
      id = L.slice(i, j);
      if (id == kw) {
        i = j;
        return true;
      }
    }
    i = save;
    return false;
  }
  /// Digits after an optional sign, into a magnitude.
  bool magnitude(uint64_t &mag, const Twine &what) {
    if (i >= L.size() || !llvm::isDigit(L[i]))
      return fail(i, "expected " + what + found());
    size_t start = i;
    mag = 0;
    while (i < L.size() && llvm::isDigit(L[i])) {
      unsigned d = L[i] - '0';
      if (mag > (std::numeric_limits<uint64_t>::max() - d) / 10)
        return fail(start, what + " is too large");
      mag = mag * 10 + d;
      ++i;
    }
    return true;
  }
  bool uinteger(uint64_t &out, const Twine &what,
                uint64_t max = std::numeric_limits<uint64_t>::max()) {
    ws();
    size_t start = i;
    if (!magnitude(out, what))
      return false;
    if (out > max)
      return fail(start, what + " " + Twine(out) + " is too large (at most " +
                             Twine(max) + ")");
    return true;
  }
  bool uint32(uint32_t &out, const Twine &what) {
    uint64_t v;
    if (!uinteger(v, what, std::numeric_limits<uint32_t>::max()))
      return false;
    out = uint32_t(v);
    return true;
  }
  bool integer(int64_t &out, const Twine &what) {
    ws();
    size_t start = i;
    bool neg = false;
    if (i < L.size() && (L[i] == '-' || L[i] == '+'))
      neg = L[i++] == '-';
    uint64_t mag;
    if (!magnitude(mag, what))
      return false;
    return signedValue(out, mag, neg, start, what);
  }
  bool signedValue(int64_t &out, uint64_t mag, bool neg, size_t start,
                   const Twine &what) {
    uint64_t limit = uint64_t(std::numeric_limits<int64_t>::max()) + neg;
    if (mag > limit)
      return fail(start, what + " does not fit in 64 bits");
    out = neg ? int64_t(0 - mag) : int64_t(mag);
    return true;
  }
  bool number(double &out, const Twine &what) {
    ws();
    size_t j = i;
    while (j < L.size() &&
           (llvm::isAlnum(L[j]) || L[j] == '.' || L[j] == '+' || L[j] == '-'))
      ++j;
    std::string tok = L.slice(i, j).str();
    char *endp = nullptr;
    out = tok.empty() ? 0 : std::strtod(tok.c_str(), &endp);
    if (tok.empty() || endp != tok.c_str() + tok.size())
      return fail(i, "expected " + what + found());
    i = j;
    return true;
  }

  bool kernelLine();
  bool tensorLine();
  bool instLine();
  bool tile(AccessPattern &p);
  bool param(Instruction &in, unsigned index);
};
} // namespace

bool Parser::kernelLine() {
  if (haveKernel)
    return fail(i, "duplicate .kernel directive");
  haveKernel = true;
  if (!name(prog.name, "kernel name"))
    return false;
  bool haveTarget = false, haveSems = false;
  while (!eol()) {
    size_t at = i;
    StringRef key;
    if (!ident(key, "'target=' or 'semaphores='"))
      return false;
    if (key == "target" && !haveTarget) {
      haveTarget = true;
      if (!expect('=', "after 'target'") || !name(prog.target, "target name"))
        return false;
    } else if (key == "semaphores" && !haveSems) {
      haveSems = true;
      if (!expect('=', "after 'semaphores'") ||
          !uint32(prog.numSemaphores, "semaphore count"))
        return false;
    } else if (key == "target" || key == "semaphores") {
      return fail(at, "duplicate '" + key + "'");
    } else {
      return fail(at,
                  "expected 'target=' or 'semaphores=', found '" + key + "'");
    }
  }
  if (!haveTarget)
    return fail(i, "expected 'target=' on the .kernel line");
  return true;
}

bool Parser::tensorLine() {
  TensorDecl t;
  size_t at = i;
  if (!name(t.name, "tensor name"))
    return false;
  if (tensorIndex.count(t.name))
    return fail(at, "duplicate tensor '" + t.name + "'");
  StringRef word;
  size_t kindAt = i;
  if (!ident(word, "tensor kind (input, output, const or scratch)"))
    return false;
  auto kind = parseTensorKind(word);
  if (!kind)
    return fail(kindAt, "expected tensor kind (input, output, const or "
                        "scratch), found '" +
                            word + "'");
  t.kind = *kind;
  size_t typeAt = i;
  if (!ident(word, "element type"))
    return false;
  auto type = parseElemType(word);
  if (!type)
    return fail(typeAt, "expected element type (f32, bf16, f16, f8E4M3FN, "
                        "f8E5M2 or i32), found '" +
                            word + "'");
  t.type = *type;
  if (!expect('[', "to start the tensor shape"))
    return false;
  uint64_t bytes = elemBytes(t.type);
  bool overflow = false;
  if (!eat(']')) {
    while (true) {
      int64_t d;
      size_t dimAt = (ws(), i);
      if (!integer(d, "tensor dimension"))
        return false;
      if (d < 0)
        return fail(dimAt, "tensor dimension must be >= 0");
      if (d && bytes > uint64_t(std::numeric_limits<int64_t>::max()) / d)
        overflow = true;
      else
        bytes *= uint64_t(d);
      t.shape.push_back(d);
      if (eat(']'))
        break;
      if (!expect(',', "or ']' in the tensor shape"))
        return false;
    }
  }
  if (overflow)
    return fail(at, "tensor '" + t.name + "' is too large");
  if (!keyword("at"))
    return fail(i, "expected 'at' and the tensor's HBM byte offset" + found());
  if (!uinteger(t.offset, "HBM byte offset"))
    return false;
  size_t dataAt = (ws(), i);
  if (keyword("data")) {
    if (t.kind != TensorKind::Constant)
      return fail(dataAt, "only const tensors carry data");
    if (!expect('=', "after 'data'") || !expectStr("0x", "before the data"))
      return false;
    size_t hexAt = i;
    while (i + 1 < L.size() && llvm::isHexDigit(L[i]) &&
           llvm::isHexDigit(L[i + 1])) {
      t.data.push_back(uint8_t(llvm::hexDigitValue(L[i]) * 16 +
                               llvm::hexDigitValue(L[i + 1])));
      i += 2;
    }
    if (i < L.size() && llvm::isHexDigit(L[i]))
      return fail(i, "odd number of hex digits in the data");
    if (t.data.size() != bytes)
      return fail(hexAt, "tensor '" + t.name + "' data has " +
                             Twine(t.data.size()) + " bytes, expected " +
                             Twine(bytes));
  } else if (t.kind == TensorKind::Constant) {
    return fail(dataAt, "expected 'data=0x...' for const tensor '" + t.name +
                            "'" + found());
  }
  if (!eol())
    return fail(i, "expected end of line after the tensor" + found());
  tensorIndex[t.name] = prog.tensors.size();
  if (lines)
    lines->tensors.push_back(lineNo);
  prog.tensors.push_back(std::move(t));
  return true;
}

bool Parser::tile(AccessPattern &p) {
  size_t at = (ws(), i);
  StringRef word;
  if (!ident(word, "memory space (hbm, sbuf or psum)"))
    return false;
  auto space = parseMemSpace(word);
  if (!space)
    return fail(at, "expected memory space (hbm, sbuf or psum), found '" +
                        word + "'");
  p.space = *space;
  bool hbm = p.space == MemSpace::HBM;
  if (hbm) {
    std::string tname;
    if (!expect(':', "and the tensor name after 'hbm'"))
      return false;
    size_t nameAt = (ws(), i);
    if (!name(tname, "tensor name"))
      return false;
    auto it = tensorIndex.find(tname);
    if (it == tensorIndex.end())
      return fail(nameAt, "unknown tensor '" + tname +
                              "' (declare it with .tensor first)");
    p.tensor = it->second;
  }
  if (!expect('[', hbm ? "and 'rows x row stride'" : "and 'first, count'"))
    return false;
  int64_t a;
  if (!integer(a, hbm ? "partition count" : "first partition"))
    return false;
  bool haveStride = false;
  if (eat(',')) {
    p.partition = a;
    if (!integer(p.partitions, "partition count"))
      return false;
    if (eat('x')) {
      haveStride = true;
      if (!integer(p.partitionStride, "partition stride"))
        return false;
    }
  } else if (hbm) {
    p.partitions = a;
    if (!expect('x', "between the row count and the row stride"))
      return false;
    haveStride = true;
    if (!integer(p.partitionStride, "partition stride"))
      return false;
  } else {
    return fail(i, "expected ',' between the first partition and the "
                   "partition count" +
                       found());
  }
  if (hbm && !haveStride)
    return fail(i, "expected 'x' and the row stride of the HBM tile" + found());
  if (!expect(']', "after the partitions"))
    return false;
  ws();
  size_t offAt = i;
  bool neg;
  if (eat('+'))
    neg = false;
  else if (eat('-'))
    neg = true;
  else
    return fail(i, "expected '+' or '-' and the tile offset" + found());
  uint64_t mag;
  if (!magnitude(mag, "tile offset") ||
      !signedValue(p.offset, mag, neg, offAt, "tile offset"))
    return false;
  if (!expect('{', "to start the tile's size:stride list"))
    return false;
  if (!eat('}')) {
    while (true) {
      size_t dimAt = (ws(), i);
      int64_t size, stride;
      if (!integer(size, "free dimension size") ||
          !expect(':', "between size and stride") ||
          !integer(stride, "free dimension stride"))
        return false;
      if (p.sizes.size() == 4)
        return fail(dimAt, "a tile has at most 4 free dimensions");
      p.sizes.push_back(size);
      p.strides.push_back(stride);
      if (eat('}'))
        break;
      if (!expect(',', "or '}' in the size:stride list"))
        return false;
    }
  }
  size_t typeAt = (ws(), i);
  if (!ident(word, "tile element type"))
    return false;
  auto type = parseElemType(word);
  if (!type)
    return fail(typeAt, "expected element type (f32, bf16, f16, f8E4M3FN, "
                        "f8E5M2 or i32), found '" +
                            word + "'");
  p.type = *type;
  return true;
}

bool Parser::param(Instruction &in, unsigned index) {
  const OpcodeInfo &info = opcodeInfo(in.op);
  ParamKind kind = paramKind(in.op, index);
  StringRef pname =
      index < info.params.size() ? info.params[index] : info.variadicName;
  double &v = in.params[index];
  size_t at = (ws(), i);
  if (kind == ParamKind::Float || kind == ParamKind::Int ||
      kind == ParamKind::Flag || kind == ParamKind::Rank) {
    StringRef what = kind == ParamKind::Float  ? "a number"
                     : kind == ParamKind::Int  ? "an integer"
                     : kind == ParamKind::Rank ? "a rank in [0, 2^31)"
                                               : "0 or 1";
    if (!number(v, Twine(what) + " for '" + pname + "'"))
      return false;
    if (!isValidParam(kind, v))
      return fail(at, "expected " + what + " for '" + pname + "', found '" +
                          formatDouble(v) + "'");
    return true;
  }
  std::string choices;
  if (kind == ParamKind::Algorithm) {
    for (unsigned c = 0; c < kNumAlgorithms; ++c)
      choices += (c ? ", " : "") + algorithmName(Algorithm(c)).str();
    StringRef word;
    if (!ident(word,
               "collective algorithm (" + choices + ") for '" + pname + "'"))
      return false;
    if (auto a = parseAlgorithm(word)) {
      v = double(static_cast<unsigned>(*a));
      return true;
    }
    return fail(at, "unknown collective algorithm '" + word + "' for '" +
                        pname + "'; expected one of " + choices);
  }
  if (kind == ParamKind::ActFunc) {
    for (unsigned c = 0; c < kNumActFuncs; ++c)
      choices += (c ? ", " : "") + actFuncName(ActFunc(c)).str();
  } else {
    for (unsigned c = 0; c < kNumAluOps; ++c)
      choices += (c ? ", " : "") + aluOpName(AluOp(c)).str();
  }
  StringRef what =
      kind == ParamKind::ActFunc ? "activation function" : "ALU op";
  StringRef word;
  if (!ident(word, Twine(what) + " (" + choices + ") for '" + pname + "'"))
    return false;
  if (kind == ParamKind::ActFunc) {
    if (auto f = parseActFunc(word)) {
      v = double(static_cast<unsigned>(*f));
      return true;
    }
  } else if (auto o = parseAluOp(word)) {
    v = double(static_cast<unsigned>(*o));
    return true;
  }
  return fail(at, "unknown " + what + " '" + word + "' for '" + pname +
                      "'; expected one of " + choices);
}

bool Parser::instLine() {
  Instruction in;
  StringRef word;
  size_t qAt = (ws(), i);
  if (!ident(word, "engine queue (pe, act, dve, pool or dma<N>) or a "
                   "directive"))
    return false;
  auto q = parseQueueName(word);
  if (!q || *q >= kMaxBinaryQueues)
    return fail(qAt, "unknown engine queue '" + word +
                         "'; expected pe, act, dve, pool or dma0..dma" +
                         Twine(kMaxBinaryQueues - kNumComputeQueues - 1));
  in.queue = *q;
  size_t opAt = (ws(), i);
  if (!ident(word, "instruction mnemonic"))
    return false;
  auto op = parseOpcode(word);
  if (!op) {
    std::string all;
    for (unsigned c = 0; c < kNumOpcodes; ++c)
      all += (c ? ", " : "") + opcodeInfo(Opcode(c)).mnemonic.str();
    return fail(opAt,
                "unknown instruction '" + word + "'; expected one of " + all);
  }
  in.op = *op;
  const OpcodeInfo &info = opcodeInfo(in.op);
  if (!(info.engines & (1u << unsigned(engineOfQueue(in.queue)))))
    return fail(opAt,
                info.mnemonic + " cannot run on queue " + queueName(in.queue));
  in.operands.resize(info.operands.size());
  in.params.resize(info.params.size());
  llvm::SmallVector<bool, 8> haveOperand(info.operands.size(), false),
      haveParam(info.params.size(), false);
  bool haveCoefs = false;

  if (!eol() && !peek(';')) {
    while (true) {
      size_t keyAt = (ws(), i);
      StringRef key;
      if (!ident(key, "operand or parameter name"))
        return false;
      if (!expect('=', "after '" + key + "'"))
        return false;
      int role = -1, par = -1;
      for (unsigned r = 0; r < info.operands.size(); ++r)
        if (info.operands[r].rtrim('?') == key)
          role = r;
      for (unsigned r = 0; r < info.params.size(); ++r)
        if (info.params[r] == key)
          par = r;
      if (role >= 0) {
        if (haveOperand[role])
          return fail(keyAt, "duplicate operand '" + key + "'");
        haveOperand[role] = true;
        if (!tile(in.operands[role]))
          return false;
      } else if (par >= 0) {
        if (haveParam[par])
          return fail(keyAt, "duplicate parameter '" + key + "'");
        haveParam[par] = true;
        if (!param(in, par))
          return false;
      } else if (info.variadicParams && key == info.variadicName) {
        if (haveCoefs)
          return fail(keyAt, "duplicate '" + key + "'");
        haveCoefs = true;
        if (!expect('[', "to start the " + key + " list"))
          return false;
        if (!eat(']')) {
          while (true) {
            in.params.push_back(0);
            if (!param(in, in.params.size() - 1))
              return false;
            if (eat(']'))
              break;
            if (!expect(',', "or ']' in the " + key + " list"))
              return false;
          }
        }
      } else {
        std::string all;
        for (StringRef r : info.operands)
          all += (all.empty() ? "" : ", ") + r.rtrim('?').str();
        for (StringRef r : info.params)
          all += (all.empty() ? "" : ", ") + r.str();
        if (info.variadicParams)
          all += (all.empty() ? "" : ", ") + info.variadicName.str();
        return fail(
            keyAt,
            "unknown operand or parameter '" + key + "' for " + info.mnemonic +
                (all.empty() ? "; it takes none" : "; expected one of " + all));
      }
      if (!eat(','))
        break;
    }
  }
  size_t argsEnd = (ws(), i);
  for (unsigned r = 0; r < info.operands.size(); ++r)
    if (!haveOperand[r] && !info.operands[r].ends_with("?"))
      return fail(argsEnd,
                  info.mnemonic + " needs operand '" + info.operands[r] + "'");
  for (unsigned r = 0; r < info.params.size(); ++r)
    if (!haveParam[r])
      return fail(argsEnd,
                  info.mnemonic + " needs parameter '" + info.params[r] + "'");

  bool haveWait = false, haveSignal = false, haveStep = false;
  auto semaphore = [&](uint32_t &s) {
    size_t at = (ws(), i);
    if (!expect('s', "and a semaphore id (s<N>)"))
      return false;
    if (!uint32(s, "semaphore id"))
      return false;
    if (s >= prog.numSemaphores)
      return fail(at, "semaphore s" + Twine(s) +
                          " out of range: the kernel "
                          "has " +
                          Twine(prog.numSemaphores) + " semaphores");
    return true;
  };
  while (eat(';')) {
    size_t kwAt = (ws(), i);
    if (keyword("wait")) {
      if (haveWait)
        return fail(kwAt, "duplicate 'wait' clause");
      haveWait = true;
      do {
        SemWait w{0, 0};
        if (!semaphore(w.semaphore) ||
            !expectStr(">=", "between the semaphore and its count") ||
            !uint32(w.count, "semaphore count"))
          return false;
        in.waits.push_back(w);
        size_t stepAt = (ws(), i);
        if (eat('+')) {
          uint32_t step;
          if (!inLoop)
            return fail(stepAt, "a wait count step ('+N') outside a .loop");
          if (!uint32(step, "wait count step"))
            return false;
          in.waitSteps.resize(in.waits.size());
          in.waitSteps.back() = step;
        }
      } while (eat(','));
      if (!in.waitSteps.empty())
        in.waitSteps.resize(in.waits.size());
    } else if (keyword("signal")) {
      if (haveSignal)
        return fail(kwAt, "duplicate 'signal' clause");
      haveSignal = true;
      do {
        uint32_t s;
        if (!semaphore(s))
          return false;
        in.signals.push_back(s);
      } while (eat(','));
    } else if (keyword("step")) {
      if (!inLoop)
        return fail(kwAt, "a 'step' clause outside a .loop");
      if (haveStep || haveWait || haveSignal)
        return fail(kwAt, "the 'step' clause comes once, before 'wait' and "
                          "'signal'");
      haveStep = true;
      in.steps.resize(in.operands.size());
      do {
        size_t keyAt = (ws(), i);
        StringRef key;
        if (!ident(key, "operand name"))
          return false;
        int role = -1;
        for (unsigned r = 0; r < info.operands.size(); ++r)
          if (info.operands[r].rtrim('?') == key)
            role = r;
        if (role < 0 || !in.operands[role].present())
          return fail(keyAt,
                      info.mnemonic + " has no operand '" + key + "' to step");
        if (!in.steps[role].isZero())
          return fail(keyAt, "duplicate step of operand '" + key + "'");
        AccessStep st;
        if (!expectStr("=p", "after '" + key +
                                 "' (=p<partition step>"
                                 "<+|-><offset step>)") ||
            !integer(st.partition, "partition step"))
          return false;
        size_t offAt = (ws(), i);
        if (!peek('+') && !peek('-'))
          return fail(offAt,
                      "expected '+' or '-' and the offset step" + found());
        if (!integer(st.offset, "offset step"))
          return false;
        in.steps[role] = st;
      } while (eat(','));
    } else {
      return fail(kwAt,
                  "expected 'wait', 'signal' or 'step' after ';'" + found());
    }
  }
  if (!eol())
    return fail(i, "expected ',' or ';' or end of line" + found());
  prog.instructions.push_back(std::move(in));
  if (lines)
    lines->instructions.push_back(lineNo);
  return true;
}

llvm::Expected<Program> Parser::parse() {
  bool ok = true;
  StringRef rest = text;
  while (ok && !rest.empty()) {
    auto [line, tail] = rest.split('\n');
    rest = tail;
    L = line;
    ++lineNo;
    i = 0;
    if (eol())
      continue;
    size_t at = i;
    if (L[i] == '.') {
      ++i;
      StringRef dir;
      if (!ident(dir, "directive name"))
        ok = false;
      else if (dir == "kernel")
        ok = kernelLine();
      else if (!haveKernel)
        ok = fail(at, "expected '.kernel' before any other line");
      else if (dir == "tensor")
        ok = tensorLine();
      else if (dir == "loop")
        ok = loopLine(at);
      else if (dir == "endloop")
        ok = endLoopLine(at);
      else
        ok = fail(at, "unknown directive '." + dir +
                          "'; expected .kernel, .tensor, .loop or .endloop");
    } else if (!haveKernel) {
      ok = fail(at, "expected '.kernel' before any other line");
    } else {
      ok = instLine();
    }
  }
  if (ok && inLoop) {
    i = 0;
    L = StringRef();
    lineNo = loopLineNo;
    ok = fail(0, ".loop without a matching .endloop");
  }
  if (ok && !haveKernel) {
    i = 0;
    L = StringRef();
    lineNo = lineNo ? lineNo : 1;
    ok = fail(0, "expected a '.kernel' directive");
  }
  if (!ok)
    return llvm::make_error<AssemblyError>(buffer.str(), errLine,
                                           unsigned(errCol + 1), errMsg);
  return std::move(prog);
}

llvm::Expected<Program> muir::target::parseAssembly(StringRef text,
                                                    StringRef bufferName,
                                                    AssemblyLines *lines) {
  if (lines)
    *lines = AssemblyLines();
  return Parser(text, bufferName, lines).parse();
}
