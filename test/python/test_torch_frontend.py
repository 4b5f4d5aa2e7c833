"""PyTorch front end: transformers models (random weights, small configs, no
downloads) captured with torch.export, compiled, simulated and compared with
PyTorch's own output.

Tolerances: f32 rtol 1e-4 / atol 1e-4; bf16 compares against PyTorch in bf16
with rtol 5e-2 / atol 5e-2 (two rounding paths of 8-bit mantissas through
several layers).
"""
import sys
import warnings

import numpy as np
import pytest

from conftest import BUILD

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
sys.path.insert(0, str(BUILD / "python_packages"))
import muir  # noqa: E402
import muir.torch  # noqa: E402,F401

warnings.filterwarnings("ignore")
transformers.logging.set_verbosity_error()
from transformers import (BertConfig, BertModel, GPT2Config, GPT2Model,  # noqa: E402
                          LlamaConfig, LlamaModel)
from transformers.models.bert.modeling_bert import BertLayer  # noqa: E402
from transformers.models.gpt2.modeling_gpt2 import GPT2Block  # noqa: E402

TARGET = "small"


def gpt2(layers):
    return GPT2Model(GPT2Config(n_layer=layers, n_embd=64, n_head=4, vocab_size=100, n_positions=64))


def bert(layers):
    return BertModel(BertConfig(num_hidden_layers=layers, hidden_size=64, num_attention_heads=4,
                                intermediate_size=128, vocab_size=100, max_position_embeddings=64))


def llama(layers):
    return LlamaModel(LlamaConfig(hidden_size=64, intermediate_size=128, num_attention_heads=4,
                                  num_key_value_heads=2, num_hidden_layers=layers, vocab_size=100,
                                  max_position_embeddings=64))


KWARGS = {"gpt2": {"use_cache": False}, "bert": {}, "llama": {"use_cache": False}}


def run_both(model, ids, kwargs, dtype=torch.float32):
    model = model.eval().to(dtype)
    exe = muir.torch.compile(model, (ids,), target=TARGET, example_kwargs=kwargs)
    got = exe.run(ids.numpy(), check=True)[0]  # the simulator also matches the reference backend
    with torch.no_grad():
        want = model(ids, **kwargs).last_hidden_state
    return np.asarray(got, dtype=np.float32), want.float().numpy(), exe


@pytest.mark.parametrize("name,make", [("gpt2", gpt2), ("bert", bert), ("llama", llama)])
@pytest.mark.parametrize("layers", [1, 2])
def test_transformers_model_f32(name, make, layers):
    torch.manual_seed(layers)
    ids = torch.randint(0, 100, (1, 12))
    got, want, exe = run_both(make(layers), ids, KWARGS[name])
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    assert exe.report["cycles"] > 0


@pytest.mark.parametrize("name,make", [("gpt2", gpt2), ("llama", llama)])
def test_transformers_model_bf16(name, make):
    torch.manual_seed(5)
    ids = torch.randint(0, 100, (1, 8))
    got, want, _ = run_both(make(1), ids, KWARGS[name], dtype=torch.bfloat16)
    np.testing.assert_allclose(got, want, rtol=5e-2, atol=5e-2)


def test_gpt2_block_alone():
    torch.manual_seed(3)
    block = GPT2Block(GPT2Config(n_embd=64, n_head=4)).eval()
    x = torch.randn(1, 10, 64)
    exe = muir.torch.compile(block, (x,), target=TARGET)
    (got,) = exe.run(x)
    with torch.no_grad():
        want = block(x)
    want = want[0] if isinstance(want, tuple) else want
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-4)


def test_bert_layer_alone():
    torch.manual_seed(4)
    layer = BertLayer(BertConfig(hidden_size=64, num_attention_heads=4, intermediate_size=128)).eval()
    x = torch.randn(1, 10, 64)
    exe = muir.torch.compile(layer, (x,), target=TARGET)
    (got,) = exe.run(x)
    with torch.no_grad():
        want = layer(x)
    want = want[0] if isinstance(want, tuple) else want
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-4)


