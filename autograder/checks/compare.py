"""Reusable case judges: compare an observation with the reference, in the judge process.

Each factory returns a :data:`~autograder.checks.base.CaseJudge`: a function of (case,
observation) that returns None when the case passes, else a one-line reason. Reasons name the
property that failed and the size of the error, never the expected values themselves.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor

from autograder.inside.guard import TAMPERED, base_name, is_forbidden
from autograder.scenarios import run_scenario
from studentkit.public.calls import with_derivatives
from studentkit.public.closeness import Problem
from studentkit.public.closeness import closeness_problem as shared_closeness_problem
from studentkit.public.closeness import tensor_problem as shared_tensor_problem
from studentkit.public.outputs import output_problem

from .base import Case, CaseJudge, Observation, Reason


def _type(text: str) -> Reason:
    return Reason(text, kind="type")


def _values(text: str) -> Reason:
    return Reason(text, kind="values")


def _raised(seen: Observation) -> Reason:
    return Reason(f"the call raised {seen.error}", kind="error")


def _clone_args(args: list[Any], requires_grad: bool = False) -> list[Any]:
    """Fresh copies of the tensor arguments (float ones optionally requiring grad)."""
    copies = []
    for arg in args:
        if isinstance(arg, Tensor):
            arg = arg.detach().clone()
            if requires_grad and arg.is_floating_point():
                arg.requires_grad_(True)
        copies.append(arg)
    return copies


def _tensor_problem(value: object, expected: Tensor, what: str, type_name: str = "") -> str | None:
    """Why ``value`` cannot stand for ``expected`` (type, shape, dtype, device), else None (kind ``type``)."""
    problem = shared_tensor_problem(value, expected, what, type_name)
    return None if problem is None else _type(problem)


def closeness_problem(value: Tensor, expected: Tensor, what: str) -> str | None:
    """Why ``value`` is not close to ``expected``, else None: the students' public checks' own rule
    (:func:`studentkit.public.closeness.closeness_problem`), as a reason of kind ``values``."""
    problem = shared_closeness_problem(value, expected, what)
    return None if problem is None else _values(problem)


def _reason(problem: Problem | None) -> Reason | None:
    """A shared :class:`~studentkit.public.closeness.Problem` as a reason of its kind."""
    return None if problem is None else Reason(problem.text, kind=problem.kind)


def reference_output(reference: Any, case: Case) -> Any:
    """What the case's scenario gives with the reference implementation."""
    return run_scenario(case.scenario, reference, _clone_args(case.args), dict(case.kwargs))


def matches(reference: Any, float32_precision: bool = False) -> CaseJudge:
    """The scenario's output must match the reference's: first the scenario's own reading of it
    (:mod:`studentkit.public.readings`: the parameters changed, the module's mode was restored, ...),
    then the same types, shapes, dtypes, devices and close values, entry by entry; with
    ``float32_precision``, float64 values only to float32 precision. The public checks judge their
    cases by the same function (:func:`studentkit.public.outputs.output_problem`)."""

    def judge(case: Case, seen: Observation) -> str | None:
        if seen.error:
            return _raised(seen)
        expected = reference_output(reference, case)
        return _reason(output_problem(seen.output, expected, case.scenario, case.args, case.kwargs, float32_precision))

    return judge


def identical(value: Any, expected: Any) -> bool:
    """Exact equality of plain data: tensors by type, shape, dtype and every element."""
    if isinstance(expected, Tensor):
        return type(value) is Tensor and value.dtype == expected.dtype and value.shape == expected.shape \
            and torch.equal(value, expected)
    if isinstance(expected, (list, tuple)):
        return isinstance(value, list) and len(value) == len(expected) and all(map(identical, value, expected))
    if isinstance(expected, dict):
        return isinstance(value, dict) and set(value) == set(expected) and all(identical(value[k], expected[k]) for k in expected)
    return value == expected


def keeps_inputs() -> CaseJudge:
    """The call must not change its tensor arguments in place."""

    def judge(case: Case, seen: Observation) -> str | None:
        if seen.error:
            return _raised(seen)
        for index, (before, after) in enumerate(zip(case.args, seen.args_after)):
            if not identical(after, before):
                return Reason(f"argument {index + 1} was modified in place; work on a copy or use out-of-place ops",
                              kind="mutation")
        return None

    return judge


def gradients_match(reference: Callable[..., Tensor]) -> CaseJudge:
    """Back-propagating ``case.grad_output`` must give the reference's input gradients."""

    def judge(case: Case, seen: Observation) -> str | None:
        if seen.error:
            return _raised(seen)
        args = _clone_args(case.args, requires_grad=True)
        run_scenario(case.scenario, reference, args, dict(case.kwargs)).backward(case.grad_output)
        for index, arg in enumerate(args):
            if not (isinstance(arg, Tensor) and arg.requires_grad):
                continue
            got = seen.grads[index] if index < len(seen.grads) else None
            if got is None:
                return Reason(f"no gradient reaches argument {index + 1}: is the computation detached from the "
                              "graph?", kind="gradient")
            problem = _tensor_problem(got, arg.grad, f"the gradient of argument {index + 1}")
            problem = problem or closeness_problem(got, arg.grad, f"the gradient of argument {index + 1}")
            if problem:
                return Reason(problem, kind="gradient")
        return None

    return judge


def avoids_calls(forbidden: tuple[str, ...]) -> CaseJudge:
    """The call must not go through the library functions it re-implements (where a derivative is
    forbidden, through no autograd at all: :func:`studentkit.public.calls.with_derivatives`)."""
    forbidden = with_derivatives(forbidden)

    def judge(case: Case, seen: Observation) -> str | None:
        tampered = [name.removeprefix(TAMPERED).strip() for name in seen.torch_calls if name.startswith(TAMPERED)]
        if tampered:
            return Reason(f"the check could not watch the call: {tampered[0]}", kind="calls")
        used = sorted({_shown(name) for name in seen.torch_calls if is_forbidden(name, forbidden)})
        if used:
            return Reason(f"it calls {', '.join(used)}, which this exercise asks you to write yourself", kind="calls")
        return None

    return judge


def _shown(call: str) -> str:
    """``"aten::softmax.int"`` -> ``"the library's softmax (aten::softmax.int)"``; Python names as they are."""
    return f"the library's {base_name(call)} ({call})" if call.startswith("aten::") else call


def all_of(*judges: CaseJudge) -> CaseJudge:
    """A judge that applies ``judges`` in order and reports the first failure."""

    def judge(case: Case, seen: Observation) -> str | None:
        for each in judges:
            reason = each(case, seen)
            if reason:
                return reason
        return None

    return judge


__all__ = ["matches", "keeps_inputs", "gradients_match", "avoids_calls", "all_of", "closeness_problem"]
