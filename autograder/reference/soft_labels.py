"""Reference soft labels: label smoothing and cross-entropy against soft targets.

Follows PyTorch's ``label_smoothing`` convention, so that
``soft_cross_entropy(logits, smooth_labels(y, q, eps))`` equals
``F.cross_entropy(logits, y, label_smoothing=eps, reduction="none")``.
Inputs are never modified; results live on the input's device.
"""

from __future__ import annotations

import numbers

import torch
import torch.nn.functional as F
from torch import Tensor

from autograder.reference.activations import log_softmax

__all__ = ["smooth_labels", "soft_cross_entropy"]


def _check_smoothing_args(y: Tensor, num_classes: int, epsilon: float) -> None:
    """Raise ``ValueError`` for bad label-smoothing arguments (see :func:`smooth_labels`)."""
    is_number = isinstance(epsilon, numbers.Real) and not isinstance(epsilon, bool)
    if not (is_number and 0.0 <= epsilon <= 1.0):
        raise ValueError(f"epsilon must be a number in [0, 1], got {epsilon!r}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise ValueError(f"labels y must be an integer tensor, got {y.dtype}")
    if y.numel() > 0:
        low, high = int(y.min()), int(y.max())
        if low < 0 or high >= num_classes:
            raise ValueError(
                f"labels must lie in [0, {num_classes - 1}], got values in [{low}, {high}]"
            )


def smooth_labels(
    y: Tensor,
    num_classes: int,
    epsilon: float,
    *,
    dtype: torch.dtype = torch.float32,
) -> Tensor:
    """Label-smoothed one-hot targets: ``(1 - epsilon) * one_hot(y) + epsilon / q``.

    Args:
        y: ``(n,)`` integer (usually ``int64``) labels in ``[0, num_classes)``.
        num_classes: ``q``, the number of classes (a positive int).
        epsilon: smoothing strength in ``[0, 1]``; 0 gives plain one-hot
            vectors, 1 gives the uniform distribution.
        dtype: floating dtype of the result (default ``torch.float32``).

    Returns:
        ``(n, q)`` tensor of ``dtype`` on ``y``'s device whose rows sum to 1:
        the true class gets ``1 - epsilon + epsilon / q``, every other class
        ``epsilon / q``.

    Raises:
        ValueError: if ``epsilon`` is outside ``[0, 1]``, ``num_classes`` is not
            a positive int, ``y`` is not integer, or a label is out of range.
    """
    _check_smoothing_args(y, num_classes, epsilon)
    one_hot = F.one_hot(y.long(), num_classes=num_classes).to(dtype)
    return (1.0 - epsilon) * one_hot + epsilon / num_classes


def soft_cross_entropy(logits: Tensor, targets: Tensor) -> Tensor:
    """Per-example cross-entropy against soft (probability) targets.

    Computes ``-(targets * log_softmax(logits)).sum(-1)``, with the convention
    ``0 * log(0) = 0``: a class with target 0 contributes nothing even when its
    logit is ``-inf`` (PyTorch's ``F.cross_entropy`` gives ``nan`` there). A
    positive target on a ``-inf`` logit still gives ``inf``.

    Args:
        logits: ``(n, q)`` float tensor of unnormalised scores.
        targets: ``(n, q)`` float tensor whose rows are probability vectors
            (e.g. from :func:`smooth_labels`); converted to ``logits``' dtype.

    Returns:
        ``(n,)`` tensor in ``logits``' dtype and device.
    """
    if targets.shape != logits.shape:
        raise ValueError(
            f"targets shape {tuple(targets.shape)} must match logits shape {tuple(logits.shape)}"
        )
    log_probs = log_softmax(logits, dim=-1)
    weights = targets.to(device=log_probs.device, dtype=log_probs.dtype)
    safe_log_probs = torch.where(weights == 0, torch.zeros_like(log_probs), log_probs)
    return -(weights * safe_log_probs).sum(dim=-1)
