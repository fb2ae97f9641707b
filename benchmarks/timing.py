"""Timing helpers: wall-clock seconds of a call or a command, and medians of repeated runs."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def timed(function: Callable[[], T]) -> tuple[float, T]:
    """Call ``function()``; return (wall-clock seconds, its result)."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def median(values: Sequence[float]) -> float:
    """The median of ``values`` (at least one)."""
    return statistics.median(values)


def spread(values: Sequence[float], form: str = ".3g") -> str:
    """``"min-max"`` of several runs (each formatted with ``form``), or ``"-"`` for one run."""
    if len(values) < 2:
        return "-"
    return f"{min(values):{form}}-{max(values):{form}}"


class CommandFailed(RuntimeError):
    """A measured command exited with an error; the message holds its last output lines."""


def run_command(command: Sequence[str], *, cwd: str | None = None, env: dict[str, str] | None = None,
                check: bool = True, stdin: int | None = subprocess.DEVNULL,
                timeout: float | None = None) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run ``command`` to completion; return (wall-clock seconds, the completed process).

    Raises:
        CommandFailed: ``check`` and a non-zero exit status (the message has the output's end).
    """
    start = time.perf_counter()
    result = subprocess.run(list(command), cwd=cwd, env=env, stdin=stdin, capture_output=True, text=True,
                            timeout=timeout)
    elapsed = time.perf_counter() - start
    if check and result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-15:]
        raise CommandFailed(f"{' '.join(command[:6])} ... exited with {result.returncode}:\n" + "\n".join(tail))
    return elapsed, result


def command_median(command: Sequence[str], repeats: int, **options: object) -> tuple[float, list[float]]:
    """Median and all wall-clock seconds of ``repeats`` runs of ``command`` (see :func:`run_command`)."""
    times = [run_command(command, **options)[0] for _ in range(max(1, repeats))]  # type: ignore[arg-type]
    return median(times), times
