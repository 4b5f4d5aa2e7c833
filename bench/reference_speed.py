#!/usr/bin/env python3
"""The reference backend's speed beside PyTorch eager and onnxruntime, one thread.

A pre-LN GPT-2 block (causal attention, tanh-GELU MLP) in f32 is built once
in torch with seeded weights; the same module runs in PyTorch eager, in
onnxruntime (exported with torch.onnx.export) and in muir's reference
backend (captured with muir.torch.compile, so the weights are constants of
the executable as they are initializers of the ONNX model). A second muir
row runs `muir.models.gpt2_block`, whose weights are arguments, with the
same weights. Every engine gets the same input; each figure is the median
of --reps timed runs after one warm-up run, and the outputs are checked
against PyTorch's.

    python3 bench/reference_speed.py [--sizes 128x256,512x1024] [--reps 7]
        [--build build] [--clock wall|cpu] [--no-breakdown] [--json out.json]

--breakdown (the default) also prints where each engine's time goes by op
kind: muir's from MUIR_REFERENCE_PROFILE (see docs/reference.md), torch's
from torch.profiler, onnxruntime's from its own profiler. The categories
map each engine's kernels approximately (torch's addmm and onnxruntime's
Gemm include the bias add that muir counts under "add").

onnxruntime and onnx are optional (`pip install onnxruntime onnx`); without
them their column is skipped with a message.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import statistics
import sys
import tempfile
import time
import warnings

ROOT = pathlib.Path(__file__).resolve().parents[1]

HEAD_DIM = 64


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="128x256,512x1024",
                   help="comma-separated SEQxWIDTH blocks (heads = WIDTH/64, MLP = 4*WIDTH)")
    p.add_argument("--reps", type=int, default=7, help="timed runs per engine (median reported)")
    p.add_argument("--build", default=os.environ.get("MUIR_BUILD_DIR", str(ROOT / "build")))
    p.add_argument("--no-breakdown", dest="breakdown", action="store_false",
                   help="skip the per-op breakdown")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="wall time, or the process's CPU time (steadier on a shared machine)")
    p.add_argument("--json", help="also write the figures to this file")
    return p.parse_args()


def make_block(torch, d, heads, f):
    nn, F = torch.nn, torch.nn.functional

    class GPT2Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
            self.qkv, self.o = nn.Linear(d, 3 * d), nn.Linear(d, d)
            self.fc, self.proj = nn.Linear(d, f), nn.Linear(f, d)

        def forward(self, x):
            s = x.shape[0]
            q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)
            q, k, v = (t.reshape(1, s, heads, d // heads).transpose(1, 2) for t in (q, k, v))
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.o(a.transpose(1, 2).reshape(s, d))
            return x + self.proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))

    torch.manual_seed(0)
    m = GPT2Block().eval()
    with torch.no_grad():
        # A trained model's scales (N(0, 1/fan_in) weights, gains near 1):
        # uniform weights saturate the softmax at width 1024.
        for lin in (m.qkv, m.o, m.fc, m.proj):
            lin.weight.normal_(0, 1 / math.sqrt(lin.in_features))
            lin.bias.normal_(0, 0.02)
        for ln in (m.ln1, m.ln2):
            ln.weight.normal_(1, 0.1)
            ln.bias.normal_(0, 0.02)
    return m


def block_args(m):
    """The weights in muir.models.gpt2_block's argument order ([in, out] matrices)."""
    w = lambda t: t.detach().numpy().copy()  # noqa: E731
    return [w(m.ln1.weight), w(m.ln1.bias), w(m.qkv.weight.T), w(m.qkv.bias), w(m.o.weight.T),
            w(m.o.bias), w(m.ln2.weight), w(m.ln2.bias), w(m.fc.weight.T), w(m.fc.bias),
            w(m.proj.weight.T), w(m.proj.bias)]


CLOCK = time.perf_counter


def median_ms(fn, reps):
    fn()  # warm-up: first-touch allocations, lazy initialisation
    times = []
    for _ in range(reps):
        t0 = CLOCK()
        fn()
        times.append((CLOCK() - t0) * 1e3)
    return statistics.median(times)


