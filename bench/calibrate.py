#!/usr/bin/env python3
"""Calibration of muir's timing model against a published hardware figure.

The NKI matrix-multiplication tutorial runs [4096, 8192] x [8192, 8192] bf16
on one Trn1 NeuronCore (NeuronCore-v2); its best kernel reaches 85.24% of the
core's 92 TFLOPS peak in 6.97 ms (NKI docs, general/nki/tutorials/
matrix_multiplication, "Optimization 3"). This script compiles the same GEMM
(lhsT [K, M] as the tutorial's kernel takes it) with muir for targets/trn1.json (and trn2 for reference), simulates it in
timing-only mode, and prints muir's figure beside the published one.

    python3 bench/calibrate.py [--build build] [--json bench/calibration.json]
"""
import argparse
import importlib.util
import json
import os
import pathlib
import re
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("muir_models", ROOT / "python" / "muir" / "models.py")
models = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(models)

M, K, N = 4096, 8192, 8192
PUBLISHED = dict(target="trn1", seconds=6.97e-3, fraction_of_peak=0.8524,
                 source="NKI matmul tutorial, Optimization 3 (Trn1, one NeuronCore)")


def tutorial_gemm():
    """The tutorial's kernel takes the left operand already transposed (lhsT,
    [K, M]), as the stationary operand is loaded: so does this program."""
    b = models._Builder("bf16")
    lhs_t, rhs = b.arg("lhsT", (K, M)), b.arg("rhs", (K, N))
    ty = models.ty
    out = b.op(f"xf.matmul {lhs_t[0]}, {rhs[0]} {{transpose_lhs = true}} : "
               f"({ty(lhs_t[1], 'bf16')}, {ty(rhs[1], 'bf16')}) -> {ty((M, N), 'bf16')}", (M, N), "bf16")
    return b.text([out])


def simulate(build, target):
    m = json.loads((ROOT / "targets" / f"{target}.json").read_text())
    with tempfile.TemporaryDirectory() as d:
        src = pathlib.Path(d) / "gemm.mlir"
        src.write_text(tutorial_gemm())
        rep = pathlib.Path(d) / "report.json"
        proc = subprocess.run([str(build / "bin" / "muir-run"), str(src), "--backend=sim", "--timing-only",
                               f"--target={target}", f"--report-json={rep}"], capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"muir-run failed on {target}: {proc.stderr.strip()}")
        r = json.loads(rep.read_text())
    peak = m["pe"]["rows"] * m["pe"]["cols"] * 2 * m["pe"]["clock_hz"]
    compile_s = float(re.search(r"compile=([0-9.]+) s", proc.stdout).group(1))
    return dict(target=target, seconds=r["seconds"], fraction_of_peak=2 * M * K * N / r["seconds"] / peak,
                pe_utilization=r["pe_utilization"], busy_pe=r["busy"]["pe"],
                hbm_bytes=r["hbm_bytes_read"] + r["hbm_bytes_written"], instructions=r["instructions"],
                compile_seconds=compile_s, peak_tflops=peak / 1e12)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("MUIR_BUILD_DIR", str(ROOT / "build")))
    ap.add_argument("--json", default=str(ROOT / "bench" / "calibration.json"))
    args = ap.parse_args()
    build = pathlib.Path(args.build)
    rows = [simulate(build, "trn1"), simulate(build, "trn2")]
    print(f"GEMM [{M}, {K}] x [{K}, {N}] bf16, one NeuronCore, muir timing-only simulation")
    print(f"{'':34} {'time':>9} {'of peak':>8} {'peak':>10}")
    pub = PUBLISHED
    print(f"{'published (' + pub['target'] + ', NKI tutorial)':34} {pub['seconds']*1e3:7.2f}ms "
          f"{pub['fraction_of_peak']*100:7.1f}% {'92 TF/s':>10}")
    for r in rows:
        print(f"{'muir ' + r['target']:34} {r['seconds']*1e3:7.2f}ms {r['fraction_of_peak']*100:7.1f}% "
              f"{r['peak_tflops']:7.1f} TF/s   (PE busy {r['busy_pe']*100:.1f}%, HBM {r['hbm_bytes']/1e6:.0f} MB, "
              f"{r['instructions']} instructions, compile {r['compile_seconds']:.2f} s)")
    t1 = rows[0]
    print(f"muir trn1 vs published: {t1['seconds'] / pub['seconds']:.3f}x the time "
          f"({(t1['fraction_of_peak'] - pub['fraction_of_peak']) * 100:+.1f} points of peak)")
    pathlib.Path(args.json).write_text(json.dumps(dict(published=pub, muir=rows), indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
