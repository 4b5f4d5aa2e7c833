#!/usr/bin/env python3
"""Compare muir's simulated GEMM time with SCALE-Sim's on a 128 x 128 weight-stationary array.

    python3 bench/scalesim_compare.py [--sizes 256,512,1024,2048,4096] [--json PATH]
                                      [--target trn2] [--scalesim-full-max 1024]

For each square bf16 GEMM C[M,N] = A[M,K] . B[K,N] it prints SCALE-Sim's cycles
and utilisation, muir's simulated cycles (PE clock), PE utilisation and PE-busy
cycles (the summed durations of the PE instructions), and their ratio, then the
modelling differences that explain the gap.

SCALE-Sim (PyPI `scalesim`, which needs numpy < 2.3) lives in its own venv,
`${MUIR_SCALESIM_VENV:-build/scalesim-venv}`, created here when missing
(`python3 -m venv` + `pip install scalesim 'numpy<2.3'`, about 0.5 GB); it runs
in a subprocess with that venv's python. Configuration: 128 x 128 array,
dataflow ws, 32 MiB per SRAM (every operand fits), InterfaceBandwidth CALC
(SCALE-Sim's estimate-bandwidth mode: DRAM never stalls the array, so its
"Total Cycles" are the array's compute cycles; the bandwidth it would need is
in its BANDWIDTH_REPORT). GEMM topology rows are `name, M, N, K,`. SCALE-Sim
cycles are converted to time at muir's trn2 PE clock (2.4 GHz).

SCALE-Sim builds per-cycle demand matrices (cycles x 128 float64, three of
them) and walks them one cycle at a time in Python: about 0.7 ms and 10 KiB
per simulated cycle, so 1024^3 takes a minute and 1 GB, 2048^3 9 minutes and
6 GB, and 4096^3 (4.6 M cycles) would need about an hour and 50 GB. Above
--scalesim-full-max it therefore simulates one fold, [M, 128] x [128, 128],
and multiplies: SCALE-Sim's ws model runs the (K/128)(N/128) folds back to
back with identical timelines (M + 382 cycles each; no stalls in CALC mode),
so the whole GEMM is exactly folds x (one fold + 1) - 1 cycles (its "Total
Cycles" is the index of the last cycle). Checked against whole runs at 256^3,
512^3, 1024^3 and 2048^3: identical. Such rows are marked "*".

muir: the xf program comes from python/muir/models.py (via bench/bench.py),
compiled and simulated by `build/bin/muir-run --backend=sim --timing-only`.
"""
import argparse
import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]

