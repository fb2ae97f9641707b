"""Scenario for a maximum-likelihood estimate ``mle(y, num_classes) -> (q,)`` of a categorical distribution.

The estimate is judged by what it is for: no probability vector gives the labels a higher
likelihood. Moving a little probability mass from any class ``j`` to any other class ``k`` must
not lower the negative log-likelihood ``-sum_k N_k log p_k``. Because the negative log-likelihood
is convex on the simplex, passing every such move means the estimate is the minimiser; a
wrong estimate always has a move that lowers it.

Runs beside student code (in the check process and in the student's notebook): no reference solutions are
imported here.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

MOVED_FRACTION = 0.01  # of p_j, moved from class j to class k
RELATIVE_SLACK = 1e-12  # float64 rounding allowance when comparing two likelihoods


def counts_nll(probs: Tensor, counts: Tensor) -> Tensor:
    """``-sum_k N_k log p_k`` in float64 for ``(..., q)`` probabilities and ``(q,)`` counts,
    with ``0 log 0 = 0``; shape ``(...)``."""
    return -torch.special.xlogy(counts, probs).sum(dim=-1)


def mass_moves(probs: Tensor) -> Tensor:
    """Every vector obtained from ``probs`` by moving ``MOVED_FRACTION * p_j`` from class j to class k.

    Args:
        probs: ``(q,)`` float64 probability vector.

    Returns:
        ``(m, q)`` float64, one row per ordered pair ``j != k`` with ``p_j > 0``.
    """
    q = probs.shape[0]
    rows = []
    for j in range(q):
        for k in range(q):
            if j != k and probs[j] > 0:
                moved = probs.clone()
                moved[j] -= MOVED_FRACTION * probs[j]
                moved[k] += MOVED_FRACTION * probs[j]
                rows.append(moved)
    return torch.stack(rows) if rows else probs.unsqueeze(0)


def is_probability_vector(estimate: object, num_classes: int) -> bool:
    """Whether ``estimate`` is a finite ``(num_classes,)`` float tensor, non-negative, summing to 1."""
    if type(estimate) is not Tensor or estimate.shape != (num_classes,) or not estimate.is_floating_point():
        return False
    values = estimate.detach().to(torch.float64)
    return bool(torch.isfinite(values).all() and (values >= 0).all() and abs(values.sum().item() - 1) < 1e-5)


def mle_against_mass_moves(mle: Callable[[Tensor, int], Tensor], y: Tensor, num_classes: int) -> dict[str, bool]:
    """Check the estimate ``mle(y, num_classes)`` against every small move of probability mass.

    Args:
        mle: the implementation.
        y: ``(n,)`` int64 labels in ``[0, num_classes)``.
        num_classes: ``q``.

    Returns:
        ``{"is_distribution": ..., "is_minimum": ...}``: whether the estimate is a probability
        vector of length q, and whether no mass move lowers the negative log-likelihood.
    """
    estimate = mle(y, num_classes)
    if not is_probability_vector(estimate, num_classes):
        return {"is_distribution": False, "is_minimum": False}
    probs = estimate.detach().to(torch.float64)
    counts = torch.bincount(y.long(), minlength=num_classes).to(torch.float64)
    at_estimate = counts_nll(probs, counts)
    moved = counts_nll(mass_moves(probs), counts)
    slack = RELATIVE_SLACK * max(1.0, abs(at_estimate.item()))
    return {"is_distribution": True, "is_minimum": bool((moved >= at_estimate - slack).all())}
