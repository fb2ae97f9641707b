"""A submission's points per graded cell: the vocabulary the grade tables and the summary share.

Scores come from ``GradingResult.cells`` matched against the assignment's graded cells
(``CellInfo``, in notebook order, taken from the gradebook): a cell a submission lacks scores 0,
so a failed submission with no cells scores 0 everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .inert import printable
from .task import GradingResult


@dataclass(frozen=True)
class CellInfo:
    """One graded cell of the assignment: ``notebook`` is the notebook's stem, ``cell`` its grade id."""

    notebook: str
    cell: str
    max_score: float

    @property
    def column(self) -> str:
        return f"{self.notebook}:{self.cell}"


def format_score(value: float) -> str:
    """``7.0`` -> ``"7"``, ``7.5`` -> ``"7.5"``, ``0.1 + 0.2`` -> ``"0.3"`` (six decimals at most)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def cell_scores(result: GradingResult, cells: Sequence[CellInfo]) -> list[float]:
    """The result's score on each of ``cells``, in their order; a missing cell scores 0."""
    scored = {(cell.notebook, cell.cell): cell.score for cell in result.cells}
    return [scored.get((cell.notebook, cell.cell), 0.0) for cell in cells]


def sorted_results(results: Sequence[GradingResult]) -> list[GradingResult]:
    """The results by student, then assignment."""
    return sorted(results, key=lambda result: (result.student, result.assignment))


MAX_REASON_CHARS = 500


def reason_of(result: GradingResult) -> str:
    """The one-line reason (why it was not graded, or which cell ran past its limit), control
    characters shown as escapes, at most 500 characters."""
    return printable(result.reason)[:MAX_REASON_CHARS]


__all__ = ["MAX_REASON_CHARS", "CellInfo", "cell_scores", "format_score", "reason_of", "sorted_results"]
