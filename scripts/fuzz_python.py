#!/usr/bin/env python3
"""Mutational fuzzer for muir's Python API: `muir.parse`, `muir.compile`,
`Executable.run` and `muir.passes.run`, seeded from the test suite's MLIR.

Each case is a JSON-able description (mutated MLIR text, a pass pipeline, a
target, argument descriptions: wrong dtypes and shapes, non-contiguous,
zero-stride views of huge shapes, NaN, non-arrays, 2**40 indices ...). A
worker subprocess runs the cases one by one; an exception of the API's
documented kinds (ValueError, TypeError, RuntimeError, AssertionError for a
--check mismatch) is a normal answer. A finding is a worker that dies (a
signal or an abnormal exit), one that stays silent past the watchdog, or an
exception of any other kind (MemoryError, IndexError, SystemError, ...). The
case is then saved as a reproducer and the worker restarted.

    scripts/fuzz_python.py --time 1800                # 30 minutes
    scripts/fuzz_python.py --count 300 --seed 0       # deterministic (CI)
    scripts/fuzz_python.py --replay fuzz-out/reproducers/python/crash-*.json

Exit status 1 when a finding was saved.
"""
import argparse
import json
import os
import pathlib
import random
import re
import select
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
ALLOWED = ("ValueError", "TypeError", "RuntimeError", "AssertionError")
MAX_TEXT = 16384

# Tokens the text mutator inserts: syntax, types, ops and awkward numbers.
TOKENS = ["xf.add", "xf.matmul", "xf.broadcast_to", "xf.constant", "xf.gather", "xf.reshape",
          "xf.softmax", "xf.concat", "xf.slice", "xf.cast", "xf.attention", "nc.dma", "nc.kernel",
          "tensor<", ">", "x", "f32", "bf16", "f16", "f8E4M3FN", "i32", "i64", "i1", "index",
          "{", "}", "(", ")", "[", "]", "<", ",", ":", "=", "->", "%0", "%arg0", "@main",
          "dense<", "dense_resource<blob>", "array<i64: 1>", "#nc.ap<", "loc(", "\"", "\\",
          "func.func", "return", "0", "1", "-1", "3", "128", "129", "1000000", "4294967296",
          "9223372036854775807", "-9223372036854775808", "1e309", "nan", "0x7FC00000", "?", "*"]
NUMBERS = ["0", "1", "2", "3", "127", "128", "129", "-1", "65536", "1000000", "2147483648",
           "4294967297", "9223372036854775807", "-9223372036854775808", "18446744073709551616"]
PASSES = ["canonicalize", "cse", "muir-compile", "muir-check-capacity", "muir-lower-xf-to-nc",
          "muir-nc-schedule", "muir-nc-insert-sync", "symbol-dce", "inline", "nc.kernel",
          "func.func", "builtin.module", "any"]
OPTIONS = ["target=small", "target=trn2", "target=", "target=nonexistent", "target=/dev/null",
           "target=/nonexistent.json", "entry=main", "entry=nope", "entry=", "target=small entry=main",
           "foo=1", "target", "=", "target=small target=trn2"]
TARGETS = ["small", "trn2", "", "nonexistent", "/dev/null", "/nonexistent/x.json", "../targets/small",
           "small.json"]
DTYPES = ["float32", "float64", "float16", "int32", "int64", "int8", "uint8", "uint64", "bool",
          "complex64", "bfloat16", "float8_e4m3fn", "object", "str"]


def seeds():
    """MLIR seeds from the suite: (text, is_xf) per `// -----` chunk."""
    out = []
    for f in sorted((ROOT / "test").rglob("*.mlir")) + sorted((ROOT / "examples").glob("*.mlir")):
        try:
            text = f.read_text()
        except (OSError, UnicodeDecodeError):
            continue
        for chunk in text.split("// -----"):
            body = "\n".join(l for l in chunk.splitlines() if not l.lstrip().startswith("//"))
            if body.strip() and len(body) <= MAX_TEXT:
                out.append((body, "nc.kernel" not in body and "xf." in body))
    return out


# -- mutation ---------------------------------------------------------------

