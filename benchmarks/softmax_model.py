"""d2l's softmax regression from scratch, the model both training pipelines train.

As in the seed: ``W`` float32 ``(784, 10)`` drawn from N(0, 0.01^2), ``b`` float32 ``(10,)``
zeros, ``net(X) = softmax(X.reshape(-1, 784) @ W + b)``, the indexing cross-entropy, minibatch
``sgd`` and d2l's ``train`` loop (``train_epoch`` then ``evaluate_accuracy`` each epoch), all
taken from :mod:`autograder.reference`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import Tensor

from autograder.reference import cross_entropy, sgd, softmax, train

NUM_INPUTS, NUM_OUTPUTS = 784, 10


class SoftmaxRegression:
    """The from-scratch model: parameters ``W`` ``(784, 10)`` and ``b`` ``(10,)`` on ``device``.

    Args:
        device: where the parameters live.
        seed: seeds the draw of ``W`` (on the CPU, so every device starts from the same weights).
    """

    def __init__(self, device: str | torch.device = "cpu", seed: int = 0) -> None:
        generator = torch.Generator().manual_seed(seed)
        W = torch.normal(0.0, 0.01, size=(NUM_INPUTS, NUM_OUTPUTS), generator=generator)
        self.W = W.to(device).requires_grad_()
        self.b = torch.zeros(NUM_OUTPUTS, device=device, requires_grad=True)

    def __call__(self, X: Tensor) -> Tensor:
        """Class probabilities float32 ``(n, 10)`` of images ``X`` ``(n, 1, 28, 28)`` or ``(n, 784)``."""
        return softmax(X.reshape(-1, NUM_INPUTS) @ self.W + self.b)

    def updater(self, lr: float) -> Callable[[int], None]:
        """d2l's ``updater(batch_size)``: one :func:`sgd` step on ``[W, b]``."""
        return lambda batch_size: sgd([self.W, self.b], lr, batch_size)


Batches = Iterable[tuple[Tensor, Tensor]]


def fit(train_iter: Batches, test_iter: Batches, *, epochs: int, lr: float,
        device: str | torch.device = "cpu", move_batches: bool = False) -> float:
    """Train a fresh model for ``epochs`` epochs; return its final test accuracy (a float in [0, 1]).

    Args:
        train_iter, test_iter: re-iterable ``(X, y)`` batches (``X`` float32, ``y`` int64 ``(B,)``).
        device: where the model lives.
        move_batches: move every batch to ``device`` (the seed's way); otherwise the batches
            must already be there (the course's way).
    """
    model = SoftmaxRegression(device)
    history = train(model, train_iter, test_iter, cross_entropy, epochs, model.updater(lr),
                    device=device if move_batches else None)
    return history["test_acc"][-1]
