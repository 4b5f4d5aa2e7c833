"""Writes per-rank inputs stacked along a leading rank dimension:
  rank_inputs.py OUT.npy RANKS SHAPE [BASE STEP]
element i of rank r is BASE + STEP * i + 100 * r (float32), SHAPE like 2x4."""
import sys

import numpy as np

out, ranks, shape = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
step = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
dims = [int(d) for d in shape.split("x")]
count = int(np.prod(dims))
x = np.stack([base + step * np.arange(count) + 100 * r for r in range(ranks)])
np.save(out, x.astype(np.float32).reshape([ranks] + dims))
