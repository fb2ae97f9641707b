"""Default time limits of a grading run, derived from the preflight's own time.

A submission may take ``SLACK`` times as long as the course's solution took in the preflight, per
cell (and per hidden check) and in all, but never less than the floors: a fast machine must not
turn a slightly slower honest submission into a timeout. This module is imported by the CLI for
its help text, so it imports nothing heavy.
"""

from __future__ import annotations

CELL_FLOOR_S = 60  # seconds a cell (and a hidden check) may always take
NOTEBOOK_FLOOR_S = 180.0  # seconds a whole submission may always take
SLACK = 10  # the limits are SLACK times the solution's time, above the floors


def derived_limits(solution_seconds: float) -> tuple[int, float]:
    """(seconds per cell, seconds per submission) for a solution graded in ``solution_seconds``."""
    return max(CELL_FLOOR_S, int(SLACK * solution_seconds)), max(NOTEBOOK_FLOOR_S, SLACK * solution_seconds)


def default_limits_text() -> str:
    """The rule in words, as the CLI's help and the README state it."""
    return (f"{SLACK}x the solution's time in the preflight, at least {CELL_FLOOR_S} s a cell "
            f"and {NOTEBOOK_FLOOR_S:g} s a submission")
