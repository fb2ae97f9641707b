"""Reference cross-entropy, its hand-derived gradient and BCE against PyTorch."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor

from autograder.reference import (
    binary_cross_entropy,
    cross_entropy,
    cross_entropy_from_logits,
    softmax_cross_entropy_grad,
)

INF = float("inf")
TOL = {
    torch.float16: {"atol": 5e-3, "rtol": 5e-3},
    torch.float32: {"atol": 1e-5, "rtol": 1e-5},
    torch.float64: {"atol": 1e-12, "rtol": 1e-10},
}
BATCHES = [(1, 3), (7, 5), (10, 2), (4, 11)]


def make_batch(n: int, q: int, dtype: torch.dtype, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Reproducible ``(n, q)`` logits (scale 4) in ``dtype`` and ``(n,)`` int64 labels."""
    gen = torch.Generator().manual_seed(seed)
    logits = 4 * torch.randn(n, q, generator=gen, dtype=torch.float64)
    labels = torch.randint(0, q, (n,), generator=gen)
    return logits.to(dtype), labels


# Logits of +-1000 and -inf at wrong classes (finite loss) and at the true class (inf loss).
EXTREME_LOGITS = [
    [1000.0, -1000.0, 0.0],
    [-1000.0, 1000.0, 0.0],
    [0.0, -INF, 2.0],
    [-INF, -INF, -1000.0],
    [1000.0, 1000.0, -INF],
]
EXTREME_LABELS = [0, 0, 2, 2, 2]


@pytest.mark.parametrize("n, q", BATCHES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_cross_entropy_matches_nll_of_probabilities(n: int, q: int, dtype) -> None:
    logits, y = make_batch(n, q, dtype)
    probs = torch.softmax(logits, dim=1)
    before = probs.clone(), y.clone()
    out = cross_entropy(probs, y)
    assert out.shape == (n,) and out.dtype == dtype and out.device == probs.device
    torch.testing.assert_close(out, F.nll_loss(probs.log(), y, reduction="none"), **TOL[dtype])
    assert torch.equal(probs, before[0]) and torch.equal(y, before[1])


def test_cross_entropy_log_of_zero_pitfall_gives_inf() -> None:
    probs = torch.tensor([[1.0, 0.0], [0.25, 0.75]])
    out = cross_entropy(probs, torch.tensor([1, 1]))
    assert out[0] == INF
    torch.testing.assert_close(out[1], -torch.log(torch.tensor(0.75)))


def test_cross_entropy_gradcheck() -> None:
    logits, y = make_batch(5, 4, torch.float64)
    probs = torch.softmax(logits, dim=1).requires_grad_()
    assert torch.autograd.gradcheck(lambda p: cross_entropy(p, y), (probs,))


@pytest.mark.parametrize("n, q", BATCHES)
@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.float64])
def test_cross_entropy_from_logits_matches_torch(n: int, q: int, dtype) -> None:
    logits, y = make_batch(n, q, dtype)
    before = logits.clone()
    out = cross_entropy_from_logits(logits, y)
    assert out.shape == (n,) and out.dtype == dtype and out.device == logits.device
    expected = F.cross_entropy(logits, y, reduction="none")
    torch.testing.assert_close(out, expected, **TOL[dtype])
    assert torch.equal(logits, before)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_cross_entropy_from_logits_extreme_logits(dtype) -> None:
    logits = torch.tensor(EXTREME_LOGITS, dtype=dtype)
    y = torch.tensor(EXTREME_LABELS)
    out = cross_entropy_from_logits(logits, y)
    torch.testing.assert_close(out, F.cross_entropy(logits, y, reduction="none"), **TOL[dtype])
    assert out[:4].isfinite().all() and out[4] == INF
    assert out[0] == 0 and out[1] == 2000


def test_cross_entropy_from_logits_gradient_matches_torch_with_extremes() -> None:
    logits = torch.tensor(EXTREME_LOGITS[:4], dtype=torch.float64)
    y = torch.tensor(EXTREME_LABELS[:4])
    ours = logits.clone().requires_grad_()
    theirs = logits.clone().requires_grad_()
    cross_entropy_from_logits(ours, y).sum().backward()
    F.cross_entropy(theirs, y, reduction="sum").backward()
    assert ours.grad.isfinite().all()
    torch.testing.assert_close(ours.grad, theirs.grad)


@pytest.mark.parametrize("n, q", [(1, 3), (6, 4)])
def test_cross_entropy_from_logits_gradcheck(n: int, q: int) -> None:
    logits, y = make_batch(n, q, torch.float64)
    fn = lambda z: cross_entropy_from_logits(z, y)  # noqa: E731
    assert torch.autograd.gradcheck(fn, (logits.requires_grad_(),))


