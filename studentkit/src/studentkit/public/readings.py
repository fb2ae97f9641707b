"""What a scenario's result says is wrong, beyond differing from the reference's: shared by every check.

A scenario (:mod:`studentkit.scenarios`) returns plain data: an sgd step's parameters, gradients and
whether the list still holds the same tensors, an evaluation's accuracy and the module's mode after
it, the epochs a callback was called with, ... Comparing that with the reference's result already
tells a right implementation from a wrong one; a *reading* of the scenario names the mistake first
("the parameters did not change", "the module is left in eval mode") or adds a rule of its own (the
two losses of the logistic-regression exercise must agree with each other, the label-smoothed loss
with PyTorch's). The hidden checks (``autograder.checks.compare.matches``) and the public checks
(:func:`studentkit.check`) read results through these same functions, so both reach the same
verdict, in the same words.

A reading is ``(output, expected, args, kwargs) -> Problem | None``: the implementation's result as
plain data, the reference's result, and the case's arguments as built (before the call). Its
problems have kind ``""`` (the property's own finding, shown with the property's hint) or
``"calls"``. Messages say what is wrong, never the correct values.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from .closeness import Problem, closeness_problem

Reading = Callable[[Any, Any, list[Any], dict[str, Any]], "Problem | None"]


def _own(text: str) -> Problem:
    return Problem("", text)


def _entries(output: Any) -> dict[str, Any]:
    """The scenario's dict result, or an empty dict (a wrong type is left to the comparison)."""
    return output if isinstance(output, dict) else {}


def passes_gradcheck(output: Any, expected: Any, args: list[Any], kwargs: dict[str, Any]) -> Problem | None:
    """``cross_entropy.gradcheck_summed_loss``: gradcheck must accept the gradient, as it does the reference's."""
    if type(output) is not bool or output != expected:
        return _own("torch.autograd.gradcheck finds that the result is not the derivative of the summed "
                    "cross-entropy (it disagrees with finite differences)")
    return None


def is_the_minimiser(output: Any, expected: Any, args: list[Any], kwargs: dict[str, Any]) -> Problem | None:
    """``likelihood.mle_against_mass_moves``: a probability vector that no small move of mass improves."""
    if not isinstance(output, dict) or set(output) != set(expected):
        return _own("the check could not read the estimate")
    if output["is_distribution"] != expected["is_distribution"]:
        return _own("the estimate is not a probability vector of length num_classes (entries >= 0 summing to 1)")
    if output["is_minimum"] != expected["is_minimum"]:
        return _own("moving a little probability from one class to another gives the labels a higher likelihood, "
                    "so the estimate does not maximise it")
    return None


def evaluates_quietly(output: Any, expected: Any, args: list[Any], kwargs: dict[str, Any]) -> Problem | None:
    """``training.evaluate_linear``: the module's mode is given back, and no graph is built."""
    out, training = _entries(output), kwargs.get("training", True)
    if out and kwargs.get("as_module") and out.get("training_after") is not training:
        before, after = ("train", "eval") if training else ("eval", "train")
        return _own(f"the nn.Module was in {before} mode before the call and is left in {after} mode; restore its mode")
    if out.get("graph_built"):
        return _own("the evaluation builds an autograd graph: run the forward passes under torch.no_grad()")
    return None


def steps_in_place(output: Any, expected: Any, args: list[Any], kwargs: dict[str, Any]) -> Problem | None:
    """``training.sgd_step``: the very tensors passed in are updated, and their gradients zeroed."""
    out, params = _entries(output), args[-2]
    if out.get("in_place") is False:
        return _own("the list of parameters holds other tensors after the call: update each tensor in place")
    after = out.get("params")
    if isinstance(after, list) and all(type(a) is Tensor and a.shape == p.shape and torch.equal(a, p)
                                       for a, p in zip(after, params)):
        return _own("the parameters did not change (rebinding `param = param - ...` only changes a local name)")
    grads = out.get("grads")
    if isinstance(grads, list) and any(type(g) is Tensor and bool(g.ne(0).any()) for g in grads):
        return _own("the gradients are not zero after the step, so the next backward() would add to them")
    return None


