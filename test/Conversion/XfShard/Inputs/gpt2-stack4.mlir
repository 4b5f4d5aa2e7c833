// Four GPT-2 blocks (d 64, 4 heads, FFN 128, s 32), each with its own
// weights: python/muir/models.py gpt2_stack(4, 32, 64, 4, 128).
func.func @main(%x: tensor<32x64xf32>, %l0_ln1_w: tensor<64xf32>, %l0_ln1_b: tensor<64xf32>, %l0_w_qkv: tensor<64x192xf32>, %l0_b_qkv: tensor<192xf32>, %l0_w_o: tensor<64x64xf32>, %l0_b_o: tensor<64xf32>, %l0_ln2_w: tensor<64xf32>, %l0_ln2_b: tensor<64xf32>, %l0_w_fc: tensor<64x128xf32>, %l0_b_fc: tensor<128xf32>, %l0_w_proj: tensor<128x64xf32>, %l0_b_proj: tensor<64xf32>, %l1_ln1_w: tensor<64xf32>, %l1_ln1_b: tensor<64xf32>, %l1_w_qkv: tensor<64x192xf32>, %l1_b_qkv: tensor<192xf32>, %l1_w_o: tensor<64x64xf32>, %l1_b_o: tensor<64xf32>, %l1_ln2_w: tensor<64xf32>, %l1_ln2_b: tensor<64xf32>, %l1_w_fc: tensor<64x128xf32>, %l1_b_fc: tensor<128xf32>, %l1_w_proj: tensor<128x64xf32>, %l1_b_proj: tensor<64xf32>, %l2_ln1_w: tensor<64xf32>, %l2_ln1_b: tensor<64xf32>, %l2_w_qkv: tensor<64x192xf32>, %l2_b_qkv: tensor<192xf32>, %l2_w_o: tensor<64x64xf32>, %l2_b_o: tensor<64xf32>, %l2_ln2_w: tensor<64xf32>, %l2_ln2_b: tensor<64xf32>, %l2_w_fc: tensor<64x128xf32>, %l2_b_fc: tensor<128xf32>, %l2_w_proj: tensor<128x64xf32>, %l2_b_proj: tensor<64xf32>, %l3_ln1_w: tensor<64xf32>, %l3_ln1_b: tensor<64xf32>, %l3_w_qkv: tensor<64x192xf32>, %l3_b_qkv: tensor<192xf32>, %l3_w_o: tensor<64x64xf32>, %l3_b_o: tensor<64xf32>, %l3_ln2_w: tensor<64xf32>, %l3_ln2_b: tensor<64xf32>, %l3_w_fc: tensor<64x128xf32>, %l3_b_fc: tensor<128xf32>, %l3_w_proj: tensor<128x64xf32>, %l3_b_proj: tensor<64xf32>) -> (tensor<32x64xf32>) {
  %v1 = xf.layer_norm %x, %l0_ln1_w, %l0_ln1_b {eps = 1.000000e-05 : f32} : (tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v2 = xf.matmul %v1, %l0_w_qkv : (tensor<32x64xf32>, tensor<64x192xf32>) -> tensor<32x192xf32>
  %v3 = xf.add %v2, %l0_b_qkv : (tensor<32x192xf32>, tensor<192xf32>) -> tensor<32x192xf32>
  %v4 = xf.slice %v3 {offsets = array<i64: 0, 0>, sizes = array<i64: 32, 64>, strides = array<i64: 1, 1>} : (tensor<32x192xf32>) -> tensor<32x64xf32>
  %v5 = xf.reshape %v4 : (tensor<32x64xf32>) -> tensor<1x32x4x16xf32>
  %v6 = xf.transpose %v5 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x4x16xf32>) -> tensor<1x4x32x16xf32>
  %v7 = xf.slice %v3 {offsets = array<i64: 0, 64>, sizes = array<i64: 32, 64>, strides = array<i64: 1, 1>} : (tensor<32x192xf32>) -> tensor<32x64xf32>
  %v8 = xf.reshape %v7 : (tensor<32x64xf32>) -> tensor<1x32x4x16xf32>
  %v9 = xf.transpose %v8 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x4x16xf32>) -> tensor<1x4x32x16xf32>
  %v10 = xf.slice %v3 {offsets = array<i64: 0, 128>, sizes = array<i64: 32, 64>, strides = array<i64: 1, 1>} : (tensor<32x192xf32>) -> tensor<32x64xf32>
  %v11 = xf.reshape %v10 : (tensor<32x64xf32>) -> tensor<1x32x4x16xf32>
  %v12 = xf.transpose %v11 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x4x16xf32>) -> tensor<1x4x32x16xf32>
  %v13 = xf.attention %v6, %v9, %v12 {causal = true} : (tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>) -> tensor<1x4x32x16xf32>
  %v14 = xf.transpose %v13 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x4x32x16xf32>) -> tensor<1x32x4x16xf32>
  %v15 = xf.reshape %v14 : (tensor<1x32x4x16xf32>) -> tensor<32x64xf32>
  %v16 = xf.matmul %v15, %l0_w_o : (tensor<32x64xf32>, tensor<64x64xf32>) -> tensor<32x64xf32>
  %v17 = xf.add %v16, %l0_b_o : (tensor<32x64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v18 = xf.add %x, %v17 : (tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<32x64xf32>
  %v19 = xf.layer_norm %v18, %l0_ln2_w, %l0_ln2_b {eps = 1.000000e-05 : f32} : (tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v20 = xf.matmul %v19, %l0_w_fc : (tensor<32x64xf32>, tensor<64x128xf32>) -> tensor<32x128xf32>
  %v21 = xf.add %v20, %l0_b_fc : (tensor<32x128xf32>, tensor<128xf32>) -> tensor<32x128xf32>
  %v22 = xf.gelu %v21 approximate = tanh : tensor<32x128xf32>
  %v23 = xf.matmul %v22, %l0_w_proj : (tensor<32x128xf32>, tensor<128x64xf32>) -> tensor<32x64xf32>
  %v24 = xf.add %v23, %l0_b_proj : (tensor<32x64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v25 = xf.add %v18, %v24 : (tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<32x64xf32>
  %v26 = xf.layer_norm %v25, %l1_ln1_w, %l1_ln1_b {eps = 1.000000e-05 : f32} : (tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v27 = xf.matmul %v26, %l1_w_qkv : (tensor<32x64xf32>, tensor<64x192xf32>) -> tensor<32x192xf32>
  %v28 = xf.add %v27, %l1_b_qkv : (tensor<32x192xf32>, tensor<192xf32>) -> tensor<32x192xf32>
  %v29 = xf.slice %v28 {offsets = array<i64: 0, 0>, sizes = array<i64: 32, 64>, strides = array<i64: 1, 1>} : (tensor<32x192xf32>) -> tensor<32x64xf32>
  %v30 = xf.reshape %v29 : (tensor<32x64xf32>) -> tensor<1x32x4x16xf32>
  %v31 = xf.transpose %v30 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x4x16xf32>) -> tensor<1x4x32x16xf32>
  %v32 = xf.slice %v28 {offsets = array<i64: 0, 64>, sizes = array<i64: 32, 64>, strides = array<i64: 1, 1>} : (tensor<32x192xf32>) -> tensor<32x64xf32>
  %v33 = xf.reshape %v32 : (tensor<32x64xf32>) -> tensor<1x32x4x16xf32>
  %v34 = xf.transpose %v33 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x4x16xf32>) -> tensor<1x4x32x16xf32>
  %v35 = xf.slice %v28 {offsets = array<i64: 0, 128>, sizes = array<i64: 32, 64>, strides = array<i64: 1, 1>} : (tensor<32x192xf32>) -> tensor<32x64xf32>
  %v36 = xf.reshape %v35 : (tensor<32x64xf32>) -> tensor<1x32x4x16xf32>
  %v37 = xf.transpose %v36 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x4x16xf32>) -> tensor<1x4x32x16xf32>
  %v38 = xf.attention %v31, %v34, %v37 {causal = true} : (tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>) -> tensor<1x4x32x16xf32>
  %v39 = xf.transpose %v38 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x4x32x16xf32>) -> tensor<1x32x4x16xf32>
  %v40 = xf.reshape %v39 : (tensor<1x32x4x16xf32>) -> tensor<32x64xf32>
  %v41 = xf.matmul %v40, %l1_w_o : (tensor<32x64xf32>, tensor<64x64xf32>) -> tensor<32x64xf32>
  %v42 = xf.add %v41, %l1_b_o : (tensor<32x64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v43 = xf.add %v25, %v42 : (tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<32x64xf32>
  %v44 = xf.layer_norm %v43, %l1_ln2_w, %l1_ln2_b {eps = 1.000000e-05 : f32} : (tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v45 = xf.matmul %v44, %l1_w_fc : (tensor<32x64xf32>, tensor<64x128xf32>) -> tensor<32x128xf32>
  %v46 = xf.add %v45, %l1_b_fc : (tensor<32x128xf32>, tensor<128xf32>) -> tensor<32x128xf32>
  %v47 = xf.gelu %v46 approximate = tanh : tensor<32x128xf32>
  %v48 = xf.matmul %v47, %l1_w_proj : (tensor<32x128xf32>, tensor<128x64xf32>) -> tensor<32x64xf32>
  %v49 = xf.add %v48, %l1_b_proj : (tensor<32x64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v50 = xf.add %v43, %v49 : (tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<32x64xf32>
  %v51 = xf.layer_norm %v50, %l2_ln1_w, %l2_ln1_b {eps = 1.000000e-05 : f32} : (tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v52 = xf.matmul %v51, %l2_w_qkv : (tensor<32x64xf32>, tensor<64x192xf32>) -> tensor<32x192xf32>
  %v53 = xf.add %v52, %l2_b_qkv : (tensor<32x192xf32>, tensor<192xf32>) -> tensor<32x192xf32>
  %v54 = xf.slice %v53 {offsets = array<i64: 0, 0>, sizes = array<i64: 32, 64>, strides = array<i64: 1, 1>} : (tensor<32x192xf32>) -> tensor<32x64xf32>
  %v55 = xf.reshape %v54 : (tensor<32x64xf32>) -> tensor<1x32x4x16xf32>
  %v56 = xf.transpose %v55 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x4x16xf32>) -> tensor<1x4x32x16xf32>
  %v57 = xf.slice %v53 {offsets = array<i64: 0, 64>, sizes = array<i64: 32, 64>, strides = array<i64: 1, 1>} : (tensor<32x192xf32>) -> tensor<32x64xf32>
  %v58 = xf.reshape %v57 : (tensor<32x64xf32>) -> tensor<1x32x4x16xf32>
  %v59 = xf.transpose %v58 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x4x16xf32>) -> tensor<1x4x32x16xf32>
  %v60 = xf.slice %v53 {offsets = array<i64: 0, 128>, sizes = array<i64: 32, 64>, strides = array<i64: 1, 1>} : (tensor<32x192xf32>) -> tensor<32x64xf32>
  %v61 = xf.reshape %v60 : (tensor<32x64xf32>) -> tensor<1x32x4x16xf32>
  %v62 = xf.transpose %v61 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x4x16xf32>) -> tensor<1x4x32x16xf32>
  %v63 = xf.attention %v56, %v59, %v62 {causal = true} : (tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>) -> tensor<1x4x32x16xf32>
  %v64 = xf.transpose %v63 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x4x32x16xf32>) -> tensor<1x32x4x16xf32>
  %v65 = xf.reshape %v64 : (tensor<1x32x4x16xf32>) -> tensor<32x64xf32>
  %v66 = xf.matmul %v65, %l2_w_o : (tensor<32x64xf32>, tensor<64x64xf32>) -> tensor<32x64xf32>
  %v67 = xf.add %v66, %l2_b_o : (tensor<32x64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v68 = xf.add %v50, %v67 : (tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<32x64xf32>
  %v69 = xf.layer_norm %v68, %l2_ln2_w, %l2_ln2_b {eps = 1.000000e-05 : f32} : (tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v70 = xf.matmul %v69, %l2_w_fc : (tensor<32x64xf32>, tensor<64x128xf32>) -> tensor<32x128xf32>
  %v71 = xf.add %v70, %l2_b_fc : (tensor<32x128xf32>, tensor<128xf32>) -> tensor<32x128xf32>
  %v72 = xf.gelu %v71 approximate = tanh : tensor<32x128xf32>
  %v73 = xf.matmul %v72, %l2_w_proj : (tensor<32x128xf32>, tensor<128x64xf32>) -> tensor<32x64xf32>
  %v74 = xf.add %v73, %l2_b_proj : (tensor<32x64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v75 = xf.add %v68, %v74 : (tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<32x64xf32>
  %v76 = xf.layer_norm %v75, %l3_ln1_w, %l3_ln1_b {eps = 1.000000e-05 : f32} : (tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v77 = xf.matmul %v76, %l3_w_qkv : (tensor<32x64xf32>, tensor<64x192xf32>) -> tensor<32x192xf32>
  %v78 = xf.add %v77, %l3_b_qkv : (tensor<32x192xf32>, tensor<192xf32>) -> tensor<32x192xf32>
  %v79 = xf.slice %v78 {offsets = array<i64: 0, 0>, sizes = array<i64: 32, 64>, strides = array<i64: 1, 1>} : (tensor<32x192xf32>) -> tensor<32x64xf32>
  %v80 = xf.reshape %v79 : (tensor<32x64xf32>) -> tensor<1x32x4x16xf32>
  %v81 = xf.transpose %v80 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x4x16xf32>) -> tensor<1x4x32x16xf32>
  %v82 = xf.slice %v78 {offsets = array<i64: 0, 64>, sizes = array<i64: 32, 64>, strides = array<i64: 1, 1>} : (tensor<32x192xf32>) -> tensor<32x64xf32>
  %v83 = xf.reshape %v82 : (tensor<32x64xf32>) -> tensor<1x32x4x16xf32>
  %v84 = xf.transpose %v83 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x4x16xf32>) -> tensor<1x4x32x16xf32>
  %v85 = xf.slice %v78 {offsets = array<i64: 0, 128>, sizes = array<i64: 32, 64>, strides = array<i64: 1, 1>} : (tensor<32x192xf32>) -> tensor<32x64xf32>
  %v86 = xf.reshape %v85 : (tensor<32x64xf32>) -> tensor<1x32x4x16xf32>
  %v87 = xf.transpose %v86 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x32x4x16xf32>) -> tensor<1x4x32x16xf32>
  %v88 = xf.attention %v81, %v84, %v87 {causal = true} : (tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>, tensor<1x4x32x16xf32>) -> tensor<1x4x32x16xf32>
  %v89 = xf.transpose %v88 {permutation = array<i64: 0, 2, 1, 3>} : (tensor<1x4x32x16xf32>) -> tensor<1x32x4x16xf32>
  %v90 = xf.reshape %v89 : (tensor<1x32x4x16xf32>) -> tensor<32x64xf32>
  %v91 = xf.matmul %v90, %l3_w_o : (tensor<32x64xf32>, tensor<64x64xf32>) -> tensor<32x64xf32>
  %v92 = xf.add %v91, %l3_b_o : (tensor<32x64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v93 = xf.add %v75, %v92 : (tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<32x64xf32>
  %v94 = xf.layer_norm %v93, %l3_ln2_w, %l3_ln2_b {eps = 1.000000e-05 : f32} : (tensor<32x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v95 = xf.matmul %v94, %l3_w_fc : (tensor<32x64xf32>, tensor<64x128xf32>) -> tensor<32x128xf32>
  %v96 = xf.add %v95, %l3_b_fc : (tensor<32x128xf32>, tensor<128xf32>) -> tensor<32x128xf32>
  %v97 = xf.gelu %v96 approximate = tanh : tensor<32x128xf32>
  %v98 = xf.matmul %v97, %l3_w_proj : (tensor<32x128xf32>, tensor<128x64xf32>) -> tensor<32x64xf32>
  %v99 = xf.add %v98, %l3_b_proj : (tensor<32x64xf32>, tensor<64xf32>) -> tensor<32x64xf32>
  %v100 = xf.add %v93, %v99 : (tensor<32x64xf32>, tensor<32x64xf32>) -> tensor<32x64xf32>
  return %v100 : tensor<32x64xf32>
}