def test_muir_compile_accepts_a_torch_module():
    lin = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.GELU(), torch.nn.Linear(32, 8)).eval()
    x = torch.randn(4, 16)
    exe = muir.compile(lin, (x,), target=TARGET)
    (got,) = exe.run(x)
    np.testing.assert_allclose(got, lin(x).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_torch_compile_backend():
    torch._dynamo.reset()
    mlp = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.SiLU(), torch.nn.Linear(16, 4)).eval()
    x = torch.randn(3, 8)
    fast = torch.compile(mlp, backend="muir")
    got = fast(x)
    assert isinstance(got, torch.Tensor)
    torch.testing.assert_close(got, mlp(x).detach(), rtol=1e-4, atol=1e-5)


class TwoUnsupported(torch.nn.Module):
    def forward(self, x):
        a = torch.floor(x)
        b, _ = torch.sort(x, dim=1)
        return a + b


def test_unsupported_operators_are_all_listed():
    with pytest.raises(muir.torch.UnsupportedOperatorError) as info:
        muir.torch.to_xf(TwoUnsupported(), (torch.randn(2, 5),))
    msg = str(info.value)
    assert "floor" in msg and "sort" in msg
    assert "test_torch_frontend.py" in msg  # each with its source location
    assert isinstance(info.value, NotImplementedError)


@pytest.mark.parametrize("name", ["gpt2", "bert", "llama"])
def test_decomposed_eager_attention(name):
    # attn_implementation="eager": matmul, scale, mask add, softmax, matmul.
    torch.manual_seed(6)
    cfg = {"gpt2": lambda: GPT2Config(n_layer=1, n_embd=64, n_head=4, vocab_size=100, n_positions=64),
           "bert": lambda: BertConfig(num_hidden_layers=1, hidden_size=64, num_attention_heads=4,
                                      intermediate_size=128, vocab_size=100, max_position_embeddings=64),
           "llama": lambda: LlamaConfig(hidden_size=64, intermediate_size=128, num_attention_heads=4,
                                        num_key_value_heads=2, num_hidden_layers=1, vocab_size=100,
                                        max_position_embeddings=64)}[name]()
    cfg._attn_implementation = "eager"
    model = {"gpt2": GPT2Model, "bert": BertModel, "llama": LlamaModel}[name](cfg)
    ids = torch.randint(0, 100, (1, 10))
    got, want, _ = run_both(model, ids, KWARGS[name])
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name,make", [("gpt2", gpt2), ("bert", bert), ("llama", llama)])
def test_padding_attention_mask(name, make):
    # attention_mask is an input: the mask is built on the accelerator from
    # it (bool as 0/1, index -> broadcast view, and -> mul) and, being key
    # padding, becomes the fused attention's key bias. Row 1 is padded.
    torch.manual_seed(7)
    model = make(1).eval()
    ids = torch.randint(0, 100, (2, 10))
    mask = torch.ones(2, 10, dtype=torch.long)
    mask[1, 7:] = 0
    kwargs = dict(KWARGS[name], attention_mask=mask)  # GPT-2's second positional is the cache
    # Key padding (with causal or no constant mask) uses the fused kernel.
    assert "key_bias" in muir.torch.to_xf(model, (ids,), kwargs)
    exe = muir.torch.compile(model, (ids,), target=TARGET, example_kwargs=kwargs)
    got = exe.run(ids.numpy(), mask.numpy(), check=True)[0]
    with torch.no_grad():
        want = model(ids, attention_mask=mask, **KWARGS[name]).last_hidden_state.numpy()
    # Positions a padded query cannot see are undefined in PyTorch's eyes
    # only for fully hidden rows; with end padding every row sees a key.
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    # A different mask at run time changes the result as PyTorch's does.
    mask2 = torch.ones(2, 10, dtype=torch.long)
    mask2[0, 5:] = 0
    got2 = exe.run(ids.numpy(), mask2.numpy())[0]
    with torch.no_grad():
        want2 = model(ids, attention_mask=mask2, **KWARGS[name]).last_hidden_state.numpy()
    np.testing.assert_allclose(got2, want2, rtol=1e-4, atol=1e-4)


class ConstIndex(torch.nn.Module):
    def __init__(self, idx):
        super().__init__()
        self.idx = idx

    def forward(self, x):
        return x[:, self.idx] * 2.0


