"""Progress of a grading run on the instructor's terminal, or in a log file.

On a terminal one line rewrites itself (``\\r``): a bar, done/total, percent, elapsed time, the
estimated time left and the last finished submission. Elsewhere (a log file, CI) every finished
submission gets a plain line of its own, with no control characters. The estimate is the mean
wall-clock time per finished submission so far times the number left, so parallel grading is
accounted for by the rate itself.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from .inert import printable

BAR_WIDTH = 20


def format_duration(seconds: float) -> str:
    """``72`` -> ``"1:12"``, ``3725`` -> ``"1:02:05"`` (whole seconds, rounded down)."""
    minutes, secs = divmod(int(max(seconds, 0)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Report each finished submission of ``total``; call ``update`` once per submission, then ``close``.

    Args:
        total: how many submissions will finish.
        stream: where to write (``sys.stderr`` when ``None``, looked up at construction).
        is_terminal: whether ``stream`` is a terminal; ``None`` asks ``stream.isatty()``.
        clock: seconds, monotonic (``time.monotonic``); tests pass a fake one.
    """

    def __init__(self, total: int, stream: TextIO | None = None, is_terminal: bool | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        if is_terminal is None:
            isatty = getattr(self.stream, "isatty", None)
            is_terminal = bool(isatty and isatty())
        self.is_terminal = is_terminal
        self.clock = clock
        self.started = clock()
        self.done = 0
        self.closed = False
        self._width = 0  # length of the terminal line last drawn, to blank out what a shorter one leaves
        self._lock = threading.Lock()  # workers may report from several threads
        if self.is_terminal:
            self._draw("")

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def elapsed(self) -> float:
        return self.clock() - self.started

    def eta(self) -> float | None:
        """Seconds left: the mean time per finished submission times the number left (``None`` before any)."""
        if self.done == 0:
            return None
        return self.elapsed() / self.done * max(self.total - self.done, 0)

    def update(self, label: str, outcome: str) -> None:
        """One more submission finished: ``label`` names it (``"alice softmax"``), ``outcome`` says how."""
        with self._lock:
            self.done += 1
            text = f"{printable(label)}: {printable(outcome)}"
            if self.is_terminal:
                self._draw(text)
            else:
                self.stream.write(f"{self._counter()} {text} ({self._times(', ')})\n")
            self.stream.flush()

    def close(self) -> None:
        """End the terminal line with a newline (once); nothing to do on a plain stream."""
        with self._lock:
            if self.is_terminal and not self.closed:
                self.stream.write("\n")
                self.stream.flush()
            self.closed = True

    def _counter(self) -> str:
        return f"[{self.done:>{len(str(self.total))}}/{self.total}]"

    def _times(self, separator: str) -> str:
        eta = self.eta()
        left = "?" if eta is None else format_duration(eta)
        return f"elapsed {format_duration(self.elapsed())}{separator}eta {left}"

    def _bar(self) -> str:
        fraction = min(self.done / self.total, 1.0) if self.total > 0 else 1.0
        filled = int(BAR_WIDTH * fraction)
        return f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {self.done}/{self.total} {100 * fraction:.0f}%"

    def _draw(self, text: str) -> None:
        columns = shutil.get_terminal_size((80, 24)).columns
        line = f"{self._bar()} {self._times(' ')} {text}".rstrip()[: max(columns - 1, 20)]
        self.stream.write("\r" + line.ljust(self._width))
        self._width = len(line)
        self.stream.flush()
