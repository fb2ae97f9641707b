"""What the from-scratch model of the training chapter needs besides its parameters.

The chapter creates ``W`` ``(d, q)`` and ``b`` ``(q,)`` itself and defines ``net(X)`` as the
logits ``X W + b``. This module provides the loss of those logits (the cross-entropy, computed
stably with log-sum-exp) and a helper that runs a net over a whole data set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import Tensor, nn

__all__ = ["cross_entropy_from_logits", "collect_logits"]


def cross_entropy_from_logits(logits: Tensor, y: Tensor) -> Tensor:
    """Per-example cross-entropy ``logsumexp(o) - o_y``.

    Args:
        logits: ``(n, q)`` float logits.
        y: ``(n,)`` int64 labels in ``[0, q)``.

    Returns:
        ``(n,)`` losses in ``logits``' dtype; the same numbers as
        ``-log(softmax(logits)[range(n), y])`` without its overflow and ``log(0)``.
    """
    return torch.logsumexp(logits, dim=1) - logits.gather(1, y[:, None]).squeeze(1)


@torch.no_grad()
def collect_logits(net: Callable[[Tensor], Tensor], data_iter: Iterable[tuple[Tensor, Tensor]],
                   device: str | torch.device | None = None) -> tuple[Tensor, Tensor]:
    """Run ``net`` over every batch of ``data_iter``, in evaluation mode.

    Returns:
        The logits ``(N, q)`` float32 and the labels ``(N,)`` int64 of all batches, in order,
        on the CPU.
    """
    if isinstance(net, nn.Module):
        net.eval()
    outputs, labels = [], []
    for X, y in data_iter:
        outputs.append(net(X if device is None else X.to(device)).cpu())
        labels.append(y.cpu())
    return torch.cat(outputs), torch.cat(labels)