def trains_in_train_mode(output: Any, expected: Any, args: list[Any], kwargs: dict[str, Any]) -> Problem | None:
    """``training.train_epoch_run``: a module handed over in eval mode is trained in train mode."""
    if False in (_entries(output).get("modes_seen") or []):
        return _own("the nn.Module was handed over in eval mode and trained in it: switch it to train mode first "
                    "(dropout and batch norm behave differently in the two modes)")
    return None


def calls_back_per_epoch(output: Any, expected: Any, args: list[Any], kwargs: dict[str, Any]) -> Problem | None:
    """``training.train_run``: ``on_epoch_end`` once after each epoch, epochs counted from 1."""
    calls, epochs = _entries(output).get("calls"), kwargs["num_epochs"]
    firsts = [call[:1] if isinstance(call, list) else call for call in calls] if isinstance(calls, list) else None
    if firsts is not None and firsts != [[epoch] for epoch in range(1, epochs + 1)]:
        seen = [call[0] if isinstance(call, list) and call else None for call in calls]
        return _own(f"on_epoch_end was called with epochs {seen} in {epochs} epochs; call it once after every "
                    "epoch, counting epochs from 1")
    return None


def creates_no_optimizer(output: Any, expected: Any, args: list[Any], kwargs: dict[str, Any]) -> Problem | None:
    """``training.one_of``: ``sgd`` updates the tensors itself, with no ``torch.optim`` optimizer."""
    created = _entries(output).get("optimizers_created")
    if created:
        return Problem("calls", f"it creates torch.optim.{created[0]}, which this exercise asks you to write yourself")
    return None


def losses_agree(output: Any, expected: Any, args: list[Any], kwargs: dict[str, Any]) -> Problem | None:
    """``logistic_regression.binary_vs_two_class``: the two losses agree with each other."""
    binary, two_class = _entries(output).get("binary"), _entries(output).get("two_class")
    if type(binary) is not Tensor or type(two_class) is not Tensor or binary.shape != two_class.shape:
        return None  # left to the comparison with the reference
    problem = closeness_problem(binary, two_class.to(binary.dtype), "the binary loss compared with the two_class loss")
    if problem is None:
        return None
    return _own(f"binary_cross_entropy(z, y) and the two-class loss of two_class_logits(z) disagree: {problem}")


def agrees_with_the_library(output: Any, expected: Any, args: list[Any], kwargs: dict[str, Any]) -> Problem | None:
    """``soft_labels.label_smoothed_loss``: equal to ``F.cross_entropy(logits, y, label_smoothing=epsilon)``."""
    logits, y = args
    library = F.cross_entropy(logits, y, label_smoothing=kwargs["epsilon"], reduction="none")
    if type(output) is not Tensor or output.shape != library.shape:
        return None  # left to the comparison with the reference
    problem = closeness_problem(output, library, "the loss")
    return None if problem is None else _own(f"it disagrees with F.cross_entropy(..., label_smoothing=epsilon): "
                                             f"{problem}")


READINGS: dict[str, Reading] = {
    "cross_entropy.gradcheck_summed_loss": passes_gradcheck,
    "likelihood.mle_against_mass_moves": is_the_minimiser,
    "training.evaluate_linear": evaluates_quietly,
    "training.sgd_step": steps_in_place,
    "training.train_epoch_run": trains_in_train_mode,
    "training.train_run": calls_back_per_epoch,
    "training.one_of": creates_no_optimizer,
    "logistic_regression.binary_vs_two_class": losses_agree,
    "soft_labels.label_smoothed_loss": agrees_with_the_library,
}
"""The reading of each scenario that has one, by scenario name."""


__all__ = ["READINGS", "Reading"]