# bench.py's helpers (the xf graph builders and the machine description loader).
_spec = importlib.util.spec_from_file_location("muir_bench", ROOT / "bench" / "bench.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

ROWS = COLS = 128
DTYPE = "bf16"
SRAM_KB = 32768  # per SRAM; SCALE-Sim counts one word per element, and 4096^2 elements = 16384 kB

SCALESIM_CFG = f"""[general]
run_name = gemm

[run_presets]
InterfaceBandwidth = CALC
UseRamulatorTrace = False

[architecture_presets]
ArrayHeight = {ROWS}
ArrayWidth = {COLS}
IfmapSramSzkB = {SRAM_KB}
FilterSramSzkB = {SRAM_KB}
OfmapSramSzkB = {SRAM_KB}
IfmapOffset = 0
FilterOffset = 100000000
OfmapOffset = 200000000
Dataflow = ws
ReadRequestBuffer = 32
WriteRequestBuffer = 32
Bandwidth = 10

[layout]
IfmapCustomLayout = False
FilterCustomLayout = False
IfmapSRAMBankBandwidth = 10
IfmapSRAMBankNum = 10
IfmapSRAMBankPort = 2
FilterSRAMBankBandwidth = 10
FilterSRAMBankNum = 10
FilterSRAMBankPort = 2

[sparsity]
SparsitySupport = false
SparseRep = ellpack_block
OptimizedMapping = false
BlockSize = 8
RandomNumberGeneratorSeed = 40
"""

# Run through the API rather than `python -m scalesim.scale`: that CLI ignores its -s flag and
# always writes the per-cycle SRAM/DRAM traces (gigabytes at these sizes).
SCALESIM_RUNNER = """
import sys
from scalesim.scale_sim import scalesim
s = scalesim(save_disk_space=True, verbose=False, config=sys.argv[1], topology=sys.argv[2],
             layout=sys.argv[3], input_type_gemm=True)
s.run_scale(top_path=sys.argv[4])
"""


def venv_dir():
    return pathlib.Path(os.environ.get("MUIR_SCALESIM_VENV", str(ROOT / "build" / "scalesim-venv")))


def ensure_scalesim():
    """The venv's python, with scalesim importable; creates/installs it when needed."""
    venv = venv_dir()
    py = venv / "bin" / "python"

    def importable():
        return py.exists() and subprocess.run([str(py), "-c", "import scalesim.scale_sim"],
                                              capture_output=True).returncode == 0

    if importable():
        return py, None
    print(f"installing SCALE-Sim into {venv} (python3 -m venv; pip install scalesim 'numpy<2.3') ...",
          file=sys.stderr, flush=True)
    t0 = time.time()
    steps = [[sys.executable, "-m", "venv", str(venv)],
             [str(py), "-m", "pip", "install", "--quiet", "scalesim", "numpy<2.3"]]
    for cmd in steps:
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
            sys.exit(f"error: cannot install SCALE-Sim into {venv}: `{' '.join(cmd)}` failed "
                     f"(exit {proc.returncode}):\n{tail}\n"
                     "(set MUIR_SCALESIM_VENV to use another venv that has scalesim and numpy<2.3)")
    if not importable():
        sys.exit(f"error: SCALE-Sim installed into {venv} but `import scalesim.scale_sim` fails there")
    return py, time.time() - t0


def run_scalesim(py, m, k, n, workdir):
    """One SCALE-Sim run of C[m,n] = A[m,k] . B[k,n]; returns COMPUTE_REPORT.csv's row as a dict."""
    d = pathlib.Path(tempfile.mkdtemp(dir=workdir))
    (d / "scale.cfg").write_text(SCALESIM_CFG)
    (d / "topology.csv").write_text(f"Layer, M, N, K,\ngemm_{m}x{k}x{n}, {m}, {n}, {k},\n")
    (d / "layout.csv").write_text("Layer name,\n")  # required; unused without custom layouts
    t0 = time.time()
    proc = subprocess.run([str(py), "-c", SCALESIM_RUNNER, str(d / "scale.cfg"), str(d / "topology.csv"),
                           str(d / "layout.csv"), str(d / "out")], capture_output=True, text=True)
    wall = time.time() - t0
    report = d / "out" / "gemm" / "COMPUTE_REPORT.csv"
    if proc.returncode != 0 or not report.exists():
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-10:])
        raise RuntimeError(f"SCALE-Sim failed on {m}x{k}x{n} (exit {proc.returncode}):\n{tail}")
    lines = [ln for ln in report.read_text().splitlines() if ln.strip()]
    vals = [v.strip() for v in lines[1].split(",")]
    return dict(cycles=int(float(vals[2])), cycles_incl_prefetch=int(float(vals[1])), stall_cycles=int(float(vals[3])),
                overall_util=float(vals[4]) / 100, mapping_eff=float(vals[5]) / 100,
                compute_util=float(vals[6]) / 100, wall_seconds=wall)


def scalesim_gemm(py, m, k, n, full_max, workdir):
    macs = m * k * n
    if max(m, k, n) <= full_max or k % ROWS or n % COLS:
        r = run_scalesim(py, m, k, n, workdir)
        r["method"] = "full"
        return r
    s = run_scalesim(py, m, ROWS, COLS, workdir)
    folds = (k // ROWS) * (n // COLS)
    cycles = folds * (s["cycles"] + 1) - 1
    return dict(cycles=cycles, cycles_incl_prefetch=None, stall_cycles=folds * s["stall_cycles"],
                overall_util=macs / (cycles * ROWS * COLS), mapping_eff=s["mapping_eff"],
                compute_util=s["compute_util"], wall_seconds=s["wall_seconds"],
                method=f"one fold [{m},{ROWS}]x[{ROWS},{COLS}] x {folds}")


def run_muir(m, k, n, target, build, workdir):
    text = bench.models.matmul(m, k, n, DTYPE)
    d = pathlib.Path(tempfile.mkdtemp(dir=workdir))
    src, rep = d / "gemm.mlir", d / "report.json"
    src.write_text(text)
    exe = build / "bin" / "muir-run"
    if not exe.exists():
        raise RuntimeError(f"{exe} is missing (build muir first)")
    cmd = [str(exe), str(src), "--backend=sim", "--timing-only", f"--target={target}", f"--report-json={rep}"]
    t0 = time.time()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:  # e.g. a half-linked binary while a build is running
        raise RuntimeError(f"cannot run {exe}: {e}") from e
    wall = time.time() - t0
    if proc.returncode != 0 or not rep.exists():
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-10:])
        raise RuntimeError(f"muir-run failed on {m}x{k}x{n} (exit {proc.returncode}): {' '.join(cmd)}\n{tail}")
    r = json.loads(rep.read_text())
    pe_busy = r["busy"]["pe"] * r["cycles"]
    return dict(cycles=r["cycles"], seconds=r["seconds"], pe_utilization=r["pe_utilization"],
                pe_busy_cycles=pe_busy, pe_instructions=r["queue_instructions"]["pe"],
                hbm_bytes=r["hbm_bytes_read"] + r["hbm_bytes_written"], wall_seconds=wall)


