"""Run one public case with a student's function and say what is wrong with it, if anything.

The same questions the hidden checks ask, in the same order and words: did the call raise, is the
result a tensor of the documented shape and dtype, are its values close to the correct ones, were
the inputs left unchanged, are the gradients right, was a forbidden library function called. A
property only asks the questions of its concern (``"mutation"`` for a contract, ``"gradient"``,
``"calls"``); the values are asked about everywhere.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import torch
from torch import Tensor

from studentkit.testing import quietly

from .calls import CallRecorder
from .cases import PublicProperty
from .closeness import closeness_problem, tensor_problem

VIEWS: dict[str, Callable[[Tensor], Tensor]] = {
    "": lambda t: t,
    "transposed": lambda t: t.mT,  # (..., m, n) -> (..., n, m), not contiguous
    "strided": lambda t: t[..., ::2],  # every other element of the last dimension
}


class Problem(NamedTuple):
    """What went wrong on a case: its kind (``"type"``, ``"values"``, ``"error"``, ``"mutation"``,
    ``"gradient"``, ``"calls"``) and one line that says it."""

    kind: str
    text: str


def _arguments(case: dict[str, Any]) -> list[Any]:
    """Fresh copies of the case's arguments; floating tensors require grad when a gradient is checked."""
    wants_grad = case.get("grad_output") is not None
    return [a.detach().clone().requires_grad_(wants_grad and a.is_floating_point()) if isinstance(a, Tensor) else a
            for a in case["args"]]


def _output_problem(output: Any, expected: Any, float32_precision: bool) -> Problem | None:
    if isinstance(expected, Tensor):
        if float32_precision and expected.dtype == torch.float64 and type(output) is Tensor \
                and output.dtype == torch.float64:
            output, expected = output.float(), expected.float()
        problem = tensor_problem(output, expected, "the output")
        if problem:
            return Problem("type", problem)
        problem = closeness_problem(output, expected, "the output")
        return Problem("values", problem) if problem else None
    if type(output) not in (int, float) and not (hasattr(output, "item") and getattr(output, "shape", None) == ()):
        return Problem("type", f"the output is a {type(output).__name__}, expected a number")
    value = float(output)
    if abs(value - expected) > 1e-6 + 1e-5 * abs(expected):
        return Problem("values", f"the output is off by {abs(value - expected):.3g}")
    return None


def _mutation_problem(before: list[Any], after: list[Any]) -> Problem | None:
    for index, (old, new) in enumerate(zip(before, after)):
        if isinstance(old, Tensor) and not (old.dtype == new.dtype and old.shape == new.shape
                                            and torch.equal(old.detach().nan_to_num(), new.detach().nan_to_num())):
            return Problem("mutation", f"argument {index + 1} was modified in place; work on a copy or use "
                                       f"out-of-place ops")
    return None


def _gradient_problem(args: list[Any], expected_grads: list[Any]) -> Problem | None:
    for index, (arg, expected) in enumerate(zip(args, expected_grads)):
        if expected is None or not isinstance(arg, Tensor):
            continue
        if arg.grad is None:
            return Problem("gradient", f"no gradient reached argument {index + 1}: is the result detached?")
        problem = closeness_problem(arg.grad, expected, f"the gradient of argument {index + 1}")
        if problem:
            return Problem("gradient", problem)
    return None


def judge_case(function: Callable[..., Any], prop: PublicProperty, case: dict[str, Any]) -> Problem | None:
    """Call ``function`` on one public case of ``prop``; None when it passes, else the first problem."""
    args = _arguments(case)
    before = [a.detach().clone() if isinstance(a, Tensor) else a for a in args]
    handed = [VIEWS[case.get("view", "")](args[0]), *args[1:]] if args else []
    concern = case.get("concern", prop.concern)
    recorder = CallRecorder(prop.forbidden)
    try:
        with quietly(echo=False):
            with recorder:
                output = function(*handed, **case["kwargs"])
            if case.get("grad_output") is not None and isinstance(output, Tensor) and output.requires_grad:
                output.backward(case["grad_output"])
    except Exception as error:  # noqa: BLE001 - the student's error is the finding
        return Problem("error", f"the call raised {type(error).__name__}: {str(error)[:200]}")
    if "calls" in concern and recorder.forbidden():
        return Problem("calls", f"it called {', '.join(recorder.forbidden())}, which this exercise asks you to "
                                f"write yourself")
    found = _output_problem(output, case["expected"], prop.float32_precision)
    if found is None and "mutation" in concern:
        found = _mutation_problem(before, args)
    if found is None and case.get("grad_output") is not None:
        found = _gradient_problem(args, case["expected_grads"])
    return found


__all__ = ["Problem", "VIEWS", "judge_case"]
