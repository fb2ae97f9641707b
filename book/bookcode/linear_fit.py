"""Fit a linear softmax classifier on tensors in memory, the way the later chapters need it.

The model is ``nn.Linear(d, q)``: logits ``O = X W^T + b`` of shape ``(n, q)``. Training uses
``torch.optim`` (SGD with momentum or Adam), an optional cosine learning-rate schedule, weight
decay, label smoothing, and minibatches drawn from tensors already in memory (one indexing
operation per batch, like ``studentkit.data.TensorBatches``).

Inputs are standardised with :class:`Standardizer`, whose mean and standard deviation come
from the training split only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["FitConfig", "Standardizer", "fit_linear", "predict_logits"]


@dataclass(frozen=True)
class FitConfig:
    """Hyperparameters of :func:`fit_linear`.

    Attributes:
        epochs: passes over the training set.
        lr: peak learning rate.
        batch_size: examples per minibatch.
        weight_decay: L2 penalty coefficient of the weights (``torch.optim``'s
            ``weight_decay``; for Adam, AdamW's decoupled decay); the bias is not decayed.
        optimizer: ``"sgd"`` (with ``momentum``) or ``"adam"``.
        momentum: momentum of SGD (ignored by Adam).
        schedule: ``"cosine"`` (decay to 0 over all steps) or ``"constant"``.
        label_smoothing: epsilon of ``F.cross_entropy(..., label_smoothing=epsilon)``.
    """

    epochs: int = 10
    lr: float = 0.1
    batch_size: int = 256
    weight_decay: float = 0.0
    optimizer: str = "sgd"
    momentum: float = 0.0
    schedule: str = "constant"
    label_smoothing: float = 0.0


class Standardizer:
    """Per-feature standardisation ``(x - mean) / (std + floor)`` fitted on one split.

    Args:
        X: ``(n, d)`` float training inputs; only they determine ``mean`` and ``std``.
        floor: added to every standard deviation, so that nearly constant pixels (the
            border of Fashion-MNIST images) are not blown up.
    """

    def __init__(self, X: Tensor, floor: float = 0.05) -> None:
        self.mean = X.mean(dim=0)               # (d,)
        self.scale = X.std(dim=0) + floor       # (d,)

    def __call__(self, X: Tensor) -> Tensor:
        """``(n, d)`` float -> ``(n, d)`` standardised, same dtype and device as ``X``."""
        return (X - self.mean.to(X.device)) / self.scale.to(X.device)


def _make_optimizer(model: nn.Linear, config: FitConfig) -> torch.optim.Optimizer:
    """The optimiser of ``config``; weight decay applies to the weights, not to the bias."""
    groups = [{"params": [model.weight], "weight_decay": config.weight_decay},
              {"params": [model.bias], "weight_decay": 0.0}]
    if config.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum)
    if config.optimizer == "adam":
        return torch.optim.AdamW(groups, lr=config.lr)
    raise ValueError(f"unknown optimizer {config.optimizer!r}; use 'sgd' or 'adam'")


def _learning_rate(config: FitConfig, step: int, total_steps: int) -> float:
    """The learning rate of ``step`` (0-based) out of ``total_steps``."""
    if config.schedule == "constant":
        return config.lr
    if config.schedule == "cosine":
        return 0.5 * config.lr * (1.0 + math.cos(math.pi * step / total_steps))
    raise ValueError(f"unknown schedule {config.schedule!r}; use 'constant' or 'cosine'")


def fit_linear(X: Tensor, y: Tensor, config: FitConfig, *, seed: int = 0,
               device: str | torch.device = "cpu") -> nn.Linear:
    """Train ``nn.Linear(d, q)`` on ``(X, y)`` with minibatch cross-entropy.

    Args:
        X: ``(n, d)`` float32 inputs (standardise them first if you want to).
        y: ``(n,)`` int64 labels in ``[0, q)``; ``q`` is ``y.max() + 1``.
        config: the hyperparameters.
        seed: seeds the initialisation and the order of the minibatches.
        device: where the model and the data live during training.

    Returns:
        The trained model, on ``device``.
    """
    generator = torch.Generator().manual_seed(seed)
    num_classes = int(y.max()) + 1
    torch.manual_seed(seed)
    model = nn.Linear(X.shape[1], num_classes).to(device)
    X, y = X.to(device), y.to(device)
    optimizer = _make_optimizer(model, config)
    steps_per_epoch = math.ceil(len(y) / config.batch_size)
    total_steps, step = config.epochs * steps_per_epoch, 0
    model.train()
    for _ in range(config.epochs):
        order = torch.randperm(len(y), generator=generator).to(device)
        for batch in order.split(config.batch_size):
            for group in optimizer.param_groups:
                group["lr"] = _learning_rate(config, step, total_steps)
            loss = F.cross_entropy(model(X[batch]), y[batch],
                                   label_smoothing=config.label_smoothing)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
    return model


@torch.no_grad()
def predict_logits(model: nn.Module, X: Tensor, batch_size: int = 4096) -> Tensor:
    """Logits ``(n, q)`` float32 of ``model`` in evaluation mode, on ``X``'s device."""
    model.eval()
    device = next(model.parameters()).device
    outputs = [model(chunk.to(device)).to(X.device) for chunk in X.split(batch_size)]
    return torch.cat(outputs)
