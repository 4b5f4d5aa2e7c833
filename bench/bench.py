#!/usr/bin/env python3
"""muir benchmarks: compile and simulate the issue's cases on a target, print a
table and write JSON. Figures: simulated time, the machine model's roofline
(max of FLOPs / peak and minimum HBM bytes / bandwidth), their ratio, PE
utilisation, HBM bytes against the minimum, and compile time.

    python3 bench/bench.py [--target trn2] [--cases matmul,attention,...,scaleout]
                           [--json bench/results.json] [--no-hazards] [--no-scaling]

The compile-scaling rows compile 1 and 8 stacked Llama-7B blocks at s2048
and s4096: compile CPU seconds, peak memory, binary bytes.

`--cases scaleout` (alone: writes bench/scaleout.json) shards Llama-7B
(prefill and decode, trn2-chip, 8 cores) and a Llama-70B layer
(trn2-instance, 64 cores) with muir-xf-shard and reports cores, layers,
simulated time, tokens/s, collective share and scaling efficiency against
the same layer compiled for one core (x the layer count, x the sequences);
its pipeline rows run 8 sequences of s512 through the 32-layer model in
2 or 4 stages. `--scaleout-rows TEXT` runs only the rows whose name
contains TEXT and, without --json, replaces them in bench/scaleout.json.

The simulator runs in timing-only mode (--timing-only: the same timing model
and schedule, no arithmetic; numerics are checked by the e2e tests and
bench/check_full_size.py) with the hazard checker on. The roofline uses the
machine's peak HBM bandwidth, so the model's HBM efficiency shows in the
ratio. The timing model's documented assumptions (docs/simulator.md: PE
issue cost, compute semaphore latency, DMA size-efficiency points, HBM
efficiency) are printed with the figures.
"""
import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
import importlib.util  # noqa: E402

# The graph builders are pure Python: load them without the native package.
_spec = importlib.util.spec_from_file_location("muir_models", ROOT / "python" / "muir" / "models.py")
models = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(models)

BYTES = {"f32": 4, "bf16": 2, "f16": 2, "f8E4M3FN": 1, "f8E5M2": 1}


def nbytes(shape, dt):
    n = 1
    for d in shape:
        n *= d
    return n * BYTES[dt]


def case_matmul(n=4096, dt="bf16"):
    flops = 2 * n * n * n
    min_bytes = 3 * nbytes((n, n), dt)
    return dict(name=f"matmul {n}x{n}x{n} {dt}", text=models.matmul(n, n, n, dt), flops=flops,
                min_bytes=min_bytes, dtype=dt,
                goal="PE utilisation >= 93%", check=lambda r: r["pe_utilization"] >= 0.93)


def case_attention(s=2048, h=32, hd=128, dt="bf16"):
    # Causal: half the score matrix is computed (QK^T and PV each 2*S*S*hd/2 per head).
    flops = h * 2 * (2 * s * s * hd) // 2
    qkvo = 4 * nbytes((1, h, s, hd), dt)
    return dict(name=f"attention causal s={s} h={h} d={hd} {dt}",
                text=models.attention(1, h, h, s, s, hd, True, dt), flops=flops, min_bytes=qkvo, dtype=dt,
                goal="time <= 1.5x roofline, HBM <= 1.1x (Q+K+V+O)",
                check=lambda r: r["time_vs_roofline"] <= 1.5 and r["hbm_vs_min"] <= 1.1)


def llama_weights(d, kv_heads, hd, f, dt):
    return (2 * nbytes((d, d), dt) + 2 * nbytes((d, kv_heads * hd), dt) + 3 * nbytes((d, f), dt)
            + 2 * nbytes((d,), dt))


def case_llama_block(s=2048, d=4096, heads=32, kv=32, f=11008, dt="bf16"):
    hd = d // heads
    w = llama_weights(d, kv, hd, f, dt)
    flops = 2 * s * (2 * d * d + 2 * d * kv * hd + 3 * d * f) + heads * 2 * s * s * hd
    io = 2 * nbytes((s, d), dt) + 2 * nbytes((s, hd), dt)
    return dict(name=f"llama-7B block prefill s={s} {dt}", text=models.llama_block(s, d, heads, kv, f, dt),
                flops=flops, min_bytes=w + io, dtype=dt,
                goal=">= 85% of PE peak, HBM <= 1.5x (weights + in + out)",
                check=lambda r: r["pe_utilization"] >= 0.85 and r["hbm_vs_min"] <= 1.5)


