"""Run one public case with a student's functions and say what is wrong, if anything.

The same questions the hidden checks ask, in the same order and words: did the call raise, is the
result of the documented type, shape and dtype, are its values close to the correct ones (after
the scenario's own reading of it: see :mod:`.readings`), were the inputs left unchanged, are the
gradients right, was a forbidden library function called. The case runs through its scenario
(:mod:`studentkit.scenarios`: a plain call, a memory-layout view, an sgd step, a training epoch,
...), the very code the hidden checks run. A property only asks the questions of its concern
(``"mutation"`` for a contract, ``"gradient"``, ``"calls"``); the values are asked about everywhere.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from studentkit.scenarios import run_scenario
from studentkit.testing import quietly

from .calls import CallRecorder
from .cases import PublicProperty
from .closeness import Problem, closeness_problem
from .outputs import output_problem, plain_data


def _copy(value: Any) -> Any:
    """A copy of ``value`` with every tensor in it (in lists, tuples and dicts too) cloned."""
    if isinstance(value, Tensor):
        return value.detach().clone()
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(item) for item in value)
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    return value


def _arguments(case: dict[str, Any]) -> list[Any]:
    """Fresh copies of the case's arguments; floating tensors require grad when a gradient is checked."""
    wants_grad = case.get("grad_output") is not None
    return [_copy(a).requires_grad_(wants_grad and a.is_floating_point()) if isinstance(a, Tensor) else _copy(a)
            for a in case["args"]]


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


def judge_case(implementation: Any, prop: PublicProperty, case: dict[str, Any]) -> Problem | None:
    """Run one public case of ``prop`` through its scenario with ``implementation`` (the student's
    function, or a dict of the functions ``prop.uses``); None when it passes, else the first problem."""
    args = _arguments(case)
    before = [a.detach().clone() if isinstance(a, Tensor) else a for a in args]
    scenario, concern = case.get("scenario", "call"), case.get("concern", prop.concern)
    recorder = CallRecorder(prop.forbidden)
    try:
        with quietly(echo=False):
            with recorder:
                output = run_scenario(scenario, implementation, args, dict(case["kwargs"]))
            if case.get("grad_output") is not None and isinstance(output, Tensor) and output.requires_grad:
                output.backward(case["grad_output"])
    except Exception as error:  # noqa: BLE001 - the student's error is the finding
        return Problem("error", f"the call raised {type(error).__name__}: {str(error)[:200]}")
    if "calls" in concern and recorder.forbidden():
        return Problem("calls", f"it called {', '.join(recorder.forbidden())}, which this exercise asks you to "
                                f"write yourself")
    found = output_problem(plain_data(output), case["expected"], scenario, list(case["args"]), case["kwargs"],
                           prop.float32_precision)
    if found is None and "mutation" in concern:
        found = _mutation_problem(before, args)
    if found is None and case.get("grad_output") is not None:
        found = _gradient_problem(args, case["expected_grads"])
    return found


__all__ = ["Problem", "judge_case"]
