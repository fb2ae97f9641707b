"""What a student's function did on the judge's cases, as plain data the judge can check.

Runs where the student's code runs (the check process of the batch grader, or the kernel under
plain ``nbgrader autograde``). For each case it calls the case's scenario with the student's
implementation, under the :class:`~autograder.inside.guard.Guard` of the property's forbidden
calls, and reports the output, the error, the arguments after the call, the gradients and the
forbidden calls that were stopped, as plain data (:func:`studentkit.public.outputs.plain_data`). It
never imports the reference solutions or the checks.
"""

from __future__ import annotations

import traceback
from typing import Any

import torch

from autograder.inside.guard import Guard
from autograder.scenarios import run_scenario
from studentkit.public.outputs import plain_data
from studentkit.testing import quietly


def _arguments(case: dict[str, Any]) -> list[Any]:
    grad_output = case.get("grad_output")
    return [a.detach().clone().requires_grad_(grad_output is not None and a.is_floating_point())
            if type(a) is torch.Tensor else a for a in case["args"]]


def observe(implementation: Any, case: dict[str, Any], forbidden: tuple[str, ...] = (),
            extra_kwargs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run one case's scenario with ``implementation``; report output, error, inputs after,
    gradients and the forbidden calls that were stopped."""
    grad_output = case.get("grad_output")
    args = _arguments(case)
    observation: dict[str, Any] = {"output": None, "output_type": "nothing", "error": None}
    guard = Guard(forbidden)
    try:
        with quietly(echo=False):
            with guard:
                output = run_scenario(case.get("scenario", "call"), implementation, args,
                                      {**case["kwargs"], **(extra_kwargs or {})})
            if grad_output is not None and type(output) is torch.Tensor:
                output.backward(grad_output)
        observation["output"] = plain_data(output)
        observation["output_type"] = type(output).__name__
    except Exception as error:  # noqa: BLE001 - any failure of student code is reported, not raised
        observation["error"] = "".join(traceback.format_exception_only(type(error), error)).strip()[:500]
    observation["args_after"] = [plain_data(a) for a in args]
    observation["grads"] = [plain_data(a.grad) if type(a) is torch.Tensor and a.grad is not None else None
                            for a in args]
    observation["torch_calls"] = sorted(set(guard.calls))
    return observation


__all__ = ["observe", "plain_data"]