def case_llama_decode(ctx=2048, d=4096, heads=32, kv=32, f=11008, dt="bf16"):
    hd = d // heads
    w = llama_weights(d, kv, hd, f, dt)
    cache = 2 * nbytes((1, kv, ctx, hd), dt)
    flops = 2 * (2 * d * d + 2 * d * kv * hd + 3 * d * f) + heads * 4 * (ctx + 1) * hd
    return dict(name=f"llama-7B block decode ctx={ctx} {dt}",
                text=models.llama_decode_block(ctx, d, heads, kv, f, dt), flops=flops,
                min_bytes=w + cache + 2 * nbytes((1, d), dt), dtype=dt,
                goal="time <= 1.1x HBM-bandwidth bound", check=lambda r: r["time_vs_roofline"] <= 1.1)


def case_gpt2_block(s=1024, d=1024, heads=16, f=4096, dt="bf16"):
    # GPT-2 medium's block: biased projections (their bias, GELU and residual
    # adds are matmul epilogues), causal attention.
    hd = d // heads
    w = (nbytes((d, 3 * d), dt) + nbytes((d, d), dt) + 2 * nbytes((d, f), dt)
         + nbytes((3 * d + d + f + d + 4 * d,), dt))
    flops = 2 * s * (4 * d * d + 2 * d * f) + heads * 2 * s * s * hd
    return dict(name=f"gpt2-medium block s={s} {dt}", text=models.gpt2_block(s, d, heads, f, dt),
                flops=flops, min_bytes=w + 2 * nbytes((s, d), dt), dtype=dt,
                goal="HBM <= 1.5x (weights + in + out)", check=lambda r: r["hbm_vs_min"] <= 1.5)


