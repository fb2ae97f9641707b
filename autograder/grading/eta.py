"""How long a grading run has left: an estimate that a hanging submission cannot fool.

The batch reports each submission twice: when a worker starts it (:meth:`Tracker.start`) and when
its result is in (:meth:`Tracker.finish`). From that, with ``done`` of ``total`` finished after
``elapsed`` seconds:

* the **rate estimate** is ``elapsed / done * (total - done)``: the class's own throughput, so
  parallel grading is accounted for;
* a running submission has **outrun the typical time** when it has run longer than
  ``OUTRUN_FACTOR`` (2) times the median time of the finished ones. Nothing then says it will
  finish soon (it may be an infinite loop), only the per-submission time limit bounds it: it still
  needs up to ``limit - age`` seconds;
* the **ETA** is the larger of the rate estimate and the longest of those ``limit - age``, so it
  never claims less than what a running submission may still take to reach its limit. Unknown
  (``None``) before the first submission finishes.

For example, 19 honest submissions take 5 s each and the 20th loops forever under a 180 s limit:
once it has run 11 s (more than twice the 5 s median) the ETA is at least ``180 - 11`` s, not the
5 s that the rate alone would say.

Workers report from several threads: every method takes the tracker's lock.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

OUTRUN_FACTOR = 2.0  # a submission running this many times the median finished time has outrun it


def format_duration(seconds: float) -> str:
    """``72`` -> ``"1:12"``, ``3725`` -> ``"1:02:05"`` (whole seconds, rounded down)."""
    minutes, secs = divmod(int(max(seconds, 0)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass(frozen=True)
class Snapshot:
    """The run at one moment: counts, seconds elapsed and left, and the longest-running submission."""

    done: int
    total: int
    elapsed: float
    eta: float | None
    running: int
    longest: tuple[str, float] | None  # (label, seconds it has run)


class Tracker:
    """Which submissions run and finished, and the ETA of the rule above.

    Args:
        total: how many submissions will finish.
        limit_s: the per-submission wall-clock limit (``None``: unknown, the rate estimate alone).
        clock: seconds, monotonic; tests pass a fake one.
    """

    def __init__(self, total: int, limit_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total, self.limit_s, self.clock = total, limit_s, clock
        self.started_at = clock()
        self.done = 0
        self._running: dict[str, float] = {}  # label -> when it started
        self._durations: list[float] = []  # seconds of each finished submission whose start was seen
        self._finished: set[str] = set()
        self._lock = threading.Lock()

    def start(self, label: str) -> None:
        """A worker started the submission ``label`` (a late report of a finished one is ignored)."""
        with self._lock:
            if label not in self._finished:
                self._running.setdefault(label, self.clock())

    def finish(self, label: str) -> None:
        """The submission ``label`` finished (started or not as far as the tracker knows)."""
        with self._lock:
            self.done += 1
            self._finished.add(label)
            started = self._running.pop(label, None)
            if started is not None:
                self._durations.append(self.clock() - started)

    def snapshot(self) -> Snapshot:
        """Counts, elapsed time, the ETA and the longest-running submission, now."""
        with self._lock:
            now = self.clock()
            ages = {label: now - started for label, started in self._running.items()}
            longest = max(ages.items(), key=lambda item: (item[1], item[0]), default=None)
            return Snapshot(self.done, self.total, now - self.started_at, self._eta(now, ages), len(ages), longest)

    def _eta(self, now: float, ages: dict[str, float]) -> float | None:
        if self.done == 0:
            return None
        rate = (now - self.started_at) / self.done * max(self.total - self.done, 0)
        if self.limit_s is None or not self._durations:
            return rate
        typical = statistics.median(self._durations)
        outrun = [self.limit_s - age for age in ages.values() if age > OUTRUN_FACTOR * typical]
        return max([rate, *outrun, 0.0])


__all__ = ["OUTRUN_FACTOR", "Snapshot", "Tracker", "format_duration"]
