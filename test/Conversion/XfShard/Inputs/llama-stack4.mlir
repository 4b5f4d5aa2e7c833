// Four Llama decoder layers (d 64, 4 heads, 2 KV heads, FFN 128, s 64), each
// with its own weights: python/muir/models.py llama_stack(4, 64, 64, 4, 2, 128).
func.func @main(%x: tensor<64x64xf32>, %cos: tensor<64x16xf32>, %sin: tensor<64x16xf32>, %l0_attn_norm: tensor<64xf32>, %l0_wq: tensor<64x64xf32>, %l0_wk: tensor<64x32xf32>, %l0_wv: tensor<64x32xf32>, %l0_wo: tensor<64x64xf32>, %l0_mlp_norm: tensor<64xf32>, %l0_w_gate: tensor<64x128xf32>, %l0_w_up: tensor<64x128xf32>, %l0_w_down: tensor<128x64xf32>, %l1_attn_norm: tensor<64xf32>, %l1_wq: tensor<64x64xf32>, %l1_wk: tensor<64x32xf32>, %l1_wv: tensor<64x32xf32>, %l1_wo: tensor<64x64xf32>, %l1_mlp_norm: tensor<64xf32>, %l1_w_gate: tensor<64x128xf32>, %l1_w_up: tensor<64x128xf32>, %l1_w_down: tensor<128x64xf32>, %l2_attn_norm: tensor<64xf32>, %l2_wq: tensor<64x64xf32>, %l2_wk: tensor<64x32xf32>, %l2_wv: tensor<64x32xf32>, %l2_wo: tensor<64x64xf32>, %l2_mlp_norm: tensor<64xf32>, %l2_w_gate: tensor<64x128xf32>, %l2_w_up: tensor<64x128xf32>, %l2_w_down: tensor<128x64xf32>, %l3_attn_norm: tensor<64xf32>, %l3_wq: tensor<64x64xf32>, %l3_wk: tensor<64x32xf32>, %l3_wv: tensor<64x32xf32>, %l3_wo: tensor<64x64xf32>, %l3_mlp_norm: tensor<64xf32>, %l3_w_gate: tensor<64x128xf32>, %l3_w_up: tensor<64x128xf32>, %l3_w_down: tensor<128x64xf32>) -> (tensor<64x64xf32>) {
  %v1 = xf.rms_norm %x, %l0_attn_norm {eps = 1.000000e-06 : f32} : (tensor<64x64xf32>, tensor<64xf32>) -> tensor<64x64xf32>
  %v2 = xf.matmul %v1, %l0_wq : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %v3 = xf.reshape %v2 : (tensor<64x64xf32>) -> tensor<1x64x4x16xf32>
  %v4 = xf.transpose %v3 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x4x16xf32>) -> tensor<1x4x64x16xf32>
  %v5 = xf.rope %v4, %cos, %sin : (tensor<1x4x64x16xf32>, tensor<64x16xf32>, tensor<64x16xf32>) -> tensor<1x4x64x16xf32>
  %v6 = xf.matmul %v1, %l0_wk : (tensor<64x64xf32>, tensor<64x32xf32>) -> tensor<64x32xf32>
  %v7 = xf.reshape %v6 : (tensor<64x32xf32>) -> tensor<1x64x2x16xf32>
  %v8 = xf.transpose %v7 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x2x16xf32>) -> tensor<1x2x64x16xf32>
  %v9 = xf.rope %v8, %cos, %sin : (tensor<1x2x64x16xf32>, tensor<64x16xf32>, tensor<64x16xf32>) -> tensor<1x2x64x16xf32>
  %v10 = xf.matmul %v1, %l0_wv : (tensor<64x64xf32>, tensor<64x32xf32>) -> tensor<64x32xf32>
  %v11 = xf.reshape %v10 : (tensor<64x32xf32>) -> tensor<1x64x2x16xf32>
  %v12 = xf.transpose %v11 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x2x16xf32>) -> tensor<1x2x64x16xf32>
  %v13 = xf.attention %v5, %v9, %v12 {causal = true} : (tensor<1x4x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> tensor<1x4x64x16xf32>
  %v14 = xf.transpose %v13 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x4x64x16xf32>) -> tensor<1x64x4x16xf32>
  %v15 = xf.reshape %v14 : (tensor<1x64x4x16xf32>) -> tensor<64x64xf32>
  %v16 = xf.matmul %v15, %l0_wo : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %v17 = xf.add %x, %v16 : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %v18 = xf.rms_norm %v17, %l0_mlp_norm {eps = 1.000000e-06 : f32} : (tensor<64x64xf32>, tensor<64xf32>) -> tensor<64x64xf32>
  %v19 = xf.matmul %v18, %l0_w_gate : (tensor<64x64xf32>, tensor<64x128xf32>) -> tensor<64x128xf32>
  %v20 = xf.silu %v19 : tensor<64x128xf32>
  %v21 = xf.matmul %v18, %l0_w_up : (tensor<64x64xf32>, tensor<64x128xf32>) -> tensor<64x128xf32>
  %v22 = xf.mul %v20, %v21 : (tensor<64x128xf32>, tensor<64x128xf32>) -> tensor<64x128xf32>
  %v23 = xf.matmul %v22, %l0_w_down : (tensor<64x128xf32>, tensor<128x64xf32>) -> tensor<64x64xf32>
  %v24 = xf.add %v17, %v23 : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %v25 = xf.rms_norm %v24, %l1_attn_norm {eps = 1.000000e-06 : f32} : (tensor<64x64xf32>, tensor<64xf32>) -> tensor<64x64xf32>
  %v26 = xf.matmul %v25, %l1_wq : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %v27 = xf.reshape %v26 : (tensor<64x64xf32>) -> tensor<1x64x4x16xf32>
  %v28 = xf.transpose %v27 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x4x16xf32>) -> tensor<1x4x64x16xf32>
  %v29 = xf.rope %v28, %cos, %sin : (tensor<1x4x64x16xf32>, tensor<64x16xf32>, tensor<64x16xf32>) -> tensor<1x4x64x16xf32>
  %v30 = xf.matmul %v25, %l1_wk : (tensor<64x64xf32>, tensor<64x32xf32>) -> tensor<64x32xf32>
  %v31 = xf.reshape %v30 : (tensor<64x32xf32>) -> tensor<1x64x2x16xf32>
  %v32 = xf.transpose %v31 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x2x16xf32>) -> tensor<1x2x64x16xf32>
  %v33 = xf.rope %v32, %cos, %sin : (tensor<1x2x64x16xf32>, tensor<64x16xf32>, tensor<64x16xf32>) -> tensor<1x2x64x16xf32>
  %v34 = xf.matmul %v25, %l1_wv : (tensor<64x64xf32>, tensor<64x32xf32>) -> tensor<64x32xf32>
  %v35 = xf.reshape %v34 : (tensor<64x32xf32>) -> tensor<1x64x2x16xf32>
  %v36 = xf.transpose %v35 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x2x16xf32>) -> tensor<1x2x64x16xf32>
  %v37 = xf.attention %v29, %v33, %v36 {causal = true} : (tensor<1x4x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> tensor<1x4x64x16xf32>
  %v38 = xf.transpose %v37 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x4x64x16xf32>) -> tensor<1x64x4x16xf32>
  %v39 = xf.reshape %v38 : (tensor<1x64x4x16xf32>) -> tensor<64x64xf32>
  %v40 = xf.matmul %v39, %l1_wo : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %v41 = xf.add %v24, %v40 : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %v42 = xf.rms_norm %v41, %l1_mlp_norm {eps = 1.000000e-06 : f32} : (tensor<64x64xf32>, tensor<64xf32>) -> tensor<64x64xf32>
  %v43 = xf.matmul %v42, %l1_w_gate : (tensor<64x64xf32>, tensor<64x128xf32>) -> tensor<64x128xf32>
  %v44 = xf.silu %v43 : tensor<64x128xf32>
  %v45 = xf.matmul %v42, %l1_w_up : (tensor<64x64xf32>, tensor<64x128xf32>) -> tensor<64x128xf32>
  %v46 = xf.mul %v44, %v45 : (tensor<64x128xf32>, tensor<64x128xf32>) -> tensor<64x128xf32>
  %v47 = xf.matmul %v46, %l1_w_down : (tensor<64x128xf32>, tensor<128x64xf32>) -> tensor<64x64xf32>
  %v48 = xf.add %v41, %v47 : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %v49 = xf.rms_norm %v48, %l2_attn_norm {eps = 1.000000e-06 : f32} : (tensor<64x64xf32>, tensor<64xf32>) -> tensor<64x64xf32>
  %v50 = xf.matmul %v49, %l2_wq : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %v51 = xf.reshape %v50 : (tensor<64x64xf32>) -> tensor<1x64x4x16xf32>
  %v52 = xf.transpose %v51 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x4x16xf32>) -> tensor<1x4x64x16xf32>
  %v53 = xf.rope %v52, %cos, %sin : (tensor<1x4x64x16xf32>, tensor<64x16xf32>, tensor<64x16xf32>) -> tensor<1x4x64x16xf32>
  %v54 = xf.matmul %v49, %l2_wk : (tensor<64x64xf32>, tensor<64x32xf32>) -> tensor<64x32xf32>
  %v55 = xf.reshape %v54 : (tensor<64x32xf32>) -> tensor<1x64x2x16xf32>
  %v56 = xf.transpose %v55 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x2x16xf32>) -> tensor<1x2x64x16xf32>
  %v57 = xf.rope %v56, %cos, %sin : (tensor<1x2x64x16xf32>, tensor<64x16xf32>, tensor<64x16xf32>) -> tensor<1x2x64x16xf32>
  %v58 = xf.matmul %v49, %l2_wv : (tensor<64x64xf32>, tensor<64x32xf32>) -> tensor<64x32xf32>
  %v59 = xf.reshape %v58 : (tensor<64x32xf32>) -> tensor<1x64x2x16xf32>
  %v60 = xf.transpose %v59 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x2x16xf32>) -> tensor<1x2x64x16xf32>
  %v61 = xf.attention %v53, %v57, %v60 {causal = true} : (tensor<1x4x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> tensor<1x4x64x16xf32>
  %v62 = xf.transpose %v61 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x4x64x16xf32>) -> tensor<1x64x4x16xf32>
  %v63 = xf.reshape %v62 : (tensor<1x64x4x16xf32>) -> tensor<64x64xf32>
  %v64 = xf.matmul %v63, %l2_wo : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %v65 = xf.add %v48, %v64 : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %v66 = xf.rms_norm %v65, %l2_mlp_norm {eps = 1.000000e-06 : f32} : (tensor<64x64xf32>, tensor<64xf32>) -> tensor<64x64xf32>
  %v67 = xf.matmul %v66, %l2_w_gate : (tensor<64x64xf32>, tensor<64x128xf32>) -> tensor<64x128xf32>
  %v68 = xf.silu %v67 : tensor<64x128xf32>
  %v69 = xf.matmul %v66, %l2_w_up : (tensor<64x64xf32>, tensor<64x128xf32>) -> tensor<64x128xf32>
  %v70 = xf.mul %v68, %v69 : (tensor<64x128xf32>, tensor<64x128xf32>) -> tensor<64x128xf32>
  %v71 = xf.matmul %v70, %l2_w_down : (tensor<64x128xf32>, tensor<128x64xf32>) -> tensor<64x64xf32>
  %v72 = xf.add %v65, %v71 : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %v73 = xf.rms_norm %v72, %l3_attn_norm {eps = 1.000000e-06 : f32} : (tensor<64x64xf32>, tensor<64xf32>) -> tensor<64x64xf32>
  %v74 = xf.matmul %v73, %l3_wq : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %v75 = xf.reshape %v74 : (tensor<64x64xf32>) -> tensor<1x64x4x16xf32>
  %v76 = xf.transpose %v75 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x4x16xf32>) -> tensor<1x4x64x16xf32>
  %v77 = xf.rope %v76, %cos, %sin : (tensor<1x4x64x16xf32>, tensor<64x16xf32>, tensor<64x16xf32>) -> tensor<1x4x64x16xf32>
  %v78 = xf.matmul %v73, %l3_wk : (tensor<64x64xf32>, tensor<64x32xf32>) -> tensor<64x32xf32>
  %v79 = xf.reshape %v78 : (tensor<64x32xf32>) -> tensor<1x64x2x16xf32>
  %v80 = xf.transpose %v79 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x2x16xf32>) -> tensor<1x2x64x16xf32>
  %v81 = xf.rope %v80, %cos, %sin : (tensor<1x2x64x16xf32>, tensor<64x16xf32>, tensor<64x16xf32>) -> tensor<1x2x64x16xf32>
  %v82 = xf.matmul %v73, %l3_wv : (tensor<64x64xf32>, tensor<64x32xf32>) -> tensor<64x32xf32>
  %v83 = xf.reshape %v82 : (tensor<64x32xf32>) -> tensor<1x64x2x16xf32>
  %v84 = xf.transpose %v83 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x64x2x16xf32>) -> tensor<1x2x64x16xf32>
  %v85 = xf.attention %v77, %v81, %v84 {causal = true} : (tensor<1x4x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> tensor<1x4x64x16xf32>
  %v86 = xf.transpose %v85 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x4x64x16xf32>) -> tensor<1x64x4x16xf32>
  %v87 = xf.reshape %v86 : (tensor<1x64x4x16xf32>) -> tensor<64x64xf32>
  %v88 = xf.matmul %v87, %l3_wo : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %v89 = xf.add %v72, %v88 : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  %v90 = xf.rms_norm %v89, %l3_mlp_norm {eps = 1.000000e-06 : f32} : (tensor<64x64xf32>, tensor<64xf32>) -> tensor<64x64xf32>
  %v91 = xf.matmul %v90, %l3_w_gate : (tensor<64x64xf32>, tensor<64x128xf32>) -> tensor<64x128xf32>
  %v92 = xf.silu %v91 : tensor<64x128xf32>
  %v93 = xf.matmul %v90, %l3_w_up : (tensor<64x64xf32>, tensor<64x128xf32>) -> tensor<64x128xf32>
  %v94 = xf.mul %v92, %v93 : (tensor<64x128xf32>, tensor<64x128xf32>) -> tensor<64x128xf32>
  %v95 = xf.matmul %v94, %l3_w_down : (tensor<64x128xf32>, tensor<128x64xf32>) -> tensor<64x64xf32>
  %v96 = xf.add %v89, %v95 : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  return %v96 : tensor<64x64xf32>
}

