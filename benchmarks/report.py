"""What a benchmark returns (:class:`Section`: tables, targets, notes) and its Markdown form."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Table:
    """A table of measurements; cells are already formatted strings."""

    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        """Append a row (each cell formatted with :func:`str`)."""
        self.rows.append([str(cell) for cell in cells])

    def markdown(self) -> str:
        lines = [f"**{self.title}**", "", _row(self.header), _row(["---"] * len(self.header))]
        return "\n".join(lines + [_row(row) for row in self.rows])


@dataclass
class Target:
    """A performance claim and whether the measurement reaches it.

    Attributes:
        claim: the target in words ("at least 25x faster at 0.83 or better").
        reached: whether the measurement reaches the target.
        measured: what was measured, in words with the numbers.
        cause: for a target not reached, the gap's cause as the measurements show it.
        judged: False for a configuration other than the real one (the verdict is then only a hint).
    """

    claim: str
    reached: bool
    measured: str
    cause: str = ""
    judged: bool = True

    @property
    def met(self) -> bool | None:
        """The verdict: True or False, or None when not judged."""
        return self.reached if self.judged else None

    def markdown(self) -> str:
        if not self.judged:
            verdict = f"not judged (not the real configuration; would be {'met' if self.reached else 'missed'})"
        else:
            verdict = "**met**" if self.reached else "**NOT MET**"
        text = f"- {self.claim}: {verdict}. Measured: {self.measured}."
        return text + (f" Gap and cause: {self.cause}" if self.cause and not self.reached else "")


@dataclass
class Section:
    """One benchmark's results.

    Attributes:
        key: the name in ``BENCHMARKS.md`` (``training``, ``training-cuda``, ``grading`` ...).
        title: the section heading.
        setup: what was run (configuration, sizes), one line.
        tables, targets, notes: the results.
        data: the raw numbers, for tests and for other benchmarks.
        started, load_before, load_after: when it ran and the load averages around it.
        machine: one line naming the machine (set by the runner).
    """

    key: str
    title: str
    setup: str = ""
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    started: str = field(default_factory=lambda: datetime.now().astimezone().isoformat(timespec="seconds"))
    load_before: tuple[float, float, float] = field(default_factory=os.getloadavg)
    load_after: tuple[float, float, float] | None = None
    machine: str = ""

    def finish(self) -> Section:
        """Record the load average at the end; returns self."""
        self.load_after = os.getloadavg()
        return self

    def markdown(self) -> str:
        after = _load(self.load_after) if self.load_after else "?"
        where = f" on {self.machine}" if self.machine else ""
        parts = [f"## {self.title}", "",
                 f"Run {self.started}{where}; load average (1, 5, 15 min) before {_load(self.load_before)}, "
                 f"after {after}.", ""]
        if self.setup:
            parts += [self.setup, ""]
        for table in self.tables:
            parts += [table.markdown(), ""]
        if self.targets:
            parts += ["Targets:", ""] + [target.markdown() for target in self.targets] + [""]
        parts += [f"- {note}" for note in self.notes]
        return "\n".join(parts).rstrip() + "\n"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _load(load: tuple[float, float, float]) -> str:
    return ", ".join(f"{value:.2f}" for value in load)


def seconds(value: float) -> str:
    """A duration for a table: ``0.0123`` -> ``0.012 s``, ``75.3`` -> ``75.3 s``."""
    if value < 1:
        return f"{value:.3f} s"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def mebibytes(value: float) -> str:
    """Bytes as ``123 MiB``."""
    return f"{value / 2**20:.0f} MiB"