def compile_scaling(build, target, layers, s, d=4096, heads=32, kv=32, f=11008, dt="bf16", repeats=3,
                    tile_loops=False):
    """Compiles `layers` stacked Llama-7B blocks (prefill, sequence `s`) and
    measures compile CPU seconds and peak memory (muir-opt --muir-compile) and
    the binary's bytes (muir-translate --nc-to-bin). The compile runs
    `repeats` times: the CPU seconds are the median (this machine's timings
    vary by about 15% from run to run), the peak memory the largest.
    `tile_loops`: --muir-compile's tile-loops=true (loops before scheduling)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp) / "stack.mlir"
        src.write_text(models.llama_stack(layers, s, d, heads, kv, f, dt))
        nc, binf = pathlib.Path(tmp) / "stack.nc.mlir", pathlib.Path(tmp) / "stack.bin"
        cpus, peaks = [], []
        for _ in range(max(1, repeats)):
            t0 = os.times()
            proc = subprocess.run(["/usr/bin/time", "-f", "%M", str(build / "bin" / "muir-opt"), str(src),
                                   f"--muir-compile=target={target}" + (" tile-loops=true" if tile_loops else ""),
                                   "-o", str(nc)], capture_output=True, text=True)
            t1 = os.times()
            if proc.returncode != 0:
                return dict(name=f"compile {layers} x block s={s}", error=proc.stderr.strip().splitlines()[-1])
            peaks.append(int(proc.stderr.strip().splitlines()[-1]))
            cpus.append((t1.children_user - t0.children_user) + (t1.children_system - t0.children_system))
        tr = subprocess.run([str(build / "bin" / "muir-translate"), "--nc-to-bin", str(nc), "-o", str(binf)],
                            capture_output=True, text=True)
        size = binf.stat().st_size if tr.returncode == 0 else None
    cpu = sorted(cpus)[len(cpus) // 2]
    return dict(name=f"compile {layers} x llama-7B block s={s} {dt}", layers=layers, seq=s, compile_cpu_seconds=cpu,
                compile_cpu_seconds_runs=cpus, peak_memory_mb=max(peaks) / 1024, binary_bytes=size)


SCALING = [(1, 2048), (8, 2048), (1, 4096), (8, 4096)]

CASES = {
    "matmul": case_matmul,
    "attention": case_attention,
    "llama_block": case_llama_block,
    "llama_decode": case_llama_decode,
    "gpt2_block": case_gpt2_block,
}


# --- scale-out (bench.py --cases scaleout) ----------------------------------
# Rows: a model sharded by muir-xf-shard over N cores (muir-run --cores=N,
# timing only) against the single-core equivalent: the same layer compiled
# for one core of the same machine description, times the number of layers
# (the layers are identical, so one layer x L is the sum of the layers).
# scaling_efficiency = single-core-equivalent time / (cores x multi-core time).
SCALEOUT = [
    # name, builder, target, cores, layers, tokens per run, note[, one layer's
    # builder: the row simulates the whole program `builder` gives, its
    # single-core equivalent is that layer x layers (None: one layer of
    # `builder`)[, sequences: the run is that many sequences, each through
    # every layer (a pipeline's microbatches)]]
    # Tensor parallelism alone (xf.sequence_parallel = false).
    ("Llama-7B prefill s2048 bf16, 32 layers, TP only",
     lambda: _tensor_parallel(models.llama_stack(32, 2048, 4096, 32, 32, 11008, "bf16")),
     "trn2-chip", 8, 32, 2048, "", lambda: models.llama_block(2048, 4096, 32, 32, 11008, "bf16")),
    ("Llama-7B decode KV 2048 bf16, 32 layers", lambda: models.llama_decode_block(2048, 4096, 32, 32, 11008, "bf16"),
     "trn2-chip", 8, 32, 1, ""),
    ("Llama-70B layer prefill s2048 bf16, TP only",
     lambda: _module(models.llama_block(2048, 8192, 64, 8, 28672, "bf16"),
                     "xf.sequence_parallel = false", "xf.context_parallel = 1 : i64"),
     "trn2-instance", 64, 1, 2048, ""),
    # muir-xf-shard's default: sequence parallelism (in two row groups where
    # each rank's rows of a group fill a PE row tile). A decode step's one
    # row is not split: the decode row above is tensor parallel either way.
    ("Llama-7B prefill s2048 bf16, 32 layers, SP",
     lambda: _sequence_parallel(models.llama_stack(32, 2048, 4096, 32, 32, 11008, "bf16")),
     "trn2-chip", 8, 32, 2048, "", lambda: models.llama_block(2048, 4096, 32, 32, 11008, "bf16")),
    ("Llama-70B layer prefill s2048 bf16, SP over 64",
     lambda: _module(models.llama_block(2048, 8192, 64, 8, 28672, "bf16"),
                     "xf.sequence_parallel", "xf.context_parallel = 1 : i64"),
     "trn2-instance", 64, 1, 2048, ""),
    # The default on a mesh spanning chips: context parallelism, each of
    # the 8 chips a block of the sequence (Ulysses all-to-all around
    # attention), tensor + sequence parallelism over its 8 cores; first
    # with the layer's output gathered on every core, then left split by
    # rows as the next layer takes it (xf.split_results).
    ("Llama-70B layer prefill s2048 bf16, 2-D",
     lambda: _module(models.llama_block(2048, 8192, 64, 8, 28672, "bf16")),
     "trn2-instance", 64, 1, 2048, ""),
    ("Llama-70B layer prefill s2048 bf16, 2-D, out split",
     lambda: _module(models.llama_block(2048, 8192, 64, 8, 28672, "bf16"), "xf.split_results"),
     "trn2-instance", 64, 1, 2048, ""),
    # A smaller model across two chips: 2 blocks x 8 cores, against one
    # mesh axis of 16.
    ("Llama-7B layer prefill s2048 bf16, 2 chips, 2-D, out split",
     lambda: _module(models.llama_block(2048, 4096, 32, 32, 11008, "bf16"), "xf.split_results"),
     "trn2-instance", 16, 1, 2048, ""),
    ("Llama-7B layer prefill s2048 bf16, 2 chips, 1 axis, out split",
     lambda: _module(models.llama_block(2048, 4096, 32, 32, 11008, "bf16"), "xf.split_results",
                     "xf.context_parallel = 1 : i64"),
     "trn2-instance", 16, 1, 2048, ""),
    # Pipeline parallelism: 8 prefill sequences of 512 tokens through the
    # whole 32-layer model on one chip. Against it, the same work by
    # sequence parallelism over all 8 cores, one sequence after another
    # (one sharded layer x 32 layers x 8 sequences).
    ("Llama-7B prefill 8 x s512 bf16, 32 layers, SP over 8",
     lambda: _sequence_parallel(models.llama_block(512, 4096, 32, 32, 11008, "bf16")),
     "trn2-chip", 8, 32, 8 * 512, "x8 sequences, one after another", None, 8),
    # 2 stages of 16 layers, each on 4 cores (sequence parallelism inside),
    # M = 8 microbatches: 9 steps, bubble 1/9; then 4 stages of 8 layers on
    # 2 cores each: 11 steps, bubble 3/11.
    ("Llama-7B prefill 8 x s512 bf16, 32 layers, PP 2 x SP 4",
     lambda: _module(models.llama_stack(32, 512, 4096, 32, 32, 11008, "bf16"), "xf.sequence_parallel",
                     "xf.pipeline_stages = 2 : i64", "xf.microbatches = 8 : i64"),
     "trn2-chip", 8, 32, 8 * 512, "", lambda: models.llama_block(512, 4096, 32, 32, 11008, "bf16"), 8),
    ("Llama-7B prefill 8 x s512 bf16, 32 layers, PP 4 x SP 2",
     lambda: _module(models.llama_stack(32, 512, 4096, 32, 32, 11008, "bf16"), "xf.sequence_parallel",
                     "xf.pipeline_stages = 4 : i64", "xf.microbatches = 8 : i64"),
     "trn2-chip", 8, 32, 8 * 512, "", lambda: models.llama_block(512, 4096, 32, 32, 11008, "bf16"), 8),
]


def _module(text, *attrs):
    if not attrs:
        return text
    return "module attributes {" + ", ".join(attrs) + "} {\n" + text + "}\n"


def _sequence_parallel(text):
    return "module attributes {xf.sequence_parallel} {\n" + text + "}\n"


def _tensor_parallel(text):
    return "module attributes {xf.sequence_parallel = false} {\n" + text + "}\n"


def _muir_run(build, text, target, cores, hazards):
    """Timing-only muir-run of `text`; the report JSON and compile seconds."""
    with tempfile.TemporaryDirectory() as d:
        src = pathlib.Path(d) / "case.mlir"
        src.write_text(text)
        rep = pathlib.Path(d) / "report.json"
        cmd = [str(build / "bin" / "muir-run"), str(src), "--backend=sim", "--timing-only",
               f"--target={target}", f"--report-json={rep}"]
        if cores > 1:
            cmd.append(f"--cores={cores}")
        if not hazards:
            cmd.append("--no-hazard-check")
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError((proc.stderr or proc.stdout).strip().splitlines()[-1])
        compile_s = float(re.search(r"compile=([0-9.]+) s", proc.stdout).group(1))
        return json.loads(rep.read_text()), compile_s


def hbm_bound_tokens_per_s(target, text_bytes):
    """Tokens/s if every byte a token needs (weights and KV cache) streamed
    once at the chip's HBM bandwidth."""
    return machine(target)["topology"]["hbm_bytes_per_s_per_chip"] / text_bytes


