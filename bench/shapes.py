#!/usr/bin/env python3
"""Shape pathologies: widths that are not multiples of 128 (and other odd
shapes) should cost about what the next aligned shape costs. Each row
compiles and simulates (timing only, trn2, hazard checker on) a program on
an odd shape and on the aligned shape just above it, and prints simulated
cycles and their ratio (odd / aligned; the goal is about 1 or below).

    python3 bench/shapes.py [--build build] [--target trn2]
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]


def ty(shape, dt="bf16"):
    return "tensor<" + "".join(f"{d}x" for d in shape) + dt + ">"


def add(shape):
    t = ty(shape)
    return f"""func.func @main(%a: {t}, %b: {t}) -> {t} {{
  %0 = xf.add %a, %b : ({t}, {t}) -> {t}
  return %0 : {t}
}}"""


def matmul(m, k, n):
    a, b, c = ty((m, k)), ty((k, n)), ty((m, n))
    return f"""func.func @main(%a: {a}, %b: {b}) -> {c} {{
  %0 = xf.matmul %a, %b : ({a}, {b}) -> {c}
  return %0 : {c}
}}"""


def softmax(shape):
    t = ty(shape)
    return f"""func.func @main(%a: {t}) -> {t} {{
  %0 = xf.softmax %a {{axis = -1 : i64}} : {t}
  return %0 : {t}
}}"""


def layer_norm(shape):
    t, w = ty(shape), ty((shape[-1],))
    return f"""func.func @main(%a: {t}, %w: {w}, %b: {w}) -> {t} {{
  %0 = xf.layer_norm %a, %w, %b : ({t}, {w}, {w}) -> {t}
  return %0 : {t}
}}"""


def transpose(shape):
    t, o = ty(shape), ty(shape[::-1])
    return f"""func.func @main(%a: {t}) -> {o} {{
  %0 = xf.transpose %a {{permutation = array<i64: 1, 0>}} : ({t}) -> {o}
  return %0 : {o}
}}"""


def attention(s, d):
    q = ty((1, 8, s, d))
    return f"""func.func @main(%q: {q}, %k: {q}, %v: {q}) -> {q} {{
  %0 = xf.attention %q, %k, %v {{causal = true}} : ({q}, {q}, {q}) -> {q}
  return %0 : {q}
}}"""


CASES = [
    ("add", add, (1001, 255), (1024, 256)),
    ("add", add, (3, 100003), (3, 100096)),
    ("matmul", matmul, (1000, 1000, 1000), (1024, 1024, 1024)),
    ("matmul", matmul, (129, 4095, 257), (256, 4096, 384)),
    ("softmax", softmax, (1000, 1000), (1024, 1024)),
    ("layer_norm", layer_norm, (2047, 1023), (2048, 1024)),
    ("transpose", transpose, (1001, 1003), (1024, 1024)),
    ("attention", attention, (1000, 100), (1024, 128)),
]


def cycles(build, target, text):
    with tempfile.TemporaryDirectory() as d:
        p = pathlib.Path(d) / "p.mlir"
        p.write_text(text)
        r = subprocess.run([str(build / "bin" / "muir-run"), str(p), "--backend=sim", "--timing-only",
                            f"--target={target}"], capture_output=True, text=True)
        m = re.search(r"cycles=([0-9.]+)", r.stdout + r.stderr)
        if r.returncode != 0 or not m:
            sys.exit(f"failed: {(r.stdout + r.stderr).strip().splitlines()[-1:]}")
        return float(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", type=pathlib.Path,
                    default=pathlib.Path(os.environ.get("MUIR_BUILD_DIR", ROOT / "build")))
    ap.add_argument("--target", default="trn2")
    args = ap.parse_args()
    print(f"{'case':12} {'odd shape':>22} {'cycles':>12} {'aligned shape':>22} {'cycles':>12} {'ratio':>6}")
    worst = 0.0
    for name, fn, odd, aligned in CASES:
        a, b = cycles(args.build, args.target, fn(*odd) if name in ("matmul", "attention") else fn(odd)), \
            cycles(args.build, args.target, fn(*aligned) if name in ("matmul", "attention") else fn(aligned))
        worst = max(worst, a / b)
        print(f"{name:12} {str(odd):>22} {a:12.0f} {str(aligned):>22} {b:12.0f} {a / b:6.2f}")
    print(f"worst odd/aligned ratio: {worst:.2f}")


if __name__ == "__main__":
    main()
