"""Scenarios of the ``logistic_regression`` assignment.

``implementation`` is a dict with the student's (or the reference's) ``sigmoid``,
``binary_cross_entropy`` and ``two_class_logits``. Runs beside student code (in the check process and in the
student's notebook): no import of the reference or the checks.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor

Functions = dict[str, Callable[..., Any]]


def each_function(implementation: Functions, z: Tensor, y: Tensor) -> dict[str, Any]:
    """Call every function once on ``(n,)`` logits ``z`` and ``(n,)`` float labels ``y``."""
    return {
        "sigmoid": implementation["sigmoid"](z),
        "binary_cross_entropy": implementation["binary_cross_entropy"](z, y),
        "two_class_logits": implementation["two_class_logits"](z),
    }


def _log_softmax(logits: Tensor) -> Tensor:
    """Stable log-softmax over the last dimension, written here so that only the
    implementation's own functions are being compared."""
    shifted = logits - logits.detach().amax(dim=-1, keepdim=True)
    return shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))


def binary_vs_two_class(implementation: Functions, z: Tensor, y: Tensor) -> dict[str, Any]:
    """The binary cross-entropy of ``(z, y)`` and the two-class cross-entropy of ``two_class_logits(z)``.

    Convention: class 0 of the two-class model is the positive label ``y = 1``, so a (possibly
    soft) label ``y`` becomes the two-class target ``[y, 1 - y]``; for hard labels this is the
    class index ``1 - y``.

    Returns:
        ``{"binary": (n,) tensor, "two_class": (n,) tensor}``; they agree when the functions do.
    """
    binary = implementation["binary_cross_entropy"](z, y)
    logits = implementation["two_class_logits"](z)
    if type(logits) is not Tensor:
        return {"binary": binary, "two_class": logits}
    targets = torch.stack([y, 1 - y], dim=-1).to(logits.dtype)
    two_class = -(targets * _log_softmax(logits)).sum(dim=-1)
    return {"binary": binary, "two_class": two_class}
