"""What hidden test cells call: ``check("<property>", implementation)``.

Under the batch grader (``python -m autograder grade``) the notebook's kernel is not the
witness: the hidden checks run in a separate check process with a judge of its own, and here
:func:`check` only prints a placeholder that the grader replaces with the judge's verdict.

Under plain ``nbgrader autograde`` (an instructor who does not use the batch grader) it starts
a judge process for this kernel (:mod:`autograder.judge`), asks it for the cases of one
property, runs the student's function on each (:mod:`autograder.observation`), sends back what
happened, and raises :class:`CheckFailed` with the judge's message when the property does not
hold. The README says which guarantees hold in which mode. This module never imports the
reference solutions or the checks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from typing import Any, Callable

from autograder import wire
from autograder.observation import observe

DEFERRED_VARIABLE = "AUTOGRADER_DEFERRED_CHECKS"
DEFERRED_NOTE = "(checked by the grader in a separate process; the verdict is in your feedback)"


class CheckFailed(AssertionError):
    """A hidden check failed; the message says which property, on which input, and a hint."""


class _Judge:
    """A judge process started for this kernel and reused by every hidden test cell."""

    def __init__(self) -> None:
        self.log = tempfile.TemporaryFile()
        command = [sys.executable, "-I", "-m", "autograder.judge"]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log)

    def alive(self) -> bool:
        return self.process.poll() is None

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        wire.send(self.process.stdin, message)
        reply = wire.receive(self.process.stdout)
        if reply is None:
            raise RuntimeError(f"the grading judge stopped unexpectedly ({self.last_words() or 'no message'})")
        return reply

    def last_words(self) -> str:
        self.log.seek(0)
        return " ".join(self.log.read().decode(errors="replace").strip().splitlines()[-1:])


_judge: _Judge | None = None


def _get_judge() -> _Judge:
    global _judge
    if _judge is None or not _judge.alive():
        _judge = _Judge()
    return _judge


def _forget(judge: _Judge) -> None:
    global _judge
    judge.process.kill()
    _judge = None


def check(property_name: str, implementation: Callable[..., Any] | dict[str, Callable[..., Any]]) -> None:
    """Judge one graded property of the student's ``implementation`` (a function, or a dict of
    functions for checks that use several); raise :class:`CheckFailed` if it does not hold."""
    if os.environ.get(DEFERRED_VARIABLE):
        print(DEFERRED_NOTE)
        return
    judge = _get_judge()
    try:
        task = judge.ask({"property": property_name})
        if "error" in task:
            raise RuntimeError(f"hidden test {property_name!r} is misconfigured: {task['error']}")
        forbidden = tuple(task.get("forbidden") or ())
        results = [observe(implementation, case, forbidden) for case in task["cases"]]
        verdict = judge.ask({"results": results})
    except BaseException:
        _forget(judge)  # a conversation cut short (a timeout's interrupt): the next cell starts afresh
        raise
    if not verdict.get("passed"):
        raise CheckFailed(str(verdict.get("message"))) from None
    print(verdict.get("message"))


__all__ = ["CheckFailed", "check"]
