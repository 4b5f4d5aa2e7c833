#!/usr/bin/env python3
"""Simulates a gen_matmul.py kernel on random bf16 inputs and compares the
result with NumPy (float64 reference) within bf16 tolerance. Prints one
summary line per check; exits 1 on a mismatch."""
import argparse
import json
import pathlib
import re
import subprocess
import sys

import numpy as np


def to_bf16_values(x):
    """Rounds float32 values to the nearest bfloat16 (ties to even), as float32."""
    b = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    b = (b + 0x7FFF + ((b >> 16) & 1)) >> 16 << 16
    return b.astype(np.uint32).view(np.float32)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sim", required=True)
    p.add_argument("--kernel", required=True)
    p.add_argument("--tmp", required=True)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    tmp = pathlib.Path(a.tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    text = pathlib.Path(a.kernel).read_text()
    shapes = {m.group(1): tuple(int(d) for d in m.group(2).split("x")[:-1])
              for m in re.finditer(r"nc\.tensor \w+ @(\w+) : tensor<([0-9x]+\w+)>", text)}
    out_bf16 = "xbf16>" in re.search(r"@c : (tensor<[^>]*>)", text).group(1) + ">"
    rng = np.random.default_rng(a.seed)
    at = to_bf16_values(rng.uniform(-1, 1, shapes["at"]).astype(np.float32))
    b = to_bf16_values(rng.uniform(-1, 1, shapes["b"]).astype(np.float32))
    np.save(tmp / "at.npy", at)
    np.save(tmp / "b.npy", b)
    cmd = [a.sim, a.kernel, f"--input=at={tmp / 'at.npy'}", f"--input=b={tmp / 'b.npy'}",
           f"--output=c={tmp / 'c.npy'}", f"--report-json={tmp / 'report.json'}",
           f"--trace={tmp / 'trace.json'}"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print("muir-sim failed:", r.stderr)
        return 1
    c = np.load(tmp / "c.npy")
    ref = at.astype(np.float64).T @ b.astype(np.float64)
    err = np.abs(c - ref)
    # fp32 accumulation is far below bf16's 2^-8 relative rounding of the result.
    tol = (2.0 ** -8 if out_bf16 else 1e-5) * np.abs(ref) + 1e-3
    bad = int(np.count_nonzero(err > tol))
    print(f"shape {c.shape} max_abs_err {err.max():.3g} mismatches {bad}")
    rep = json.loads((tmp / "report.json").read_text())
    print(f"cycles {rep['cycles']:.0f} pe_utilization {rep['pe_utilization']:.3f}")
    trace = json.loads((tmp / "trace.json").read_text())
    names = sorted({e["args"]["name"] for e in trace["traceEvents"]
                    if e.get("ph") == "M" and e["name"] == "thread_name"})
    events = [e for e in trace["traceEvents"] if e.get("ph") == "X"]
    ok_events = all(e["dur"] >= 0 and "index" in e["args"] for e in events)
    print(f"trace queues {' '.join(names)}")
    print(f"trace events {len(events)} well-formed {ok_events}")
    print("PASS" if bad == 0 and ok_events else "FAIL")
    return 0 if bad == 0 and ok_events else 1


if __name__ == "__main__":
    sys.exit(main())
