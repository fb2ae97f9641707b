"""Progress of a grading run on the instructor's terminal, or in a log file, drawn with ``rich``.

On a terminal (see :mod:`.console`): a rich progress bar with done/total, percent, elapsed time,
the estimated time left, how many submissions are running and the longest-running one (its label
and how long it has run), and the last finished submission with its outcome. Elsewhere (a log file,
CI, a pipe) every finished submission gets one plain line of its own, with no control character::

    [ 3/20] carol softmax: 8/8 graded (elapsed 0:36, eta 3:24, 2 running, longest 0:20 dave softmax)

The estimate is :mod:`.eta`'s: the class's rate, but never less than what a submission that has
outrun the typical time may still take to reach the per-submission limit. Labels and outcomes are
student text: they pass through :func:`~.inert.printable` and reach rich only as ``Text`` (never
read as markup). Workers report from several threads; the tracker holds the state under its lock,
and no rich call is made while holding it.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, Task, TaskProgressColumn
from rich.progress import Progress as RichProgress
from rich.table import Column
from rich.text import Text

from .console import console_for
from .console import is_terminal as _is_terminal
from .eta import Snapshot, Tracker, format_duration
from .inert import printable

BAR_WIDTH = 20


class _TextColumn(ProgressColumn):
    """A column whose text a function makes afresh at each redraw (as ``Text``: no markup)."""

    def __init__(self, make: Callable[[], str], ratio: int | None = None) -> None:
        super().__init__(table_column=Column(no_wrap=True, overflow="ellipsis", ratio=ratio))
        self._make = make

    def render(self, task: Task) -> Text:
        return Text(self._make())


def times(snapshot: Snapshot) -> str:
    """``"elapsed 0:12, eta 3:48"`` (``eta ?`` before the first submission finishes)."""
    left = "?" if snapshot.eta is None else format_duration(snapshot.eta)
    return f"elapsed {format_duration(snapshot.elapsed)}, eta {left}"


def running(snapshot: Snapshot) -> str:
    """``"2 running, longest 0:20 dave softmax"`` (the time first: a long label is cut on the right),
    or ``""`` when nothing runs."""
    if snapshot.longest is None:
        return ""
    label, seconds = snapshot.longest
    return f"{snapshot.running} running, longest {format_duration(seconds)} {label}"


def plain_line(snapshot: Snapshot, last: str) -> str:
    """A log's line for the submission that just finished (``last``: its label and outcome)."""
    details = ", ".join(part for part in (times(snapshot), running(snapshot)) if part)
    return f"[{snapshot.done:>{len(str(snapshot.total))}}/{snapshot.total}] {last} ({details})"


class Progress:
    """Report submissions as they start and finish; ``start`` and ``update`` once each, then ``close``.

    Args:
        total: how many submissions will finish.
        stream: where to write (``sys.stderr`` when ``None``, looked up at construction).
        is_terminal: whether ``stream`` is a terminal; ``None`` asks rich and ``stream.isatty()``.
        clock: seconds, monotonic (``time.monotonic``); tests pass a fake one.
        limit_s: the per-submission wall-clock limit, for the ETA (``None``: unknown).
        auto_refresh: redraw the terminal bar in the background (tests draw only on each report).
    """

    def __init__(self, total: int, stream: TextIO | None = None, is_terminal: bool | None = None,
                 clock: Callable[[], float] = time.monotonic, limit_s: float | None = None,
                 auto_refresh: bool = True) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.is_terminal = _is_terminal(self.stream) if is_terminal is None else is_terminal
        self.console = console_for(self.stream, self.is_terminal)
        self.tracker = Tracker(total, limit_s, clock)
        self.last = ""  # the last finished submission and its outcome, as shown
        self._write = threading.Lock()  # one plain line at a time
        self._bar: RichProgress | None = None
        self._closed = False
        if self.is_terminal and total > 0:
            self._bar = RichProgress(
                BarColumn(bar_width=BAR_WIDTH), MofNCompleteColumn(), TaskProgressColumn(),
                _TextColumn(lambda: times(self.tracker.snapshot())),
                _TextColumn(self._details, ratio=1),
                console=self.console, expand=True, auto_refresh=auto_refresh, get_time=clock,
                redirect_stdout=False, redirect_stderr=False)
            self._task = self._bar.add_task("grading", total=total)
            self._bar.start()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self, label: str) -> None:
        """A worker started the submission ``label`` (``"alice softmax"``); any thread may call."""
        self.tracker.start(printable(label))
        self._redraw()

    def update(self, label: str, outcome: str) -> None:
        """The submission ``label`` finished; ``outcome`` says how (``"8/8 graded"``)."""
        label = printable(label)
        with self._write:  # one finish, one line, in the order they happened
            self.tracker.finish(label)
            self.last = f"{label}: {printable(outcome)}"
            if self._bar is None:
                self.console.print(Text(plain_line(self.tracker.snapshot(), self.last)), soft_wrap=True)
                return
        self._bar.advance(self._task)
        self._redraw()

    def close(self) -> None:
        """Leave the last bar on the terminal (once); nothing to do on a plain stream."""
        self._closed = True
        if self._bar is not None:
            self._bar.stop()

    def _details(self) -> str:
        """What runs and what finished last, for the terminal bar."""
        last = f"last {self.last}" if self.last else ""
        return " | ".join(part for part in (running(self.tracker.snapshot()), last) if part)

    def _redraw(self) -> None:
        if self._bar is not None and not self._closed:
            self._bar.refresh()


__all__ = ["Progress", "plain_line", "running", "times"]