def run_scaleout(build, hazards, only=""):
    rows = []
    for name, build_text, target, cores, layers, tokens, note, *rest in SCALEOUT:
        if only not in name:
            continue
        text = build_text()
        layer_text = [rest[0]] if rest and rest[0] else []
        seqs = rest[1] if len(rest) > 1 else 1
        whole = bool(layer_text)  # the whole program simulated, not one layer
        try:
            multi, compile_s = _muir_run(build, text, target, cores, hazards)
            single, _ = _muir_run(build, layer_text[0]() if whole else text, target, 1, hazards)
        except RuntimeError as e:
            rows.append(dict(name=name, error=str(e)))
            continue
        # The time of one layer on one sequence: the whole program runs
        # `seqs` sequences through every layer; otherwise the run is one.
        layer_s = multi["seconds"] / (layers * seqs) if whole else multi["seconds"]
        total_s = layer_s * layers * seqs
        per_layer = layers * seqs if whole else 1  # divides the whole program's figures
        single_equiv = single["seconds"] * layers * seqs
        r = dict(name=name, target=target, cores=cores, layers=layers, seconds=total_s,
                 layer_seconds=layer_s, tokens_per_s=tokens / total_s,
                 # per rank (the mean over ranks of the spans of their collectives)
                 collective_seconds=multi["collective_rank_ns"] * 1e-9 * layers * seqs / per_layer,
                 collective_share=multi["collective_rank_ns"] * 1e-9 / per_layer / layer_s,
                 link_bytes_per_layer=multi["link_bytes"] / per_layer,
                 single_core_layer_seconds=single["seconds"], single_core_equiv_seconds=single_equiv,
                 scaling_efficiency=single_equiv / (cores * total_s),
                 per_core_pe_utilization=sum(c["pe_utilization"] for c in multi["per_core"]) / cores,
                 compile_seconds=compile_s,
                 sequences=seqs,
                 method=(f"the whole {layers}-layer program simulated on all cores"
                         + (f" ({seqs} sequences through a pipeline)" if seqs > 1 else "")
                         + f"; single-core equivalent: one layer on one core x{layers}"
                         + (f" x{seqs} sequences" if seqs > 1 else "")
                         + " (the model does not fit one core)") if whole else
                        (f"one sharded layer simulated on all cores, x{layers} (identical layers)"
                         + (f"; {note}" if note else "")) if layers > 1 else "one layer, simulated")
        if tokens == 1:  # decode: per-token bytes (every rank's reads) against the chip's HBM
            hbm = sum(c["hbm_bytes_read"] + c["hbm_bytes_written"] for c in multi["per_core"]) * layers / per_layer
            r["hbm_bytes_per_token"] = hbm
            r["hbm_bound_tokens_per_s"] = hbm_bound_tokens_per_s(target, hbm)
        rows.append(r)
    return rows


