"""A small grid search of hyperparameters, judged on a validation split.

Every combination of the grid's values is trained on the training split with
:func:`bookcode.linear_fit.fit_linear` and scored by its accuracy on the validation split.
The test set plays no part here.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, replace

import torch
from torch import Tensor

from .linear_fit import FitConfig, fit_linear, predict_logits

__all__ = ["RECIPE", "GRID", "Trial", "grid_search", "best_trial", "edges_reached"]

RECIPE = FitConfig(epochs=10, batch_size=256, optimizer="adam", schedule="cosine")
"""The going-further chapter's recipe: Adam (decoupled weight decay), cosine schedule, 10 epochs."""
GRID = {"lr": [1e-3, 3e-3, 1e-2, 3e-2], "weight_decay": [0.03, 0.1, 0.3, 1.0]}
"""The values the chapter searches: four of each, on a logarithmic scale."""


@dataclass(frozen=True)
class Trial:
    """One point of the grid: its configuration, validation accuracy and training time (s)."""

    config: FitConfig
    val_accuracy: float
    seconds: float


def accuracy_of(model: torch.nn.Module, X: Tensor, y: Tensor) -> float:
    """Fraction of the rows of ``X`` ``(n, d)`` whose arg-max logit equals ``y`` ``(n,)``."""
    predicted = predict_logits(model, X).argmax(dim=1)
    return float((predicted == y.to(predicted.device)).float().mean())


def grid_search(train: tuple[Tensor, Tensor], val: tuple[Tensor, Tensor], base: FitConfig,
                grid: dict[str, list], *, seed: int = 0,
                device: str | torch.device = "cpu") -> list[Trial]:
    """Train one model per combination of ``grid`` values and score it on ``val``.

    Args:
        train: ``(X, y)`` of the training split, ``(n, d)`` float32 and ``(n,)`` int64.
        val: ``(X, y)`` of the validation split.
        base: the configuration whose fields ``grid`` overrides.
        grid: field name of :class:`FitConfig` -> list of values to try.
        seed: the same seed for every trial (same initialisation and batch order).
        device: where to train.

    Returns:
        The trials, in the order of ``itertools.product`` over ``grid``'s values.
    """
    names = list(grid)
    trials = []
    for values in itertools.product(*(grid[name] for name in names)):
        config = replace(base, **dict(zip(names, values)))
        start = time.perf_counter()
        model = fit_linear(*train, config, seed=seed, device=device)
        seconds = time.perf_counter() - start
        trials.append(Trial(config, accuracy_of(model, *val), seconds))
    return trials


def best_trial(trials: list[Trial]) -> Trial:
    """The trial with the highest validation accuracy (the first one on a tie)."""
    return max(trials, key=lambda trial: trial.val_accuracy)


def edges_reached(best: Trial, grid: dict[str, list]) -> list[str]:
    """The hyperparameters whose best value is the smallest or largest of ``grid`` (an open edge)."""
    return [name for name, values in grid.items()
            if len(values) > 1 and getattr(best.config, name) in (min(values), max(values))]
