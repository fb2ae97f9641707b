"""Reference label smoothing and soft-target cross-entropy against PyTorch."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor

from autograder.reference import smooth_labels, soft_cross_entropy

INF = float("inf")
TOL = {
    torch.float32: {"atol": 1e-5, "rtol": 1e-5},
    torch.float64: {"atol": 1e-12, "rtol": 1e-10},
}
BATCHES = [(1, 3), (7, 5), (10, 2), (4, 11)]
EPSILONS = [0.0, 0.1, 0.5, 1.0]


def make_batch(n: int, q: int, dtype: torch.dtype, seed: int = 0) -> tuple[Tensor, Tensor]:
    """Reproducible ``(n, q)`` logits (scale 4) in ``dtype`` and ``(n,)`` int64 labels."""
    gen = torch.Generator().manual_seed(seed)
    logits = 4 * torch.randn(n, q, generator=gen, dtype=torch.float64)
    return logits.to(dtype), torch.randint(0, q, (n,), generator=gen)


def random_distributions(n: int, q: int, dtype: torch.dtype, seed: int = 1) -> Tensor:
    """``(n, q)`` random probability vectors (rows sum to 1) in ``dtype``."""
    gen = torch.Generator().manual_seed(seed)
    return torch.softmax(2 * torch.randn(n, q, generator=gen, dtype=torch.float64), 1).to(dtype)


def test_smooth_labels_hand_computed() -> None:
    out = smooth_labels(torch.tensor([0, 2]), num_classes=3, epsilon=0.3)
    expected = torch.tensor([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]])
    assert out.dtype == torch.float32 and out.shape == (2, 3)
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize("epsilon", EPSILONS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_smooth_labels_rows_are_distributions(epsilon: float, dtype) -> None:
    y = torch.tensor([4, 0, 2, 2, 1])
    before = y.clone()
    out = smooth_labels(y, 5, epsilon, dtype=dtype)
    assert out.shape == (5, 5) and out.dtype == dtype and out.device == y.device
    torch.testing.assert_close(out.sum(dim=1), torch.ones(5, dtype=dtype))
    true_class = out[torch.arange(5), y]
    torch.testing.assert_close(true_class, torch.full((5,), 1 - epsilon + epsilon / 5, dtype=dtype))
    assert torch.equal(y, before)


def test_smooth_labels_extremes_are_one_hot_and_uniform() -> None:
    y = torch.tensor([1, 0, 3])
    assert torch.equal(smooth_labels(y, 4, 0.0), F.one_hot(y, 4).float())
    assert torch.equal(smooth_labels(y, 4, 1.0), torch.full((3, 4), 0.25))


@pytest.mark.parametrize(
    "y, num_classes, epsilon, message",
    [
        (torch.tensor([0, 1]), 3, -0.1, "epsilon"),
        (torch.tensor([0, 1]), 3, 1.5, "epsilon"),
        (torch.tensor([0, 1]), 3, float("nan"), "epsilon"),
        (torch.tensor([0, 3]), 3, 0.1, "labels"),
        (torch.tensor([-1, 0]), 3, 0.1, "labels"),
        (torch.tensor([0.0, 1.0]), 3, 0.1, "integer"),
        (torch.tensor([0, 1]), 0, 0.1, "num_classes"),
    ],
)
def test_smooth_labels_rejects_bad_arguments(y: Tensor, num_classes: int, epsilon, message) -> None:
    with pytest.raises(ValueError, match=message):
        smooth_labels(y, num_classes, epsilon)


@pytest.mark.parametrize("n, q", BATCHES)
@pytest.mark.parametrize("epsilon", EPSILONS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_soft_cross_entropy_equals_torch_label_smoothing(n: int, q: int, epsilon, dtype) -> None:
    logits, y = make_batch(n, q, dtype)
    targets = smooth_labels(y, q, epsilon, dtype=dtype)
    before = logits.clone(), targets.clone()
    out = soft_cross_entropy(logits, targets)
    assert out.shape == (n,) and out.dtype == dtype and out.device == logits.device
    expected = F.cross_entropy(logits, y, label_smoothing=epsilon, reduction="none")
    torch.testing.assert_close(out, expected, **TOL[dtype])
    assert torch.equal(logits, before[0]) and torch.equal(targets, before[1])


@pytest.mark.parametrize("n, q", BATCHES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_soft_cross_entropy_equals_torch_for_probability_targets(n: int, q: int, dtype) -> None:
    logits, _ = make_batch(n, q, dtype)
    targets = random_distributions(n, q, dtype)
    out = soft_cross_entropy(logits, targets)
    expected = F.cross_entropy(logits, targets, reduction="none")
    torch.testing.assert_close(out, expected, **TOL[dtype])


def test_soft_cross_entropy_float32_targets_with_float64_logits() -> None:
    logits, y = make_batch(6, 4, torch.float64)
    out = soft_cross_entropy(logits, smooth_labels(y, 4, 0.2))  # float32 targets
    assert out.dtype == torch.float64
    expected = F.cross_entropy(logits, y, label_smoothing=0.2, reduction="none")
    torch.testing.assert_close(out, expected, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("epsilon", [0.0, 0.1])
def test_soft_cross_entropy_extreme_logits_match_torch(epsilon: float) -> None:
    logits = torch.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], dtype=torch.float64)
    y = torch.tensor([0, 2])
    out = soft_cross_entropy(logits, smooth_labels(y, 3, epsilon, dtype=torch.float64))
    assert out.isfinite().all()
    expected = F.cross_entropy(logits, y, label_smoothing=epsilon, reduction="none")
    torch.testing.assert_close(out, expected)


def test_zero_target_times_minus_inf_log_probability_is_zero() -> None:
    logits = torch.tensor([[0.0, -INF, 2.0], [0.0, -INF, 2.0]], dtype=torch.float64)
    targets = torch.tensor([[0.5, 0.0, 0.5], [0.5, 0.25, 0.25]], dtype=torch.float64)
    out = soft_cross_entropy(logits, targets)
    finite = F.log_softmax(torch.tensor([0.0, 2.0], dtype=torch.float64), dim=0)
    torch.testing.assert_close(out[0], -(0.5 * finite).sum())
    assert out[1] == INF  # positive target on an impossible class


def test_soft_cross_entropy_gradient_matches_torch() -> None:
    logits, _ = make_batch(5, 4, torch.float64)
    targets = random_distributions(5, 4, torch.float64)
    ours, theirs = logits.clone().requires_grad_(), logits.clone().requires_grad_()
    soft_cross_entropy(ours, targets).sum().backward()
    F.cross_entropy(theirs, targets, reduction="sum").backward()
    torch.testing.assert_close(ours.grad, theirs.grad)
    torch.testing.assert_close(ours.grad, torch.softmax(logits, 1) - targets)


def test_soft_cross_entropy_gradient_is_finite_with_minus_inf_logits() -> None:
    logits = torch.tensor([[0.0, -INF, 2.0]], dtype=torch.float64, requires_grad=True)
    targets = torch.tensor([[0.5, 0.0, 0.5]], dtype=torch.float64, requires_grad=True)
    soft_cross_entropy(logits, targets).sum().backward()
    assert logits.grad.isfinite().all() and targets.grad.isfinite().all()
    expected = torch.softmax(logits.detach(), 1) - targets.detach()
    torch.testing.assert_close(logits.grad, expected)


def test_soft_cross_entropy_gradcheck_in_logits_and_targets() -> None:
    logits, _ = make_batch(3, 4, torch.float64)
    targets = random_distributions(3, 4, torch.float64)
    inputs = (logits.requires_grad_(), targets.requires_grad_())
    assert torch.autograd.gradcheck(soft_cross_entropy, inputs)


def test_soft_cross_entropy_shape_mismatch_raises() -> None:
    with pytest.raises(ValueError, match="shape"):
        soft_cross_entropy(torch.zeros(3, 4), torch.zeros(3, 5))


def test_device_agnostic_on_meta_tensors() -> None:
    logits = torch.empty(4, 3, device="meta", dtype=torch.float64)
    out = soft_cross_entropy(logits, torch.empty(4, 3, device="meta"))
    assert out.device.type == "meta" and out.shape == (4,) and out.dtype == torch.float64
