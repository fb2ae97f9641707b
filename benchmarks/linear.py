"""Benchmark 2: the book's best linear model (``book/bookcode/linear_fit.py``).

Standardised pixels (:class:`Standardizer` fitted on the training split), ``fit_linear`` with
the chapter's hyperparameters, test accuracy from ``predict_logits``. The chapter's choice is
read from ``linear_fit.BEST_CONFIG`` when the module defines it; until then this benchmark uses
:data:`FALLBACK_CONFIG` and says so. Target: test accuracy at least 0.845 in under 30 s of
training.
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

# Used only while linear_fit defines no BEST_CONFIG: SGD with momentum, cosine decay, weight decay.
FALLBACK_CONFIG = {"epochs": 30, "lr": 0.01, "batch_size": 128, "optimizer": "sgd", "momentum": 0.9,
                   "schedule": "cosine", "weight_decay": 1e-3}


def linear_fit_module() -> ModuleType:
    """``bookcode.linear_fit``, imported from ``book/`` (where the chapters import it from)."""
    book = str(REPO_ROOT / "book")
    if book not in sys.path:
        sys.path.insert(0, book)
    return importlib.import_module("bookcode.linear_fit")


def chosen_config(module: ModuleType) -> tuple[Any, str]:
    """The hyperparameters to benchmark and where they come from."""
    best = getattr(module, "BEST_CONFIG", None)
    if best is not None:
        return best, "linear_fit.BEST_CONFIG"
    return module.FitConfig(**FALLBACK_CONFIG), "this benchmark's FALLBACK_CONFIG (linear_fit defines no BEST_CONFIG)"


def _flat(images: torch.Tensor, limit: int) -> torch.Tensor:
    """uint8 ``(N, 28, 28)`` -> float32 ``(N, 784)`` in [0, 1] (the first ``limit`` if positive)."""
    images = images[:limit] if limit else images
    return images.reshape(len(images), -1).to(torch.float32) / 255


def one_run(module: ModuleType, fit_config: Any, config: BenchConfig) -> dict[str, float]:
    """Prepare the data, train, evaluate; seconds of each step and the test accuracy."""
    n = config.train_subset
    prepare_s, (X_train, X_test) = timed(lambda: _prepare(module, n))
    data = load_fashion_mnist()
    y_train, y_test = (data.train_labels[:n], data.test_labels[:n]) if n else (data.train_labels, data.test_labels)
    train_s, model = timed(lambda: module.fit_linear(X_train, y_train, fit_config, seed=0))
    eval_s, logits = timed(lambda: module.predict_logits(model, X_test))
    accuracy = float((logits.argmax(dim=1) == y_test).to(torch.float32).mean())
    return {"prepare_s": prepare_s, "train_s": train_s, "eval_s": eval_s, "accuracy": accuracy}


def _prepare(module: ModuleType, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Standardised float32 ``(N, 784)`` training and test inputs (statistics of the training split)."""
    data = load_fashion_mnist()
    X_train, X_test = _flat(data.train_images, n), _flat(data.test_images, n)
    standardize = module.Standardizer(X_train)
    return standardize(X_train), standardize(X_test)


def run(config: BenchConfig) -> Section:
    """Train the best linear model ``config.linear_repeats`` times; medians."""
    section = Section("linear", "Best linear model (book/bookcode/linear_fit.py)")
    module = linear_fit_module()
    fit_config, origin = chosen_config(module)
    if config.linear_epochs:
        fit_config = replace(fit_config, epochs=config.linear_epochs)
    runs = [one_run(module, fit_config, config) for _ in range(max(1, config.linear_repeats))]
    section.setup = (f"Configuration `{config.name}`, {len(runs)} run(s), medians; hyperparameters from "
                     f"{origin}: `{fit_config}`." + (f" Subset: {config.train_subset}." if config.train_subset else ""))
    table = Table("Standardised pixels, nn.Linear(784, 10), CPU", ["step", "median", "range"])
    for key, label in [("prepare_s", "data: load, flatten, standardise"), ("train_s", "training (fit_linear)"),
                       ("eval_s", "test predictions")]:
        values = [r[key] for r in runs]
        table.add(label, seconds(median(values)), spread(values))
    accuracy, train_s = median([r["accuracy"] for r in runs]), median([r["train_s"] for r in runs])
    table.add("test accuracy", f"{accuracy:.4f}", spread([r["accuracy"] for r in runs]))
    section.tables.append(table)
    causes = []
    if accuracy < TARGET_ACCURACY:
        causes.append(f"test accuracy {accuracy:.4f} is {TARGET_ACCURACY - accuracy:.4f} short with {origin}")
    if train_s >= TARGET_SECONDS:
        causes.append(f"training took {train_s:.1f} s")
    reached = accuracy >= TARGET_ACCURACY and train_s < TARGET_SECONDS
    section.targets.append(Target(f"test accuracy at least {TARGET_ACCURACY} in under {TARGET_SECONDS:g} s of "
                                  "training", reached, f"{accuracy:.4f} in {train_s:.1f} s", "; ".join(causes),
                                  config.judged))
    section.data = {"runs": runs, "origin": origin}
    return section.finish()
