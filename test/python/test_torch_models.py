"""The PyTorch front end on a suite of models nobody on this project wrote:
transformers architectures built from small configs with random weights (no
downloads) and hand-written nanoGPT-, Llama- and ViT-style blocks, each
through both entry points — `muir.torch.compile` (torch.export; simulator
checked against the reference backend) and `torch.compile(backend="muir")`
(dynamo) — in f32 and bf16, compared with PyTorch's own output.

Tolerances as in test_torch_frontend.py: f32 rtol 1e-4 / atol 1e-4; bf16
against PyTorch in bf16 with rtol 5e-2 / atol 5e-2 (two rounding paths of
8-bit mantissas through a layer).
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
T = transformers
TARGET = "small"
VOCAB, SEQ, WIDTH, HEADS = 96, 8, 64, 4

# Shared sizes, spelled as each config family names them.
_DEC = dict(vocab_size=VOCAB, hidden_size=WIDTH, intermediate_size=128, num_hidden_layers=1,
            num_attention_heads=HEADS, max_position_embeddings=64)
_GQA = dict(_DEC, num_key_value_heads=2)
_ENC = dict(vocab_size=VOCAB, hidden_size=WIDTH, intermediate_size=128, num_hidden_layers=1,
            num_attention_heads=HEADS, max_position_embeddings=64)
_VIT = dict(image_size=16, patch_size=4, num_channels=3, hidden_size=WIDTH, intermediate_size=128,
            num_hidden_layers=1, num_attention_heads=HEADS)

# name -> (model class, config); every model takes input_ids [1, SEQ] except
# the vision ones (pixel_values [1, 3, 16, 16]).
ARCHS = {
    "gpt2": (T.GPT2Model, lambda: T.GPT2Config(vocab_size=VOCAB, n_embd=WIDTH, n_layer=1, n_head=HEADS,
                                              n_positions=64)),
    "bert": (T.BertModel, lambda: T.BertConfig(**_ENC)),
    "roberta": (T.RobertaModel, lambda: T.RobertaConfig(**dict(_ENC, max_position_embeddings=80))),
    "xlm-roberta": (T.XLMRobertaModel, lambda: T.XLMRobertaConfig(**dict(_ENC, max_position_embeddings=80))),
    "electra": (T.ElectraModel, lambda: T.ElectraConfig(**dict(_ENC, embedding_size=WIDTH))),
    "distilbert": (T.DistilBertModel, lambda: T.DistilBertConfig(vocab_size=VOCAB, dim=WIDTH, hidden_dim=128,
                                                                 n_layers=1, n_heads=HEADS,
                                                                 max_position_embeddings=64)),
    "albert": (T.AlbertModel, lambda: T.AlbertConfig(**dict(_ENC, embedding_size=32))),
    "llama": (T.LlamaModel, lambda: T.LlamaConfig(**_GQA)),
    "mistral": (T.MistralModel, lambda: T.MistralConfig(**_GQA)),
    "qwen2": (T.Qwen2Model, lambda: T.Qwen2Config(**_GQA)),
    "qwen3": (T.Qwen3Model, lambda: T.Qwen3Config(**dict(_GQA, head_dim=16))),
    "gemma": (T.GemmaModel, lambda: T.GemmaConfig(**dict(_GQA, head_dim=16))),
    "phi": (T.PhiModel, lambda: T.PhiConfig(**_DEC)),
    "phi3": (T.Phi3Model, lambda: T.Phi3Config(**_GQA, pad_token_id=0)),
    "stablelm": (T.StableLmModel, lambda: T.StableLmConfig(**_GQA)),
    "olmo": (T.OlmoModel, lambda: T.OlmoConfig(**_GQA, pad_token_id=0)),
    "granite": (T.GraniteModel, lambda: T.GraniteConfig(**_GQA)),
    "gpt-neox": (T.GPTNeoXModel, lambda: T.GPTNeoXConfig(**_DEC)),
    "opt": (T.OPTModel, lambda: T.OPTConfig(vocab_size=VOCAB, hidden_size=WIDTH, ffn_dim=128, num_hidden_layers=1,
                                            num_attention_heads=HEADS, max_position_embeddings=64,
                                            word_embed_proj_dim=WIDTH)),
    "falcon": (T.FalconModel, lambda: T.FalconConfig(vocab_size=VOCAB, hidden_size=WIDTH, num_hidden_layers=1,
                                                     num_attention_heads=HEADS)),
    "bloom": (T.BloomModel, lambda: T.BloomConfig(vocab_size=VOCAB, hidden_size=WIDTH, n_layer=1, n_head=HEADS)),
    "gptj": (T.GPTJModel, lambda: T.GPTJConfig(vocab_size=VOCAB, n_embd=WIDTH, n_layer=1, n_head=HEADS,
                                              n_positions=64, rotary_dim=8)),
    "codegen": (T.CodeGenModel, lambda: T.CodeGenConfig(vocab_size=VOCAB, n_embd=WIDTH, n_layer=1, n_head=HEADS,
                                                        n_positions=64, n_ctx=64, rotary_dim=8)),
    "gpt-bigcode": (T.GPTBigCodeModel, lambda: T.GPTBigCodeConfig(vocab_size=VOCAB, n_embd=WIDTH, n_layer=1,
                                                                  n_head=HEADS, n_positions=64)),
    "t5-encoder": (T.T5EncoderModel, lambda: T.T5Config(vocab_size=VOCAB, d_model=WIDTH, d_kv=16, d_ff=128,
                                                        num_layers=1, num_heads=HEADS)),
    "vit": (T.ViTModel, lambda: T.ViTConfig(**_VIT)),
    "deit": (T.DeiTModel, lambda: T.DeiTConfig(**_VIT)),
}
VISION = {"vit", "deit"}


def _inputs(name):
    g = torch.Generator().manual_seed(11)
    if name in VISION:
        return (torch.randn(1, 3, 16, 16, generator=g),)
    return (torch.randint(3, VOCAB, (1, SEQ), generator=g),)


def _kwargs(name):
    return {} if name in VISION or name in ("bert", "roberta", "xlm-roberta", "electra", "distilbert", "albert",
                                            "t5-encoder") else {"use_cache": False}


def _make(name, dtype):
    cls, cfg = ARCHS[name]
    torch.manual_seed(0)
    return cls(cfg()).eval().to(dtype)


def _hidden(out):
    return out.last_hidden_state if hasattr(out, "last_hidden_state") else out[0]


def _tol(dtype):
    return dict(rtol=1e-4, atol=1e-4) if dtype == torch.float32 else dict(rtol=5e-2, atol=5e-2)


def _cast_in(x, dtype):
    return x.to(dtype) if x.is_floating_point() else x


DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16}


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("name", ARCHS)
def test_export_entry_point(name, dt):
    dtype = DTYPES[dt]
    model = _make(name, dtype)
    args = tuple(_cast_in(x, dtype) for x in _inputs(name))
    exe = muir.torch.compile(model, args, target=TARGET, example_kwargs=_kwargs(name))
    got = exe.run(*args, check=True)[0]  # the simulator also matches the reference backend
    with torch.no_grad():
        want = _hidden(model(*args, **_kwargs(name))).float().numpy()
    np.testing.assert_allclose(np.asarray(got, dtype=np.float32), want, **_tol(dtype))


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("name", ARCHS)
def test_dynamo_entry_point(name, dt):
    dtype = DTYPES[dt]
    torch._dynamo.reset()
    model = _make(name, dtype)
    args = tuple(_cast_in(x, dtype) for x in _inputs(name))
    fast = torch.compile(model, backend="muir")
    with torch.no_grad():
        got = _hidden(fast(*args, **_kwargs(name)))
        want = _hidden(model(*args, **_kwargs(name)))
    np.testing.assert_allclose(got.float().numpy(), want.float().numpy(), **_tol(dtype))


# ----------------------------------------------------------------------------- hand-written blocks

F = torch.nn.functional


class NanoGPTBlock(torch.nn.Module):
    """nanoGPT's Block: a float tril buffer compared with 0 and masked_fill."""

    def __init__(self, d=WIDTH, h=HEADS, ctx=32):
        super().__init__()
        self.h = h
        self.ln_1, self.ln_2 = torch.nn.LayerNorm(d), torch.nn.LayerNorm(d)
        self.c_attn, self.c_proj = torch.nn.Linear(d, 3 * d), torch.nn.Linear(d, d)
        self.fc, self.proj = torch.nn.Linear(d, 4 * d), torch.nn.Linear(4 * d, d)
        self.register_buffer("bias", torch.tril(torch.ones(ctx, ctx)).view(1, 1, ctx, ctx))

    def attn(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.h, c // self.h).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / (k.size(-1) ** 0.5))
        att = att.masked_fill(self.bias[:, :, :t, :t] == 0, float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(b, t, c))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.proj(F.gelu(self.fc(self.ln_2(x))))


class LlamaBlock(torch.nn.Module):
    """A hand-written Llama block: RMSNorm, rotary tables from a buffer
    (cos/sin computed in forward), GQA by repeat_interleave, a masked_fill
    causal mask, SwiGLU."""

    def __init__(self, d=WIDTH, h=HEADS, kv=2):
        super().__init__()
        self.h, self.kv, self.hd = h, kv, d // h
        self.wq, self.wk = torch.nn.Linear(d, d, bias=False), torch.nn.Linear(d, kv * self.hd, bias=False)
        self.wv, self.wo = torch.nn.Linear(d, kv * self.hd, bias=False), torch.nn.Linear(d, d, bias=False)
        self.w1, self.w3 = torch.nn.Linear(d, 128, bias=False), torch.nn.Linear(d, 128, bias=False)
        self.w2 = torch.nn.Linear(128, d, bias=False)
        self.n1, self.n2 = torch.nn.RMSNorm(d, eps=1e-5), torch.nn.RMSNorm(d, eps=1e-5)
        self.register_buffer("inv_freq", 1.0 / 10000 ** (torch.arange(0, self.hd, 2).float() / self.hd))

    def rope(self, x, cos, sin):
        x1, x2 = x[..., : self.hd // 2], x[..., self.hd // 2:]
        return x * cos + torch.cat((-x2, x1), dim=-1) * sin

    def forward(self, x):
        b, t, _ = x.shape
        ang = torch.outer(torch.arange(t, dtype=torch.float32), self.inv_freq)
        emb = torch.cat((ang, ang), dim=-1)
        cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)
        y = self.n1(x)
        q = self.wq(y).view(b, t, self.h, self.hd).transpose(1, 2)
        k = self.wk(y).view(b, t, self.kv, self.hd).transpose(1, 2)
        v = self.wv(y).view(b, t, self.kv, self.hd).transpose(1, 2)
        q, k = self.rope(q, cos, sin), self.rope(k, cos, sin)
        k = k.repeat_interleave(self.h // self.kv, dim=1)
        v = v.repeat_interleave(self.h // self.kv, dim=1)
        s = q @ k.transpose(-2, -1) / self.hd ** 0.5
        mask = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
        s = s.masked_fill(~mask, float("-inf"))
        a = (F.softmax(s.float(), dim=-1).to(q.dtype) @ v).transpose(1, 2).reshape(b, t, -1)
        x = x + self.wo(a)
        y = self.n2(x)
        return x + self.w2(F.silu(self.w1(y)) * self.w3(y))


class ViTBlock(torch.nn.Module):
    """A ViT front: conv2d patch embedding, class token, positions, one
    pre-norm encoder layer (nn.MultiheadAttention), and an unfold-based
    patch embedding checked against the convolution."""

    def __init__(self, d=WIDTH, p=4, img=16):
        super().__init__()
        self.p = p
        self.patch = torch.nn.Conv2d(3, d, kernel_size=p, stride=p)
        self.cls = torch.nn.Parameter(torch.randn(1, 1, d))
        self.pos = torch.nn.Parameter(torch.randn(1, (img // p) ** 2 + 1, d))
        self.layer = torch.nn.TransformerEncoderLayer(d, HEADS, 128, dropout=0.0, batch_first=True,
                                                      norm_first=True)

    def forward(self, img):
        x = self.patch(img).flatten(2).transpose(1, 2)
        cols = F.unfold(img, self.p, stride=self.p).transpose(1, 2)   # im2col, [B, L, C p p]
        x2 = cols @ self.patch.weight.flatten(1).t() + self.patch.bias
        x = torch.cat((self.cls.expand(img.shape[0], -1, -1), x), dim=1) + self.pos
        return self.layer(x), x2


BLOCKS = {"nanogpt": (NanoGPTBlock, lambda: torch.randn(1, SEQ, WIDTH)),
          "llama-block": (LlamaBlock, lambda: torch.randn(1, SEQ, WIDTH)),
          "vit-block": (ViTBlock, lambda: torch.randn(2, 3, 16, 16))}


def _block(name, dtype):
    cls, make_x = BLOCKS[name]
    torch.manual_seed(1)
    return cls().eval().to(dtype), make_x().to(dtype)


def _outs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("name", BLOCKS)
def test_block_export(name, dt):
    dtype = DTYPES[dt]
    block, x = _block(name, dtype)
    exe = muir.torch.compile(block, (x,), target=TARGET)
    got = exe.run(x, check=True)
    with torch.no_grad():
        want = _outs(block(x))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g, dtype=np.float32), w.float().numpy(), **_tol(dtype))


@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("name", BLOCKS)
def test_block_dynamo(name, dt):
    dtype = DTYPES[dt]
    torch._dynamo.reset()
    block, x = _block(name, dtype)
    with torch.no_grad():
        got = _outs(torch.compile(block, backend="muir")(x))
        want = _outs(block(x))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.float().numpy(), w.float().numpy(), **_tol(dtype))
