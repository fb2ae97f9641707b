"""Calibration of a classifier: reliability bins and the expected calibration error (ECE).

The *confidence* of a prediction is the largest predicted probability, the *prediction* its
arg-max. Confidences are sorted into ``B`` equal-width bins: bin ``k`` (0-based) holds the
confidences in ``(k/B, (k+1)/B]`` (a confidence of exactly 0 goes to bin 0). A classifier is
calibrated when, in every bin, the fraction of correct predictions equals the mean confidence.

``expected_calibration_error`` is the function the exercise
``exercises/soft_labels/soft_labels.ipynb`` asks for; the chapter ``book/soft_labels.md``
imports it from here.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

__all__ = ["Bins", "reliability_bins", "expected_calibration_error", "negative_log_likelihood"]


class Bins(NamedTuple):
    """Per-bin statistics, three ``(B,)`` tensors: mean confidence and accuracy (float64,
    0 in empty bins) and the number of examples (int64)."""

    confidence: Tensor
    accuracy: Tensor
    count: Tensor


def reliability_bins(probs: Tensor, y: Tensor, num_bins: int = 15) -> Bins:
    """Group the predictions by confidence into ``num_bins`` equal-width bins.

    Args:
        probs: ``(n, q)`` predicted probabilities (any float dtype), ``n >= 1``.
        y: ``(n,)`` integer labels.
        num_bins: ``B``, the number of bins over ``[0, 1]``.

    Returns:
        :class:`Bins` on the CPU; ``count.sum() == n``.
    """
    if probs.dim() != 2 or len(probs) == 0 or y.shape != probs.shape[:1]:
        raise ValueError(f"expected probs (n, q) and y (n,), got {tuple(probs.shape)} and {tuple(y.shape)}")
    p = probs.detach().cpu()
    confidence, predicted = p.max(dim=1)
    correct = (predicted == y.cpu()).double()
    # Edges k/B in the probabilities' own dtype, so that a confidence equal to an edge
    # (0.2 with 5 bins, in float32 or float64) lands in the bin that the edge closes.
    edges = torch.arange(num_bins + 1, dtype=p.dtype) / num_bins
    index = (torch.searchsorted(edges, confidence.contiguous()) - 1).clamp(0, num_bins - 1)
    confidence = confidence.double()
    count = torch.bincount(index, minlength=num_bins)
    total_conf = torch.zeros(num_bins, dtype=torch.float64).index_add_(0, index, confidence)
    total_correct = torch.zeros(num_bins, dtype=torch.float64).index_add_(0, index, correct)
    nonempty = count.clamp(min=1).double()
    return Bins(total_conf / nonempty, total_correct / nonempty, count)


def expected_calibration_error(probs: Tensor, y: Tensor, num_bins: int = 15) -> Tensor:
    """ECE ``= sum_k (n_k / n) |acc_k - conf_k|``: a 0-dim tensor in ``probs``' dtype and device.

    Args:
        probs: ``(n, q)`` predicted probabilities.
        y: ``(n,)`` integer labels.
        num_bins: number of equal-width confidence bins.
    """
    bins = reliability_bins(probs, y, num_bins)
    weight = bins.count.double() / bins.count.sum()
    ece = (weight * (bins.accuracy - bins.confidence).abs()).sum()
    return ece.to(dtype=probs.dtype, device=probs.device)


def negative_log_likelihood(logits: Tensor, y: Tensor, temperature: float = 1.0) -> float:
    """Mean NLL ``-log softmax(o / T)_y`` over the examples: ``(n, q)``, ``(n,)`` -> float."""
    log_probs = torch.log_softmax(logits.double() / temperature, dim=1)
    return float(-log_probs.gather(1, y[:, None]).mean())