def fmt_int(x):
    return f"{round(x):,}"


def explanation(rows, mach):
    pe = mach["pe"]
    clock = pe["clock_hz"]
    nmax, mmin, issue = pe["moving_free_max"], pe["mm_min_cycles"], pe["issue_cycles"]
    ls = ROWS * pe["mm_cycles_per_column"][DTYPE] / pe["load_stationary_speedup"]
    per_fold = ROWS + (ROWS + COLS - 2)  # weight fill + skew/drain, per fold, on top of the M streamed rows
    ok = [r for r in rows if "error" not in r]
    lo, hi = ok[0], ok[-1]

    def ss_bound(n):
        return n / (n + per_fold)

    def nki_bound(n):
        return min(n, nmax) / (issue + max(min(n, nmax), mmin))

    parts = []
    parts.append(
        f"SCALE-Sim (ws) maps a {ROWS}x{COLS} block of B (K on rows, N on columns) per fold and streams the "
        f"M rows of A through it; each fold costs {ROWS} cycles to fill the weights, M cycles of streaming and "
        f"{ROWS + COLS - 2} cycles of skew and drain, and the (K/{ROWS})*(N/{COLS}) folds run back to back "
        f"with no overlap, so its cycles are (K/{ROWS})(N/{COLS})(M+{per_fold}) and its utilisation at best "
        f"M/(M+{per_fold}): {ss_bound(lo['size']):.1%} at {lo['size']}^3, {ss_bound(hi['size']):.1%} at "
        f"{hi['size']}^3.")
    def mm(r):
        n = r["size"]
        cols = min(n, nmax)
        count = (n // ROWS) * (n // ROWS) * -(-n // nmax)
        return count, issue + max(cols, mmin)

    (lo_n, lo_c), (hi_n, hi_c) = mm(lo), mm(hi)
    parts.append(
        f"muir follows the NKI cost model: a matmul streams up to {nmax} moving columns and occupies the PE "
        f"queue {issue} + max(N, {mmin}) cycles; the next stationary load ({ls:.0f} cycles for {ROWS} columns) "
        f"runs under the previous multiply, and the array's fill/drain ({pe['pipeline_latency_cycles']} cycles) "
        f"only delays when a result is visible, not the next multiply. So PE-busy is about "
        f"(M/{ROWS})(K/{ROWS})ceil(N/{nmax}) matmuls x ({issue} + min(N, {nmax})) cycles: "
        f"{lo_n:,} x {lo_c} = {lo_n * lo_c:,} at {lo['size']}^3 (measured {fmt_int(lo['muir']['pe_busy_cycles'])}), "
        f"{hi_n:,} x {hi_c} = {hi_n * hi_c:,} at {hi['size']}^3 (measured {fmt_int(hi['muir']['pe_busy_cycles'])}; "
        f"the rest: stationary loads exposed where the PE queue had waited for data), "
        f"at best {nki_bound(hi['size']):.1%} of peak. "
        f"The PE-busy figure is below SCALE-Sim's cycles by "
        f"{lo['scalesim']['cycles'] / lo['muir']['pe_busy_cycles']:.2f}x at {lo['size']}^3 and "
        f"{hi['scalesim']['cycles'] / hi['muir']['pe_busy_cycles']:.2f}x at {hi['size']}^3: per "
        f"{ROWS}x{COLS} block of B SCALE-Sim charges M + {per_fold} cycles, muir M x {hi_c}/{min(hi['size'], nmax)} "
        f"(+ the exposed loads).")

    def non_pe(r):
        return r["muir"]["cycles"] - r["muir"]["pe_busy_cycles"]

    parts.append(
        "muir's makespan also includes what SCALE-Sim's compute report leaves out: loading A and B from HBM "
        "(DMA fixed cost and semaphore latency, per-queue bandwidth, the HBM channel at "
        f"{mach['hbm']['bytes_per_s'] * mach['hbm']['efficiency'] / 1e9:.0f} GB/s) before the first multiply, "
        "and the epilogue after the last (PSUM evacuation by Vector/Scalar, the store to HBM). That is "
        f"{fmt_int(non_pe(lo))} cycles ({non_pe(lo) / clock * 1e6:.2f} us, "
        f"{non_pe(lo) / lo['muir']['cycles']:.0%} of the total) at {lo['size']}^3, where it dominates and muir "
        f"is {lo['muir']['cycles'] / lo['scalesim']['cycles']:.1f}x SCALE-Sim's time, and "
        f"{fmt_int(non_pe(hi))} cycles ({non_pe(hi) / clock * 1e6:.1f} us, "
        f"{non_pe(hi) / hi['muir']['cycles']:.0%}) at {hi['size']}^3, where muir is "
        f"{hi['muir']['cycles'] / hi['scalesim']['cycles']:.2f}x SCALE-Sim's time.")
    return " ".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="256,512,1024,2048,4096", help="square GEMM sizes, comma-separated")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--target", default="trn2")
    ap.add_argument("--build", default=os.environ.get("MUIR_BUILD_DIR", str(ROOT / "build")))
    ap.add_argument("--scalesim-full-max", type=int, default=1024,
                    help="largest size SCALE-Sim simulates whole; above it, one column fold is simulated "
                         "and multiplied (exact for SCALE-Sim's ws model)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    mach = bench.machine(args.target)
    clock = mach["pe"]["clock_hz"]
    if (mach["pe"]["rows"], mach["pe"]["cols"]) != (ROWS, COLS):
        sys.exit(f"error: target {args.target} has a {mach['pe']['rows']}x{mach['pe']['cols']} array, "
                 f"the comparison is for {ROWS}x{COLS}")

    py, install_s = ensure_scalesim()
    if install_s is not None:
        print(f"installed SCALE-Sim in {install_s:.0f} s", file=sys.stderr)

    rows = []
    with tempfile.TemporaryDirectory() as work:
        for n in sizes:
            row = dict(size=n, m=n, k=n, n=n, dtype=DTYPE)
            try:
                print(f"{n}^3: muir ...", end="", file=sys.stderr, flush=True)
                row["muir"] = run_muir(n, n, n, args.target, pathlib.Path(args.build), work)
                print(f" {row['muir']['wall_seconds']:.1f} s; SCALE-Sim ...", end="", file=sys.stderr, flush=True)
                row["scalesim"] = scalesim_gemm(py, n, n, n, args.scalesim_full_max, work)
                print(f" {row['scalesim']['wall_seconds']:.0f} s", file=sys.stderr, flush=True)
                row["scalesim"]["seconds"] = row["scalesim"]["cycles"] / clock
                row["ratio"] = row["muir"]["cycles"] / row["scalesim"]["cycles"]
                row["pe_busy_ratio"] = row["muir"]["pe_busy_cycles"] / row["scalesim"]["cycles"]
            except RuntimeError as e:
                print(f" error\n{e}", file=sys.stderr)
                row["error"] = str(e)
            rows.append(row)

    print(f"\nbf16 GEMM C[M,N] = A[M,K] . B[K,N], M = K = N; {ROWS}x{COLS} weight-stationary array; "
          f"times at the {args.target} PE clock, {clock / 1e9:g} GHz\n")
    print("| GEMM | SCALE-Sim cycles | SCALE-Sim time | SCALE-Sim util (compute util) | muir cycles | muir time "
          "| muir PE util | muir PE-busy cycles | muir / SCALE-Sim | PE-busy / SCALE-Sim |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        if "error" in r:
            print(f"| {r['size']}³ | error: {r['error'].splitlines()[0]} |")
            continue
        s, u = r["scalesim"], r["muir"]
        star = "*" if s["method"] != "full" else ""
        print(f"| {r['size']}³ | {fmt_int(s['cycles'])}{star} | {s['seconds'] * 1e6:,.1f} µs "
              f"| {s['overall_util']:.1%} ({s['compute_util']:.1%}) | {fmt_int(u['cycles'])} "
              f"| {u['seconds'] * 1e6:,.1f} µs | {u['pe_utilization']:.1%} | {fmt_int(u['pe_busy_cycles'])} "
              f"| {r['ratio']:.2f} | {r['pe_busy_ratio']:.2f} |")
    if any("error" not in r and r["scalesim"]["method"] != "full" for r in rows):
        print(f"\n\\* SCALE-Sim simulated one fold ([M,{ROWS}] x [{ROWS},{COLS}]) and multiplied by the "
              f"(K/{ROWS})(N/{COLS}) folds (they run back to back with identical timelines; exact).")
    print("\nSCALE-Sim util: its \"Overall Util\" (MACs / (cycles x 128 x 128), the same definition as muir's PE "
          "util); in parentheses its \"Compute Util\" (mean per fold, each fold charged M + 509 cycles). "
          "muir PE-busy: the summed durations of the PE instructions (busy[\"pe\"] x cycles).")
    ok = [r for r in rows if "error" not in r]
    text = explanation(ok, mach) if ok else ""
    if text:
        print("\n" + text)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(
            dict(target=args.target, array=[ROWS, COLS], dataflow="ws", scalesim_venv=str(venv_dir()),
                 scalesim_config=dict(interface_bandwidth="CALC", sram_kb=SRAM_KB), results=rows,
                 explanation=text), indent=2))
        print(f"\nwrote {args.json}")
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
