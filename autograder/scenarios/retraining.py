"""Scenario of the ``training`` assignment's end-to-end check: retrain on the real Fashion-MNIST.

:func:`retrain_fashion_mnist` trains softmax regression from fixed starting weights with the
student's own ``softmax``, ``cross_entropy``, ``sgd`` and ``train_epoch``, under a time budget, and
returns the trained weights; the judge measures their test accuracy itself. The scenarios of the
loop's single pieces are in :mod:`studentkit.scenarios.training`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from time import monotonic
from typing import Any

import torch
from torch import Tensor

from studentkit.data import FashionMNIST, TensorBatches, load_fashion_mnist

__all__ = ["retrain_fashion_mnist"]

# Bound at import, before any student code runs: replacing ``time.monotonic`` or
# ``torch.Tensor.clone`` in a notebook does not change the clock or the copies made here.
_clock, _clone, _detach = monotonic, torch.Tensor.clone, torch.Tensor.detach


class _UntilDeadline:
    """The batches of ``batches`` until the clock passes ``deadline``; then it stops
    early and sets ``cut``. Re-iterable, one epoch per pass."""

    def __init__(self, batches: TensorBatches, deadline: float) -> None:
        self.batches, self.deadline, self.cut = batches, deadline, False

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        for batch in self.batches:
            if _clock() > self.deadline:
                self.cut = True
                return
            yield batch


def retrain_fashion_mnist(functions: dict[str, Callable[..., Any]], W0: Tensor, b0: Tensor, *,
                          num_epochs: int, batch_size: int, lr: float, seed: int,
                          budget_s: float, data: FashionMNIST | None = None) -> dict[str, Any]:
    """Retrain softmax regression on the real Fashion-MNIST training set with the student's own
    ``softmax``, ``cross_entropy``, ``sgd`` and ``train_epoch``, from ``W0`` ``(784, 10)`` and
    ``b0`` ``(10,)``, for ``num_epochs`` epochs of shuffled batches (``seed``), one CPU thread.

    Stops early once ``budget_s`` seconds have passed (``stopped="time"``) or when ``W`` or ``b``
    is no longer finite after an epoch (``stopped="diverged"``). Returns the trained ``W`` and
    ``b``, the number of epochs that finished and the seconds taken; the judge measures accuracy.
    ``data`` is the data set loaded before any student code ran (the check process passes it);
    without it the data set is loaded here.
    """
    softmax, cross_entropy, sgd, train_epoch = (functions[name] for name in
                                                ("softmax", "cross_entropy", "sgd", "train_epoch"))
    data = data if data is not None else load_fashion_mnist()
    W = _clone(_detach(W0)).requires_grad_(True)
    b = _clone(_detach(b0)).requires_grad_(True)

    def net(X: Tensor) -> Tensor:
        return softmax(X.reshape(-1, W.shape[0]) @ W + b)

    def updater(n: int) -> None:
        sgd([W, b], lr, n)

    threads, start = torch.get_num_threads(), _clock()
    batches = _UntilDeadline(TensorBatches(data.train_images, data.train_labels, batch_size,
                                           shuffle=True, seed=seed), start + budget_s)
    epochs, stopped = 0, ""
    torch.set_num_threads(1)  # a 784x10 model gains nothing from threads that other work contends for
    try:
        while epochs < num_epochs and not stopped:
            try:
                train_epoch(net, batches, cross_entropy, updater)
            except Exception:
                if not batches.cut:  # a cut epoch may end in an error (say, 0 examples): that is the time
                    raise
            if batches.cut:
                stopped = "time"
                break
            epochs += 1
            if not bool(W.detach().isfinite().all() and b.detach().isfinite().all()):
                stopped = "diverged"
    finally:
        torch.set_num_threads(threads)
    return {"W": _clone(_detach(W)), "b": _clone(_detach(b)), "epochs": epochs, "stopped": stopped,
            "seconds": round(_clock() - start, 1)}