def print_scaleout(rows):
    hdr = (f"{'scale-out case':40} {'target':>13} {'cores':>5} {'layers':>6} {'sim time':>11} "
           f"{'tokens/s':>10} {'coll.':>6} {'1-core eq.':>11} {'eff.':>6}")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        if "error" in r:
            print(f"{r['name']:40} ERROR: {r['error']}")
            continue
        print(f"{r['name']:40} {r['target']:>13} {r['cores']:5d} {r['layers']:6d} {r['seconds']*1e3:9.3f}ms "
              f"{r['tokens_per_s']:10.1f} {r['collective_share']*100:5.1f}% "
              f"{r['single_core_equiv_seconds']*1e3:9.2f}ms {r['scaling_efficiency']*100:5.1f}%", flush=True)
        extra = f"  per layer {r['layer_seconds']*1e3:.3f} ms on {r['cores']} cores (single core " \
                f"{r['single_core_layer_seconds']*1e3:.3f} ms), collective {r['collective_seconds']*1e3:.3f} ms, " \
                f"{r['link_bytes_per_layer']/1e6:.1f} MB over links per layer, mean per-core PE " \
                f"{r['per_core_pe_utilization']*100:.1f}%; {r['method']}"
        if "hbm_bound_tokens_per_s" in r:
            extra += (f"; HBM bound {r['hbm_bound_tokens_per_s']:.1f} tokens/s "
                      f"({r['hbm_bytes_per_token']/1e9:.2f} GB per token at the chip's HBM bandwidth), "
                      f"{r['tokens_per_s'] / r['hbm_bound_tokens_per_s'] * 100:.1f}% of it")
        print(extra)


def machine(target):
    path = pathlib.Path(target) if target.endswith(".json") else ROOT / "targets" / f"{target}.json"
    return json.loads(path.read_text())


