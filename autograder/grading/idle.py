"""How many of this process's cores sat idle lately, from the kernel's own counters (``/proc/stat``).

The batch grader grades ``--jobs`` submissions at a time, but a submission that sleeps, waits on
its own time limit or hangs holds its lane without using a core. :class:`IdleCores` tells the
runner how much CPU went unused since it last asked, so that it can start one more submission
while the running ones wait (see :func:`autograder.grading.runner.run_local`).
"""

from __future__ import annotations

import os
from pathlib import Path

STAT = Path("/proc/stat")


def usable_cpus() -> set[int]:
    """The CPUs this process may run on."""
    try:
        return set(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return set(range(os.cpu_count() or 1))


def read_counters(cpus: set[int], stat: Path = STAT) -> tuple[int, int] | None:
    """(idle, total) clock ticks of ``cpus`` since boot; None where ``/proc/stat`` cannot be read.

    Idle counts ``idle`` and ``iowait``; total counts every state but the guest ones, which the
    kernel already counts as user time.
    """
    try:
        lines = stat.read_text().splitlines()
    except OSError:
        return None
    idle = total = 0
    for line in lines:
        name, *fields = line.split()
        if not (name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus):
            continue
        ticks = [int(value) for value in fields[:8]]
        idle += ticks[3] + ticks[4]
        total += sum(ticks)
    return (idle, total) if total else None


class IdleCores:
    """Idle cores, averaged over the time between two calls of :meth:`sample`."""

    def __init__(self, stat: Path = STAT) -> None:
        self.stat, self.cpus = stat, usable_cpus()
        self._last = read_counters(self.cpus, stat)

    def sample(self) -> float:
        """Cores idle on average since the last call (or since this object was made); 0.0 when
        the counters cannot be read or did not move (so that nothing extra is started)."""
        now = read_counters(self.cpus, self.stat)
        last, self._last = self._last, now
        if now is None or last is None or now[1] <= last[1]:
            return 0.0
        return len(self.cpus) * (now[0] - last[0]) / (now[1] - last[1])
