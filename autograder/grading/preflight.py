"""Preflight: grade the assignment's own solution here, through the same sandbox and judge, first.

When the environment is broken (a torch that does not import, a memory limit too small for a kernel,
a sandbox that cannot start one), every student fails for the same reason and the reports blame
their code. So before a class is graded, the course's solution notebooks are graded as one more
submission; unless they get full marks, ``grade`` stops with one line and grades no one. A passing
preflight is cached (``~/.cache/softmax-course/preflight/``) under a key of everything it depends on:
the solution and the gradebook's test cells, the versions of Python, torch, nbgrader, nbclient and
ipykernel, the code of the grader and of ``studentkit``, the sandbox setting and the memory limit.
Its time sets the default time limits (:func:`derived_limits`).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Callable

from . import limits
from .course import Course
from .task import GradingResult, GradingTask

PREFLIGHT_STUDENT = "preflight-solution"
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "softmax-course" / "preflight"
PACKAGE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Preflight:
    """The solution's outcome here: full marks or not, its wall-clock seconds, what went wrong."""

    ok: bool
    seconds: float
    problem: str = ""
    cached: bool = False


def solution_notebooks(course: Course, assignment: str, names: list[str]) -> dict[str, bytes]:
    """The assignment's source notebooks (nbgrader's ``source/``, ``solutions/`` in this course layout).

    Raises:
        ValueError: a notebook is missing (the message names where it was looked for).
    """
    folder = course.root / course.source_directory() / assignment
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise ValueError(f"no solution to check the environment with: {', '.join(missing)} not in {folder}")
    return {name: (folder / name).read_bytes() for name in names}


def environment_key(task: GradingTask) -> str:
    """What a preflight's outcome depends on, hashed (see the module docstring). Versions are read
    from the installed distributions: importing torch here would cost every ``grade`` a second or two."""
    import studentkit

    digest = hashlib.sha256()
    versions = [f"{name} {metadata.version(name)}" for name in ("torch", "nbgrader", "nbclient", "ipykernel")]
    for part in (sys.version, *versions, str(task.sandbox), str(task.policy.memory_bytes),
                 json.dumps(task.test_cells, sort_keys=True), json.dumps(task.locked_sources, sort_keys=True)):
        digest.update(part.encode() + b"\0")
    for name, data in sorted(task.notebooks.items()):
        digest.update(name.encode() + b"\0" + data)
    for package in (PACKAGE, Path(studentkit.__file__).resolve().parent):
        for source in sorted(package.rglob("*.py")):
            digest.update(source.read_bytes())
    return digest.hexdigest()[:32]


def _problem(result: GradingResult) -> str:
    """Why the solution did not get full marks: the grader's reason, else the cells short of points."""
    if result.reason:
        return result.reason
    short = [f"{cell.notebook}:{cell.cell} {cell.score:g}/{cell.max_score:g}" for cell in result.cells
             if cell.score < cell.max_score - 1e-9]
    notes = f"; {result.notes[0]}" if result.notes else ""
    return ("cells short of full marks: " + ", ".join(short) + notes) if short else "no graded cell"


def run_preflight(template: GradingTask, solution: dict[str, bytes],
                  grade_one: Callable[[GradingTask], GradingResult]) -> Preflight:
    """Grade ``solution`` like the submission ``template`` (same limits, sandbox and judge), or take
    the cached outcome; ``grade_one`` grades a task (the worker)."""
    task = replace(template, student=PREFLIGHT_STUDENT, notebooks=dict(solution))
    cache = CACHE_DIR / f"{task.assignment}-{environment_key(task)}.json"
    try:
        return Preflight(True, float(json.loads(cache.read_text())["seconds"]), cached=True)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    result = grade_one(task)
    seconds = float(result.timings.get("total", 0.0))
    full = result.status == "graded" and result.max_score > 0 and result.score >= result.max_score - 1e-9
    if not full:
        return Preflight(False, seconds, _problem(result))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"seconds": seconds}))
    return Preflight(True, seconds)


def derived_limits(preflight: Preflight) -> tuple[int, float]:
    """(seconds per cell, seconds per submission) after this preflight: see :mod:`.limits`."""
    return limits.derived_limits(preflight.seconds)


__all__ = ["Preflight", "derived_limits", "run_preflight", "solution_notebooks"]