@pytest.mark.parametrize("n, q", BATCHES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_softmax_cross_entropy_grad_matches_autograd(n: int, q: int, dtype) -> None:
    logits, y = make_batch(n, q, dtype)
    grad = softmax_cross_entropy_grad(logits, y)
    assert grad.shape == (n, q) and grad.dtype == dtype and grad.device == logits.device
    leaf = logits.clone().requires_grad_()
    cross_entropy_from_logits(leaf, y).sum().backward()
    torch.testing.assert_close(grad, leaf.grad, **TOL[dtype])
    mean_leaf = logits.clone().requires_grad_()
    F.cross_entropy(mean_leaf, y).backward()  # reduction="mean": divide by n
    torch.testing.assert_close(grad / n, mean_leaf.grad, **TOL[dtype])
    torch.testing.assert_close(grad.sum(dim=1), torch.zeros(n, dtype=dtype), **TOL[dtype])


def test_softmax_cross_entropy_grad_with_extreme_logits() -> None:
    logits = torch.tensor(EXTREME_LOGITS[:4], dtype=torch.float64)
    y = torch.tensor(EXTREME_LABELS[:4])
    leaf = logits.clone().requires_grad_()
    F.cross_entropy(leaf, y, reduction="sum").backward()
    torch.testing.assert_close(softmax_cross_entropy_grad(logits, y), leaf.grad)


def test_softmax_cross_entropy_grad_is_itself_differentiable() -> None:
    # The Jacobian of the gradient is the Hessian of the loss; gradcheck compares it
    # with finite differences of the hand-derived formula.
    logits, y = make_batch(3, 4, torch.float64)
    fn = lambda z: softmax_cross_entropy_grad(z, y)  # noqa: E731
    assert torch.autograd.gradcheck(fn, (logits.requires_grad_(),))


@pytest.mark.parametrize("shape", [(1,), (9,), (3, 4), (2, 3, 2)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("hard", [False, True], ids=["soft-targets", "0/1-targets"])
def test_binary_cross_entropy_matches_torch(shape, dtype, hard: bool) -> None:
    gen = torch.Generator().manual_seed(3)
    z = (5 * torch.randn(shape, generator=gen, dtype=torch.float64)).to(dtype)
    y = torch.rand(shape, generator=gen, dtype=torch.float64).to(dtype)
    y = y.round() if hard else y
    before = z.clone(), y.clone()
    out = binary_cross_entropy(z, y)
    assert out.shape == z.shape and out.dtype == dtype and out.device == z.device
    expected = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    torch.testing.assert_close(out, expected, **TOL[dtype])
    assert torch.equal(z, before[0]) and torch.equal(y, before[1])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_binary_cross_entropy_extreme_logits(dtype) -> None:
    z = torch.tensor([1000.0, 1000.0, -1000.0, -1000.0, 0.0, 1000.0], dtype=dtype)
    y = torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 0.5], dtype=dtype)
    out = binary_cross_entropy(z, y)
    assert out.isfinite().all()
    assert out.tolist()[:4] == [0.0, 1000.0, 0.0, 1000.0]
    expected = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    torch.testing.assert_close(out, expected, **TOL[dtype])


def test_binary_cross_entropy_gradient_matches_torch_including_zero() -> None:
    z = torch.tensor([0.0, 0.0, -1000.0, 1000.0, 2.5, -0.3], dtype=torch.float64)
    y = torch.tensor([1.0, 0.2, 1.0, 0.0, 0.0, 0.7], dtype=torch.float64)
    ours, theirs = z.clone().requires_grad_(), z.clone().requires_grad_()
    binary_cross_entropy(ours, y).sum().backward()
    F.binary_cross_entropy_with_logits(theirs, y, reduction="sum").backward()
    assert ours.grad[0] == -0.5
    torch.testing.assert_close(ours.grad, theirs.grad)


def test_binary_cross_entropy_gradcheck_in_logits_and_targets() -> None:
    gen = torch.Generator().manual_seed(4)
    z = torch.randn(7, generator=gen, dtype=torch.float64).requires_grad_()
    y = torch.rand(7, generator=gen, dtype=torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(binary_cross_entropy, (z, y))


def test_binary_cross_entropy_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError, match="shape"):
        binary_cross_entropy(torch.zeros(3, 1), torch.zeros(3))


@pytest.mark.parametrize(
    "fn", [cross_entropy, cross_entropy_from_logits, softmax_cross_entropy_grad]
)
@pytest.mark.parametrize(
    "scores, labels",
    [
        (torch.zeros(3, 2), torch.zeros(4, dtype=torch.long)),  # batch sizes differ
        (torch.zeros(3), torch.zeros(3, dtype=torch.long)),  # scores not 2-D
        (torch.zeros(3, 2), torch.zeros(3)),  # float labels
    ],
)
def test_bad_batches_raise_value_error(fn, scores: Tensor, labels: Tensor) -> None:
    with pytest.raises(ValueError):
        fn(scores, labels)


@pytest.mark.parametrize(
    "fn, target_dtype",
    [
        (cross_entropy_from_logits, torch.long),
        (softmax_cross_entropy_grad, torch.long),
        (binary_cross_entropy, torch.float64),
    ],
)
def test_device_agnostic_on_meta_tensors(fn, target_dtype) -> None:
    logits = torch.empty(4, 3, device="meta", dtype=torch.float64)
    shape = (4,) if target_dtype == torch.long else (4, 3)
    out = fn(logits, torch.empty(shape, device="meta", dtype=target_dtype))
    assert out.device.type == "meta" and out.dtype == torch.float64
