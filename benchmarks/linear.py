"""Benchmark 2: the book's best linear model, chosen and trained as ``book/going_further.md`` does.

The chapter holds out a validation split (10000 training images, seed 0), standardises the
pixels with the training split's statistics, searches a grid of learning rates and weight
decays (``bookcode.linear_search.grid_search``) on top of its recipe (Adam, cosine schedule),
then retrains the best configuration on all 60000 training images, standardisation refitted,
and measures the test accuracy once. The recipe and grid are the chapter's own,
``bookcode.linear_search.RECIPE`` and ``GRID``. Target: test accuracy at least 0.845 in under
30 s of training (the final model).
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import replace
from types import ModuleType
from typing import Any

import torch

from studentkit.data import load_fashion_mnist

from .config import REPO_ROOT, BenchConfig
from .report import Section, Table, Target, seconds
from .timing import median, spread, timed

TARGET_ACCURACY, TARGET_SECONDS = 0.845, 30.0
VALIDATION_SIZE, SEED = 10000, 0


def bookcode(name: str) -> ModuleType:
    """``bookcode.<name>``, imported from ``book/`` (where the chapters import it from)."""
    book = str(REPO_ROOT / "book")
    if book not in sys.path:
        sys.path.insert(0, book)
    return importlib.import_module(f"bookcode.{name}")


def recipe_and_grid(search: ModuleType) -> tuple[Any, dict[str, list], str]:
    """The chapter's base configuration, its grid, and where they were read from."""
    return search.RECIPE, search.GRID, "bookcode.linear_search.RECIPE and GRID"


def validation_size(examples: int) -> int:
    """Images held out for validation: the chapter's 10000, or a sixth of a smaller subset."""
    return min(VALIDATION_SIZE, examples // 6)


def _flat(images: torch.Tensor) -> torch.Tensor:
    """uint8 ``(N, 28, 28)`` -> float32 ``(N, 784)`` in [0, 1]."""
    return images.reshape(len(images), -1).to(torch.float32) / 255


def one_run(config: BenchConfig, recipe: Any, grid: dict[str, list]) -> dict[str, Any]:
    """Search on the validation split, retrain the best on everything, test once."""
    fit, search = bookcode("linear_fit"), bookcode("linear_search")
    data, n = load_fashion_mnist(), config.train_subset or None
    X_all, y_all = _flat(data.train_images[:n]), data.train_labels[:n]
    X_test, y_test = _flat(data.test_images[:n]), data.test_labels[:n]
    order = torch.randperm(len(y_all), generator=torch.Generator().manual_seed(SEED))
    held_out, kept = order[:validation_size(len(y_all))], order[validation_size(len(y_all)):]
    standardize = fit.Standardizer(X_all[kept])
    train, val = (standardize(X_all[kept]), y_all[kept]), (standardize(X_all[held_out]), y_all[held_out])
    search_s, trials = timed(lambda: search.grid_search(train, val, recipe, grid, seed=SEED))
    best = search.best_trial(trials)

    def final() -> tuple[Any, Any]:
        standardize_all = fit.Standardizer(X_all)
        return fit.fit_linear(standardize_all(X_all), y_all, best.config, seed=SEED), standardize_all

    train_s, (model, standardize_all) = timed(final)
    predicted = fit.predict_logits(model, standardize_all(X_test)).argmax(dim=1)
    return {"search_s": search_s, "train_s": train_s, "val_accuracy": best.val_accuracy, "config": best.config,
            "best": best, "trials": len(trials), "accuracy": float((predicted == y_test).to(torch.float32).mean())}


def _edge_notes(runs: list[dict[str, Any]], grid: dict[str, list]) -> list[str]:
    """A note for each hyperparameter whose chosen value is the grid's smallest or largest."""
    search = bookcode("linear_search")
    notes = []
    for run in runs:
        for name in search.edges_reached(run["best"], grid):
            note = (f"The chosen {name} ({getattr(run['config'], name):g}) is at the edge of the grid {grid[name]}: "
                    "a wider grid might choose differently (the chapter weighs this against the validation noise).")
            notes += [note] if note not in notes else []
    return notes


def run(config: BenchConfig) -> Section:
    """The chapter's procedure ``config.linear_repeats`` times; medians."""
    section = Section("linear", "Best linear model (book/going_further.md with book/bookcode)")
    recipe, grid, origin = recipe_and_grid(bookcode("linear_search"))
    if config.linear_epochs:
        recipe = replace(recipe, epochs=config.linear_epochs)
    runs = [one_run(config, recipe, grid) for _ in range(max(1, config.linear_repeats))]
    chosen = sorted({str(run["config"]) for run in runs})
    section.setup = (f"Configuration `{config.name}`, {len(runs)} run(s), medians. Recipe and grid from {origin}: "
                     f"`{recipe}` over `{grid}` ({runs[0]['trials']} trials on the training split, scored on "
                     f"{validation_size(config.train_subset or 60000)} validation images). Chosen: "
                     + "; ".join(f"`{c}`" for c in chosen) + "."
                     + (f" Subset: {config.train_subset}." if config.train_subset else ""))
    table = Table("Standardised pixels, nn.Linear(784, 10), CPU", ["step", "median", "range"])
    for key, label in [("search_s", "grid search (every trial trained and scored)"),
                       ("train_s", "final training on all training images (standardisation included)")]:
        values = [run[key] for run in runs]
        table.add(label, seconds(median(values)), spread(values))
    for key, label in [("val_accuracy", "validation accuracy of the chosen trial"), ("accuracy", "test accuracy")]:
        values = [run[key] for run in runs]
        table.add(label, f"{median(values):.4f}", spread(values, ".4f"))
    section.tables.append(table)
    section.notes += _edge_notes(runs, grid)
    accuracy, train_s = median([run["accuracy"] for run in runs]), median([run["train_s"] for run in runs])
    search_s = median([run["search_s"] for run in runs])
    causes = []
    if accuracy < TARGET_ACCURACY:
        causes.append(f"test accuracy {accuracy:.4f} is {TARGET_ACCURACY - accuracy:.4f} short")
    if train_s >= TARGET_SECONDS:
        causes.append(f"the final training took {train_s:.1f} s")
    measured = (f"{accuracy:.4f} in {train_s:.1f} s of final training (after {search_s:.1f} s of search on the "
                "validation split)")
    section.targets.append(Target(f"test accuracy at least {TARGET_ACCURACY} in under {TARGET_SECONDS:g} s of "
                                  "training", accuracy >= TARGET_ACCURACY and train_s < TARGET_SECONDS,
                                  measured, "; ".join(causes), config.judged))
    section.data = {"runs": runs, "origin": origin}
    return section.finish()
