// The hazard checker compares HBM accesses byte-exactly. A transposing DMA
// (partitions one element apart, free elements a row apart) of 128 x 129
// bf16 has 16,512 one-element runs per row; the checker used to widen such
// a tile to whole rows and reported a false write-write hazard with the
// neighbouring column block (found by scripts/random_graphs.py). Its runs
// across the partitions are now taken instead: 129 intervals, exact.
// RUN: muir-run %s --backend=sim --check --target=trn2 | FileCheck %s

// CHECK: check #0: {{.*}} mismatches=0/25800 OK
func.func @main(%a0: tensor<129x200xbf16>) -> (tensor<129x200xbf16>) {
  %v1 = xf.softmax %a0 {axis = 0} : tensor<129x200xbf16>
  %v3 = xf.softmax %v1 {axis = 1} : tensor<129x200xbf16>
  return %v3 : tensor<129x200xbf16>
}
