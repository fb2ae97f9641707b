"""The summary of a grading run: headline numbers, score histogram, pass rate per test (text and PNG).

Deterministic: the same results give the same text and the same PNG bytes.
"""

from __future__ import annotations

import io
import statistics
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from .inert import printable
from .scores import CellInfo, cell_scores, format_score, reason_of, sorted_results
from .task import GradingResult

FULL_MARKS_TOLERANCE = 1e-9
INTEGER_BINS_UP_TO = 20
RANGE_BINS = 10
BAR_WIDTH = 40


@dataclass(frozen=True)
class Bin:
    """A histogram bin holding the scores ``low <= score < high`` (the last bin also holds ``high``)."""

    low: float
    high: float
    count: int


@dataclass(frozen=True)
class CellPassRate:
    """The fraction of submissions with full points on one graded cell (``None`` with no submissions)."""

    name: str
    max_score: float
    pass_rate: float | None


@dataclass
class Summary:
    """Headline numbers of a grading run; the statistics are ``None`` when there are no submissions."""

    assignment: str
    count: int
    graded: int
    failed: int
    mean: float | None
    median: float | None
    min: float | None
    max: float | None
    max_score: float
    bins: list[Bin]
    cells: list[CellPassRate]
    failures: list[tuple[str, str]]


def score_bins(scores: Sequence[float], max_score: float) -> list[Bin]:
    """Histogram of ``scores``: one bin per integer score when ``max_score`` is an integer <= 20
    (bin ``k`` holds ``k <= score < k + 1``), else 10 equal bins from 0 to ``max_score``."""
    if max_score <= INTEGER_BINS_UP_TO and float(max_score).is_integer():
        edges = [float(k) for k in range(int(max_score) + 2)]
    else:
        edges = [max_score * i / RANGE_BINS for i in range(RANGE_BINS + 1)]
    counts = [0] * (len(edges) - 1)
    for score in scores:
        index = bisect_right(edges, round(score, 9)) - 1
        counts[min(max(index, 0), len(counts) - 1)] += 1
    return [Bin(low, high, count) for low, high, count in zip(edges, edges[1:], counts)]


def integer_bins(bins: Sequence[Bin]) -> bool:
    """Whether ``bins`` are one per integer score (as ``score_bins`` makes them for small maxima)."""
    return all(bin_.low.is_integer() and bin_.high - bin_.low == 1 for bin_ in bins)


def display_names(cells: Sequence[CellInfo]) -> list[str]:
    """Display names: the grade id alone when all cells share one notebook, else ``notebook:cell``."""
    if len({cell.notebook for cell in cells}) <= 1:
        return [cell.cell for cell in cells]
    return [cell.column for cell in cells]


def summarize(results: Sequence[GradingResult], cells: Sequence[CellInfo]) -> Summary:
    """Statistics over all submissions (a failed one counts with its score, usually 0)."""
    per_result = [cell_scores(result, cells) for result in sorted_results(results)]
    totals = [sum(scores) for scores in per_result]
    max_score = sum(cell.max_score for cell in cells)
    rates = []
    for index, (cell, name) in enumerate(zip(cells, display_names(cells))):
        full = sum(scores[index] >= cell.max_score - FULL_MARKS_TOLERANCE for scores in per_result)
        rates.append(CellPassRate(name, cell.max_score, full / len(per_result) if per_result else None))
    failed = [result for result in sorted_results(results) if result.status != "graded"]
    return Summary(
        assignment=", ".join(sorted({result.assignment for result in results})),
        count=len(totals), graded=len(totals) - len(failed), failed=len(failed),
        mean=statistics.fmean(totals) if totals else None,
        median=statistics.median(totals) if totals else None,
        min=min(totals, default=None), max=max(totals, default=None), max_score=max_score,
        bins=score_bins(totals, max_score), cells=rates,
        failures=[(result.student, reason_of(result)) for result in failed],
    )


def _number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else format_score(round(value, digits))


