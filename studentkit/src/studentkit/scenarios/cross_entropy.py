"""Scenarios for a hand-derived cross-entropy gradient ``grad(logits, y) -> (n, q)``.

The gradient a student derives by hand is graded twice by behaviour: plugged into autograd as
the backward of the summed cross-entropy and checked against finite differences with
``torch.autograd.gradcheck``, and called with autograd switched off, so that code that asks
autograd for the gradient instead of computing it fails.

Runs beside student code (in the check process and in the student's notebook): no reference solutions are
imported here. The forward loss is written with plain operations (max, exp, log, sum, gather), none of
the library losses that exercises forbid.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor

GradientFunction = Callable[[Tensor, Tensor], Tensor]


def summed_cross_entropy(logits: Tensor, y: Tensor) -> Tensor:
    """``sum_i (logsumexp(logits[i]) - logits[i, y_i])`` for ``(n, q)`` logits and ``(n,)`` labels; 0-dim."""
    row_max = logits.amax(dim=1, keepdim=True).detach()
    log_sum_exp = row_max.squeeze(1) + torch.log(torch.exp(logits - row_max).sum(dim=1))
    return (log_sum_exp - logits.gather(1, y.long().unsqueeze(1)).squeeze(1)).sum()


class _HandDerivedCrossEntropy(torch.autograd.Function):
    """The summed cross-entropy whose backward is the implementation under test."""

    @staticmethod
    def forward(ctx: Any, logits: Tensor, y: Tensor, gradient: GradientFunction) -> Tensor:  # noqa: ANN401
        ctx.save_for_backward(logits)
        ctx.y, ctx.gradient = y, gradient
        return summed_cross_entropy(logits, y)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None, None]:  # noqa: ANN401
        (logits,) = ctx.saved_tensors
        with torch.no_grad():
            return grad_output * ctx.gradient(logits.detach(), ctx.y), None, None


def gradcheck_summed_loss(gradient: GradientFunction, logits: Tensor, y: Tensor) -> bool:
    """Whether ``torch.autograd.gradcheck`` accepts ``gradient`` as the derivative of the summed loss.

    Args:
        gradient: the implementation, ``(n, q)`` logits and ``(n,)`` labels -> ``(n, q)``.
        logits: ``(n, q)`` float64 logits (gradcheck needs double precision).
        y: ``(n,)`` int64 labels.

    Returns:
        True when the analytical Jacobian (the implementation) agrees with the numerical one
        (finite differences of the loss) to gradcheck's default tolerances.
    """
    z = logits.detach().to(torch.float64).requires_grad_(True)
    return bool(torch.autograd.gradcheck(lambda t: _HandDerivedCrossEntropy.apply(t, y, gradient), (z,),
                                         raise_exception=False))


def gradient_without_autograd(gradient: GradientFunction, logits: Tensor, y: Tensor) -> Tensor:
    """Call ``gradient`` under ``torch.no_grad()`` on logits that do not require grad.

    Code that computes the gradient with ``backward()`` or ``torch.autograd.grad`` raises here,
    because nothing it builds has a graph to differentiate.
    """
    with torch.no_grad():
        return gradient(logits.detach(), y)
