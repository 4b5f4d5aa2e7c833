"""Import speed of the PyTorch front end on GPT-2 with its real 50,257-token
vocabulary (2 layers, width 128, random weights from the config, no
download): torch.export, the importer's text work, MLIR parse, and the peak
memory above the model itself, with the weights written into the text as
hex (`muir.torch.to_xf`, the old path) and passed as dense_resource blobs
(`muir.torch.to_module`, what `muir.torch.compile` does).

    PYTHONPATH=build/python_packages python3 bench/import_speed.py
"""
import argparse
import json
import subprocess
import sys
import time


def _kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def measure(mode, layers, width):
    import torch
    import transformers
    import muir
    from muir import _torch_import
    transformers.logging.set_verbosity_error()
    torch.manual_seed(0)
    model = transformers.GPT2Model(transformers.GPT2Config(n_layer=layers, n_embd=width, n_head=4)).eval()
    ids = torch.randint(0, model.config.vocab_size, (1, 16))
    weights_mb = sum(p.numel() * p.element_size() for p in model.parameters()) / 1e6
    t0 = time.perf_counter()
    ep_text, resources, _, _ = _torch_import.to_xf(model, (ids,), {"use_cache": False})
    t1 = time.perf_counter()  # export + importer, weights as arrays
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets the peak RSS: count only what follows
    base = _kib("VmRSS")
    t2 = time.perf_counter()
    if mode == "hex":
        text = ep_text + _torch_import.resources_text(resources)
        t3 = time.perf_counter()
        module = muir.parse(text)
    else:
        text = ep_text
        t3 = time.perf_counter()
        module = muir.parse(text, resources=resources)
    t4 = time.perf_counter()
    assert module is not None
    return {"mode": mode, "vocab": model.config.vocab_size, "layers": layers, "width": width,
            "weights_MB": round(weights_mb, 1), "export_and_import_s": round(t1 - t0, 3),
            "text_s": round(t3 - t2, 3), "text_MB": round(len(text) / 1e6, 2), "parse_s": round(t4 - t3, 3),
            "text_and_parse_s": round(t4 - t2, 3), "peak_MB_above_model": round((_kib("VmHWM") - base) / 1e3, 1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=["hex", "resources"])
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--width", type=int, default=128)
    a = ap.parse_args()
    if a.mode:
        print(json.dumps(measure(a.mode, a.layers, a.width)))
        return
    rows = []
    for mode in ("hex", "resources"):  # each in a fresh process, for its peak memory
        out = subprocess.run([sys.executable, __file__, "--mode", mode, "--layers", str(a.layers),
                              "--width", str(a.width)], capture_output=True, text=True, check=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    keys = ["mode", "weights_MB", "export_and_import_s", "text_s", "text_MB", "parse_s", "text_and_parse_s",
            "peak_MB_above_model"]
    print(f"GPT-2, vocabulary {rows[0]['vocab']}, {a.layers} layers, width {a.width}")
    print(" | ".join(keys))
    for r in rows:
        print(" | ".join(str(r[k]) for k in keys))


if __name__ == "__main__":
    main()