def run_case(c, target, build, hazards, tile_loops=False):
    m = machine(target)
    peak_macs = m["pe"]["rows"] * m["pe"]["cols"] / m["pe"]["mm_cycles_per_column"][c["dtype"]]
    peak_flops = 2 * peak_macs * m["pe"]["clock_hz"]
    bw = m["hbm"]["bytes_per_s"]
    roofline = max(c["flops"] / peak_flops, c["min_bytes"] / bw)
    with tempfile.TemporaryDirectory() as d:
        src = pathlib.Path(d) / "case.mlir"
        src.write_text(c["text"])
        rep = pathlib.Path(d) / "report.json"
        cmd = [str(build / "bin" / "muir-run"), str(src), "--backend=sim", "--timing-only",
               f"--target={target}", f"--report-json={rep}"]
        if not hazards:
            cmd.append("--no-hazard-check")
        if tile_loops:
            cmd.append("--tile-loops")
        t0 = time.time()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.time() - t0
        if proc.returncode != 0:
            return dict(name=c["name"], error=(proc.stderr or proc.stdout).strip().splitlines()[-1])
        report = json.loads(rep.read_text())
    compile_s = float(re.search(r"compile=([0-9.]+) s", proc.stdout).group(1))
    hbm = report["hbm_bytes_read"] + report["hbm_bytes_written"]
    r = dict(name=c["name"], seconds=report["seconds"], cycles=report["cycles"], roofline_seconds=roofline,
             time_vs_roofline=report["seconds"] / roofline, pe_utilization=report["pe_utilization"],
             hbm_bytes=hbm, hbm_min_bytes=c["min_bytes"], hbm_vs_min=hbm / c["min_bytes"],
             compile_seconds=compile_s, wall_seconds=wall, instructions=report["instructions"], goal=c["goal"])
    r["goal_met"] = bool(c["check"](r))
    return r


def run_scaling(build, target, title, tile_loops=False):
    """The compile-scaling rows (SCALING), printed under `title`, with the
    8-block/1-block compile ratio and the s4096/s2048 binary ratio."""
    print(f"\n{title:44} {'CPU s':>8} {'peak MB':>8} {'binary MB':>10}")
    scaling = []
    for layers, seq in SCALING:
        r = compile_scaling(build, target, layers, seq, tile_loops=tile_loops)
        scaling.append(r)
        if "error" in r:
            print(f"{r['name']:44} ERROR: {r['error']}")
            continue
        mb = f"{r['binary_bytes'] / 1e6:10.1f}" if r["binary_bytes"] is not None else "         -"
        runs = ", ".join(f"{c:.2f}" for c in r["compile_cpu_seconds_runs"])
        print(f"{r['name']:44} {r['compile_cpu_seconds']:8.2f} {r['peak_memory_mb']:8.0f} {mb}"
              f"   (median of {runs})", flush=True)
    by = {(r.get("layers"), r.get("seq")): r for r in scaling if "error" not in r}
    if (1, 2048) in by and (8, 2048) in by:
        print(f"8 blocks / 1 block compile CPU: "
              f"{by[(8, 2048)]['compile_cpu_seconds'] / by[(1, 2048)]['compile_cpu_seconds']:.2f}x")
    if (1, 2048) in by and (1, 4096) in by and by[(1, 2048)]["binary_bytes"]:
        print(f"binary s4096 / s2048: {by[(1, 4096)]['binary_bytes'] / by[(1, 2048)]['binary_bytes']:.2f}x")
    return scaling