def mutate_text(rng, text, pool):
    for _ in range(rng.choice((1, 1, 2, 3, 5))):
        k = rng.randrange(8)
        n = len(text)
        i = rng.randrange(n + 1)
        if k == 0 and n:  # delete a range
            text = text[:i] + text[i + rng.randrange(1, 16):]
        elif k == 1:  # insert a token
            text = text[:i] + rng.choice(TOKENS) + text[i:]
        elif k == 2:  # replace a number
            nums = list(re.finditer(r"-?\d+", text))
            if nums:
                m = rng.choice(nums)
                text = text[:m.start()] + rng.choice(NUMBERS) + text[m.end():]
        elif k == 3 and n:  # duplicate a range
            j = min(n, i + rng.randrange(1, 200))
            text = text[:j] + text[i:j] + text[j:]
        elif k == 4:  # splice another seed
            other = rng.choice(pool)[0]
            a = rng.randrange(len(other) + 1)
            text = text[:i] + other[a:a + rng.randrange(1, 400)] + text[i:]
        elif k == 5:  # swap an element type
            types = list(re.finditer(r"\b(f32|bf16|f16|i32|i64|f8E4M3FN|f8E5M2)\b", text))
            if types:
                m = rng.choice(types)
                text = text[:m.start()] + rng.choice(("f32", "bf16", "f16", "i32", "i64", "i1",
                                                       "f8E4M3FN", "f64", "index")) + text[m.end():]
        elif k == 6:  # scale a dimension
            dims = list(re.finditer(r"(?<=[<x])(\d+)(?=x)", text))
            if dims:
                m = rng.choice(dims)
                text = text[:m.start()] + str(rng.choice((0, 1, 7, 1000, 100000, 10 ** 7))) + text[m.end():]
        elif n:  # flip a byte
            text = text[:i] + chr(rng.randrange(1, 127)) + text[i + 1:]
    return text[:MAX_TEXT]


def random_pipeline(rng):
    def one(depth):
        p = rng.choice(PASSES)
        if rng.random() < 0.3:
            p += "{" + rng.choice(OPTIONS) + "}"
        if depth < 3 and rng.random() < 0.25:
            p += "(" + ",".join(one(depth + 1) for _ in range(rng.randrange(0, 3))) + ")"
        return p
    text = ",".join(one(0) for _ in range(rng.randrange(1, 4)))
    if rng.random() < 0.2:
        text = mutate_text(rng, text, [(text, False)])
    return text


def random_arg(rng, shape, dtype):
    """An argument description near (shape, dtype), often wrong on purpose."""
    shape = list(shape)
    k = rng.randrange(12)
    if k == 0:
        return {"kind": "exact", "shape": shape, "dtype": dtype}
    if k == 1:  # wrong dtype
        return {"kind": "array", "shape": shape, "dtype": rng.choice(DTYPES)}
    if k == 2 and shape:  # wrong shape
        s = list(shape)
        s[rng.randrange(len(s))] += rng.choice((-1, 1, 100))
        return {"kind": "array", "shape": [max(0, d) for d in s], "dtype": "float32"}
    if k == 3:  # non-contiguous (a strided slice of a bigger array)
        return {"kind": "strided", "shape": shape, "dtype": rng.choice(("float32", "float64", "int64")),
                "step": rng.choice((2, 3, -1))}
    if k == 4:  # Fortran order / transposed view
        return {"kind": "fortran", "shape": shape, "dtype": "float32"}
    if k == 5:  # a zero-stride view of a huge shape (no memory behind it)
        big = list(shape) or [1]
        big[rng.randrange(len(big))] = rng.choice((10 ** 6, 2 ** 31, 10 ** 12))
        return {"kind": "huge", "shape": big, "dtype": "float32"}
    if k == 6:  # special values
        return {"kind": "fill", "shape": shape, "dtype": rng.choice(("float32", "int64", "int32")),
                "value": rng.choice(("nan", "inf", "-inf", "1e38", "2**40", "-1", "2**63-1"))}
    if k == 7:
        return {"kind": "object", "value": rng.choice(("none", "list", "str", "scalar", "dict"))}
    if k == 8:  # rank change
        return {"kind": "array", "shape": shape + [1] if rng.random() < 0.5 else shape[1:],
                "dtype": "float32"}
    return {"kind": "exact", "shape": shape, "dtype": dtype}


