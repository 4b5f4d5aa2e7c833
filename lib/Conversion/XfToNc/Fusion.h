//===- Fusion.h - what xf ops fuse with, shared by fusion and lowering ---===//
//
// The facts both `muir-xf-fuse` (which decides the groups) and
// `muir-lower-xf-to-nc` (which emits them) need: which ops are elementwise,
// the 2-D problem of a matmul, and the expression tree an elementwise root
// computes on chip.
//
//===----------------------------------------------------------------------===//
#ifndef MUIR_LIB_CONVERSION_XFTONC_FUSION_H
#define MUIR_LIB_CONVERSION_XFTONC_FUSION_H

#include "Kernels.h"

#include "muir/Dialect/Xf/XfDialect.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>

namespace muir::lower {

/// The Vector-engine ALU op of a binary elementwise xf op.
std::optional<nc::AluOp> binaryAlu(mlir::Operation *op);
/// The Scalar-engine function of a unary elementwise xf op.
std::optional<nc::ActFunc> unaryAct(mlir::Operation *op);
/// Binary, unary, neg and cast ops: computed tile by tile.
bool isElementwise(mlir::Operation *op);

/// The 2-D problem of an xf.matmul.
MatmulShape shapeOf(xf::MatmulOp mm);

/// The expression tree an elementwise root computes on chip: absorbed
/// producers (fused elementwise ops) are nodes, everything else is a leaf
/// read from HBM (or, for a gated product, from PSUM).
struct FusedTree {
  struct Node {
    mlir::Operation *op;
    llvm::SmallVector<int> args; // >= 0: leaf index; < 0: -(node + 1)
  };
  llvm::SmallVector<Node> nodes; // operands before users
  llvm::SmallVector<mlir::Value> leaves;
  llvm::SmallVector<int> rootArgs;
  /// Element types of the nodes' results (their scratch tiles).
  llvm::SmallVector<mlir::Type> nodeTypes() const;
};
/// The tree of `root` whose nodes are the producers `absorbed` accepts.
FusedTree buildFusedTree(mlir::Operation *root,
                         llvm::function_ref<bool(mlir::Operation *)> absorbed);

/// Bytes per output column a matmul epilogue over `tree` needs on chip: a
/// tile of each leaf but the matmul's result `acc`, the accumulator rounded
/// to the matmul type (unless f32), and one tile per tree node.
int64_t epilogueBytes(const FusedTree &tree, mlir::Value acc);

/// The add of a `matmul` kernel in its residual form (the product plus a
/// same-typed tensor, nothing else), which the evacuation adds from the
/// fp32 accumulator; null for a plain matmul or an epilogue tree.
xf::AddOp residualAdd(xf::KernelOp k, xf::MatmulOp mm);

/// Element strides of `newShape` viewing the elements of a `shape` view
/// with element `strides` in the same order without a copy (each run of new
/// dimensions splits or merges old ones that are contiguous with each
/// other, as numpy's no-copy reshape); nullopt when a copy is needed.
std::optional<llvm::SmallVector<int64_t>>
reshapedStrides(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> strides,
                llvm::ArrayRef<int64_t> newShape);

/// Whether rope can read its input as a view of `shape` with element
/// strides `strides`: contiguous last dimension, and the leading ones (all
/// but the last two) collapsing to one stride.
bool ropeTakesView(llvm::ArrayRef<int64_t> shape,
                   llvm::ArrayRef<int64_t> strides);

/// A static xf.slice of `strides` (the input's element strides) as a view:
/// its element offset and strides.
std::pair<int64_t, llvm::SmallVector<int64_t>>
slicedView(xf::SliceOp s, llvm::ArrayRef<int64_t> strides);

/// The value a kernel result stands for: the one its region yields
/// (through nested kernel results); any other value itself.
mlir::Value innerValue(mlir::Value v);

/// A slice of whole rows (unit strides, every dimension but the first
/// whole): a contiguous block of its input, read in place as a view (no
/// kernel).
bool isLeadingSliceView(xf::SliceOp s);

/// A concat along the first dimension whose every input is a single-use
/// collective result (sequence-parallel row groups): each collective writes
/// its block of the concat's tensor in place (no kernel).
bool isInPlaceConcat(xf::ConcatOp c);

/// The kernel family an unfused op is lowered by.
xf::KernelKind kernelKindOf(mlir::Operation *op);

} // namespace muir::lower

#endif // MUIR_LIB_CONVERSION_XFTONC_FUSION_H
