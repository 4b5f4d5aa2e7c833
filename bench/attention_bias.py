"""Simulated cost of attention with an additive bias, and of generation
with and without a KV cache.

1. T5-like attention (relative position bias [1, H, S, S], scale 1): the
   decomposed form the importer used to emit (scores by batch_matmul, add
   the bias, softmax, batch_matmul) against the fused xf.attention with its
   `bias` operand. Timing-only simulation on the target (cycles).
2. Greedy generation of 32 tokens with a tiny GPT-2 and Llama through
   muir.torch.compile_generate, recomputing the prefix each step against
   the KV-cache decode: tokens per simulated second.

    MUIR_BUILD_DIR=$PWD/build PYTHONPATH=build/python_packages python3 bench/attention_bias.py [--target trn2]
"""
import argparse
import json
import os
import pathlib
import subprocess
import tempfile

BUILD = pathlib.Path(os.environ.get("MUIR_BUILD_DIR", pathlib.Path(__file__).resolve().parents[1] / "build"))


def _ty(shape, dt):
    return "tensor<" + "x".join(str(d) for d in shape) + f"x{dt}>"


def attention_text(b, h, s, d, dt, fused):
    q, bias, sc = _ty((b, h, s, d), dt), _ty((1, h, s, s), dt), _ty((b, h, s, s), dt)
    head = f"func.func @main(%q: {q}, %k: {q}, %v: {q}, %b: {bias}) -> {q} {{\n"
    if fused:
        body = (f"  %0 = xf.attention %q, %k, %v bias %b {{scale = 1.0 : f32}} : "
                f"({q}, {q}, {q}, {bias}) -> {q}\n  return %0 : {q}\n")
    else:
        body = (f"  %s = xf.batch_matmul %q, %k {{transpose_rhs = true}} : ({q}, {q}) -> {sc}\n"
                f"  %t = xf.add %s, %b : ({sc}, {bias}) -> {sc}\n"
                f"  %p = xf.softmax %t {{axis = 3 : i64}} : {sc}\n"
                f"  %o = xf.batch_matmul %p, %v : ({sc}, {q}) -> {q}\n  return %o : {q}\n")
    return head + body + "}\n"


def simulate(text, target):
    with tempfile.TemporaryDirectory() as d:
        src, rep = pathlib.Path(d) / "a.mlir", pathlib.Path(d) / "r.json"
        src.write_text(text)
        subprocess.run([str(BUILD / "bin" / "muir-run"), str(src), "--backend=sim", "--timing-only",
                        f"--target={target}", f"--report-json={rep}"], check=True, capture_output=True, text=True)
        return json.loads(rep.read_text())


def generation(name, target):
    import torch
    import transformers as T
    import muir.torch
    T.logging.set_verbosity_error()
    torch.manual_seed(12)
    model = {"gpt2": lambda: T.GPT2LMHeadModel(T.GPT2Config(n_layer=2, n_embd=128, n_head=4, vocab_size=1000,
                                                             n_positions=128)),
             "llama": lambda: T.LlamaForCausalLM(T.LlamaConfig(hidden_size=128, intermediate_size=256,
                                                               num_attention_heads=4, num_key_value_heads=2,
                                                               num_hidden_layers=2, vocab_size=1000,
                                                               max_position_embeddings=128))}[name]().eval()
    prompt = torch.randint(0, 1000, (1, 16))
    out = {}
    for kv in (False, True):
        gen = muir.torch.compile_generate(model, target=target, kv_cache=kv)
        tokens = gen.generate(prompt, max_new_tokens=32, eos_token_id=[])
        out["kv_cache" if kv else "recompute"] = dict(gen.report, tokens=tokens[0, 16:].tolist())
    assert out["kv_cache"]["tokens"] == out["recompute"]["tokens"]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default="trn2")
    ap.add_argument("--skip-generation", action="store_true")
    args = ap.parse_args()
    rows = []
    for b, h, s, d, dt in [(1, 8, 512, 64, "bf16"), (1, 8, 512, 64, "f32"), (4, 12, 200, 64, "bf16")]:
        dec = simulate(attention_text(b, h, s, d, dt, False), args.target)
        fus = simulate(attention_text(b, h, s, d, dt, True), args.target)
        rows.append((f"B={b} H={h} S={s} D={d} {dt}", dec["cycles"], fus["cycles"],
                     dec["hbm_bytes_read"] + dec["hbm_bytes_written"], fus["hbm_bytes_read"] + fus["hbm_bytes_written"]))
    print(f"T5-like attention with a [1, H, S, S] bias on {args.target} (timing-only simulation)")
    print(f"{'shape':<28} {'decomposed cycles':>18} {'fused cycles':>13} {'speed-up':>9} "
          f"{'HBM MB dec':>11} {'HBM MB fused':>13}")
    for name, dc, fc, dh, fh in rows:
        print(f"{name:<28} {dc:>18,.0f} {fc:>13,.0f} {dc / fc:>8.2f}x {dh / 1e6:>11.2f} {fh / 1e6:>13.2f}")
    if args.skip_generation:
        return
    print(f"\nGreedy generation, 16-token prompt + 32 tokens, on {args.target} (tokens per simulated second)")
    for name in ("gpt2", "llama"):
        r = generation(name, args.target)
        rc, kv = r["recompute"], r["kv_cache"]
        print(f"{name:<6} recompute {rc['tokens_per_second']:>9,.0f} tok/s ({rc['compiles']} compiles)   "
              f"kv cache {kv['tokens_per_second']:>9,.0f} tok/s ({kv['compiles']} compiles)   "
              f"{kv['tokens_per_second'] / rc['tokens_per_second']:.2f}x")


if __name__ == "__main__":
    main()
