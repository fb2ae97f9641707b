"""Reference activations: numerically stable softmax, log-softmax and sigmoid.

All functions are device-agnostic: the result lives on the input's device and,
for floating-point input, has the input's dtype. Half-precision inputs
(``float16``/``bfloat16``) are computed in ``float32`` and cast back, the way
PyTorch's own kernels accumulate. Integer inputs are promoted to the default
floating dtype (``torch.get_default_dtype()``). Inputs are never modified.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["softmax", "log_softmax", "sigmoid"]

_LOW_PRECISION = (torch.float16, torch.bfloat16)


def output_dtype(x: Tensor) -> torch.dtype:
    """The dtype a reference function returns for input ``x``.

    ``x.dtype`` for floating-point tensors, the default float dtype otherwise.
    """
    return x.dtype if x.is_floating_point() else torch.get_default_dtype()


def working_copy(x: Tensor) -> Tensor:
    """``x`` in the dtype used for the arithmetic (never in place).

    ``float16``/``bfloat16`` become ``float32``; integers and bools become the
    default float dtype; ``float32``/``float64`` are returned unchanged. The
    conversion is differentiable, so autograd flows back to ``x``.
    """
    if x.dtype in _LOW_PRECISION:
        return x.to(torch.float32)
    return x.to(output_dtype(x))


def _shifted(logits: Tensor, dim: int) -> Tensor:
    """``logits - max(logits, dim)`` so that the largest entry along ``dim`` is 0.

    The maximum is detached: softmax is invariant to shifts, so the shift has no
    effect on the gradient and detaching it avoids autograd bookkeeping. A row of
    all ``-inf`` gives ``nan`` (``-inf - -inf``), exactly like ``torch.softmax``.
    """
    row_max = logits.detach().amax(dim=dim, keepdim=True)
    return logits - row_max


def softmax(logits: Tensor, dim: int = -1) -> Tensor:
    """Numerically stable softmax along ``dim``.

    Args:
        logits: float tensor of any shape ``(..., q, ...)``; entries may be
            ``-inf`` (the probability is then exactly 0, e.g. ``[0, -inf] ->
            [1, 0]``).
        dim: the dimension that is normalised (default: the last one).

    Returns:
        Tensor of the same shape, dtype and device as ``logits``; it is
        non-negative and sums to 1 along ``dim``. Subtracting the maximum first
        means ``exp`` never overflows, so logits of +-1000 are fine.
    """
    x = working_copy(logits)
    exp = torch.exp(_shifted(x, dim))
    probs = exp / exp.sum(dim=dim, keepdim=True)
    return probs.to(output_dtype(logits))


def log_softmax(logits: Tensor, dim: int = -1) -> Tensor:
    """Numerically stable log-softmax along ``dim`` via the log-sum-exp trick.

    Computes ``x - m - log(sum(exp(x - m)))`` with ``m = max(x, dim)``, which
    never takes ``log(0)`` for a finite row and never overflows.

    Args:
        logits: float tensor of any shape; ``-inf`` entries give ``-inf``.
        dim: the dimension that is normalised (default: the last one).

    Returns:
        Tensor of the same shape, dtype and device as ``logits`` (all entries
        <= 0), equal to ``torch.nn.functional.log_softmax(logits, dim)``.
    """
    x = working_copy(logits)
    shifted = _shifted(x, dim)
    log_sum_exp = torch.log(torch.exp(shifted).sum(dim=dim, keepdim=True))
    return (shifted - log_sum_exp).to(output_dtype(logits))


def sigmoid(z: Tensor) -> Tensor:
    """Numerically stable logistic sigmoid ``1 / (1 + exp(-z))``, elementwise.

    Uses ``e = exp(-|z|)``, which lies in ``(0, 1]`` and so never overflows:
    ``1 / (1 + e)`` for ``z >= 0`` and ``e / (1 + e)`` for ``z < 0``. Both
    branches are finite, so gradients through ``torch.where`` never become
    ``nan``; ``-|z|`` is formed with ``where`` rather than ``abs`` so that the
    gradient at ``z = 0`` is the correct 1/4.

    Args:
        z: tensor of any shape (e.g. ``(n,)`` logits of a binary classifier).

    Returns:
        Tensor of the same shape, dtype and device as ``z`` with values in
        ``[0, 1]``; ``|z|`` up to 1000 gives exactly 0 or 1, never ``inf``/``nan``.
    """
    x = working_copy(z)
    non_negative = x >= 0
    e = torch.exp(torch.where(non_negative, -x, x))
    result = torch.where(non_negative, 1 / (1 + e), e / (1 + e))
    return result.to(output_dtype(z))