def make_case(rng, pool, xf_pool, exe_pool):
    k = rng.randrange(10)
    if k <= 2:
        text, _ = rng.choice(pool)
        return {"op": "parse", "text": mutate_text(rng, text, pool) if rng.random() < 0.9 else text}
    if k <= 4:
        text, _ = rng.choice(xf_pool)
        return {"op": "compile", "text": mutate_text(rng, text, pool) if rng.random() < 0.8 else text,
                "target": rng.choice(TARGETS[:2]) if rng.random() < 0.85 else rng.choice(TARGETS),
                "entry": "" if rng.random() < 0.9 else rng.choice(("main", "nope", "@", "x" * 300))}
    if k <= 7 and exe_pool:
        text, target, shapes, dtypes = rng.choice(exe_pool)
        args = [random_arg(rng, s, d) for s, d in zip(shapes, dtypes)]
        if rng.random() < 0.1:
            args = args[:-1] if args and rng.random() < 0.5 else args + args[:1]
        return {"op": "run", "text": text, "target": target, "args": args,
                "backend": rng.choice(("sim", "sim", "reference", "gpu")),
                "check": rng.random() < 0.3, "numerics": rng.random() < 0.9,
                "trace": rng.random() < 0.5, "check_hazards": rng.random() < 0.8}
    text, _ = rng.choice(pool)
    return {"op": "passes", "text": text if rng.random() < 0.8 else mutate_text(rng, text, pool),
            "pipeline": random_pipeline(rng)}


# -- the worker ---------------------------------------------------------------

def build_arg(np, desc):
    kind = desc["kind"]
    if kind == "object":
        return {"none": None, "list": [1.0, 2.0], "str": "x", "scalar": 1.5, "dict": {}}[desc["value"]]
    shape, dt = tuple(desc["shape"]), desc["dtype"]
    if dt in ("bfloat16", "float8_e4m3fn"):
        import ml_dtypes
        dt = getattr(ml_dtypes, dt)
    elif dt == "str":
        dt = "U4"
    if kind == "huge":
        return np.lib.stride_tricks.as_strided(np.zeros(1, np.float32), shape, [0] * len(shape))
    n = 1
    for d in shape:
        n *= d
    if n > 1 << 22:
        raise ValueError("case too large for the fuzzer itself")
    rng = np.random.default_rng(n)
    base = rng.standard_normal(n)
    if kind == "fill":
        base = np.full(n, eval(desc["value"], {"nan": float("nan"), "inf": float("inf")}))  # noqa: S307
    if kind == "strided":
        step = desc["step"]
        a = np.repeat(base, abs(step)).astype(dt, copy=False) if dt != object else base
        a = a[::step] if step > 0 else a[::-1]
        return a.reshape(shape) if a.size == n else a[:n].reshape(shape)
    a = base.astype(dt) if dt != "object" else np.array(list(base), dtype=object)
    a = a.reshape(shape)
    if kind == "fortran":
        return np.asfortranarray(a)
    return a


def worker():
    import resource
    # Memory cap: a request the API should have refused up front fails as a
    # MemoryError (a finding) instead of swapping the machine.
    cap = int(os.environ.get("MUIR_FUZZ_PY_MEM_MB", "4096")) << 20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    import numpy as np
    import muir
    cache = {}
    for line in sys.stdin:
        case = json.loads(line)
        try:
            reply = {"status": "ok", "value": execute(np, muir, cache, case)}
        except Exception as e:  # noqa: BLE001 - classified by the driver
            reply = {"status": "error", "type": type(e).__name__, "msg": str(e)[:300]}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def execute(np, muir, cache, case):
    op = case["op"]
    if op == "parse":
        muir.parse(case["text"])
    elif op == "compile":
        muir.compile(case["text"], target=case["target"], entry=case["entry"])
    elif op == "passes":
        muir.passes.run(case["text"], case["pipeline"])
    elif op == "signature":
        exe = muir.compile(case["text"], target=case["target"])
        (shapes, dtypes), _ = exe.signature
        return [list(s) for s in shapes], list(dtypes)
    elif op == "selftest":  # the driver's own tests: one failure of each kind
        mode = case["mode"]
        if mode == "abort":
            os.abort()
        if mode == "hang":
            time.sleep(3600)
        if mode == "index":
            return [][1]
    elif op == "run":
        key = (case["text"], case["target"])
        if key not in cache:
            cache.clear()
            cache[key] = muir.compile(case["text"], target=case["target"])
        exe = cache[key]
        args = [build_arg(np, d) for d in case["args"]] if case["numerics"] else []
        exe.run(*args, backend=case["backend"], check=case["check"], trace=case["trace"],
                check_hazards=case["check_hazards"], numerics=case["numerics"])


