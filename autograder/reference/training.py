"""Reference training loop of d2l's "softmax regression from scratch".

Provides the accuracy metric, the :class:`Accumulator` helper, minibatch
:func:`sgd`, one epoch of training (:func:`train_epoch`) and the full loop
(:func:`train`). Nothing here hard-codes a device: pass ``device`` to move each
batch, and put the model on that device yourself.

Conventions: a *net* maps a batch ``X`` of shape ``(n, ...)`` to scores or
probabilities ``(n, q)``; a *loss* maps ``(y_hat, y)`` to per-example losses
``(n,)`` (``reduction="none"``); ``y`` holds ``(n,)`` integer labels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import torch
from torch import Tensor, nn

__all__ = ["accuracy", "Accumulator", "evaluate_accuracy", "sgd", "train_epoch", "train"]

Net = Callable[[Tensor], Tensor]
Loss = Callable[[Tensor, Tensor], Tensor]
Batches = Iterable[tuple[Tensor, Tensor]]
Updater = torch.optim.Optimizer | Callable[[int], None]
Device = torch.device | str | None


def accuracy(y_hat: Tensor, y: Tensor) -> float:
    """Number of correct predictions (not the fraction), as in d2l.

    Args:
        y_hat: ``(n, q)`` scores/probabilities (arg-max over dim 1 is the
            prediction) or ``(n,)`` predicted labels (also ``(n, 1)``).
        y: ``(n,)`` integer labels.

    Returns:
        The count of examples whose prediction equals the label, as a float.
    """
    if y_hat.dim() > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(dim=1)
    cmp = y_hat.reshape(y.shape).to(y.dtype) == y
    return float(cmp.to(y.dtype).sum())


class Accumulator:
    """Running sums of ``n`` numbers (e.g. loss sum, correct count, example count)."""

    def __init__(self, n: int) -> None:
        """Start ``n`` sums at 0.0."""
        self.data: list[float] = [0.0] * n

    def add(self, *args: float) -> None:
        """Add one value to each sum; exactly ``n`` values (numbers or 0-dim tensors)."""
        if len(args) != len(self.data):
            raise ValueError(f"expected {len(self.data)} values, got {len(args)}")
        self.data = [total + float(value) for total, value in zip(self.data, args)]

    def reset(self) -> None:
        """Set every sum back to 0.0."""
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx: int) -> float:
        """The ``idx``-th running sum."""
        return self.data[idx]

    def __len__(self) -> int:
        """The number of sums, ``n``."""
        return len(self.data)


def _to_device(X: Tensor, y: Tensor, device: Device) -> tuple[Tensor, Tensor]:
    """Move a batch to ``device``, or leave it where it is when ``device`` is None."""
    if device is None:
        return X, y
    return X.to(device), y.to(device)


def evaluate_accuracy(net: Net, data_iter: Batches, device: Device = None) -> float:
    """Fraction of correctly classified examples over ``data_iter``.

    An ``nn.Module`` is put in eval mode for the evaluation and every submodule
    gets its previous mode back afterwards (also on error). Runs under
    ``torch.no_grad()``.

    Args:
        net: maps ``X`` ``(n, ...)`` to ``(n, q)`` scores or probabilities.
        data_iter: iterable of ``(X, y)`` batches, ``y`` of shape ``(n,)``.
        device: if given, each batch is moved there first.

    Returns:
        Accuracy in ``[0, 1]`` as a float.
    """
    modes: list[tuple[nn.Module, bool]] = []
    if isinstance(net, nn.Module):
        modes = [(module, module.training) for module in net.modules()]
        net.eval()
    metric = Accumulator(2)
    try:
        with torch.no_grad():
            for X, y in data_iter:
                X, y = _to_device(X, y, device)
                metric.add(accuracy(net(X), y), y.numel())
    finally:
        for module, was_training in modes:
            module.training = was_training
    if metric[1] == 0:
        raise ValueError("data_iter yielded no examples")
    return metric[0] / metric[1]


def sgd(params: Sequence[Tensor], lr: float, batch_size: int) -> None:
    """Minibatch stochastic gradient descent, in place (as in d2l).

    For each parameter: ``param -= lr * param.grad / batch_size``, then the
    gradient is zeroed. Use it after ``loss.sum().backward()``, so that dividing
    by the batch size gives the mean-loss gradient. Parameters without a
    gradient (``grad is None``) are skipped, like ``torch.optim`` does.
    """
    with torch.no_grad():
        for param in params:
            if param.grad is None:
                continue
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def train_epoch(
    net: Net, train_iter: Batches, loss: Loss, updater: Updater, device: Device = None
) -> tuple[float, float]:
    """Train ``net`` for one pass over ``train_iter``.

    With a ``torch.optim.Optimizer``: ``zero_grad()``, ``l.mean().backward()``,
    ``step()``. With any other callable ``updater(batch_size)`` (e.g.
    ``lambda n: sgd(params, lr, n)``): ``l.sum().backward()`` then
    ``updater(X.shape[0])``. An ``nn.Module`` is put in train mode first.

    Args:
        net: maps ``X`` ``(n, ...)`` to ``(n, q)`` scores or probabilities.
        train_iter: iterable of ``(X, y)`` batches.
        loss: returns per-example losses ``(n,)`` for ``(net(X), y)``.
        updater: an optimizer or a ``Callable[[int], None]``.
        device: if given, each batch is moved there first.

    Returns:
        ``(average training loss per example, training accuracy)``.
    """
    if isinstance(net, nn.Module):
        net.train()
    metric = Accumulator(3)  # loss sum, correct predictions, examples
    for X, y in train_iter:
        X, y = _to_device(X, y, device)
        y_hat = net(X)
        losses = loss(y_hat, y)
        if losses.dim() == 0:
            raise ValueError("loss must return per-example losses (use reduction='none')")
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
            losses.mean().backward()
            updater.step()
        else:
            losses.sum().backward()
            updater(X.shape[0])
        metric.add(float(losses.detach().sum()), accuracy(y_hat.detach(), y), y.numel())
    if metric[2] == 0:
        raise ValueError("train_iter yielded no examples")
    return metric[0] / metric[2], metric[1] / metric[2]


def train(
    net: Net,
    train_iter: Batches,
    test_iter: Batches,
    loss: Loss,
    num_epochs: int,
    updater: Updater,
    device: Device = None,
    on_epoch_end: Callable[[int, dict[str, float]], None] | None = None,
) -> dict[str, list[float]]:
    """Train for ``num_epochs`` epochs, evaluating on ``test_iter`` after each.

    ``train_iter`` and ``test_iter`` are iterated once per epoch, so they must
    be re-iterable (a list or a ``DataLoader``, not a generator).

    Args:
        net, train_iter, loss, updater, device: as for :func:`train_epoch`.
        test_iter: iterable of ``(X, y)`` batches for :func:`evaluate_accuracy`.
        num_epochs: number of passes over ``train_iter`` (>= 0).
        on_epoch_end: called after every epoch as ``on_epoch_end(epoch, metrics)``
            with ``epoch`` counting from 1 and ``metrics`` holding the floats
            ``"train_loss"``, ``"train_acc"`` and ``"test_acc"`` (e.g. for a live plot).

    Returns:
        ``{"train_loss": [...], "train_acc": [...], "test_acc": [...]}``, one
        float per epoch.
    """
    if num_epochs < 0:
        raise ValueError(f"num_epochs must be >= 0, got {num_epochs}")
    if isinstance(train_iter, Iterator) or isinstance(test_iter, Iterator):
        raise TypeError("train_iter and test_iter must be re-iterable, not one-shot iterators")
    history: dict[str, list[float]] = {"train_loss": [], "train_acc": [], "test_acc": []}
    for epoch in range(1, num_epochs + 1):
        train_loss, train_acc = train_epoch(net, train_iter, loss, updater, device)
        test_acc = evaluate_accuracy(net, test_iter, device)
        metrics = {"train_loss": train_loss, "train_acc": train_acc, "test_acc": test_acc}
        for key, value in metrics.items():
            history[key].append(value)
        if on_epoch_end is not None:
            on_epoch_end(epoch, metrics)
    return history