def _bin_label(bin_: Bin, integer: bool) -> str:
    return format_score(bin_.low) if integer else f"{_number(bin_.low)}-{_number(bin_.high)}"


def format_summary(summary: Summary) -> str:
    """A plain-text report for the terminal: headline numbers, distribution, pass rates, failures."""
    lines = [
        f"Assignment {summary.assignment or '-'}: {summary.count} submissions "
        f"({summary.graded} graded, {summary.failed} failed)",
        f"  {'mean':<8}{_number(summary.mean):>8}    {'median':<8}{_number(summary.median):>8}",
        f"  {'min':<8}{_number(summary.min):>8}    {'max':<8}{_number(summary.max):>8}",
        f"  {'out of':<8}{_number(summary.max_score):>8}", "", "Score distribution",
    ]
    integer = integer_bins(summary.bins)
    labels = [_bin_label(bin_, integer) for bin_ in summary.bins]
    width, most = max(map(len, labels), default=5), max((b.count for b in summary.bins), default=0)
    for label, bin_ in zip(labels, summary.bins):
        bar = "#" * round(BAR_WIDTH * bin_.count / most) if most else ""
        lines.append(f"  {label:>{width}}  {bin_.count:>5}  {bar}".rstrip())
    name_width = max([len("test"), *(len(rate.name) for rate in summary.cells)])
    lines += ["", "Pass rate per test (full points)", f"  {'test':<{name_width}}  {'points':>6}  {'pass rate':>9}"]
    for rate in summary.cells:
        percent = "-" if rate.pass_rate is None else f"{100 * rate.pass_rate:.1f} %"
        lines.append(f"  {rate.name:<{name_width}}  {format_score(rate.max_score):>6}  {percent:>9}")
    lines += ["", f"Failed submissions ({summary.failed})"]
    lines += [f"  {printable(student)}: {reason or '(no reason given)'}" for student, reason in summary.failures]
    return "\n".join(lines) + "\n"


def plot_summary(summary: Summary) -> bytes:
    """A 1000x500 PNG: the score histogram (max score marked) and the pass rate of each test."""
    from matplotlib.figure import Figure  # imported here: only the PNG needs matplotlib

    figure = Figure(figsize=(10, 5), dpi=100, layout="constrained")
    histogram, rates = figure.subplots(1, 2, width_ratios=[1, 1.2])
    integer = integer_bins(summary.bins)  # a bar centred on each integer score, else bars span their bins
    for bin_ in summary.bins:
        histogram.bar(bin_.low, bin_.count, width=0.9 * (bin_.high - bin_.low), align="center" if integer else "edge",
                      color="tab:blue", zorder=2)
    histogram.axvline(summary.max_score, color="tab:red", linestyle="--", zorder=1,
                      label=f"max score {format_score(summary.max_score)}")
    histogram.xaxis.get_major_locator().set_params(integer=True)
    histogram.set(title=f"Scores ({summary.count} submissions)", xlabel="score", ylabel="submissions")
    histogram.set_ylim(0, 1.1 * max([1, *(bin_.count for bin_ in summary.bins)]))
    histogram.yaxis.get_major_locator().set_params(integer=True)
    histogram.legend(loc="upper left")
    names = [rate.name for rate in summary.cells]
    percents = [100 * (rate.pass_rate or 0.0) for rate in summary.cells]
    rates.barh(range(len(names)), percents, color="tab:green")
    rates.set_yticks(range(len(names)), names, fontsize=max(6, min(10, 240 // max(len(names), 1))))
    rates.invert_yaxis()
    for y, (rate, percent) in enumerate(zip(summary.cells, percents)):
        label = "-" if rate.pass_rate is None else f"{format_score(round(percent, 1))} %"
        rates.text(min(percent, 86) + 1, y, label, va="center", fontsize=8)
    rates.set(xlim=(0, 100), title="Submissions with full points per test", xlabel="pass rate (%)")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


__all__ = ["Bin", "CellPassRate", "Summary", "format_summary", "plot_summary", "score_bins", "summarize"]