@pytest.mark.parametrize("idx", [torch.tensor([2, 0, 1, 1]), torch.arange(3)])
def test_index_with_constant_indices(idx):
    # A permutation with a repeat is a gather; an arange is a view.
    x = torch.randn(4, 3)
    exe = muir.torch.compile(ConstIndex(idx), (x,), target=TARGET)
    (got,) = exe.run(x)
    np.testing.assert_allclose(got, (x[:, idx] * 2.0).numpy(), rtol=1e-6, atol=1e-6)


class LogicalMasks(torch.nn.Module):
    def forward(self, x, a, b):
        keep = (a.bool() | b.bool()) & ~b.bool()  # a and not b, through or/and/not
        return x * keep.float() + (a.bool() & b.bool()).to(x.dtype)


def test_logical_ops_on_input_masks():
    x = torch.randn(3, 5)
    a = torch.randint(0, 3, (3, 5))  # 0, 1 or 2: bool() is a != 0
    b = torch.randint(0, 2, (3, 5))
    exe = muir.torch.compile(LogicalMasks(), (x, a, b), target=TARGET)
    (got,) = exe.run(x, a, b, check=True)
    want = (x * (a.bool() & ~b.bool()).float() + (a.bool() & b.bool()).float()).numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=0)


class IntegerBitOps(torch.nn.Module):
    def forward(self, a, b):
        return (a & b), ~a


class FloatToBool(torch.nn.Module):
    def forward(self, x, i):
        return x * x.bool().float(), x[i.long()]


def test_mask_errors_are_listed():
    with pytest.raises(muir.torch.UnsupportedOperatorError) as info:
        muir.torch.to_xf(FloatToBool(), (torch.randn(3), torch.tensor([0, 2])))
    msg = str(info.value)
    assert "conversion of a float tensor to bool" in msg
    assert "indices that depend on the inputs" in msg


class MaskedSdpa(torch.nn.Module):
    def forward(self, q, k, v, mask):
        if mask.dtype == torch.int64:  # a 0/1 integer input used as a bool mask
            mask = mask.bool()
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_arbitrary_input_mask_fused(kind):
    # A full [B, 1, Sq, Sk] mask from the inputs is not key padding: it is
    # the fused attention's full bias (a bool mask as 0 / the most negative
    # finite value), never materialised scores.
    torch.manual_seed(8)
    q, k, v = (torch.randn(2, 2, 6, 8) for _ in range(3))
    keep = torch.rand(2, 1, 6, 6) > 0.3
    keep[..., 0] = True  # every query sees a key
    mask = keep.long() if kind == "bool" else torch.where(keep, 0.0, -1e9) + 0.1 * torch.randn(2, 1, 6, 6)
    text = muir.torch.to_xf(MaskedSdpa(), (q, k, v, mask))
    assert "xf.softmax" not in text and "key_bias" not in text and " bias %" in text
    exe = muir.torch.compile(MaskedSdpa(), (q, k, v, mask), target=TARGET)
    (got,) = exe.run(q, k, v, mask, check=True)
    want = MaskedSdpa()(q, k, v, mask)
    np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-4)


def test_integer_bitwise_ops_are_listed():
    with pytest.raises(muir.torch.UnsupportedOperatorError) as info:
        muir.torch.to_xf(IntegerBitOps(), (torch.tensor([1, 2]), torch.tensor([3, 1])))
    msg = str(info.value)
    assert "bitwise operations on integer tensors" in msg
    assert "bitwise not of an integer tensor" in msg


def test_dynamo_dynamic_shapes_compile_per_shape(caplog):
    # dynamo's default: static first, then a graph with symbolic sizes after
    # a shape change (a SymInt input). Each concrete shape compiles once,
    # is cached, and matches eager; nothing falls back to eager.
    torch._dynamo.reset()
    torch.manual_seed(9)
    model = gpt2(1).eval()
    fast = torch.compile(model, backend="muir")
    caplog.set_level("INFO", logger="muir.torch")
    for n in (6, 9, 5, 9, 5):
        ids = torch.randint(0, 100, (1, n))
        with torch.no_grad():
            got = fast(ids, use_cache=False).last_hidden_state
            want = model(ids, use_cache=False).last_hidden_state
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-4)
    compiles = [r for r in caplog.records if "compiling a dynamo graph" in r.getMessage()]
    assert len(compiles) == 3, [r.getMessage() for r in compiles]