def run_tile_loops(args, names, rows):
    """The same cases and compile-scaling rows compiled with tile-loops=true:
    each kernel's tiles rolled into nc.loops before scheduling, so that
    scheduling, synchronisation and everything after work on loops. Prints
    the simulated time against the default pipeline's and the compile
    figures; returns them for the JSON."""
    build = pathlib.Path(args.build)
    default = {r["name"]: r for r in rows if "error" not in r}
    print(f"\n{'with tile-loops=true':44} {'sim time':>11} {'vs default':>11} {'PE util':>8} {'compile':>8}"
          f" {'instructions':>13}")
    results = []
    for name in names:
        r = run_case(CASES[name](), args.target, build, args.hazards, tile_loops=True)
        results.append(r)
        if "error" in r:
            print(f"{r['name']:44} ERROR: {r['error']}")
            continue
        base = default.get(r["name"])
        r["time_vs_default"] = r["seconds"] / base["seconds"] if base else None
        vs = f"{r['time_vs_default']:10.3f}x" if base else "          -"
        print(f"{r['name']:44} {r['seconds']*1e3:9.3f}ms {vs} {r['pe_utilization']*100:7.1f}% "
              f"{r['compile_seconds']:7.2f}s {r['instructions']:13d}", flush=True)
    scaling = [] if args.no_scaling else run_scaling(build, args.target, "compile scaling, tile-loops=true",
                                                     tile_loops=True)
    return dict(results=results, compile_scaling=scaling)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", default="trn2")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--json", default=None,
                    help="output JSON (default bench/results.json; bench/scaleout.json for --cases scaleout)")
    ap.add_argument("--build", default=os.environ.get("MUIR_BUILD_DIR", str(ROOT / "build")))
    ap.add_argument("--no-hazards", dest="hazards", action="store_false",
                    help="skip the simulator's hazard checker")
    ap.add_argument("--scaleout-rows", default="",
                    help="with --cases scaleout: only the rows whose name contains this text")
    ap.add_argument("--no-scaling", action="store_true",
                    help="skip the compile-scaling rows (1 and 8 stacked blocks, s2048 and s4096)")
    ap.add_argument("--no-tile-loops", action="store_true",
                    help="skip the rows compiled with tile-loops=true (loops before scheduling)")
    args = ap.parse_args()
    args.json_given = args.json is not None
    args.json = args.json or str(ROOT / "bench" / "results.json")
    rows = []
    m = machine(args.target)
    assumptions = dict(pe_issue_cycles=m["pe"].get("issue_cycles"),
                       compute_semaphore_latency_ns=m.get("sync", {}).get("compute_semaphore_latency_ns"),
                       dma_size_efficiency=m["dma"].get("size_efficiency"),
                       hbm_efficiency=m["hbm"].get("efficiency"))
    print("timing-model assumptions (docs/simulator.md): " +
          ", ".join(f"{k}={v}" for k, v in assumptions.items()))
    names = args.cases.split(",")
    scaleout = None
    if "scaleout" in names:
        names.remove("scaleout")
        scaleout = run_scaleout(pathlib.Path(args.build), args.hazards, args.scaleout_rows)
        print_scaleout(scaleout)
        if not names:  # the scale-out group alone: no single-core rows or compile scaling
            out = args.json if args.json_given else str(ROOT / "bench" / "scaleout.json")
            if args.scaleout_rows and not args.json_given and pathlib.Path(out).exists():
                # Some rows re-run: they replace their namesakes in the file.
                old = json.loads(pathlib.Path(out).read_text())
                fresh = {r["name"]: r for r in scaleout}
                kept = [fresh.pop(r["name"], r) for r in old["scaleout"]]
                scaleout = kept + list(fresh.values())
            pathlib.Path(out).write_text(json.dumps(dict(hazard_checker=args.hazards, scaleout=scaleout),
                                                    indent=2))
            print(f"wrote {out}")
            return
        print()
    hdr = f"{'case':44} {'sim time':>11} {'roofline':>11} {'ratio':>6} {'PE util':>8} {'HBM/min':>8} {'compile':>8}  goal"
    print(hdr)
    print("-" * len(hdr))
    for name in names:
        c = CASES[name]()
        r = run_case(c, args.target, pathlib.Path(args.build), args.hazards)
        rows.append(r)
        if "error" in r:
            print(f"{r['name']:44} ERROR: {r['error']}")
            continue
        print(f"{r['name']:44} {r['seconds']*1e3:9.3f}ms {r['roofline_seconds']*1e3:9.3f}ms "
              f"{r['time_vs_roofline']:6.2f} {r['pe_utilization']*100:7.1f}% {r['hbm_vs_min']:8.2f} "
              f"{r['compile_seconds']:7.2f}s  {'MET' if r['goal_met'] else 'MISSED'}: {r['goal']}", flush=True)
    scaling = [] if args.no_scaling else run_scaling(pathlib.Path(args.build), args.target, "compile scaling")
    tiles = {}
    if not args.no_tile_loops:
        tiles = run_tile_loops(args, names, rows)
    pathlib.Path(args.json).write_text(json.dumps(dict(target=args.target, assumptions=assumptions,
                                                       hazard_checker=args.hazards, results=rows,
                                                       compile_scaling=scaling,
                                                       **({"tile_loops": tiles} if tiles else {}),
                                                       **({"scaleout": scaleout} if scaleout else {})),
                                                  indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
