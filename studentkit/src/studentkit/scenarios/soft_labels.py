"""Scenarios of the ``soft_labels`` assignment.

Runs beside student code (in the check process and in the student's notebook): no import of the reference or
the checks.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor


def label_smoothed_loss(soft_cross_entropy: Callable[..., Any], logits: Tensor, y: Tensor, *,
                        epsilon: float) -> Any:
    """``soft_cross_entropy(logits, targets)`` with label-smoothed targets built here.

    Args:
        soft_cross_entropy: the implementation being exercised.
        logits: ``(n, q)`` float logits.
        y: ``(n,)`` int64 labels in ``[0, q)``.
        epsilon: smoothing strength in ``[0, 1]``.

    Returns:
        What ``soft_cross_entropy`` returns for the targets ``(1 - epsilon) * one_hot(y) + epsilon / q``
        (in ``logits``' dtype), which PyTorch's ``F.cross_entropy(..., label_smoothing=epsilon)`` also uses.
    """
    num_classes = logits.shape[1]
    one_hot = (y.unsqueeze(1) == torch.arange(num_classes, device=y.device)).to(logits.dtype)
    targets = (1 - epsilon) * one_hot + epsilon / num_classes
    return soft_cross_entropy(logits, targets)


def each_function(implementation: dict[str, Callable[..., Any]], y: Tensor, logits: Tensor, targets: Tensor,
                  probs: Tensor, *, num_classes: int, epsilon: float, dtype: torch.dtype) -> dict[str, Any]:
    """Call each of ``smooth_labels``, ``soft_cross_entropy`` and ``expected_calibration_error`` once.

    Args:
        implementation: the three functions by name.
        y: ``(n,)`` int64 labels in ``[0, num_classes)``.
        logits, targets, probs: ``(n, num_classes)`` float tensors.
        num_classes, epsilon, dtype: the arguments of ``smooth_labels``.
    """
    return {
        "smooth_labels": implementation["smooth_labels"](y, num_classes, epsilon, dtype=dtype),
        "soft_cross_entropy": implementation["soft_cross_entropy"](logits, targets),
        "expected_calibration_error": implementation["expected_calibration_error"](probs, y),
    }
