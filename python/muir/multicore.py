"""Run an nc kernel on N simulated NeuronCores (docs/scaleout.md).

    outs, report = muir.multicore.run_cores(kernel_text, inputs, cores=4)

`inputs` is one dict of arrays per rank, or one dict whose arrays carry a
leading rank dimension of `cores`. Outputs come back as one dict of float32
arrays (int64 for i32 tensors decode exactly up to 2^24) per rank, and the
report as a dict (per-core figures, collectives, bytes per link).
"""
import json

import numpy as np

from . import _muir


def run_cores(kernel: str, inputs, cores: int | None = None, *, kernel_name: str = "",
              target: str = "", threads: int = 0, numerics: bool = True,
              check_hazards: bool = True, trace: str | None = None):
    if isinstance(inputs, dict):
        if cores is None:
            raise ValueError("stacked inputs need `cores`")
        for name, a in inputs.items():
            if np.shape(a)[:1] != (cores,):
                raise ValueError(f"input '{name}' has shape {np.shape(a)}, expected a leading "
                                 f"rank dimension of {cores}")
        inputs = [{n: np.asarray(a)[r] for n, a in inputs.items()} for r in range(cores)]
    inputs = list(inputs)
    if cores is None:
        cores = len(inputs)
    simulate = getattr(_muir, "simulate_cores", None)
    if simulate is None:
        raise RuntimeError("this muir build has no multi-core binding (python/MultiCoreBinding.cpp "
                           "is not registered in the extension)")
    outs, report, trace_json = simulate(kernel, cores, [dict(d) for d in inputs],
                                        kernel_name=kernel_name, target=target, threads=threads,
                                        numerics=numerics, check_hazards=check_hazards,
                                        trace=trace is not None)
    if trace is not None:
        with open(trace, "w") as f:
            f.write(trace_json)
    return outs, json.loads(report)
