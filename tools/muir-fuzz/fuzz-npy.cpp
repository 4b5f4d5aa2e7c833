//===- fuzz-npy.cpp - muir-run --input: .npy reader and conversion --------===//
#include "FuzzCommon.h"

#include "muir/Driver/Driver.h"
#include "muir/Support/Npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace muir;
  llvm::Expected<npy::Array> a = npy::parseNpy(fuzz::asText(data, size), "fuzz");
  if (!a) {
    llvm::consumeError(a.takeError());
    return 0;
  }
  // As muir-run converts an --input for an argument of the array's shape.
  for (ref::DType d : {ref::DType::F32, ref::DType::BF16, ref::DType::F16,
                       ref::DType::F8E4M3FN, ref::DType::F8E5M2,
                       ref::DType::I32, ref::DType::I64}) {
    llvm::Expected<ref::HostTensor> t =
        driver::hostTensorFromNpy(*a, a->shape, d);
    if (!t)
      llvm::consumeError(t.takeError());
  }
  return 0;
}