def lm(name, layers=1, **config):
    from transformers import GPT2LMHeadModel, LlamaForCausalLM
    torch.manual_seed(12)
    return {"gpt2": lambda: GPT2LMHeadModel(GPT2Config(n_layer=layers, n_embd=64, n_head=4, vocab_size=100,
                                                       n_positions=64, **config)),
            "llama": lambda: LlamaForCausalLM(LlamaConfig(hidden_size=64, intermediate_size=128,
                                                          num_attention_heads=4, num_key_value_heads=2,
                                                          num_hidden_layers=layers, vocab_size=100,
                                                          max_position_embeddings=64, **config))}[name]().eval()


@pytest.mark.parametrize("kv_cache", [True, False])
@pytest.mark.parametrize("name", ["gpt2", "llama"])
def test_greedy_generation_matches_transformers(name, kv_cache):
    # Up to 32 greedy tokens of a tiny model on the simulator, token for
    # token the same as model.generate. With the KV cache: one prefill and
    # one decode compile (the cache's capacity is the bucket of prompt + new
    # tokens, resident on the device); without: one compile per
    # sequence-length bucket.
    model = lm(name)
    prompt = torch.randint(0, 100, (1, 5))
    gen = muir.torch.compile_generate(model, target=TARGET, kv_cache=kv_cache)
    got = gen.generate(prompt, max_new_tokens=32)
    with torch.no_grad():
        want = model.generate(prompt, max_new_tokens=32, do_sample=False, pad_token_id=0,
                              attention_mask=torch.ones_like(prompt))
    assert got.tolist() == want.tolist()
    steps = want.shape[1] - prompt.shape[1]  # fewer than 32 if an end token came
    assert gen.report["steps"] == steps and steps >= 8
    if kv_cache:  # one capacity: the bucket of 5 + 32 - 1 positions
        assert gen.report["compiles"] == 2 and gen.capacity(5 + 32 - 1) == 64
    else:
        assert gen.report["compiles"] == len({gen.bucket(n) for n in range(5, 5 + steps)})
    assert gen.report["tokens_per_second"] > 0
    assert gen.report["mode"] == ("kv_cache" if kv_cache else "recompute")


@pytest.mark.parametrize("name", ["gpt2", "llama"])
def test_kv_cache_stays_on_the_device(name):
    # The KV cache lives in the generator's session (simulated HBM) for the
    # whole generation: written once (zeros) when allocated, then only each
    # step's token, position, mask and row position go to the device and
    # only its logits come back. Every decode step moves the same few bytes
    # whatever the cache holds, and the cache's bytes never cross again.
    model = lm(name, layers=2)
    prompt = torch.randint(0, 100, (1, 5))
    gen = muir.torch.compile_generate(model, target=TARGET)
    got = gen.generate(prompt, max_new_tokens=16, eos_token_id=[])
    with torch.no_grad():
        want = model.generate(prompt, max_new_tokens=16, do_sample=False, pad_token_id=0, eos_token_id=None,
                              attention_mask=torch.ones_like(prompt))
    assert got.tolist() == want.tolist()
    cap = gen.capacity(5 + 16 - 1)
    cache_bytes = sum(4 * h * cap * d for h, d in gen._kv_layout())  # f32, batch 1
    transfers = gen.report["transfers"]
    assert [t["kind"] for t in transfers] == ["prefill"] + ["decode"] * 15
    vocab = model.config.vocab_size
    for t in transfers[1:]:
        # ids, position, slot (i32 on the target) and the [1, cap] mask in;
        # the [1, 1, V] f32 logits out.
        assert t["host_to_device_bytes"] == 4 + 4 + 4 * cap + 4
        assert t["device_to_host_bytes"] == 4 * vocab
        assert t["host_to_device_bytes"] < cache_bytes / 10
    stats = gen.session.stats
    per_run = sum(t["host_to_device_bytes"] for t in transfers)
    assert stats["host_to_device_bytes"] == cache_bytes + per_run  # the cache: once
    assert stats["runs"] == 16 and stats["seconds"] == pytest.approx(gen.report["simulated_seconds"])
    # Reading the cache back gives the model's own K/V for every position run.
    from transformers import DynamicCache
    with torch.no_grad():
        out = model(got[:, :-1], use_cache=True, **{muir.torch._cache_kwarg(model): DynamicCache(config=model.config)})
    for ours, theirs in zip(gen._read_cache(20), [t for kv in muir.torch._cache_layers(out.past_key_values) for t in kv]):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-4)


