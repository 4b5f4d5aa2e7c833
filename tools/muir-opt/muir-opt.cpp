//===- muir-opt.cpp - muir's optimizer driver -----------------------------===//
#include "muir/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  muir::registerAllDialects(registry);
  muir::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "muir optimizer driver\n", registry));
}
