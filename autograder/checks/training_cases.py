"""Cases of the ``training`` assignment's hidden checks, built from fixed seeds.

Small linear nets with labels they get about half right, split into batches of odd sizes, for the
pieces of the training loop; fixed starting weights for the end-to-end retraining on the real
Fashion-MNIST. The properties that judge these cases are in :mod:`autograder.checks.training`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from autograder import reference

from .base import Case, describe, seeded

END_TO_END = {"num_epochs": 10, "batch_size": 256, "lr": 0.1, "seed": 0, "budget_s": 120.0}
EVALUATE = "training.evaluate_linear"


def _noisy_labels(scores: Tensor, gen: torch.Generator) -> Tensor:
    """int64 labels ``(n,)``: the arg-max of ``scores`` ``(n, q)`` plus noise, so about half agree."""
    return (scores + 2 * torch.randn(scores.shape, generator=gen, dtype=scores.dtype)).argmax(dim=1)


def _batches(X: Tensor, y: Tensor, sizes: list[int]) -> list[tuple[Tensor, Tensor]]:
    """``X`` ``(n, ...)`` and ``y`` ``(n,)`` split into consecutive batches of ``sizes``."""
    return list(zip(X.split(sizes), y.split(sizes)))


def _linear_data(seed: int, n: int, shape: tuple[int, ...], q: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """float32 ``W (d, q)``, ``b (q,)``, ``X (n, *shape)`` and int64 ``y (n,)``: a small linear net
    and labels it gets about half right."""
    gen = seeded(seed)
    d = int(torch.tensor(shape).prod())
    W = 0.5 * torch.randn(d, q, generator=gen)
    b = 0.1 * torch.randn(q, generator=gen)
    X = torch.randn(n, *shape, generator=gen)
    return W, b, X, _noisy_labels(X.reshape(n, d) @ W + b, gen)


def accuracy_cases() -> list[Case]:
    """Probabilities, logits (float64), predicted labels ``(n,)`` and a batch of one."""
    gen = seeded(10)
    probabilities = reference.softmax(torch.randn(6, 4, generator=gen))
    logits = 3 * torch.randn(7, 3, generator=gen, dtype=torch.float64)
    predicted = torch.randint(0, 5, (9,), generator=gen)
    one = torch.randn(1, 10, generator=gen)
    pairs = [(probabilities, _noisy_labels(probabilities, gen)), (logits, _noisy_labels(logits, gen)),
             (predicted, torch.where(torch.arange(9) % 3 == 0, (predicted + 1) % 5, predicted)),
             (one, one.argmax(dim=1))]
    return [Case(f"y_hat {describe(y_hat)}, y {describe(y)}", [y_hat, y], scenario="training.count_correct")
            for y_hat, y in pairs]


ACCUMULATOR_ADDS = (("fii", "fii", "tif", "Lif"), ("ti", "ii"), ("f", "f", "f"))
"""The add calls of each accumulator case, one string per call, a letter per value: ``i`` an int,
``f`` a float, ``t`` a 0-dim float32 tensor, ``L`` a float near 1000."""
_COUNTS = {2: "two", 3: "three", 4: "four"}


def _added_value(kind: str, gen: torch.Generator) -> Any:
    """One value of an add call, of ``kind`` (see :data:`ACCUMULATOR_ADDS`), never zero, exact in binary."""
    draw = int(torch.randint(1, 65, (), generator=gen)) * (1 if torch.rand((), generator=gen) < 0.5 else -1)
    return {"i": draw, "f": draw / 8, "t": torch.tensor(draw / 4), "L": 1000.0 + draw}[kind]


def accumulator_cases() -> list[Case]:
    """Accumulators of 3, 2 and 1 slots; values are ints, floats and 0-dim tensors, drawn per seed."""
    cases = []
    for index, adds in enumerate(ACCUMULATOR_ADDS):
        gen = seeded(70 + index)
        rows = [[_added_value(kind, gen) for kind in add] for add in adds]
        cases.append(Case(f"Accumulator({len(adds[0])}), {_COUNTS[len(adds)]} add calls, reset, add",
                          [len(adds[0]), rows], scenario="training.accumulate"))
    return cases


def evaluate_cases() -> list[Case]:
    """A linear net over 20 examples in batches of 5, 5, 5, 4 and 1: as a function, and as an
    ``nn.Module`` ending in dropout, once in train mode and once in eval mode."""
    W, b, X, y = _linear_data(20, 20, (3, 4), 3)
    batches = _batches(X, y, [5, 5, 5, 4, 1])
    one = _batches(X[:1].double(), y[:1], [1])
    label = "a linear net as {}, batches of 5, 5, 5, 4 and 1"
    return [
        Case(label.format("a plain function"), [W, b, batches], {"as_module": False}, scenario=EVALUATE),
        Case(label.format("an nn.Module in train mode"), [W, b, batches], {"as_module": True, "training": True},
             scenario=EVALUATE),
        Case(label.format("an nn.Module in eval mode"), [W, b, batches], {"as_module": True, "training": False},
             scenario=EVALUATE),
        Case("a float64 linear net as a plain function, one batch of one example", [W.double(), b.double(), one],
             {"as_module": False}, scenario=EVALUATE),
    ]


def _sgd_case(seed: int, shapes: list[tuple[int, ...]], lr: float, batch_size: int,
              dtype: torch.dtype = torch.float32, name: str | None = None) -> Case:
    """One ``sgd`` step on parameters and gradients of ``shapes``; with ``name``, through ``one_of``."""
    gen = seeded(seed)
    params = [torch.randn(shape, generator=gen, dtype=dtype) for shape in shapes]
    grads = [torch.randn(shape, generator=gen, dtype=dtype) for shape in shapes]
    label = f"params {', '.join(describe(p) for p in params)}, lr={lr}, batch_size={batch_size}"
    args = [params, grads] if name is None else [name, params, grads]
    return Case(label, args, {"lr": lr, "batch_size": batch_size},
                scenario="training.sgd_step" if name is None else "training.one_of")


def sgd_cases() -> list[Case]:
    """Steps on a weight and a bias (float32 and float64) and on a single vector."""
    return [_sgd_case(30, [(4, 3), (3,)], 0.1, 8), _sgd_case(31, [(5, 2), (2,)], 0.5, 1, torch.float64),
            _sgd_case(32, [(10,)], 0.03, 256)]


def train_epoch_cases() -> list[Case]:
    """One epoch of a linear net over 37 examples (batches of 8, last of 5), with the scenario's
    own ``updater(batch_size)``, with ``torch.optim.SGD``, and as a module with dropout handed over in
    eval mode (``train_epoch`` must switch it to train mode)."""
    W, b, X, y = _linear_data(40, 37, (2, 3), 3)
    batches = _batches(X, y, [8, 8, 8, 8, 5])
    start = 0.1 * W
    return [Case(f"a linear net, batches of 8 (last of 5), {how}", [start, b, batches],
                 {"lr": 0.5, "use_optimizer": optimizer, "start_in_eval": in_eval}, scenario="training.train_epoch_run")
            for how, optimizer, in_eval in [("updater(batch_size)", False, False), ("torch.optim.SGD", True, False),
                                            ("an nn.Module with dropout handed over in eval mode", True, True)]]


def train_cases() -> list[Case]:
    """Three epochs over 30 training examples (batches of 8, last of 6), tested on 13."""
    W, b, X, y = _linear_data(50, 43, (6,), 4)
    train_batches, test_batches = _batches(X[:30], y[:30], [8, 8, 8, 6]), _batches(X[30:], y[30:], [5, 5, 3])
    return [Case(f"3 epochs of a linear net, {how}", [0.1 * W, b, train_batches, test_batches],
                 {"lr": 0.3, "num_epochs": 3, "use_optimizer": optimizer}, scenario="training.train_run")
            for how, optimizer in [("updater(batch_size)", False), ("torch.optim.SGD", True)]]


def scratch_cases() -> list[Case]:
    """softmax on logits, cross_entropy on probabilities, and one sgd step."""
    gen = seeded(60)
    probabilities = reference.softmax(torch.randn(5, 3, generator=gen))
    logits = [torch.randn(4, 10, generator=gen), torch.randn(3, 5, generator=gen, dtype=torch.float64)]
    labels = _noisy_labels(probabilities, gen)
    return [Case(f"softmax of {describe(x)}", ["softmax", x], scenario="training.one_of") for x in logits] + [
        Case(f"cross_entropy of {describe(probabilities)}", ["cross_entropy", probabilities, labels],
             scenario="training.one_of"),
        _sgd_case(61, [(6, 4), (4,)], 0.1, 16, name="sgd"),
    ]


def end_to_end_cases() -> list[Case]:
    """Fixed-seed start: W ~ N(0, 0.01^2) of shape (784, 10), b = 0."""
    W0 = 0.01 * torch.randn(784, 10, generator=seeded(0))
    label = ("softmax regression retrained on the Fashion-MNIST training set from fixed starting weights, "
             f"{END_TO_END['num_epochs']} epochs, batch size {END_TO_END['batch_size']}, lr {END_TO_END['lr']}")
    return [Case(label, [W0, torch.zeros(10)], dict(END_TO_END), scenario="retraining.retrain_fashion_mnist")]
