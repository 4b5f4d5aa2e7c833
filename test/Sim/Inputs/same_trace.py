"""same_trace.py A B: whether two Perfetto traces are equal once A's
loop_iteration fields (what names a loop instance) and both source
locations (two files) are dropped."""
import json
import sys

a, b = (json.load(open(p)) for p in sys.argv[1:3])
last = max((e["args"].get("loop_iteration", -1) for e in a["traceEvents"]
            if "args" in e), default=-1)
count = sum(1 for e in a["traceEvents"]
            if e.get("args", {}).get("loop_iteration") == last)
total = sum(1 for e in a["traceEvents"] if e.get("ph") == "X")
for e in a["traceEvents"]:
    e.get("args", {}).pop("loop_iteration", None)
for e in a["traceEvents"] + b["traceEvents"]:
    e.get("args", {}).pop("source", None)
if a == b:
    print(f"same trace; {count} of {total} instances in loop iteration {last}")
else:
    print("traces differ")
