"""Scenarios of the ``training`` assignment: the d2l training loop's pieces, exercised on fixed data.

Each function takes the implementation under test (the student's in the kernel, the reference's in
the judge) and the case's arguments, builds what the call needs (a small linear net, an updater,
a callback), runs it and returns plain data. Numbers that come back as one-element tensors are
turned into Python numbers, so ``0-dim`` results are not penalised. Retraining the whole model on
the real Fashion-MNIST from the student's own pieces is the grader's own scenario
(``autograder.scenarios.retraining``), too slow for a notebook and not part of the student package.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import Tensor, nn

Batches = list[tuple[Tensor, Tensor]]

__all__ = ["count_correct", "accumulate", "evaluate_linear", "sgd_step", "train_epoch_run",
           "train_run", "one_of"]


def as_number(value: Any) -> Any:
    """A one-element tensor as a Python number; anything else unchanged."""
    if type(value) is Tensor and value.numel() == 1:
        return value.item()
    return value


def count_correct(accuracy: Callable[[Tensor, Tensor], Any], y_hat: Tensor, y: Tensor) -> Any:
    """``accuracy(y_hat, y)``: ``y_hat`` ``(n, q)`` scores or ``(n,)`` labels, ``y`` ``(n,)`` int64."""
    return as_number(accuracy(y_hat, y))


def accumulate(accumulator_class: type, n: int, rows: list[list[Any]]) -> list[list[Any]]:
    """Create ``accumulator_class(n)``; ``add(*row)`` for each row, then ``reset()`` and add the
    first row again. Returns every slot read after each of those steps (one list per step)."""
    sums = accumulator_class(n)

    def read() -> list[Any]:
        return [as_number(sums[i]) for i in range(n)]

    readings = []
    for row in rows:
        sums.add(*row)
        readings.append(read())
    sums.reset()
    readings.append(read())
    sums.add(*rows[0])
    readings.append(read())
    return readings


def _linear(W: Tensor, b: Tensor) -> Callable[[Tensor], Tensor]:
    """The net ``X -> X.reshape(n, -1) @ W + b``: scores ``(n, q)`` for ``X`` ``(n, ...)``."""
    return lambda X: X.reshape(X.shape[0], -1) @ W + b


def _linear_module(W: Tensor, b: Tensor, dropout: float = 0.0) -> nn.Module:
    """``Flatten -> Linear -> Dropout`` with the weights of ``W`` ``(d, q)`` and ``b`` ``(q,)``."""
    linear = nn.Linear(W.shape[0], W.shape[1], dtype=W.dtype)
    with torch.no_grad():
        linear.weight.copy_(W.T)
        linear.bias.copy_(b)
    return nn.Sequential(nn.Flatten(), linear, nn.Dropout(dropout))


def evaluate_linear(evaluate_accuracy: Callable[..., Any], W: Tensor, b: Tensor, batches: Batches,
                    *, as_module: bool, training: bool = True) -> dict[str, Any]:
    """``evaluate_accuracy`` of a linear net over ``batches``.

    With ``as_module`` the net is an ``nn.Module`` ending in dropout (so only eval mode gives the
    true accuracy), set to train mode or eval mode (``training``) before the call; the mode it is
    left in is reported. Dropout draws from a seeded generator that is restored afterwards.
    """
    if not as_module:
        return {"accuracy": as_number(evaluate_accuracy(_linear(W, b), batches))}
    net = _linear_module(W, b, dropout=0.5).train(training)
    graphs: list[bool] = []
    net.register_forward_hook(lambda module, inputs, output: graphs.append(bool(output.requires_grad)))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        accuracy = as_number(evaluate_accuracy(net, batches))
    return {"accuracy": accuracy, "training_after": net.training, "graph_built": any(graphs)}


def _leaves(params: list[Tensor], grads: list[Tensor]) -> list[Tensor]:
    """Fresh leaf tensors requiring grad, holding ``params``, with ``.grad`` set to ``grads``."""
    leaves = [p.detach().clone().requires_grad_(True) for p in params]
    for leaf, grad in zip(leaves, grads):
        leaf.grad = grad.detach().clone()
    return leaves


def sgd_step(sgd: Callable[..., Any], params: list[Tensor], grads: list[Tensor], *, lr: float,
             batch_size: int) -> dict[str, Any]:
    """One ``sgd(params, lr, batch_size)`` on leaf tensors whose ``.grad`` is ``grads``.

    Returns the parameters and gradients after the step (a gradient set to None counts as
    zeroed) and ``in_place``: whether the list still holds the very tensors passed in.
    """
    leaves = _leaves(params, grads)
    passed = list(leaves)
    sgd(passed, lr, batch_size)
    return {
        "params": [leaf.detach().clone() for leaf in leaves],
        "grads": [torch.zeros_like(leaf) if leaf.grad is None else leaf.grad.detach().clone() for leaf in leaves],
        "in_place": all(after is before for after, before in zip(passed, leaves)),
    }


def logits_cross_entropy(scores: Tensor, y: Tensor) -> Tensor:
    """Per-example cross-entropy ``(n,)`` of scores ``(n, q)`` and labels ``(n,)``."""
    return torch.logsumexp(scores, dim=1) - scores.gather(1, y.reshape(-1, 1)).reshape(-1)


def _plain_sgd(params: list[Tensor], lr: float) -> Callable[[int], None]:
    """The scenarios' own updater: ``updater(n)`` steps ``params`` by ``lr * grad / n``, zeroes grads."""

    def updater(batch_size: int) -> None:
        with torch.no_grad():
            for param in params:
                param -= lr * param.grad / batch_size
                param.grad.zero_()

    return updater


