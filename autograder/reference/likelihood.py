"""Reference likelihoods: the negative log-likelihood of labels and its maximiser.

Three views of one quantity. Labels ``y_1, ..., y_n`` drawn i.i.d. from a categorical
distribution ``p`` have likelihood ``prod_i p[y_i]``; its negative logarithm is
:func:`categorical_nll`, and :func:`categorical_mle` (the class frequencies) minimises it. When
a softmax model gives every example its own distribution ``softmax(o_i)``, the same negative
log-likelihood is :func:`model_nll`, which is exactly the sum of the per-example cross-entropies.

Results live on the input's device; inputs are never modified.
"""

from __future__ import annotations

import torch
from torch import Tensor

from autograder.reference.activations import output_dtype, working_copy
from autograder.reference.losses import cross_entropy_from_logits

__all__ = ["categorical_nll", "categorical_mle", "model_nll"]


def _check_labels(y: Tensor, num_classes: int) -> None:
    """Raise ``ValueError`` unless ``y`` is a non-empty ``(n,)`` integer tensor of labels in ``[0, num_classes)``."""
    if y.dim() != 1 or y.numel() == 0:
        raise ValueError(f"labels y must have shape (n,) with n >= 1, got {tuple(y.shape)}")
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise ValueError(f"labels y must be an integer tensor, got {y.dtype}")
    if int(y.min()) < 0 or int(y.max()) >= num_classes:
        raise ValueError(f"labels must lie in [0, {num_classes}), got values in [{int(y.min())}, {int(y.max())}]")


def categorical_nll(probs: Tensor, y: Tensor) -> Tensor:
    """Total negative log-likelihood of i.i.d. labels under one categorical distribution.

    ``-sum_i log probs[y_i]``, equivalently ``-sum_k N_k log probs[k]`` with ``N_k`` the number of
    labels equal to ``k``.

    Args:
        probs: ``(q,)`` float tensor, a probability vector (non-negative, sums to 1).
        y: ``(n,)`` integer (usually ``int64``) tensor of labels in ``[0, q)``.

    Returns:
        0-dim tensor in ``probs``' dtype and device. A label whose class has probability 0 makes
        the likelihood 0 and the result ``inf``; classes of probability 0 that no label names do
        not matter.
    """
    if probs.dim() != 1:
        raise ValueError(f"probs must have shape (q,), got {tuple(probs.shape)}")
    _check_labels(y, probs.shape[0])
    log_probs = torch.log(working_copy(probs))
    return (-log_probs[y.long()].sum()).to(output_dtype(probs))


def categorical_mle(y: Tensor, num_classes: int) -> Tensor:
    """Maximum-likelihood estimate of a categorical distribution: the class frequencies.

    ``p_hat[k] = N_k / n``, the minimiser of :func:`categorical_nll` over probability vectors.

    Args:
        y: ``(n,)`` integer tensor of labels in ``[0, num_classes)``, ``n >= 1``.
        num_classes: ``q``, the number of classes (classes no label names get probability 0).

    Returns:
        ``(q,)`` float32 tensor on ``y``'s device, non-negative and summing to 1.
    """
    if num_classes < 1:
        raise ValueError(f"num_classes must be at least 1, got {num_classes}")
    _check_labels(y, num_classes)
    counts = torch.bincount(y.long(), minlength=num_classes)
    return counts.to(torch.float32) / y.numel()


def model_nll(logits: Tensor, y: Tensor) -> Tensor:
    """Total negative log-likelihood of labels under a softmax model.

    Example ``i`` has its own distribution ``softmax(logits[i])``, so the likelihood is
    ``prod_i softmax(logits[i])[y_i]`` and its negative log is
    ``sum_i cross_entropy_from_logits(logits, y)[i]``: minimising the summed cross-entropy *is*
    maximum likelihood. Computed stably via log-softmax.

    Args:
        logits: ``(n, q)`` float tensor; may contain ``+-1000`` or ``-inf`` (a ``-inf`` at a
            true class gives ``inf``).
        y: ``(n,)`` integer tensor of labels in ``[0, q)``.

    Returns:
        0-dim tensor in ``logits``' dtype and device, equal to
        ``F.cross_entropy(logits, y, reduction="sum")``. Half-precision inputs are summed in
        float32 and cast back.
    """
    if logits.dim() != 2:
        raise ValueError(f"logits must have shape (n, q), got {tuple(logits.shape)}")
    _check_labels(y, logits.shape[1])
    return cross_entropy_from_logits(working_copy(logits), y).sum().to(output_dtype(logits))
