"""Hidden checks of the ``training`` assignment: d2l's softmax regression trained from scratch.

One property per piece of the training loop (``accuracy``, ``Accumulator``, ``evaluate_accuracy``,
``sgd``, ``train_epoch``, ``train``), each run through a scenario of
:mod:`studentkit.scenarios.training` and compared with the reference (the scenario's reading in
:mod:`studentkit.public.readings` names the mistake: parameters unchanged, the module's mode, ...);
an end-to-end property that
retrains the model on the real Fashion-MNIST from the student's own pieces
(:mod:`autograder.scenarios.retraining`) and measures its test accuracy here, in the judge (the
accuracy the notebook prints is never used); and one that ``softmax``, ``cross_entropy`` and
``sgd`` are written from scratch. The cases are built in :mod:`autograder.checks.training_cases`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import torch
from torch import Tensor

from autograder import reference
from studentkit.data import load_fashion_mnist

from .base import Case, Observation, Property
from .compare import all_of, avoids_calls, matches
from .contract import rows_only
from .cross_entropy import CROSS_ENTROPY
from .softmax import SOFTMAX
from .training_cases import (accumulator_cases, accuracy_cases, end_to_end_cases, evaluate_cases, scratch_cases,
                             sgd_cases, train_cases, train_epoch_cases)

FORBIDDEN = ("softmax", "log_softmax", "softmin", "cross_entropy", "cross_entropy_loss", "nll_loss",
             "nll_loss_nd", "nll_loss2d", "sgd")
REQUIRED_ACCURACY = 0.80


def _output(seen: Observation) -> dict[str, Any] | None:
    return seen.output if not seen.error and isinstance(seen.output, dict) else None


@lru_cache(maxsize=1)
def _test_set() -> tuple[Tensor, Tensor]:
    """The real Fashion-MNIST test set: X float32 ``(10000, 784)`` in [0, 1], y int64 ``(10000,)``."""
    data = load_fashion_mnist()
    return data.test_images.reshape(len(data.test_images), -1).float() / 255, data.test_labels


def accuracy_on_test_set(W: Tensor, b: Tensor) -> float:
    """Fraction of the test set that ``softmax(X @ W + b)`` classifies right (reference softmax)."""
    X, y = _test_set()
    with torch.no_grad():
        predictions = reference.softmax(X @ W.float() + b.float()).argmax(dim=1)
    return float((predictions == y).double().mean())


def _judge_end_to_end(case: Case, seen: Observation) -> str | None:
    if seen.error:
        return f"training raised {seen.error}"
    out = _output(seen) or {}
    W, b, epochs, stopped = out.get("W"), out.get("b"), out.get("epochs"), out.get("stopped")
    well_formed = [type(W) is Tensor and W.shape == (784, 10), type(b) is Tensor and b.shape == (10,),
                   type(epochs) is int, stopped in ("", "time", "diverged")]
    if not all(well_formed):
        return "the retraining returned no trained W of shape (784, 10) and b of shape (10,)"
    wanted = case.kwargs["num_epochs"]
    if stopped == "time" or (epochs < wanted and not stopped):
        return (f"the training loop is too slow: after {out.get('seconds')} s only {epochs} of {wanted} epochs "
                f"finished (the budget is {case.kwargs['budget_s']:.0f} s)")
    accuracy = accuracy_on_test_set(W, b)
    if stopped == "diverged":
        return (f"training diverged: after epoch {epochs} W or b holds nan or inf, and the model classifies "
                f"{accuracy:.1%} of the real test set right (at least {REQUIRED_ACCURACY:.0%} required)")
    if accuracy < REQUIRED_ACCURACY:
        return (f"after {wanted} epochs the retrained model classifies only {accuracy:.1%} of the real test set "
                f"right, below the required {REQUIRED_ACCURACY:.0%}")
    return None


PIECES = {"softmax": reference.softmax, "cross_entropy": reference.cross_entropy, "sgd": reference.sgd}

PROPERTIES = [
    SOFTMAX.property("training/softmax", "keeps the softmax contract: ordinary, +-1000 and -inf scores, "
                     "dtype and input kept, gradients", ("matches_reference", "extreme_logits", "contract", "gradient"),
                     rows_only),
    CROSS_ENTROPY.property("training/cross_entropy", "keeps the cross-entropy contract: ordinary probabilities, "
                           "exact zeros, one loss per example in y_hat's dtype, inputs kept",
                           ("matches_reference", "zero_probabilities", "contract")),
    Property(
        name="training/accuracy", function="accuracy", summary="counts correct predictions like the reference",
        make_cases=accuracy_cases, judge_case=matches(reference.accuracy),
        hint="return the number of correct predictions (not the fraction); take the arg-max over dim 1 "
             "only when y_hat has one column per class",
    ),
    Property(
        name="training/accumulator", function="Accumulator", summary="keeps n running sums through add and reset",
        make_cases=accumulator_cases, judge_case=matches(reference.Accumulator),
        hint="add(*values) adds one value to each sum; reset() sets every sum to 0.0",
    ),
    Property(
        name="training/evaluate_accuracy", function="evaluate_accuracy",
        summary="gives the fraction of correct predictions over all batches, builds no graph and restores "
                "the module's mode",
        make_cases=evaluate_cases,
        judge_case=matches(reference.evaluate_accuracy),
        hint="sum correct predictions and examples over all batches before dividing; evaluate an nn.Module "
             "in eval mode under torch.no_grad() and give it back its earlier mode afterwards",
    ),
    Property(
        name="training/sgd", function="sgd",
        summary="updates the parameters in place by lr * grad / batch_size and zeroes the gradients",
        make_cases=sgd_cases, judge_case=matches(reference.sgd),
        hint="under torch.no_grad(): param -= lr * param.grad / batch_size, then param.grad.zero_()",
    ),
    Property(
        name="training/train_epoch", function="train_epoch",
        summary="trains one epoch like the reference (custom updater and torch.optim, an nn.Module in train mode)",
        make_cases=train_epoch_cases, judge_case=matches(reference.train_epoch),
        hint="switch an nn.Module to train mode; with an optimizer: zero_grad, mean().backward(), step; "
             "otherwise sum().backward() and updater(batch size); return (loss per example, accuracy) over "
             "the whole epoch",
    ),
    Property(
        name="training/train", function="train",
        summary="returns the per-epoch history and calls on_epoch_end after each epoch",
        make_cases=train_cases, judge_case=matches(reference.train),
        hint="per epoch: train_epoch, then evaluate_accuracy on test_iter, then on_epoch_end(epoch, metrics)",
    ),
    Property(
        name="training/end_to_end", function="the training loop",
        summary=f"retrained on the real Fashion-MNIST it reaches at least {REQUIRED_ACCURACY:.0%} test accuracy",
        make_cases=end_to_end_cases, judge_case=_judge_end_to_end,
        hint="check the sign and the division by batch_size in sgd, that train_epoch calls the updater after "
             "backward() of the summed loss, and that cross_entropy returns one loss per example; to be fast, "
             "work on whole batches (no Python loop over examples); the library's softmax, cross-entropy and "
             "optimizers are blocked during the retraining, as in the from-scratch check",
        forbidden_calls=FORBIDDEN, uses=("softmax", "cross_entropy", "sgd", "train_epoch"),
        graded_only="it retrains the model on the whole Fashion-MNIST training set, too slow for a notebook cell",
    ),
    Property(
        name="training/from_scratch", function="softmax, cross_entropy and sgd",
        summary="are written from scratch and match the reference",
        make_cases=scratch_cases,
        judge_case=all_of(avoids_calls(FORBIDDEN), matches(PIECES)),
        hint="use torch.exp, sum, log and indexing, and update tensors yourself instead of torch.optim",
        forbidden_calls=FORBIDDEN, uses=("softmax", "cross_entropy", "sgd"),
    ),
]
