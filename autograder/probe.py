"""Kernel side of the hidden tests: run the student's function on the judge's cases.

Hidden test cells call :func:`check`. It asks the judge (a clean process, see
:mod:`autograder.judge`) for the cases of one property, calls the student's function on each,
sends back what happened, and raises :class:`CheckFailed` with the judge's message when the
property does not hold. This module never imports the reference solutions or the checks.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import traceback
from typing import Any, Callable

import torch
from torch.overrides import TorchFunctionMode

from autograder import wire
from autograder.scenarios import run_scenario
from studentkit.testing import quietly


class CheckFailed(AssertionError):
    """A hidden check failed; the message says which property, on which input, and a hint."""


class _CallRecorder(TorchFunctionMode):
    """Records the name of every torch function the student's code calls (aliases included)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001 - torch's protocol
        self.names.append(getattr(func, "__qualname__", None) or getattr(func, "__name__", repr(func)))
        return func(*args, **(kwargs or {}))


SOCKET_VARIABLE = "AUTOGRADER_JUDGE_SOCKET"


class _Judge:
    """A judge process started for this kernel and reused by every hidden test cell."""

    def __init__(self) -> None:
        self.log = tempfile.TemporaryFile()
        command = [sys.executable, "-I", "-m", "autograder.judge"]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log)
        self.reader, self.writer = self.process.stdout, self.process.stdin

    def alive(self) -> bool:
        return self.process.poll() is None

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        wire.send(self.writer, message)
        reply = wire.receive(self.reader)
        if reply is None:
            raise RuntimeError(f"the grading judge stopped unexpectedly ({self.last_words() or 'no message'})")
        return reply

    def last_words(self) -> str:
        self.log.seek(0)
        return " ".join(self.log.read().decode(errors="replace").strip().splitlines()[-1:])


class _SocketJudge(_Judge):
    """The grader's judge, outside the sandbox, reached through a Unix socket."""

    def __init__(self, path: str) -> None:
        self.connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.connection.connect(path)
        self.reader, self.writer = self.connection.makefile("rb"), self.connection.makefile("wb")

    def alive(self) -> bool:
        return self.connection.fileno() >= 0

    def last_words(self) -> str:
        return "the connection to the grader's judge closed"


_judge: _Judge | None = None


def _get_judge() -> _Judge:
    global _judge
    if _judge is None or not _judge.alive():
        path = os.environ.get(SOCKET_VARIABLE)
        _judge = _SocketJudge(path) if path else _Judge()
    return _judge


def _plain_tensor(value: Any) -> torch.Tensor | None:
    return value.detach().clone() if type(value) is torch.Tensor else None


def plain_data(value: Any, depth: int = 0) -> Any:
    """``value`` as data the wire can carry: tensors (exact type only), numbers, strings,
    lists and str-keyed dicts; anything else becomes ``{"__type__": "<type name>"}``."""
    if type(value) is torch.Tensor:
        return value.detach().clone()
    if type(value) in (bool, int, float, str) or value is None:
        return value
    if depth < 4 and type(value) in (list, tuple):
        return [plain_data(item, depth + 1) for item in value]
    if depth < 4 and type(value) is dict and all(type(key) is str for key in value):
        return {key: plain_data(item, depth + 1) for key, item in value.items()}
    return {"__type__": type(value).__name__}


def observe(implementation: Any, case: dict[str, Any]) -> dict[str, Any]:
    """Run one case's scenario with ``implementation``; report output, error, inputs after,
    gradients and the torch functions called."""
    grad_output = case.get("grad_output")
    args = [a.detach().clone().requires_grad_(grad_output is not None and a.is_floating_point())
            if type(a) is torch.Tensor else a for a in case["args"]]
    recorder = _CallRecorder()
    observation: dict[str, Any] = {"output": None, "output_type": "nothing", "error": None}
    try:
        with quietly(echo=False), recorder:
            output = run_scenario(case.get("scenario", "call"), implementation, args, case["kwargs"])
            if grad_output is not None and type(output) is torch.Tensor:
                output.backward(grad_output)
        observation["output"] = plain_data(output)
        observation["output_type"] = type(output).__name__
    except Exception as error:  # noqa: BLE001 - any failure of student code is reported, not raised
        observation["error"] = "".join(traceback.format_exception_only(type(error), error)).strip()[:500]
    observation["args_after"] = [plain_data(a) for a in args]
    observation["grads"] = [_plain_tensor(a.grad) if type(a) is torch.Tensor else None for a in args]
    observation["torch_calls"] = sorted(set(recorder.names))
    return observation


def check(property_name: str, implementation: Callable[..., Any] | dict[str, Callable[..., Any]]) -> None:
    """Judge one graded property of the student's ``implementation`` (a function, or a dict of
    functions for checks that use several); raise :class:`CheckFailed` if it does not hold."""
    judge = _get_judge()
    task = judge.ask({"property": property_name})
    if "error" in task:
        raise RuntimeError(f"hidden test {property_name!r} is misconfigured: {task['error']}")
    results = [observe(implementation, case) for case in task["cases"]]
    verdict = judge.ask({"results": results})
    if not verdict.get("passed"):
        raise CheckFailed(str(verdict.get("message"))) from None
    print(verdict.get("message"))


__all__ = ["CheckFailed", "check"]
