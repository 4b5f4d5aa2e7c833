// RUN: muir-opt %s -split-input-file --muir-xf-fuse --muir-xf-kernel-config | FileCheck %s
// RUN: muir-opt %s -split-input-file --muir-xf-fuse --muir-xf-kernel-config="overrides=k0.tiles_in_flight=1,k0.dma_piece_bytes=4096,k0.v_interleave=1" | FileCheck %s --check-prefix=OVR
// RUN: muir-opt %s -split-input-file --muir-xf-fuse --muir-xf-kernel-config="overrides=k0.tiles_in_flight=1,k0.dma_piece_bytes=4096,k0.v_interleave=1" --muir-lower-xf-to-nc | FileCheck %s --check-prefix=NC

// Prefill (compute-bound): six query tiles in flight (8 PSUM banks: six
// score banks and two output banks of four [128, 128] accumulators), one
// key/value head per set (each head has 16 query tiles), and DMA pieces of
// one transfer's fixed cost worth of bytes (600 ns at 23 B/ns) to cut load
// latency.
// CHECK-LABEL: func.func @prefill
// CHECK: xf.kernel "k0" attention config {dma_piece_bytes = 13800 : i64, key_block = 512 : i64, kv_heads_per_set = 1 : i64, kv_sets = 2 : i64, tiles_in_flight = 6 : i64, v_interleave = 0 : i64}
// OVR-LABEL: func.func @prefill
// OVR: xf.kernel "k0" attention config {dma_piece_bytes = 4096 : i64, key_block = 512 : i64, kv_heads_per_set = 1 : i64, kv_sets = 2 : i64, tiles_in_flight = 1 : i64, v_interleave = 1 : i64}
// The lowering follows the config: one tile at a time (one score bank), and
// the 32 KiB interleaved V block load split into 8 pieces of 16 partitions (4 KiB each,
// 8 queues at most).
// NC-LABEL: nc.kernel @prefill
// NC-COUNT-8: nc.dma <sbuf[{{[0-9]+}}, 16] at {{[0-9]+}} dims [512] strides [1] : bf16>, <hbm @arg2
func.func @prefill(%q: tensor<1x2x2048x128xbf16>, %k: tensor<1x2x2048x128xbf16>, %v: tensor<1x2x2048x128xbf16>) -> tensor<1x2x2048x128xbf16> {
  %0 = xf.attention %q, %k, %v {causal = true} : (tensor<1x2x2048x128xbf16>, tensor<1x2x2048x128xbf16>, tensor<1x2x2048x128xbf16>) -> tensor<1x2x2048x128xbf16>
  return %0 : tensor<1x2x2048x128xbf16>
}

// -----

// Decode (one query row, DMA-bound): the tiles of six heads run side by
// side (six heads' K/V per set), DMA pieces are eight times the fixed-cost
// bytes, so the queues spend a ninth of their time on fixed costs, and V is
// loaded interleaved (four keys' rows per partition: fewer, longer loads).
// CHECK-LABEL: func.func @decode
// CHECK: xf.kernel "k0" attention config {dma_piece_bytes = 110400 : i64, key_block = 512 : i64, kv_heads_per_set = 6 : i64, kv_sets = 2 : i64, tiles_in_flight = 6 : i64, v_interleave = 1 : i64}
func.func @decode(%q: tensor<1x32x1x128xbf16>, %k: tensor<1x32x2048x128xbf16>, %v: tensor<1x32x2048x128xbf16>) -> tensor<1x32x1x128xbf16> {
  %0 = xf.attention %q, %k, %v : (tensor<1x32x1x128xbf16>, tensor<1x32x2048x128xbf16>, tensor<1x32x2048x128xbf16>) -> tensor<1x32x1x128xbf16>
  return %0 : tensor<1x32x1x128xbf16>
}

// -----

// Long context (40k keys, bf16): one head's K^T and V are 160 KiB per
// partition, so one K/V set stays resident (the next head's loads follow
// this one's reads chunk by chunk) and six query tiles fit beside it.
// CHECK-LABEL: func.func @long_context
// CHECK: xf.kernel "k0" attention config {dma_piece_bytes = {{[0-9]+}} : i64, key_block = 512 : i64, kv_heads_per_set = 1 : i64, kv_sets = 1 : i64, tiles_in_flight = 6 : i64, v_interleave = 1 : i64}
func.func @long_context(%q: tensor<1x8x16x128xbf16>, %k: tensor<1x8x40960x128xbf16>, %v: tensor<1x8x40960x128xbf16>) -> tensor<1x8x16x128xbf16> {
  %0 = xf.attention %q, %k, %v : (tensor<1x8x16x128xbf16>, tensor<1x8x40960x128xbf16>, tensor<1x8x40960x128xbf16>) -> tensor<1x8x16x128xbf16>
  return %0 : tensor<1x8x16x128xbf16>
}
