"""Reference calibration metrics: reliability bins and the expected calibration error.

A classifier's *confidence* on an example is its largest predicted probability
and its *prediction* is the arg-max class. The confidences are sorted into
``num_bins`` equal-width bins over ``[0, 1]``; bin ``k`` (0-based) holds the
confidences in the half-open interval ``(k / B, (k + 1) / B]``, except that a
confidence of exactly 0 goes to bin 0 (and rounding noise above 1 to the last
bin). A model is calibrated when, in every bin, the accuracy matches the mean
confidence. Inputs are never modified; results live on the input's device.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

from autograder.reference.activations import output_dtype, working_copy

__all__ = ["ReliabilityBins", "reliability_bins", "expected_calibration_error"]


class ReliabilityBins(NamedTuple):
    """Per-bin statistics, each a ``(num_bins,)`` tensor; unpacks as a 3-tuple.

    Attributes:
        confidence: mean confidence of the examples in each bin (0 for an empty bin),
            in the dtype of the probabilities.
        accuracy: fraction of correct predictions in each bin (0 for an empty bin),
            in the dtype of the probabilities.
        count: ``int64`` number of examples in each bin.
    """

    confidence: Tensor
    accuracy: Tensor
    count: Tensor


def _check_inputs(probs: Tensor, y: Tensor, num_bins: int) -> None:
    """Raise ``ValueError`` unless ``probs`` is ``(n, q)`` (n >= 1) and ``y`` is ``(n,)`` ints."""
    if isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins < 1:
        raise ValueError(f"num_bins must be a positive int, got {num_bins!r}")
    if probs.dim() != 2 or probs.shape[0] == 0 or probs.shape[1] == 0:
        raise ValueError(f"probs must have shape (n, q) with n, q >= 1, got {tuple(probs.shape)}")
    if y.shape != probs.shape[:1]:
        raise ValueError(f"labels y must have shape ({probs.shape[0]},), got {tuple(y.shape)}")
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise ValueError(f"labels y must be an integer tensor, got {y.dtype}")


def bin_indices(confidence: Tensor, num_bins: int) -> Tensor:
    """The 0-based bin of each confidence: ``k`` such that ``k/B < c <= (k+1)/B``.

    Args:
        confidence: ``(n,)`` float tensor of values in ``[0, 1]``.
        num_bins: ``B``, the number of equal-width bins.

    Returns:
        ``(n,)`` ``int64`` tensor with values in ``[0, B)`` on ``confidence``'s device.
        A confidence of exactly 0 maps to bin 0. The edges are the correctly
        rounded ``k / B`` in ``confidence``'s dtype.
    """
    edges = torch.arange(num_bins + 1, device=confidence.device, dtype=confidence.dtype)
    edges = edges / num_bins
    upper_edge = torch.bucketize(confidence.detach().contiguous(), edges, right=False)
    return (upper_edge - 1).clamp(min=0, max=num_bins - 1)


def _working_bins(probs: Tensor, y: Tensor, num_bins: int) -> ReliabilityBins:
    """:func:`reliability_bins` in the working dtype (``float32`` for half inputs)."""
    _check_inputs(probs, y, num_bins)
    p = working_copy(probs)
    confidence = p.amax(dim=1)
    correct = (p.argmax(dim=1) == y.to(p.device)).to(p.dtype)
    index = bin_indices(confidence, num_bins)
    count = torch.bincount(index, minlength=num_bins)
    zeros = torch.zeros(num_bins, dtype=p.dtype, device=p.device)
    denominator = count.clamp(min=1).to(p.dtype)
    mean_confidence = zeros.index_add(0, index, confidence) / denominator
    accuracy = zeros.index_add(0, index, correct) / denominator
    return ReliabilityBins(mean_confidence, accuracy, count)


def reliability_bins(probs: Tensor, y: Tensor, num_bins: int = 15) -> ReliabilityBins:
    """Mean confidence, accuracy and size of each equal-width confidence bin.

    Args:
        probs: ``(n, q)`` float tensor of predicted probabilities, ``n >= 1``.
        y: ``(n,)`` integer (usually ``int64``) tensor of true labels.
        num_bins: number of equal-width bins over ``[0, 1]`` (default 15).

    Returns:
        :class:`ReliabilityBins` of three ``(num_bins,)`` tensors on ``probs``'
        device: ``confidence`` and ``accuracy`` in ``probs``' dtype (0 in empty
        bins) and ``count`` as ``int64``. ``count.sum() == n``.
    """
    confidence, accuracy, count = _working_bins(probs, y, num_bins)
    dtype = output_dtype(probs)
    return ReliabilityBins(confidence.to(dtype), accuracy.to(dtype), count)


def expected_calibration_error(probs: Tensor, y: Tensor, num_bins: int = 15) -> Tensor:
    """Expected calibration error (ECE) with equal-width bins.

    ``ECE = sum_k (count_k / n) * |accuracy_k - confidence_k|`` over the
    non-empty bins of :func:`reliability_bins` (empty bins have weight 0).

    Args:
        probs: ``(n, q)`` float tensor of predicted probabilities, ``n >= 1``.
        y: ``(n,)`` integer tensor of true labels.
        num_bins: number of equal-width bins over ``[0, 1]`` (default 15).

    Returns:
        0-dim tensor in ``probs``' dtype and device, in ``[0, 1]``: 0 for a
        perfectly calibrated model, close to 1 for one that is always confident
        and always wrong.
    """
    confidence, accuracy, count = _working_bins(probs, y, num_bins)
    weights = count.to(confidence.dtype) / count.sum()
    ece = (weights * (accuracy - confidence).abs()).sum()
    return ece.to(output_dtype(probs))