def _model(W: Tensor, b: Tensor, lr: float, use_optimizer: bool,
           dropout: float = 0.0) -> tuple[Any, Any, Callable[[], list[Tensor]]]:
    """``(net, updater, weights)``: an ``nn.Linear`` (then dropout) with ``torch.optim.SGD``, or a
    plain function with the scenarios' own updater; ``weights()`` gives the current ``[W (d, q), b (q,)]``."""
    if use_optimizer:
        net = _linear_module(W, b, dropout)
        linear = net[1]

        def module_weights() -> list[Tensor]:
            return [linear.weight.detach().T.contiguous(), linear.bias.detach().clone()]

        return net, torch.optim.SGD(net.parameters(), lr=lr), module_weights
    params = [W.detach().clone().requires_grad_(True), b.detach().clone().requires_grad_(True)]

    def weights() -> list[Tensor]:
        return [p.detach().clone() for p in params]

    return _linear(*params), _plain_sgd(params, lr), weights


def train_epoch_run(train_epoch: Callable[..., Any], W: Tensor, b: Tensor, batches: Batches, *,
                    lr: float, use_optimizer: bool, start_in_eval: bool = False) -> dict[str, Any]:
    """One ``train_epoch(net, batches, loss, updater)`` of a linear net from ``W``, ``b``;
    the loss is per-example cross-entropy of the scores. Returns what it reported and the weights.

    With ``start_in_eval`` the net is an ``nn.Module`` ending in dropout, handed over in eval mode
    (so only a switch to train mode trains like the reference); the modes its forward calls saw are
    reported. Dropout draws from a seeded generator that is restored afterwards.
    """
    net, updater, weights = _model(W, b, lr, use_optimizer, dropout=0.5 if start_in_eval else 0.0)
    modes: list[bool] = []
    if start_in_eval:
        net.eval().register_forward_pre_hook(lambda module, inputs: modes.append(module.training))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        loss, accuracy = train_epoch(net, batches, logits_cross_entropy, updater)
    out = {"loss": as_number(loss), "accuracy": as_number(accuracy), "params": weights()}
    return {**out, "modes_seen": sorted(set(modes))} if start_in_eval else out


def train_run(train: Callable[..., Any], W: Tensor, b: Tensor, train_batches: Batches,
              test_batches: Batches, *, lr: float, num_epochs: int, use_optimizer: bool) -> dict[str, Any]:
    """``train(net, train_batches, test_batches, loss, num_epochs, updater, on_epoch_end=...)``.

    Returns the history, every callback call as ``[epoch, train_loss, train_acc, test_acc]`` and
    the final weights.
    """
    net, updater, weights = _model(W, b, lr, use_optimizer)
    calls: list[list[Any]] = []

    def on_epoch_end(epoch: int, metrics: dict[str, Any]) -> None:
        keys = ("train_loss", "train_acc", "test_acc")
        calls.append([as_number(epoch)] + [as_number(metrics.get(key)) for key in keys])

    history = train(net, train_batches, test_batches, logits_cross_entropy, num_epochs, updater,
                    on_epoch_end=on_epoch_end)
    if isinstance(history, dict):
        history = {key: [as_number(v) for v in values] if isinstance(values, (list, tuple)) else values
                   for key, values in history.items()}
    return {"history": history, "calls": calls, "params": weights()}


@contextlib.contextmanager
def _optimizers_created(names: list[str]) -> Iterator[None]:
    """Record the class name of every ``torch.optim`` optimizer created inside the block."""
    original = torch.optim.Optimizer.__init__

    def spy(self: torch.optim.Optimizer, *args: Any, **kwargs: Any) -> None:
        names.append(type(self).__name__)
        original(self, *args, **kwargs)

    torch.optim.Optimizer.__init__ = spy
    try:
        yield
    finally:
        torch.optim.Optimizer.__init__ = original


def one_of(functions: dict[str, Callable[..., Any]], name: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``functions[name]``: ``softmax(X)``, ``cross_entropy(y_hat, y)``, or ``sgd`` as in
    :func:`sgd_step`, reporting any ``torch.optim`` optimizer it creates."""
    if name != "sgd":
        return functions[name](*args, **kwargs)
    created: list[str] = []
    with _optimizers_created(created):
        result = sgd_step(functions["sgd"], *args, **kwargs)
    return {**result, "optimizers_created": created}
