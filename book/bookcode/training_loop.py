"""The training loop of "softmax regression from scratch", as the book runs it.

These are the functions the exercise ``exercises/training/training.ipynb`` asks students to
write (``accuracy``, ``Accumulator``, ``evaluate_accuracy``, ``sgd``, ``train_epoch``,
``train``). The chapter ``book/training.md`` explains them and imports them from here rather
than printing them.

Conventions: a *net* maps a batch ``X`` of shape ``(n, ...)`` to scores ``(n, q)`` (logits or
probabilities: the arg-max is the prediction either way); a *loss* maps ``(scores, y)`` to
per-example losses ``(n,)``; ``y`` holds ``(n,)`` int64 labels. An *updater* is either a
``torch.optim.Optimizer`` or a callable ``updater(batch_size)`` that updates the parameters
from the gradient of the **summed** loss.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import torch
from torch import Tensor, nn

__all__ = ["Accumulator", "accuracy", "evaluate_accuracy", "sgd", "train", "train_epoch"]

Batches = Iterable[tuple[Tensor, Tensor]]
Net = Callable[[Tensor], Tensor]
Loss = Callable[[Tensor, Tensor], Tensor]
Updater = torch.optim.Optimizer | Callable[[int], None]
Device = torch.device | str | None
EpochCallback = Callable[[int, dict[str, float]], None]
METRICS = ("train_loss", "train_acc", "test_acc")  # what train records after each epoch


def accuracy(scores: Tensor, y: Tensor) -> float:
    """The **number** of correct predictions in a batch (not the fraction).

    Args:
        scores: ``(n, q)`` logits or probabilities, or ``(n,)`` predicted labels.
        y: ``(n,)`` integer labels.
    """
    predicted = scores.argmax(dim=1) if scores.dim() == 2 and scores.shape[1] > 1 else scores
    return float((predicted.reshape(y.shape).to(y.dtype) == y).sum())


class Accumulator:
    """``n`` running sums of floats, e.g. (summed loss, number correct, number of examples)."""

    def __init__(self, n: int) -> None:
        self.data = [0.0] * n

    def add(self, *values: float) -> None:
        """Add ``values[i]`` to sum ``i``; exactly ``n`` numbers (or 0-dim tensors)."""
        if len(values) != len(self.data):
            raise ValueError(f"Accumulator({len(self.data)}).add takes {len(self.data)} "
                             f"numbers, not {len(values)}")
        for i, value in enumerate(values):
            self.data[i] += float(value)

    def reset(self) -> None:
        """Set every sum back to zero."""
        self.data = [0.0 for _ in self.data]

    def __getitem__(self, index: int) -> float:
        return self.data[index]

    def __len__(self) -> int:
        return len(self.data)


def _moved(X: Tensor, y: Tensor, device: Device) -> tuple[Tensor, Tensor]:
    return (X, y) if device is None else (X.to(device), y.to(device))


def evaluate_accuracy(net: Net, data_iter: Batches, device: Device = None) -> float:
    """Fraction of the examples of ``data_iter`` that ``net`` classifies correctly.

    Runs without gradients; an ``nn.Module`` is switched to evaluation mode for the pass and
    every submodule gets its previous mode back afterwards.
    """
    saved = [(m, m.training) for m in net.modules()] if isinstance(net, nn.Module) else []
    if isinstance(net, nn.Module):
        net.eval()
    counts = Accumulator(2)  # correct predictions, examples
    try:
        with torch.no_grad():
            for X, y in data_iter:
                X, y = _moved(X, y, device)
                counts.add(accuracy(net(X), y), y.numel())
    finally:
        for module, mode in saved:
            module.training = mode
    if counts[1] == 0:
        raise ValueError("evaluate_accuracy: data_iter gave no examples")
    return counts[0] / counts[1]


def sgd(params: Sequence[Tensor], lr: float, batch_size: int) -> None:
    """One step of minibatch SGD, in place: ``p <- p - lr * p.grad / batch_size``.

    Meant to follow ``loss.sum().backward()``, so that dividing by the batch size gives the
    gradient of the mean loss. Zeroes each gradient afterwards; skips parameters whose
    ``grad`` is None.
    """
    with torch.no_grad():
        for param in params:
            if param.grad is not None:
                param.sub_(param.grad, alpha=lr / batch_size)
                param.grad.zero_()


def _step(losses: Tensor, updater: Updater, batch_size: int) -> None:
    """Back-propagate per-example ``losses`` ``(n,)`` and update the parameters."""
    uses_optimizer = isinstance(updater, torch.optim.Optimizer)
    if uses_optimizer:
        updater.zero_grad()
    # torch.optim expects the gradient of the mean loss, sgd(params, lr, n) that of the sum.
    (losses.mean() if uses_optimizer else losses.sum()).backward()
    if uses_optimizer:
        updater.step()
    else:
        updater(batch_size)


def train_epoch(net: Net, train_iter: Batches, loss: Loss, updater: Updater,
                device: Device = None) -> tuple[float, float]:
    """One pass over ``train_iter``; returns (mean loss per example, training accuracy).

    The loss and accuracy of each batch are measured *before* its update, so they describe
    the model as it was during the epoch, not at its end.
    """
    if isinstance(net, nn.Module):
        net.train()
    sums = Accumulator(3)  # summed loss, correct predictions, examples
    for X, y in train_iter:
        X, y = _moved(X, y, device)
        scores = net(X)
        losses = loss(scores, y)
        if losses.dim() != 1:
            raise ValueError("loss must return one value per example (reduction='none')")
        _step(losses, updater, X.shape[0])
        sums.add(float(losses.detach().sum()), accuracy(scores.detach(), y), y.numel())
    if sums[2] == 0:
        raise ValueError("train_epoch: train_iter gave no examples")
    return sums[0] / sums[2], sums[1] / sums[2]


def train(net: Net, train_iter: Batches, test_iter: Batches, loss: Loss, num_epochs: int,
          updater: Updater, device: Device = None,
          on_epoch_end: EpochCallback | None = None) -> dict[str, list[float]]:
    """Train for ``num_epochs`` epochs and evaluate on ``test_iter`` after each.

    ``on_epoch_end(epoch, metrics)`` (epoch counted from 1; metrics ``train_loss``,
    ``train_acc``, ``test_acc``) is called after every epoch, e.g. to update a live plot.

    Returns:
        ``{"train_loss": [...], "train_acc": [...], "test_acc": [...]}``, one float per epoch.
    """
    if num_epochs < 0:
        raise ValueError(f"train: num_epochs cannot be negative ({num_epochs})")
    history: dict[str, list[float]] = {name: [] for name in METRICS}
    for done in range(num_epochs):
        epoch_loss, epoch_accuracy = train_epoch(net, train_iter, loss, updater, device)
        values = (epoch_loss, epoch_accuracy, evaluate_accuracy(net, test_iter, device))
        metrics = dict(zip(METRICS, values))
        for name, value in metrics.items():
            history[name].append(value)
        if on_epoch_end is not None:
            on_epoch_end(done + 1, metrics)
    return history
