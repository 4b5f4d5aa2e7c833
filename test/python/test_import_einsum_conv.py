"""torch.einsum, conv1d and group_norm through the torch importer: captured
with torch.export, compiled for the small target, simulated (checked against
the reference backend) and compared with PyTorch; then the refused forms."""
import sys

import numpy as np
import pytest

from conftest import BUILD

torch = pytest.importorskip("torch")
sys.path.insert(0, str(BUILD / "python_packages"))
import muir  # noqa: E402
import muir.torch  # noqa: E402,F401

from test_torch_ops import Fn  # noqa: E402  (a module calling a function)


def check(mod, *args, rtol=1e-5, atol=1e-5):
    exe = muir.torch.compile(mod, args, target="small")
    got = exe.run(*args, check=True)
    with torch.no_grad():
        want = mod(*args)
    np.testing.assert_allclose(np.asarray(got[0], dtype=np.float64), want.double().numpy(), rtol=rtol, atol=atol)
    return exe


g = torch.Generator().manual_seed(5)


def rnd(*shape):
    return torch.randn(*shape, generator=g)


@pytest.mark.parametrize("eq,shapes", [
    ("bhqd,bhkd->bhqk", [(2, 3, 5, 8), (2, 3, 7, 8)]),     # attention scores
    ("bhqk,bhkd->bhqd", [(2, 3, 5, 7), (2, 3, 7, 8)]),
    ("ij,jk->ik", [(5, 6), (6, 7)]),
    ("bij,jk->bik", [(2, 5, 6), (6, 7)]),                   # a dense layer
    ("i,j->ij", [(5,), (7,)]),                              # outer product (rope frequencies)
    ("bnd,bmd->bnm", [(3, 4, 6), (3, 5, 6)]),
    ("...d,ed->...e", [(2, 3, 6), (4, 6)]),                 # ellipsis
    ("ij,ij->i", [(5, 6), (5, 6)]),                         # row dot products
    ("bij->bji", [(2, 5, 6)]),                              # one operand: a permutation
    ("ijk->ik", [(3, 4, 5)]),                               # one operand: a sum
    ("ij,kj", [(5, 6), (4, 6)]),                            # implicit result: ik
    ("bhqd, bhkd -> bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)]),  # spaces
])
def test_einsum(eq, shapes):
    check(Fn(lambda *xs: torch.einsum(eq, *xs)), *[rnd(*s) for s in shapes])


def test_einsum_refusals():
    with pytest.raises(Exception, match="diagonals are not supported"):
        muir.torch.compile(Fn(lambda x: torch.einsum("ii->i", x)), (rnd(4, 4),), target="small")
    with pytest.raises(Exception, match="one or two are supported"):
        muir.torch.compile(Fn(lambda a, b, c: torch.einsum("ij,jk,kl->il", a, b, c)),
                           (rnd(2, 3), rnd(3, 4), rnd(4, 5)), target="small")


@pytest.mark.parametrize("cin,cout,k,stride,pad,dil,bias", [
    (4, 6, 3, 1, 1, 1, True),     # 'same' convolution
    (4, 6, 3, 2, 0, 1, False),    # strided
    (3, 5, 4, 1, 3, 2, True),     # dilated, wider padding
    (6, 8, 1, 1, 0, 1, True),     # pointwise
])
def test_conv1d(cin, cout, k, stride, pad, dil, bias):
    conv = torch.nn.Conv1d(cin, cout, k, stride=stride, padding=pad, dilation=dil, bias=bias)
    check(conv.eval(), rnd(2, cin, 11))


def test_conv1d_groups_refused():
    conv = torch.nn.Conv1d(4, 4, 3, groups=4, padding=1)
    with pytest.raises(Exception, match="groups = 4"):
        muir.torch.compile(conv.eval(), (rnd(2, 4, 9),), target="small")


@pytest.mark.parametrize("shape,groups,affine", [((2, 8, 10), 4, True), ((2, 6, 3, 5), 3, True),
                                                 ((3, 4, 7), 1, False), ((2, 4, 9), 4, True)])
def test_group_norm(shape, groups, affine):
    gn = torch.nn.GroupNorm(groups, shape[1], affine=affine)
    if affine:
        with torch.no_grad():
            gn.weight.copy_(rnd(shape[1]))
            gn.bias.copy_(rnd(shape[1]))
    check(gn.eval(), rnd(*shape), atol=2e-5)
