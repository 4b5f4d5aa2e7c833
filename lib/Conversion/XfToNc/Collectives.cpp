//===- Collectives.cpp - xf collectives as nc collective instructions -----===//
//
// An xf.all_reduce, xf.all_gather, xf.reduce_scatter or xf.all_to_all of an
// HBM value
// becomes one nc collective between two contiguous HBM tensors. The
// algorithm is the cheapest the machine's collective cost model allows for
// the group (ring, tree or ring2d), so the choice follows the topology.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"

#include "muir/Dialect/Xf/XfDialect.h"
#include "muir/Target/Collective.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace muir;
using namespace muir::lower;

namespace {
/// The whole of `v` in element order as one HBM tile: as many partitions
/// (at most the PE's rows) as divide its element count, so the free size
/// stays small.
nc::AccessAttr wholeTensor(Emitter &e, const HbmValue &v) {
  int64_t n = v.numElements(), np = 1;
  for (int64_t p = std::min<int64_t>(e.rows(), n); p > 1; --p)
    if (n % p == 0) {
      np = p;
      break;
    }
  return e.hbm(v, 0, np, n / np, {n / np}, {1});
}

/// The cheapest legal algorithm for `groups` moving `bytes` (see
/// target::cheapestCollective); ring is legal for every op and group.
nc::Algorithm cheapestAlgorithm(const target::Machine &m, target::Opcode op,
                                ElementsAttr groups, double bytes) {
  SmallVector<int64_t> ranks;
  for (APInt r : groups.getValues<APInt>())
    ranks.push_back(r.getSExtValue());
  int64_t size = llvm::cast<ShapedType>(groups.getType()).getDimSize(1);
  auto best = target::cheapestCollective(m, op, size, ranks, bytes);
  if (!best) {
    llvm::consumeError(best.takeError()); // the verifier names the rule
    return nc::Algorithm::ring;
  }
  switch (best->first) {
  case target::Algorithm::Tree:
    return nc::Algorithm::tree;
  case target::Algorithm::Ring2D:
    return nc::Algorithm::ring2d;
  case target::Algorithm::Ring:
    break;
  }
  return nc::Algorithm::ring;
}

/// Puts `op` on the first collective-communication queue when the target
/// has them: they run nothing else, so the core's DMA queues stream on
/// while the collective is in flight (else dma0, shared with the kernels'
/// DMAs).
void onCollectiveQueue(Emitter &e, Operation *op) {
  if (e.m.collectiveQueues() > 0)
    op->setAttr("queue", nc::QueueAttr::get(e.b.getContext(),
                                            target::dmaQueue(e.m.dma.queues)));
}

/// The dimensions before `dim` must all be 1, so that concatenating (or
/// splitting) along `dim` is concatenating the tensors' element orders.
LogicalResult checkLeadingDim(Operation *op, RankedTensorType t, int64_t dim) {
  if (dim < 0)
    dim += t.getRank();
  for (int64_t i = 0; i < dim; ++i)
    if (t.getDimSize(i) != 1)
      return op->emitOpError()
             << "along dimension " << dim << " of " << t
             << " is not a contiguous block per rank: the accelerator "
                "lowering needs every dimension before it to be 1 "
                "(muir-xf-shard emits such collectives with a transpose)";
  return success();
}
} // namespace

LogicalResult muir::lower::emitCollective(Emitter &e, Operation *op,
                                          const HbmValue &in,
                                          const HbmValue &out) {
  if (!in.view.empty() || !out.view.empty())
    return op->emitOpError() << "reads or writes a strided view; "
                                "collectives move contiguous tensors";
  auto inType = llvm::cast<RankedTensorType>(op->getOperand(0).getType());
  auto groups = op->getAttrOfType<DenseIntElementsAttr>("replica_groups");
  nc::AccessAttr src = wholeTensor(e, in), dst = wholeTensor(e, out);
  double eb = Emitter::bytesOf(in.elemType);
  Operation *made =
      llvm::TypeSwitch<Operation *, Operation *>(op)
          .Case([&](xf::AllReduceOp) -> Operation * {
            nc::Algorithm a = cheapestAlgorithm(e.m, target::Opcode::AllReduce,
                                                groups, in.numElements() * eb);
            return nc::AllReduceOp::create(e.b, e.loc, nc::AluOp::add, dst, src,
                                           groups, a, nullptr, nullptr,
                                           nullptr);
          })
          .Case([&](xf::AllGatherOp g) -> Operation * {
            if (failed(checkLeadingDim(op, inType, g.getDim())))
              return nullptr;
            nc::Algorithm a = cheapestAlgorithm(e.m, target::Opcode::AllGather,
                                                groups, out.numElements() * eb);
            return nc::AllGatherOp::create(e.b, e.loc, dst, src, groups, a,
                                           nullptr, nullptr, nullptr);
          })
          .Case([&](xf::ReduceScatterOp r) -> Operation * {
            if (failed(checkLeadingDim(op, inType, r.getDim())))
              return nullptr;
            nc::Algorithm a =
                cheapestAlgorithm(e.m, target::Opcode::ReduceScatter, groups,
                                  in.numElements() * eb);
            return nc::ReduceScatterOp::create(e.b, e.loc, nc::AluOp::add, dst,
                                               src, groups, a, nullptr, nullptr,
                                               nullptr);
          })
          .Case([&](xf::AllToAllOp) -> Operation * {
            // Blocks of dimension 0 are contiguous element ranges, the
            // blocks nc.all_to_all exchanges.
            nc::Algorithm a = cheapestAlgorithm(e.m, target::Opcode::AllToAll,
                                                groups, in.numElements() * eb);
            return nc::AllToAllOp::create(e.b, e.loc, dst, src, groups, a,
                                          nullptr, nullptr, nullptr);
          })
          .Default([&](Operation *) -> Operation * {
            op->emitOpError() << "is not a collective";
            return nullptr;
          });
  if (!made)
    return failure();
  onCollectiveQueue(e, made);
  return success();
}

LogicalResult muir::lower::emitCollectivePermute(Emitter &e, Operation *op,
                                                 const HbmValue &in,
                                                 const HbmValue &init,
                                                 const HbmValue &out) {
  auto cp = llvm::cast<xf::CollectivePermuteOp>(op);
  if (!in.view.empty() || !out.view.empty())
    return op->emitOpError() << "reads or writes a strided view; "
                                "collectives move contiguous tensors";
  // Every rank first holds its init; a target's recv then overwrites it.
  // (DMAs through SBUF only: no engine work for a plain copy.)
  if (failed(emitStridedCopy(e, op, out, out.shape, out.strides(), 0, init,
                             init.strides(), 0)))
    return failure();
  nc::AccessAttr src = wholeTensor(e, in), dst = wholeTensor(e, out);
  Operation *send = nc::SendOp::create(e.b, e.loc, src, cp.getPairs(), nullptr,
                                       nullptr, nullptr);
  Operation *recv = nc::RecvOp::create(e.b, e.loc, dst, cp.getPairs(), nullptr,
                                       nullptr, nullptr);
  onCollectiveQueue(e, send);
  onCollectiveQueue(e, recv);
  return success();
}
