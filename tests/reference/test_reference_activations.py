"""Reference softmax, log_softmax and sigmoid against PyTorch's own implementations."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor

from autograder.reference import log_softmax, sigmoid, softmax

INF = float("inf")
TOL = {
    torch.float16: {"atol": 2e-3, "rtol": 2e-3},
    torch.float32: {"atol": 1e-6, "rtol": 1e-5},
    torch.float64: {"atol": 1e-12, "rtol": 1e-10},
}
# (shape, dim): a batch of 1, odd sizes, a single example, a 3-D input normalised along dim 1.
SHAPES = [((1, 5), -1), ((7, 3), 1), ((4, 11), -1), ((6,), 0), ((3, 4, 5), 1), ((2, 3, 4), 0)]
NORMALISERS = [(softmax, torch.softmax), (log_softmax, F.log_softmax)]


def randn(shape: tuple[int, ...], dtype: torch.dtype, scale: float = 5.0, seed: int = 0) -> Tensor:
    """Reproducible normal samples of ``shape`` times ``scale``, in ``dtype``."""
    gen = torch.Generator().manual_seed(seed)
    return (scale * torch.randn(shape, generator=gen, dtype=torch.float64)).to(dtype)


@pytest.mark.parametrize("ours, theirs", NORMALISERS, ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, dim", SHAPES)
@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.float64])
def test_normalisers_match_torch(ours: Callable, theirs: Callable, shape, dim, dtype) -> None:
    x = randn(shape, dtype)
    before = x.clone()
    out = ours(x, dim=dim)
    assert out.shape == x.shape and out.dtype == dtype and out.device == x.device
    torch.testing.assert_close(out, theirs(x, dim=dim), **TOL[dtype])
    assert torch.equal(x, before), "input was modified"


def test_softmax_default_dim_is_last() -> None:
    x = randn((3, 4, 5), torch.float64)
    torch.testing.assert_close(softmax(x), torch.softmax(x, dim=-1))
    torch.testing.assert_close(log_softmax(x), F.log_softmax(x, dim=-1))
    torch.testing.assert_close(softmax(x).sum(-1), torch.ones(3, 4, dtype=torch.float64))


EXTREME = [
    [1000.0, -1000.0, 0.0],
    [1000.0, 999.0, 1000.0],
    [-1000.0, -1000.0, -1000.0],
    [0.0, -INF, 1.0],
    [-1000.0, -INF, -INF],
    [1000.0, -INF, 1000.0],
]


@pytest.mark.parametrize("ours, theirs", NORMALISERS, ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_normalisers_extreme_logits(ours: Callable, theirs: Callable, dtype) -> None:
    x = torch.tensor(EXTREME, dtype=dtype)
    out = ours(x, dim=1)
    assert not out.isnan().any()
    torch.testing.assert_close(out, theirs(x, dim=1), **TOL[dtype])


def test_softmax_minus_inf_entry_gets_probability_zero() -> None:
    out = softmax(torch.tensor([[0.0, -INF], [-INF, 3.0]]))
    assert torch.equal(out, torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    assert torch.equal(log_softmax(torch.tensor([0.0, -INF])), torch.tensor([0.0, -INF]))


@pytest.mark.parametrize("ours, theirs", NORMALISERS, ids=["softmax", "log_softmax"])
def test_all_minus_inf_row_behaves_like_torch(ours: Callable, theirs: Callable) -> None:
    x = torch.tensor([[-INF, -INF], [0.0, 1.0]])
    torch.testing.assert_close(ours(x, dim=1), theirs(x, dim=1), equal_nan=True)


@pytest.mark.parametrize("ours, theirs", NORMALISERS, ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, dim", [((1, 5), -1), ((7, 3), 1), ((3, 4, 5), 1)])
def test_normaliser_gradients_match_torch(ours: Callable, theirs: Callable, shape, dim) -> None:
    upstream = randn(shape, torch.float64, scale=1.0, seed=1)
    x_ours = randn(shape, torch.float64).requires_grad_()
    x_theirs = x_ours.detach().clone().requires_grad_()
    (ours(x_ours, dim=dim) * upstream).sum().backward()
    (theirs(x_theirs, dim=dim) * upstream).sum().backward()
    torch.testing.assert_close(x_ours.grad, x_theirs.grad)


@pytest.mark.parametrize("ours, theirs", NORMALISERS, ids=["softmax", "log_softmax"])
def test_normaliser_gradients_with_extreme_logits(ours: Callable, theirs: Callable) -> None:
    x_ours = torch.tensor(EXTREME, dtype=torch.float64, requires_grad=True)
    x_theirs = x_ours.detach().clone().requires_grad_()
    upstream = randn((len(EXTREME), 3), torch.float64, scale=1.0, seed=2)
    (ours(x_ours, dim=1) * upstream).sum().backward()
    (theirs(x_theirs, dim=1) * upstream).sum().backward()
    assert x_ours.grad.isfinite().all()
    torch.testing.assert_close(x_ours.grad, x_theirs.grad)


@pytest.mark.parametrize("fn", [softmax, log_softmax], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, dim", [((1, 4), -1), ((3, 5), 1), ((2, 3, 4), 1)])
def test_normaliser_gradcheck(fn: Callable, shape, dim) -> None:
    x = randn(shape, torch.float64, scale=2.0).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: fn(t, dim=dim), (x,))


@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.float64])
@pytest.mark.parametrize("shape", [(1,), (7,), (3, 5), (2, 3, 4)])
def test_sigmoid_matches_torch(dtype, shape) -> None:
    z = randn(shape, dtype)
    before = z.clone()
    out = sigmoid(z)
    assert out.shape == z.shape and out.dtype == dtype and out.device == z.device
    torch.testing.assert_close(out, torch.sigmoid(z), **TOL[dtype])
    assert torch.equal(z, before)


@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.float64])
def test_sigmoid_extreme_inputs(dtype) -> None:
    z = torch.tensor([-1000.0, -100.0, -30.0, 0.0, 30.0, 100.0, 1000.0], dtype=dtype)
    out = sigmoid(z)
    assert out.isfinite().all()
    assert out[0] == 0 and out[-1] == 1 and out[3] == 0.5
    torch.testing.assert_close(out, torch.sigmoid(z), **TOL[dtype])


def test_sigmoid_gradient_matches_torch_including_zero_and_extremes() -> None:
    values = [-1000.0, -20.0, -1.5, 0.0, 0.7, 20.0, 1000.0]
    z_ours = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    z_theirs = z_ours.detach().clone().requires_grad_()
    sigmoid(z_ours).sum().backward()
    torch.sigmoid(z_theirs).sum().backward()
    assert z_ours.grad[3] == 0.25
    torch.testing.assert_close(z_ours.grad, z_theirs.grad)


def test_sigmoid_gradcheck() -> None:
    z = torch.cat([randn((9,), torch.float64), torch.zeros(1, dtype=torch.float64)])
    assert torch.autograd.gradcheck(sigmoid, (z.requires_grad_(),))


@pytest.mark.parametrize(
    "call",
    [lambda x: softmax(x, dim=1), lambda x: log_softmax(x, dim=1), sigmoid],
    ids=["softmax", "log_softmax", "sigmoid"],
)
def test_device_agnostic_on_meta_tensors(call: Callable) -> None:
    x = torch.empty(4, 3, device="meta", dtype=torch.float64)
    out = call(x)
    assert out.device.type == "meta" and out.shape == (4, 3) and out.dtype == torch.float64


def test_integer_input_is_promoted_to_default_float() -> None:
    x = torch.tensor([[1, 2, 3], [0, 0, 5]])
    expected = torch.softmax(x.to(torch.get_default_dtype()), dim=1)
    torch.testing.assert_close(softmax(x), expected)
    torch.testing.assert_close(sigmoid(x), torch.sigmoid(x.to(torch.get_default_dtype())))
