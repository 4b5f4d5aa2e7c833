#!/usr/bin/env python3
"""Full-size end-to-end checks on the trn2 descriptions (one core, or sharded
over the cores of trn2-chip / trn2-instance): each case is compiled,
simulated with the hazard checker on, and compared with the reference backend
(`muir-run --check`, per-dtype tolerances of docs/numerics.md). CI runs the
same cases at small sizes on both targets (test/python/test_e2e_sim.py).

    python3 bench/check_full_size.py [--cases a,b] [--build build]
"""
import argparse
import importlib.util
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("muir_models", ROOT / "python" / "muir" / "models.py")
models = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(models)

CASES = {
    "matmul_bf16_1024": lambda: models.matmul(1024, 1024, 1024, "bf16"),
    "matmul_odd_f32": lambda: models.matmul(1000, 777, 513, "f32"),
    "mlp_swiglu_bf16": lambda: models.mlp_swiglu(512, 1024, 2816, "bf16"),
    "attention_causal_2048_bf16": lambda: models.attention(1, 8, 8, 2048, 2048, 128, True, "bf16"),
    "attention_gqa_1024_f32": lambda: models.attention(1, 8, 2, 1024, 1024, 64, True, "f32"),
    "gpt2_block_1024_f32": lambda: models.gpt2_block(1024, 768, 12, 3072, "f32"),
    "llama_block_512_bf16": lambda: models.llama_block(512, 2048, 16, 8, 5632, "bf16"),
    "llama_decode_2048_bf16": lambda: models.llama_decode_block(2048, 2048, 16, 8, 5632, "bf16"),
    # Sharded (muir-xf-shard, every rank simulated; --check compares rank 0's
    # result, identical on every rank, or the assembled split result, with the
    # reference run of the unsharded block): one chip's 8 cores (one mesh
    # axis), and 2 chips of a Trn2 instance (16 cores: context parallelism,
    # 2 blocks x 8), with the output gathered and left split.
    "llama_block_1024_bf16_chip8": lambda: models.llama_block(1024, 2048, 16, 8, 5632, "bf16"),
    "llama_block_1024_bf16_instance16": lambda: models.llama_block(1024, 2048, 16, 8, 5632, "bf16"),
    "llama_block_1024_bf16_instance16_split": lambda: (
        "module attributes {xf.split_results} {\n"
        + models.llama_block(1024, 2048, 16, 8, 5632, "bf16") + "}\n"),
    "gpt2_block_1024_f32_instance16": lambda: models.gpt2_block(1024, 1024, 16, 4096, "f32"),
    # Pipeline parallelism: 4 stacked layers as 2 stages of 4 cores on one
    # chip, 3 microbatches (the activation argument is [3, 512, 2048]).
    "llama_stack4_512_bf16_pp2_chip8": lambda: (
        "module attributes {xf.pipeline_stages = 2 : i64, xf.microbatches = 3 : i64} {\n"
        + models.llama_stack(4, 512, 2048, 16, 8, 5632, "bf16") + "}\n"),
}
# Target and cores of the sharded cases (default: trn2, one core).
MESH = {
    "llama_block_1024_bf16_chip8": ("trn2-chip", 8),
    "llama_block_1024_bf16_instance16": ("trn2-instance", 16),
    "llama_block_1024_bf16_instance16_split": ("trn2-instance", 16),
    "gpt2_block_1024_f32_instance16": ("trn2-instance", 16),
    "llama_stack4_512_bf16_pp2_chip8": ("trn2-chip", 8),
}
# Pipelined cases: microbatches stacked on the activation argument `x`.
MICROBATCHES = {"llama_stack4_512_bf16_pp2_chip8": 3}


def realistic_inputs(text, directory, seed=0, microbatches=0):
    """Inputs scaled like a trained model's (weights ~ N(0, 1/fan_in), norm
    gains near 1, real rotary tables): with uniform [-1, 1) weights a
    2048-wide block's activations reach 1e4 and its softmaxes saturate, so a
    one-ulp difference in a sum order is amplified far past any tolerance.
    Stacked layers' weights (`l<i>_` prefixes) are drawn alike; with
    `microbatches`, the activation `x` gets that leading dimension."""
    import re
    import numpy as np
    import ml_dtypes
    rng = np.random.default_rng(seed)
    sig = text[text.index("@main(") + 6:text.index(") ->", text.index("@main("))]
    paths = []
    for name, dims, dt in re.findall(r"%(\w+): tensor<([0-9x]*)x(\w+)>", sig):
        shape = tuple(int(d) for d in dims.split("x")) if dims else ()
        name = re.sub(r"^l[0-9]+_", "", name)
        if name == "x" and microbatches:
            shape = (microbatches,) + shape
        if name.startswith("w") or (name.startswith("b") and len(shape) == 2):
            a = rng.normal(0, 1 / np.sqrt(shape[0]), shape)
        elif "norm" in name or name.endswith("_w"):
            a = 1 + 0.1 * rng.normal(size=shape)
        elif name.startswith("b") or name.endswith("_b"):
            a = 0.1 * rng.normal(size=shape)
        elif name in ("cos", "sin"):
            s_len, hd = shape
            inv = 1.0 / (10000 ** (np.arange(0, hd, 2) / hd))
            ang = np.arange(s_len)[:, None] * inv[None, :]
            ang = np.concatenate([ang, ang], axis=-1)
            a = np.cos(ang) if name == "cos" else np.sin(ang)
        else:
            a = rng.normal(size=shape)
        path = pathlib.Path(directory) / f"{len(paths)}_{name}.npy"
        np.save(path, a.astype(np.float32))
        paths.append(path)
    return paths


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--build", default=os.environ.get("MUIR_BUILD_DIR", str(ROOT / "build")))
    args = ap.parse_args()
    failed = 0
    for name in args.cases.split(","):
        with tempfile.TemporaryDirectory() as d:
            src = pathlib.Path(d) / f"{name}.mlir"
            src.write_text(CASES[name]())
            inputs = realistic_inputs(src.read_text(), d, microbatches=MICROBATCHES.get(name, 0))
            t0 = time.time()
            target, cores = MESH.get(name, ("trn2", 1))
            mesh = [f"--cores={cores}"] if cores > 1 else []
            proc = subprocess.run([str(pathlib.Path(args.build) / "bin" / "muir-run"), str(src), "--backend=sim",
                                   f"--target={target}", *mesh, "--check", *[f"--input={p}" for p in inputs]],
                                  capture_output=True, text=True)
            checks = [l for l in proc.stdout.splitlines() if l.startswith("check #")]
            ok = proc.returncode == 0 and checks and all(l.endswith("OK") for l in checks)
            failed += not ok
            sim = next((l for l in proc.stdout.splitlines() if l.startswith("sim:")), proc.stderr.strip()[-300:])
            print(f"{'PASS' if ok else 'FAIL'} {name} ({time.time() - t0:.1f} s): {sim}")
            for l in checks:
                print(f"    {l}")
    print(f"{len(args.cases.split(',')) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
