#!/usr/bin/env python3
"""Simulated collective time and bus bandwidth on Trn2 topologies.

For all-reduce and all-gather of 1 MiB .. 256 MiB (bf16, in HBM) on a Trn2
chip (8 cores) and a Trn2 instance (128 cores), this writes one nc kernel
per case, runs it with `muir-sim --cores=N --timing-only`, and prints the
simulated time, the algorithm bandwidth (S / t) and the bus bandwidth
(NCCL's definition: S / t x 2 (N-1) / N for all-reduce, x (N-1) / N for
all-gather), against the bound: the bandwidth of the slowest link the
algorithm's rings use (a ring's bus bandwidth cannot exceed it). The gap
is the per-step latency (docs/scaleout.md: 1.3 us per step plus 2 us per
NeuronLink hop, assumptions stated there).

    python3 bench/collectives.py [--build build] [--json PATH]
"""
import argparse
import json
import os
import pathlib
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
MIB = 1 << 20
SIZES = [1 * MIB, 4 * MIB, 16 * MIB, 64 * MIB, 256 * MIB]
WIDTH = 4096  # bf16 elements per row: rows = S / 8 KiB
CASES = [  # target, cores, algorithm, slowest link (bytes/s) from the JSON
    ("trn2-chip", 8, "ring", "intra_chip_bytes_per_s"),
    ("trn2-instance", 128, "ring", "neuronlink_bytes_per_s"),
    ("trn2-instance", 128, "ring2d", "neuronlink_bytes_per_s"),
]


def kernel(target, op, algorithm, cores, size):
    rows = size // (2 * WIDTH)
    group = ", ".join(str(r) for r in range(cores))
    src_rows = rows if op == "all_reduce" else rows // cores
    ap = lambda t, r: f"#nc.ap<hbm @{t}[{r} x {WIDTH}] at 0 dims [{WIDTH}] strides [1] : bf16>"
    red = "add " if op == "all_reduce" else ""
    algo = "" if algorithm == "ring" else f" algorithm {algorithm}"
    return (f'nc.kernel @{op} target = "{target}" {{\n'
            f"  nc.tensor input @x : tensor<{src_rows}x{WIDTH}xbf16> at 0\n"
            f"  nc.tensor output @y : tensor<{rows}x{WIDTH}xbf16> at {src_rows * WIDTH * 2}\n"
            f"  nc.{op} {red}{ap('y', rows)}, {ap('x', src_rows)} "
            f"groups dense<[[{group}]]> : tensor<1x{cores}xi64>{algo}\n}}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("MUIR_BUILD_DIR", ROOT / "build"))
    ap.add_argument("--json", help="also write the rows as JSON")
    args = ap.parse_args()
    sim = pathlib.Path(args.build) / "bin" / "muir-sim"
    rows = []
    print(f"{'target':14} {'op':10} {'algo':6} {'cores':>5} {'size':>8} {'time':>11} "
          f"{'algbw':>10} {'busbw':>10} {'bound':>10} {'bus/bound':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for target, cores, algorithm, link in CASES:
            topo = json.load(open(ROOT / "targets" / f"{target}.json"))["topology"]
            bound = topo[link]
            for op in ("all_reduce", "all_gather"):
                for size in SIZES:
                    path = pathlib.Path(tmp) / "k.mlir"
                    path.write_text(kernel(target, op, algorithm, cores, size))
                    out = pathlib.Path(tmp) / "r.json"
                    subprocess.run([str(sim), str(path), f"--cores={cores}", "--timing-only",
                                    "--no-hazard-check", f"--report-json={out}"], check=True)
                    t = json.load(open(out))["seconds"]
                    factor = 2 * (cores - 1) / cores if op == "all_reduce" else (cores - 1) / cores
                    algbw, busbw = size / t, size / t * factor
                    rows.append(dict(target=target, op=op, algorithm=algorithm, cores=cores,
                                     bytes=size, seconds=t, algbw=algbw, busbw=busbw,
                                     bound=bound))
                    print(f"{target:14} {op:10} {algorithm:6} {cores:5} {size // MIB:5} MiB "
                          f"{t * 1e6:8.1f} us {algbw / 1e9:6.1f} GB/s {busbw / 1e9:6.1f} GB/s "
                          f"{bound / 1e9:6.1f} GB/s {busbw / bound:9.2f}", flush=True)
    if args.json:
        json.dump(rows, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