class Worker:
    def __init__(self, env):
        self.env = env
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env,
                                     text=True, bufsize=1)

    def run(self, case, timeout):
        """(outcome, detail): ok, error, crash or hang."""
        outcome, detail, _ = self.call(case, timeout)
        return outcome, detail

    def call(self, case, timeout):
        """(outcome, detail, value the case returned)."""
        if self.proc is None:
            self.start()
        try:
            self.proc.stdin.write(json.dumps(case) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if line:
            reply = json.loads(line)
            if reply["status"] == "ok":
                return "ok", "", reply["value"]
            if reply["type"] in ALLOWED:
                return "error", reply["type"], None
            return "bad-exception", f"{reply['type']}: {reply['msg']}", None
        hung = not ready
        self.proc.kill()
        _, err = self.proc.communicate()
        code = self.proc.returncode
        self.proc = None
        if hung:
            return "hang", f"no answer in {timeout} s", None
        return "crash", f"exit {code}\n{err[-3000:]}", None

    def stop(self):
        if self.proc:
            self.proc.kill()
            self.proc.communicate()
            self.proc = None


def executable_pool(worker, xf_pool, rng, timeout, limit=24):
    """Seed programs that compile, with their signatures (for run cases)."""
    out = []
    cands = [t for t, _ in xf_pool if len(t) <= 4000]
    rng.shuffle(cands)
    for text in cands[:3 * limit]:
        if len(out) >= limit:
            break
        target = rng.choice(("small", "trn2"))
        outcome, _, sig = worker.call({"op": "signature", "text": text, "target": target}, timeout)
        if outcome == "ok":
            out.append((text, target, sig[0], sig[1]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time", type=float, help="seconds to run (default: until --count)")
    ap.add_argument("--count", type=int, help="cases to run")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--timeout", type=float, default=60, help="watchdog per case, seconds")
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "fuzz-out" / "reproducers" / "python")
    ap.add_argument("--build", type=pathlib.Path,
                    default=pathlib.Path(os.environ.get("MUIR_BUILD_DIR", ROOT / "build")))
    ap.add_argument("--replay", type=pathlib.Path, nargs="*", help="run saved cases, report outcomes")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(args.build.resolve() / "python_packages"),
                                         env.get("PYTHONPATH", "")])
    w = Worker(env)
    if args.replay is not None:
        bad = 0
        for f in args.replay:
            outcome, detail = w.run(json.loads(f.read_text()), args.timeout)
            print(f"{f}: {outcome} {detail}")
            bad |= outcome not in ("ok", "error")
        w.stop()
        return bad
    if args.time is None and args.count is None:
        ap.error("give --time or --count")
    rng = random.Random(args.seed)
    pool = seeds()
    xf_pool = [s for s in pool if s[1]]
    exe_pool = executable_pool(w, xf_pool, rng, args.timeout)
    counts, seen = {}, {}
    start = time.time()
    n = 0
    args.out.mkdir(parents=True, exist_ok=True)
    while True:
        if args.count is not None and n >= args.count:
            break
        if args.time is not None and time.time() - start >= args.time:
            break
        case = make_case(rng, pool, xf_pool, exe_pool)
        outcome, detail = w.run(case, args.timeout)
        n += 1
        key = f"{case['op']} " + (outcome if outcome != "error" else f"error:{detail}")
        counts[key] = counts.get(key, 0) + 1
        if outcome not in ("ok", "error"):
            # The same failure found again keeps only its first reproducers.
            sig = (case["op"], outcome, signature_of(detail))
            seen[sig] = seen.get(sig, 0) + 1
            if seen[sig] <= 3:
                name = f"{outcome}-{args.seed}-{n}.json"
                (args.out / name).write_text(json.dumps(case, indent=1))
                print(f"case {n}: {case['op']} {outcome}: {sig[2]} -> {args.out / name}", flush=True)
    w.stop()
    findings = sum(v for k, v in counts.items() if not k.endswith(" ok") and " error:" not in k)
    print(f"{n} cases in {time.time() - start:.0f} s (seed {args.seed}, {len(exe_pool)} executables, "
          f"{len(seen)} distinct findings): "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + f"; findings {findings}")
    return 1 if findings else 0


def signature_of(detail):
    """The line that names a failure, without numbers and quoted names."""
    lines = [l for l in detail.splitlines() if l.strip()]
    key = next((l for l in lines if re.search(r"ERROR|error|Assertion|Sanitizer|Error:", l)),
               lines[0] if lines else "").replace("n't", "nt")
    key = re.sub(r"'[^']*'|\"[^\"]*\"", "'...'", key)
    return re.sub(r"\d+", "N", key)[:160]


if __name__ == "__main__":
    sys.exit(main())
