"""Reference losses: cross-entropy (from probabilities and from logits), its
hand-derived gradient, and binary cross-entropy from logits.

Every loss returns *per-example* values (no reduction), on the input's device
and in the dtype of the predictions. Inputs are never modified.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from autograder.reference.activations import (
    log_softmax,
    output_dtype,
    softmax,
    working_copy,
)

__all__ = [
    "cross_entropy",
    "cross_entropy_from_logits",
    "softmax_cross_entropy_grad",
    "binary_cross_entropy",
]


def _check_batch(scores: Tensor, y: Tensor, what: str) -> None:
    """Raise ``ValueError`` unless ``scores`` is ``(n, q)`` and ``y`` is ``(n,)`` integer labels."""
    if scores.dim() != 2:
        raise ValueError(f"{what} must have shape (n, q), got {tuple(scores.shape)}")
    if y.dim() != 1 or y.shape[0] != scores.shape[0]:
        raise ValueError(
            f"labels y must have shape ({scores.shape[0]},), got {tuple(y.shape)}"
        )
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise ValueError(f"labels y must be an integer tensor, got {y.dtype}")


def cross_entropy(y_hat: Tensor, y: Tensor) -> Tensor:
    """Per-example cross-entropy from predicted probabilities (the d2l seed).

    Picks the predicted probability of the true class with the indexing trick
    ``y_hat[range(n), y]`` and returns ``-log`` of it.

    Args:
        y_hat: ``(n, q)`` float tensor of probabilities (rows sum to 1).
        y: ``(n,)`` integer (usually ``int64``) tensor of labels in ``[0, q)``.

    Returns:
        ``(n,)`` tensor in ``y_hat``'s dtype and device. The log(0) pitfall: a
        true-class probability of exactly 0 (e.g. an underflowed softmax) gives
        ``inf``; use :func:`cross_entropy_from_logits` to avoid it.
    """
    _check_batch(y_hat, y, "y_hat")
    rows = torch.arange(y_hat.shape[0], device=y_hat.device)
    return -torch.log(y_hat[rows, y])


def cross_entropy_from_logits(logits: Tensor, y: Tensor) -> Tensor:
    """Per-example cross-entropy computed stably from logits via log-softmax.

    Args:
        logits: ``(n, q)`` float tensor of unnormalised scores; may contain
            ``+-1000`` or ``-inf`` (a ``-inf`` at the true class gives ``inf``).
        y: ``(n,)`` integer tensor of labels in ``[0, q)``.

    Returns:
        ``(n,)`` tensor in ``logits``' dtype and device, equal to
        ``F.cross_entropy(logits, y, reduction="none")``.
    """
    _check_batch(logits, y, "logits")
    log_probs = log_softmax(logits, dim=1)
    return -log_probs.gather(1, y.long().unsqueeze(1)).squeeze(1)


def softmax_cross_entropy_grad(logits: Tensor, y: Tensor) -> Tensor:
    """Hand-derived gradient of the summed cross-entropy with respect to the logits.

    For ``L = sum_i cross_entropy_from_logits(logits, y)[i]`` the gradient is
    ``dL/dlogits = softmax(logits) - one_hot(y)``. Divide by ``n`` for the
    gradient of the mean loss (``reduction="mean"``).

    Args:
        logits: ``(n, q)`` float tensor.
        y: ``(n,)`` integer tensor of labels in ``[0, q)``.

    Returns:
        ``(n, q)`` tensor in ``logits``' dtype and device; each row sums to 0.
    """
    _check_batch(logits, y, "logits")
    one_hot = F.one_hot(y.long(), num_classes=logits.shape[1])
    probs = softmax(logits, dim=1)
    return probs - one_hot.to(dtype=probs.dtype)


def binary_cross_entropy(logits: Tensor, y: Tensor) -> Tensor:
    """Per-element binary cross-entropy computed stably from logits.

    Uses ``max(z, 0) - z * y + log1p(exp(-|z|))``, which never overflows. The
    branches are selected with ``torch.where`` on ``z >= 0`` (not ``abs``/``clamp``)
    so that the gradient at ``z = 0`` is the exact ``sigmoid(0) - y``.

    Args:
        logits: float tensor ``z`` of any shape, e.g. ``(n,)``.
        y: float targets in ``[0, 1]`` with the same shape as ``logits``
            (converted to ``logits``' dtype).

    Returns:
        Tensor of the shape, dtype and device of ``logits``, equal to
        ``F.binary_cross_entropy_with_logits(logits, y, reduction="none")``.
    """
    if y.shape != logits.shape:
        raise ValueError(
            f"targets shape {tuple(y.shape)} must match logits shape {tuple(logits.shape)}"
        )
    z = working_copy(logits)
    targets = y.to(device=z.device, dtype=z.dtype)
    non_negative = z >= 0
    relu = torch.where(non_negative, z, torch.zeros_like(z))
    minus_abs = torch.where(non_negative, -z, z)
    loss = relu - z * targets + torch.log1p(torch.exp(minus_abs))
    return loss.to(output_dtype(logits))
