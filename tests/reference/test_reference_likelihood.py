"""Reference likelihoods against direct formulas and ``torch.distributions.Categorical``."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.distributions import Categorical

from autograder.reference import (
    categorical_mle,
    categorical_nll,
    cross_entropy_from_logits,
    model_nll,
    softmax_cross_entropy_grad,
)

INF = float("inf")
SIZES = [(1, 1), (1, 5), (7, 3), (100, 10), (13, 2)]


def labels(n: int, q: int, seed: int) -> Tensor:
    """``(n,)`` int64 labels in ``[0, q)`` from a fixed seed."""
    return torch.randint(0, q, (n,), generator=torch.Generator().manual_seed(seed))


def probability_vector(q: int, seed: int, dtype: torch.dtype = torch.float64) -> Tensor:
    """A ``(q,)`` probability vector with no zero entry."""
    gen = torch.Generator().manual_seed(seed)
    return torch.softmax(torch.randn(q, generator=gen, dtype=torch.float64), dim=0).to(dtype)


@pytest.mark.parametrize("n, q", SIZES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_categorical_nll_matches_a_loop_and_categorical_log_prob(n: int, q: int, dtype) -> None:
    probs, y = probability_vector(q, seed=n + q, dtype=dtype), labels(n, q, seed=q)
    before = probs.clone(), y.clone()
    nll = categorical_nll(probs, y)
    assert nll.shape == () and nll.dtype == dtype
    direct = -sum(math.log(probs[label].item()) for label in y.tolist())
    assert nll.item() == pytest.approx(direct, rel=1e-5)
    torch.testing.assert_close(nll, -Categorical(probs=probs).log_prob(y).sum())
    assert torch.equal(probs, before[0]) and torch.equal(y, before[1])


def test_categorical_nll_is_inf_only_when_a_label_has_probability_zero() -> None:
    probs = torch.tensor([0.5, 0.0, 0.5])
    assert categorical_nll(probs, torch.tensor([0, 2, 2])).item() == pytest.approx(3 * math.log(2))
    assert categorical_nll(probs, torch.tensor([0, 1])).item() == INF


@pytest.mark.parametrize("n, q", SIZES)
def test_categorical_mle_counts_each_class(n: int, q: int) -> None:
    y = labels(n, q, seed=n)
    before = y.clone()
    estimate = categorical_mle(y, q)
    assert estimate.shape == (q,) and estimate.dtype == torch.float32
    expected = torch.tensor([y.tolist().count(k) / n for k in range(q)], dtype=torch.float32)
    torch.testing.assert_close(estimate, expected)
    assert torch.equal(y, before)


def test_categorical_mle_gives_unobserved_classes_probability_zero() -> None:
    estimate = categorical_mle(torch.tensor([0, 2, 2, 2]), num_classes=5)
    assert estimate.tolist() == [0.25, 0.0, 0.75, 0.0, 0.0]


@pytest.mark.parametrize("seed", range(5))
def test_categorical_mle_minimises_the_nll(seed: int) -> None:
    q, y = 6, labels(40, 6, seed)
    estimate = categorical_mle(y, q).double()
    best = categorical_nll(estimate, y)
    gen = torch.Generator().manual_seed(100 + seed)
    exponentials = -torch.log(torch.rand(50, q, generator=gen, dtype=torch.float64))
    others = exponentials / exponentials.sum(dim=1, keepdim=True)  # uniform on the simplex
    for other in others:
        for candidate in (other, 0.9 * estimate + 0.1 * other):  # far and nearby vectors
            assert best < categorical_nll(candidate, y)


def test_minimum_nll_is_n_times_the_entropy_of_the_frequencies() -> None:
    y = labels(50, 4, seed=3)
    estimate = categorical_mle(y, 4).double()
    entropy = -sum(p * math.log(p) for p in estimate.tolist() if p > 0)
    assert categorical_nll(estimate, y).item() == pytest.approx(50 * entropy)


@pytest.mark.parametrize("n, q", SIZES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_model_nll_is_the_summed_cross_entropy(n: int, q: int, dtype) -> None:
    gen = torch.Generator().manual_seed(n * q)
    logits, y = (3 * torch.randn(n, q, generator=gen, dtype=torch.float64)).to(dtype), labels(n, q, seed=1)
    before = logits.clone()
    nll = model_nll(logits, y)
    assert nll.shape == () and nll.dtype == dtype
    torch.testing.assert_close(nll, F.cross_entropy(logits, y, reduction="sum"))
    torch.testing.assert_close(nll, cross_entropy_from_logits(logits, y).sum())
    torch.testing.assert_close(nll, -Categorical(logits=logits).log_prob(y).sum())
    assert torch.equal(logits, before)


def test_model_nll_with_shared_logits_is_the_categorical_nll() -> None:
    probs, y = probability_vector(5, seed=7), labels(9, 5, seed=7)
    shared_logits = torch.log(probs).expand(9, 5)
    torch.testing.assert_close(model_nll(shared_logits, y), categorical_nll(probs, y))


def test_model_nll_is_finite_for_extreme_logits_and_inf_for_impossible_labels() -> None:
    logits = torch.tensor([[1000.0, -1000.0, 0.0], [-INF, 0.0, 1.0], [-INF, -INF, -1000.0]])
    y = torch.tensor([1, 2, 2])
    expected = 2000.0 + math.log1p(math.exp(-1))  # example 0 costs 2000, example 2 costs 0
    assert model_nll(logits, y).item() == pytest.approx(expected)
    assert model_nll(logits, torch.tensor([1, 0, 2])).item() == INF


def test_model_nll_gradient_is_softmax_minus_one_hot() -> None:
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(6, 4, generator=gen, dtype=torch.float64, requires_grad=True)
    y = labels(6, 4, seed=0)
    model_nll(logits, y).backward()
    torch.testing.assert_close(logits.grad, softmax_cross_entropy_grad(logits.detach(), y))
    assert torch.autograd.gradcheck(lambda z: model_nll(z, y), (logits.detach().requires_grad_(),))


def test_model_nll_half_precision_keeps_its_dtype() -> None:
    gen = torch.Generator().manual_seed(0)
    logits, y = torch.randn(64, 10, generator=gen), labels(64, 10, seed=0)
    nll = model_nll(logits.half(), y)
    assert nll.dtype == torch.float16
    torch.testing.assert_close(nll.float(), model_nll(logits.half().float(), y), atol=0.1, rtol=1e-3)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: categorical_nll(torch.ones(2, 2) / 2, torch.tensor([0])), "probs must have shape"),
    (lambda: categorical_nll(torch.ones(2) / 2, torch.tensor([2])), "labels must lie in"),
    (lambda: categorical_mle(torch.tensor([], dtype=torch.long), 3), "n >= 1"),
    (lambda: categorical_mle(torch.tensor([0.0, 1.0]), 3), "integer tensor"),
    (lambda: model_nll(torch.zeros(3), torch.tensor([0, 1, 2])), "logits must have shape"),
])
def test_bad_inputs_are_refused(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
