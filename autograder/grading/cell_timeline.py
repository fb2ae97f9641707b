"""When each cell of a notebook run started, by the grader's own clock.

The notebook sandbox reports each code cell just before nbgrader runs it (see
:mod:`autograder.inside.cell_progress`); :class:`CellTimeline` reads those reports in a
background thread and stamps each one as it arrives. The reports are hostile data: a line is
kept only if it names a notebook of the submission, a cell number and a grade id of plain
characters, and at most so many bytes are read. From the stamps alone the grader can say which
cell was running when a run ended badly and which cell first ran past the cell limit, even when
nbgrader leaves no executed notebook (the kernel died, or the wall clock stopped the run).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import IO

MAX_LINE_BYTES = 512
MAX_LINES = 100_000
GRADE_ID = re.compile(r"[\w.-]{0,80}")


@dataclass(frozen=True)
class CellStart:
    """A code cell nbgrader started: when (seconds after the run began) and which."""

    seconds: float
    notebook: str
    number: int
    grade_id: str

    def label(self) -> str:
        """``softmax.ipynb: cell 7 (softmax-solution)``; the grade id only when the cell has one."""
        return f"{self.notebook}: cell {self.number}" + (f" ({self.grade_id})" if self.grade_id else "")


def parse_report(line: bytes, notebooks: Collection[str]) -> tuple[str, int, str] | None:
    """``(notebook, cell number, grade id)`` from one report line; None unless every field is plain."""
    try:
        notebook, number, grade_id = json.loads(line)
    except (ValueError, TypeError, RecursionError):
        return None
    if notebook not in notebooks or type(number) is not int or not 1 <= number <= 100_000:
        return None
    if not isinstance(grade_id, str) or not GRADE_ID.fullmatch(grade_id):
        return None
    return notebook, number, grade_id


class CellTimeline:
    """Reads a run's progress pipe; :meth:`end` marks the end of the run."""

    def __init__(self, stream: IO[bytes], notebooks: Collection[str]) -> None:
        self._notebooks = frozenset(notebooks)
        self._began = time.monotonic()
        self._ended: float | None = None
        self.last: CellStart | None = None
        self._durations: list[tuple[CellStart, float]] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        with stream:
            for _ in range(MAX_LINES):
                line = stream.readline(MAX_LINE_BYTES)
                if not line:
                    return
                report = parse_report(line, self._notebooks)
                if report is not None:
                    self._started(CellStart(time.monotonic() - self._began, *report))

    def _started(self, cell: CellStart) -> None:
        if self.last is not None:
            self._durations.append((self.last, cell.seconds - self.last.seconds))
        self.last = cell

    def end(self, timeout: float = 5.0) -> None:
        """The run is over: read what is left (for at most ``timeout`` seconds) and stop the clock."""
        self._thread.join(timeout)
        self._ended = time.monotonic() - self._began

    def first_past(self, limit: float) -> CellStart | None:
        """The first cell that ran for ``limit`` seconds or more (the last one until :meth:`end`)."""
        durations = list(self._durations)
        if self.last is not None and self._ended is not None:
            durations.append((self.last, self._ended - self.last.seconds))
        return next((cell for cell, seconds in durations if seconds >= limit), None)
