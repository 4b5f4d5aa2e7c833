//===- DataMovement.cpp - transpose, reshape, broadcast, concat, slice, gather
//===//
//
// These ops move values without arithmetic, so they never round and work on
// float and integer tensors alike.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "muir/Dialect/Xf/XfDialect.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace muir;
using namespace muir::ref;
using namespace muir::ref::detail;

namespace {

/// Applies `f(dstVector, srcVector)` to the storage matching the dtype.
template <typename F>
void onStorage(const HostTensor &src, HostTensor &dst, F f) {
  if (isFloatDType(dst.dtype))
    f(dst.data, src.data);
  else
    f(dst.ints, src.ints);
}

/// d[dBase + idx . ds] = s[sBase + idx . ss] for every index of `shape`,
/// whole innermost rows at a time where both sides are contiguous there.
template <typename V>
void copyStrided(ArrayRef<int64_t> shape, const V &s, ArrayRef<int64_t> ss,
                 int64_t sBase, V &d, ArrayRef<int64_t> ds, int64_t dBase) {
  if (!shape.empty() && ss.back() == 1 && ds.back() == 1) {
    int64_t inner = shape.back();
    forEachStrided<2>(shape.drop_back(), {ss.drop_back(), ds.drop_back()},
                      {sBase, dBase}, [&](int64_t, int64_t i, int64_t o) {
                        std::copy_n(s.begin() + i, inner, d.begin() + o);
                      });
    return;
  }
  forEachStrided<2>(shape, {ss, ds}, {sBase, dBase},
                    [&](int64_t, int64_t i, int64_t o) { d[o] = s[i]; });
}

/// dst (dense, shape dst.shape) <- src at base + sum idx[d] * srcStrides[d].
void gatherStrided(const HostTensor &src, HostTensor &dst,
                   ArrayRef<int64_t> srcStrides, int64_t base = 0) {
  SmallVector<int64_t> dense = stridesOf(dst.shape);
  onStorage(src, dst, [&](auto &d, const auto &s) {
    copyStrided(dst.shape, s, srcStrides, base, d, dense, 0);
  });
}

void transpose(xf::TransposeOp op, const HostTensor &x, HostTensor &out) {
  SmallVector<int64_t> in = stridesOf(x.shape), s;
  for (int64_t p : op.getPermutation())
    s.push_back(in[p]);
  gatherStrided(x, out, s);
}

void slice(xf::SliceOp op, const HostTensor &x, HostTensor &out) {
  SmallVector<int64_t> in = stridesOf(x.shape), s;
  int64_t base = 0;
  for (auto [d, off, st] : llvm::enumerate(op.getOffsets(), op.getStrides())) {
    base += off * in[d];
    s.push_back(st * in[d]);
  }
  gatherStrided(x, out, s, base);
}

void concat(xf::ConcatOp op, Operands in, HostTensor &out) {
  int64_t rank = out.shape.size();
  int64_t axis = *xf::normalizeAxis(op.getAxis(), rank);
  SmallVector<int64_t> outStrides = stridesOf(out.shape);
  int64_t offset = 0;
  for (const HostTensor *t : in) {
    SmallVector<int64_t> dense = stridesOf(t->shape);
    onStorage(*t, out, [&](auto &d, const auto &s) {
      copyStrided(t->shape, s, dense, 0, d, outStrides,
                  offset * outStrides[axis]);
    });
    offset += t->shape[axis];
  }
}

LogicalResult gather(xf::GatherOp op, const HostTensor &table,
                     const HostTensor &idx, HostTensor &out) {
  int64_t v = table.shape[0];
  int64_t row = 1;
  for (int64_t d : ArrayRef<int64_t>(table.shape).drop_front())
    row *= d;
  SmallVector<int64_t> idxStrides = stridesOf(idx.shape);
  for (size_t p = 0; p < idx.ints.size(); ++p) {
    int64_t i = idx.ints[p];
    if (i < 0 || i >= v) {
      auto diag = op.emitError() << "gather index " << i << " at position [";
      int64_t rem = p;
      for (size_t d = 0; d < idx.shape.size(); ++d) {
        diag << (d ? ", " : "") << rem / idxStrides[d];
        rem %= idxStrides[d];
      }
      diag << "] of indices " << op.getIndices().getType()
           << " is out of range [0, " << v << ") for table "
           << op.getTable().getType();
      return diag;
    }
    std::copy(table.data.begin() + i * row, table.data.begin() + (i + 1) * row,
              out.data.begin() + p * row);
  }
  return success();
}
/// torch.index_copy: `dest` with the rows `source[..., j, ...]` written at
/// positions `indices[j]` along `axis` (the last `j` wins a repeated one).
LogicalResult indexCopy(xf::IndexCopyOp op, const HostTensor &dest,
                        const HostTensor &idx, const HostTensor &src,
                        HostTensor &out) {
  int64_t rank = dest.shape.size();
  int64_t axis = static_cast<int64_t>(op.getAxis()); // verified in [0, rank)
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= dest.shape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= dest.shape[d];
  int64_t c = dest.shape[axis], n = src.shape[axis];
  out.data = dest.data;
  for (int64_t j = 0; j < n; ++j) {
    int64_t p = idx.ints[j];
    if (p < 0 || p >= c)
      return op.emitError()
             << "index_copy position " << p << " at index " << j << " of "
             << op.getIndices().getType() << " is out of range [0, " << c
             << ") for " << op.getDest().getType();
    for (int64_t o = 0; o < outer; ++o)
      std::copy(src.data.begin() + (o * n + j) * inner,
                src.data.begin() + (o * n + j + 1) * inner,
                out.data.begin() + (o * c + p) * inner);
  }
  return success();
}
} // namespace

LogicalResult muir::ref::detail::evalDataMovement(Operation *op, Operands in,
                                                  HostTensor &out) {
  using namespace xf;
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](TransposeOp t) {
        transpose(t, *in[0], out);
        return success();
      })
      .Case([&](ReshapeOp) {
        // Row-major order is unchanged: the storage is copied as is.
        out.data = in[0]->data;
        out.ints = in[0]->ints;
        return success();
      })
      .Case([&](BroadcastToOp) {
        gatherStrided(*in[0], out, broadcastStrides(in[0]->shape, out.shape));
        return success();
      })
      .Case([&](ConcatOp c) {
        concat(c, in, out);
        return success();
      })
      .Case([&](SliceOp s) {
        slice(s, *in[0], out);
        return success();
      })
      .Case([&](GatherOp g) { return gather(g, *in[0], *in[1], out); })
      .Case([&](IndexCopyOp c) {
        return indexCopy(c, *in[0], *in[1], *in[2], out);
      })
      .Default([&](Operation *) {
        return op->emitError()
               << "reference backend: unsupported op '" << op->getName() << "'";
      });
}