def check(name, got, want):
    import numpy as np
    err = float(np.max(np.abs(np.asarray(got, np.float64) - want)))
    scale = float(np.max(np.abs(want)))
    if not err <= 1e-3 * scale:
        raise SystemExit(f"{name}: max |difference| from PyTorch {err:g} (output scale {scale:g})")
    return err


# -- per-op breakdowns --------------------------------------------------------------------

def category(name):
    n = name.lower()
    for key, words in (("attention", ("attention", "sdpa", "softmax")),
                       ("matmul", ("matmul", "linear", "addmm", "gemm", "mm")),
                       ("gelu", ("gelu", "tanh", "pow")),
                       ("layer_norm", ("layer_norm", "layernorm")),
                       ("add", ("add",)),
                       ("constant", ("constant",))):
        if any(w in n for w in words):
            return key
    return "other"


def muir_breakdown(run, reps):
    """Per op kind, from the reference backend's own profile (ms per run)."""
    with tempfile.NamedTemporaryFile(suffix=".tsv") as f:
        os.environ["MUIR_REFERENCE_PROFILE"] = f.name
        try:
            for _ in range(reps):
                run()
        finally:
            del os.environ["MUIR_REFERENCE_PROFILE"]
        totals = {}
        for line in pathlib.Path(f.name).read_text().splitlines():
            op, seconds = line.split("\t")
            cat = category(op.removeprefix("xf."))
            totals[cat] = totals.get(cat, 0.0) + float(seconds) * 1e3 / reps
    return totals


def torch_breakdown(torch, m, x, reps):
    from torch.profiler import ProfilerActivity, profile
    with torch.inference_mode(), profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(reps):
            m(x)
    totals = {}
    # Top-level aten ops only (self time of their whole subtree = total time).
    for e in prof.events():
        if e.cpu_parent is None and e.name.startswith("aten::"):
            cat = category(e.name.removeprefix("aten::"))
            totals[cat] = totals.get(cat, 0.0) + e.cpu_time_total / 1e3 / reps
    return totals


def ort_breakdown(ort, path, x, reps):
    so = ort_options(ort)
    so.enable_profiling = True
    with tempfile.TemporaryDirectory() as d:
        so.profile_file_prefix = os.path.join(d, "ort")
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        name = sess.get_inputs()[0].name
        for _ in range(reps + 1):
            sess.run(None, {name: x})
        events = json.loads(pathlib.Path(sess.end_profiling()).read_text())
    totals = {}
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            cat = category(e["args"].get("op_name", e["name"]))
            totals[cat] = totals.get(cat, 0.0) + e["dur"] / 1e3 / (reps + 1)
    return totals


def ort_options(ort):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return so


# -- one block size -----------------------------------------------------------------------

def bench_size(s, d, reps, breakdown, muir, models, torch, ort):
    import numpy as np
    heads, f = d // HEAD_DIM, 4 * d
    m = make_block(torch, d, heads, f)
    x = np.random.default_rng(1).standard_normal((s, d)).astype(np.float32)
    xt = torch.from_numpy(x)
    with torch.inference_mode():
        want = m(xt).numpy().astype(np.float64)
    row = {"block": f"s{s} d{d}", "heads": heads, "mlp": f}
    runs = {}

    with torch.inference_mode():
        row["torch_ms"] = median_ms(lambda: m(xt), reps)
    runs["torch"] = None

    t0 = time.perf_counter()
    exe = muir.torch.compile(m, (xt,))
    row["muir_compile_s"] = time.perf_counter() - t0
    run_const = lambda: exe.run(x, backend="reference")  # noqa: E731
    row["muir_err"] = check("muir (weights as constants)", run_const()[0], want)
    row["muir_ms"] = median_ms(run_const, reps)

    exe_args = muir.compile(models.gpt2_block(s, d, heads, f))
    args = [x] + block_args(m)
    run_args = lambda: exe_args.run(*args, backend="reference")  # noqa: E731
    check("muir (weights as arguments)", run_args()[0], want)
    row["muir_args_ms"] = median_ms(run_args, reps)

    onnx_path = None
    if ort is not None:
        tmp = tempfile.TemporaryDirectory()
        onnx_path = os.path.join(tmp.name, "block.onnx")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # The TorchScript exporter: the dynamo one needs onnxscript.
            torch.onnx.export(m, (xt,), onnx_path, dynamo=False, opset_version=17,
                              input_names=["x"], output_names=["y"])
        sess = ort.InferenceSession(onnx_path, ort_options(ort), providers=["CPUExecutionProvider"])
        run_ort = lambda: sess.run(None, {"x": x})  # noqa: E731
        check("onnxruntime", run_ort()[0], want)
        row["ort_ms"] = median_ms(run_ort, reps)

    if breakdown:
        row["breakdown"] = {"muir": muir_breakdown(run_const, reps),
                            "torch": torch_breakdown(torch, m, xt, reps)}
        if onnx_path:
            row["breakdown"]["onnxruntime"] = ort_breakdown(ort, onnx_path, x, reps)
    return row


