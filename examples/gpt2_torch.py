"""Compile a GPT-2-style model from PyTorch for the trn2 target, run it on the
simulator, check it against PyTorch, print the report and write the timeline.

    PYTHONPATH=build/python_packages python3 examples/gpt2_torch.py
"""
import sys
import warnings

import numpy as np
import torch
import transformers
from transformers import GPT2Config, GPT2Model

import muir
import muir.torch

warnings.filterwarnings("ignore")
transformers.logging.set_verbosity_error()

torch.manual_seed(0)
config = GPT2Config(n_layer=2, n_embd=256, n_head=4, vocab_size=1000, n_positions=128)
model = GPT2Model(config).eval()  # random weights: nothing is downloaded
ids = torch.randint(0, config.vocab_size, (1, 64))

exe = muir.torch.compile(model, (ids,), target="trn2", example_kwargs={"use_cache": False})
print(f"compiled in {exe.compile_seconds:.2f} s: {len(exe.asm.splitlines())} lines of assembly, "
      f"{len(exe.binary)} bytes of binary")

(hidden,) = exe.run(ids)
with torch.no_grad():
    want = model(ids, use_cache=False).last_hidden_state.numpy()
err = float(np.abs(hidden - want).max())
print(f"max |muir - PyTorch| = {err:.2e}")

r = exe.report
print(f"simulated: {r['cycles']:.0f} cycles = {r['seconds'] * 1e6:.1f} us, "
      f"PE utilisation {r['pe_utilization'] * 100:.1f}%, HBM {r['hbm_bytes'] / 1e6:.1f} MB")
path = exe.trace("gpt2_torch.trace.json")
print(f"timeline: {path} (open it at ui.perfetto.dev)")
sys.exit(0 if err < 1e-3 else 1)