def test_session_refuses_a_full_capacity():
    # A model with 16 positions: the cache is capped at 16 slots and a step
    # past them is refused with a message, not written out of range.
    from transformers import GPT2LMHeadModel
    torch.manual_seed(3)
    model = GPT2LMHeadModel(GPT2Config(n_layer=1, n_embd=64, n_head=4, vocab_size=100, n_positions=16)).eval()
    gen = muir.torch.compile_generate(model, target=TARGET)
    assert gen.capacity(40) == 16
    with pytest.raises(ValueError, match="sequence of 17 tokens exceeds the model's 16 positions"):
        gen.generate(torch.randint(0, 100, (1, 10)), max_new_tokens=12, eos_token_id=[])


@pytest.mark.parametrize("kind", ["DynamicCache", "StaticCache"])
def test_generation_with_transformers_caches(kind):
    # A transformers cache passed to generate: filled with the K/V of every
    # position run, like model.generate fills it; then a second call
    # continues from it, running only the tokens past its prefix.
    import transformers
    model = lm("llama", layers=2)
    make = (lambda: transformers.DynamicCache(config=model.config)) if kind == "DynamicCache" else \
        (lambda: transformers.StaticCache(config=model.config, max_cache_len=40))
    prompt = torch.randint(0, 100, (1, 6))
    ours, theirs = make(), make()
    gen = muir.torch.compile_generate(model, target=TARGET)
    got = gen.generate(prompt, max_new_tokens=8, eos_token_id=[], past_key_values=ours)
    with torch.no_grad():
        want = model.generate(prompt, max_new_tokens=8, do_sample=False, pad_token_id=0, eos_token_id=None,
                              attention_mask=torch.ones_like(prompt), past_key_values=theirs)
    assert got.tolist() == want.tolist()
    n = got.shape[1] - 1  # the last token is never run
    assert ours.get_seq_length() == theirs.get_seq_length() == n
    for (k, v), (k2, v2) in zip(muir.torch._cache_layers(ours), muir.torch._cache_layers(theirs)):
        np.testing.assert_allclose(k[:, :, :n].numpy(), k2[:, :, :n].numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(v[:, :, :n].numpy(), v2[:, :, :n].numpy(), rtol=1e-4, atol=1e-4)
    steps = gen.report["steps"]
    more = gen.generate(got, max_new_tokens=4, eos_token_id=[], past_key_values=ours)
    assert gen.report["steps"] == steps + 4  # the prefix is not run again
    with torch.no_grad():
        want = model.generate(got, max_new_tokens=4, do_sample=False, pad_token_id=0, eos_token_id=None,
                              attention_mask=torch.ones_like(got), past_key_values=theirs)
    assert more.tolist() == want.tolist()
    assert ours.get_seq_length() == more.shape[1] - 1


def left_padded(lengths, vocab=100, pad=0):
    """Prompts of the given lengths, left-padded as transformers pads them."""
    n = max(lengths)
    ids = torch.full((len(lengths), n), pad, dtype=torch.long)
    mask = torch.zeros(len(lengths), n, dtype=torch.long)
    for i, m in enumerate(lengths):
        ids[i, n - m:] = torch.randint(1, vocab, (m,))
        mask[i, n - m:] = 1
    return ids, mask


@pytest.mark.parametrize("name", ["gpt2", "llama"])
def test_batched_greedy_generation_matches_transformers(name):
    # Three prompts of different lengths, left-padded with an attention
    # mask: 32 tokens each, token for token as model.generate.
    # Weights 10x transformers' default scale (std 0.2), so that positions
    # and masks move the argmax: a prefill at unshifted positions or a
    # padding slot left visible changes the tokens.
    model = lm(name, layers=2, initializer_range=0.2)
    torch.manual_seed(1)
    ids, mask = left_padded([3, 7, 5])
    gen = muir.torch.compile_generate(model, target=TARGET)
    got = gen.generate(ids, max_new_tokens=32, attention_mask=mask, pad_token_id=0)
    with torch.no_grad():
        want = model.generate(ids, attention_mask=mask, max_new_tokens=32, do_sample=False, pad_token_id=0)
    assert got.shape[1] == want.shape[1] >= ids.shape[1] + 8
    assert got.tolist() == want.tolist()
    # one prefill (bucket 8), one decode (capacity 64 for 7 + 32 - 1)
    assert gen.report["compiles"] == 2


def test_batched_generation_errors():
    model = lm("gpt2")
    gen = muir.torch.compile_generate(model, target=TARGET)
    ids, mask = left_padded([2, 4])
    with pytest.raises(ValueError, match="padding on the left"):
        gen.generate(ids, 2, attention_mask=mask.flip(1))
    with pytest.raises(ValueError, match="must have the shape of input_ids"):
        gen.generate(ids, 2, attention_mask=mask[:, 1:])
    with pytest.raises(ValueError, match="needs a Generator with kv_cache=True"):
        muir.torch.compile_generate(model, target=TARGET, kv_cache=False).generate(ids, 2, attention_mask=mask)
    import transformers
    with pytest.raises(ValueError, match=r"past_key_values is supported for one sequence"):
        gen.generate(ids, 2, attention_mask=mask, past_key_values=transformers.DynamicCache(config=model.config))


def test_generation_cache_errors():
    import transformers
    model = lm("llama")
    gen = muir.torch.compile_generate(model, target=TARGET)
    prompt = torch.zeros(1, 6, dtype=torch.long)
    with pytest.raises(ValueError, match="holds at most 8 positions; 6 tokens and 4 new ones need 9"):
        gen.generate(prompt, 4, past_key_values=transformers.StaticCache(config=model.config, max_cache_len=8))
    with pytest.raises(TypeError, match="must be a transformers DynamicCache or StaticCache, got dict"):
        gen.generate(prompt, 4, past_key_values={})
    with pytest.raises(ValueError, match="needs a Generator with kv_cache=True"):
        muir.torch.compile_generate(model, target=TARGET, kv_cache=False).generate(
            prompt, 4, past_key_values=transformers.DynamicCache(config=model.config))
    full = transformers.DynamicCache(config=model.config)
    full.update(torch.zeros(1, 2, 6, 16), torch.zeros(1, 2, 6, 16), 0)
    with pytest.raises(ValueError, match="holds 6 positions but input_ids has only 6"):
        gen.generate(prompt, 4, past_key_values=full)


def test_generator_refuses_what_it_cannot_run():
    with pytest.raises(TypeError, match="decoder-only"):
        muir.torch.Generator(gpt2(1))  # no language-model head: no generate()
    gen = muir.torch.Generator(__import__("transformers").GPT2LMHeadModel(
        GPT2Config(n_layer=1, n_embd=64, n_head=4, vocab_size=100, n_positions=16)), target=TARGET)
    with pytest.raises(ValueError, match="exceeds the model's 16 positions"):
        gen.generate(torch.zeros(1, 17, dtype=torch.long), max_new_tokens=1)
    with pytest.raises(ValueError, match=r"must be \[B, S\]"):
        gen.generate(torch.zeros(3, dtype=torch.long), max_new_tokens=1)


def test_kv_cache_objects_are_refused_clearly():
    from transformers import DynamicCache
    with pytest.raises(NotImplementedError, match=r"example_kwargs\['past_key_values'\]: a DynamicCache"):
        muir.torch.to_xf(gpt2(1), (torch.randint(0, 100, (1, 5)),),
                         {"past_key_values": DynamicCache(), "use_cache": True})
    with pytest.raises(NotImplementedError, match="returns a transformers KV cache"):
        muir.torch.to_xf(gpt2(1), (torch.randint(0, 100, (1, 5)),), {"use_cache": True})
