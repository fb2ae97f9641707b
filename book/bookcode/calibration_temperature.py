"""Temperature scaling: one scalar ``T > 0`` that divides every logit, fitted on held-out data.

The probabilities become ``softmax(o / T)``. The arg-max, and hence the accuracy, does not
change; only the confidence does (``T > 1`` softens, ``T < 1`` sharpens). ``T`` is chosen to
minimise the negative log-likelihood of a *validation* split, never of the test set.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["fit_temperature", "nll_curve"]


def fit_temperature(logits: Tensor, y: Tensor, max_iter: int = 100) -> float:
    """The ``T`` minimising the mean NLL of ``softmax(logits / T)`` against ``y``.

    The optimisation variable is ``log T`` (so that ``T`` stays positive), started at
    ``log 1 = 0`` and minimised with L-BFGS in float64. The NLL is convex in ``1/T``,
    so there is a single minimum.

    Args:
        logits: ``(n, q)`` float logits of a held-out split (not used for training).
        y: ``(n,)`` int64 labels.
        max_iter: L-BFGS iterations.

    Returns:
        The fitted temperature, a Python float.
    """
    logits, y = logits.detach().double().cpu(), y.cpu()
    log_t = torch.zeros((), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=0.5, max_iter=max_iter,
                                  line_search_fn="strong_wolfe")

    def closure() -> Tensor:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(logits / log_t.exp(), y)
        loss.backward()
        return loss

    optimizer.step(closure)
    return float(log_t.detach().exp())


def nll_curve(logits: Tensor, y: Tensor, temperatures: Tensor) -> Tensor:
    """Mean NLL at each temperature: ``(n, q)``, ``(n,)``, ``(m,)`` -> ``(m,)`` float64."""
    logits = logits.detach().double().cpu()
    return torch.stack([
        torch.nn.functional.cross_entropy(logits / float(t), y.cpu()) for t in temperatures
    ])
