// The trace names the model's source line of every instruction.
// RUN: muir-run %s --backend=sim --timing-only --target=small --trace=%t.json > /dev/null
// RUN: %python -c "import json; ev = [e for e in json.load(open('%t.json'))['traceEvents'] if e.get('ph') == 'X']; print(sorted({e['args'].get('source', 'NONE') for e in ev}))" | FileCheck %s
// CHECK: ['fused["model.py":4:5, "model.py":3:5]']
func.func @main(%a: tensor<16x16xf32>, %b: tensor<16x16xf32>, %r: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %0 = xf.matmul %a, %b : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32> loc("model.py":3:5)
  %1 = xf.add %0, %r : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32> loc("model.py":4:5)
  return %1 : tensor<16x16xf32>
}