def print_row(r):
    ort_ms = r.get("ort_ms")
    cols = [f"{r['block']:>12}", f"{r['muir_ms']:9.1f}", f"{r['muir_args_ms']:9.1f}",
            f"{r['torch_ms']:9.1f}", f"{ort_ms:9.1f}" if ort_ms else f"{'-':>9}",
            f"{r['muir_ms'] / r['torch_ms']:8.2f}",
            f"{r['muir_ms'] / ort_ms:8.2f}" if ort_ms else f"{'-':>8}",
            f"{ort_ms / r['muir_ms']:9.2f}" if ort_ms else f"{'-':>9}"]
    print(" ".join(cols))


def print_breakdown(r):
    bd = r["breakdown"]
    if not bd["muir"]:
        print(f"\n{r['block']}: this build's reference backend has no MUIR_REFERENCE_PROFILE; "
              "per-op table skipped")
        return
    engines = list(bd)
    cats = sorted({c for e in engines for c in bd[e]}, key=lambda c: -bd["muir"].get(c, 0))
    print(f"\n{r['block']}: ms per run by op kind")
    print(f"{'':>12} " + " ".join(f"{e:>12}" for e in engines))
    for c in cats:
        print(f"{c:>12} " + " ".join(f"{bd[e].get(c, 0.0):12.1f}" for e in engines))
    print(f"{'total':>12} " + " ".join(f"{sum(bd[e].values()):12.1f}" for e in engines))


def main():
    a = parse_args()
    # One thread everywhere: also OpenMP's, for a reference built with it.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.path.insert(0, str(pathlib.Path(a.build) / "python_packages"))
    import muir
    import muir.models as models
    import torch
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    try:
        import onnx  # noqa: F401 - torch.onnx.export needs it
        import onnxruntime as ort
        ort.set_default_logger_severity(3)
    except ImportError as e:
        print(f"onnxruntime column skipped ({e.name} is not installed: pip install onnxruntime onnx)")
        ort = None

    global CLOCK
    CLOCK = time.process_time if a.clock == "cpu" else time.perf_counter
    sizes = [tuple(int(v) for v in s.split("x")) for s in a.sizes.split(",")]
    print(f"GPT-2 block, f32, one thread, median {a.clock} time of {a.reps} runs (ms); "
          f"muir = reference backend, weights as constants (as onnxruntime's initializers)"
          f"; muir args = weights passed as arguments")
    print(f"{'block':>12} {'muir':>9} {'muir args':>9} {'torch':>9} {'ort':>9} "
          f"{'÷torch':>8} {'÷ort':>8} {'ort/muir':>9}")
    rows = []
    for s, d in sizes:
        r = bench_size(s, d, a.reps, a.breakdown, muir, models, torch, ort)
        print_row(r)
        rows.append(r)
    for r in rows:
        if "breakdown" in r:
            print_breakdown(r)
    print("\nort/muir is muir's throughput as a fraction of onnxruntime's (issue 11 asks >= 0.5 "
          "at s512 d1024).")
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
