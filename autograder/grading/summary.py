"""The summary of a grading run: headline numbers, score histogram, pass rate per test (text and PNG).

The text is made of ``rich`` tables (:func:`summary_renderables`): styled, with rules under the
headers, on the instructor's terminal (:func:`print_summary`); plain aligned columns with no escape
sequence in logs and ``summary.txt`` (:func:`format_summary`, never wrapped, whatever the terminal's
width). Names and reasons are shown through :func:`~.inert.printable` as ``Text``, never as markup.
Deterministic: the same results give the same text and the same PNG bytes.
"""

from __future__ import annotations

import io
import statistics
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from rich import box
from rich.console import RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from .console import console_for
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


def _numbers(summary: Summary) -> Table:
    """Mean and median, min and max, the maximum score: label and value pairs, two a row."""
    table = Table.grid(padding=(0, 4))
    for _ in range(2):
        table.add_column(min_width=6)
        table.add_column(justify="right", min_width=6)
    table.add_row("mean", _number(summary.mean), "median", _number(summary.median))
    table.add_row("min", _number(summary.min), "max", _number(summary.max))
    table.add_row("out of", _number(summary.max_score))
    return table


def _table(fancy: bool, show_header: bool = True) -> Table:
    """A table of aligned columns; on a terminal (``fancy``) with a rule under the header."""
    return Table(box=box.SIMPLE_HEAD if fancy else None, show_edge=False, show_header=show_header, pad_edge=False,
                 padding=(0, 1))


def _distribution(summary: Summary, fancy: bool) -> Table:
    """One row per bin: its scores, how many, and a bar as long as the count (the most: 40 marks)."""
    table = _table(fancy, show_header=fancy)
    table.add_column("score", justify="right")
    table.add_column("count", justify="right", min_width=5)
    table.add_column("", style="cyan" if fancy else "")
    integer, most = integer_bins(summary.bins), max((bin_.count for bin_ in summary.bins), default=0)
    for bin_ in summary.bins:
        bar = ("█" if fancy else "#") * (round(BAR_WIDTH * bin_.count / most) if most else 0)
        table.add_row(_bin_label(bin_, integer), str(bin_.count), bar)
    return table


def _pass_rates(summary: Summary, fancy: bool) -> Table:
    """One row per graded cell: its name, points and pass rate."""
    table = _table(fancy)
    table.add_column("test")
    table.add_column("points", justify="right")
    table.add_column("pass rate", justify="right")
    for rate in summary.cells:
        percent = "-" if rate.pass_rate is None else f"{100 * rate.pass_rate:.1f} %"
        table.add_row(Text(printable(rate.name)), format_score(rate.max_score), percent)
    return table


def summary_renderables(summary: Summary, fancy: bool = False) -> list[RenderableType]:
    """The summary as rich renderables: headline numbers, distribution, pass rates, failures.

    ``fancy`` adds styles and table rules (for a terminal); plain, it is the text of
    :func:`format_summary`. Every text from a submission is a ``Text`` (never read as markup).
    """
    title = "bold" if fancy else ""
    failures = [Text(f"{printable(student)}: {reason or '(no reason given)'}") for student, reason in summary.failures]
    sections = [("Score distribution", _distribution(summary, fancy)),
                ("Pass rate per test (full points)", _pass_rates(summary, fancy))]
    shown: list[RenderableType] = [
        Text(f"Assignment {printable(summary.assignment) or '-'}: {summary.count} submissions "
             f"({summary.graded} graded, {summary.failed} failed)", style=title),
        Padding.indent(_numbers(summary), 2)]
    for heading, table in sections:
        shown += [Text(""), Text(heading, style=title), Padding.indent(table, 2)]
    shown += [Text(""), Text(f"Failed submissions ({summary.failed})", style=title)]
    return shown + [Padding.indent(failure, 2) for failure in failures]


def format_summary(summary: Summary) -> str:
    """The summary as plain text (for logs and ``summary.txt``): no styles, no escape sequences."""
    console = console_for(io.StringIO(), terminal=False)
    with console.capture() as captured:
        console.print(*summary_renderables(summary), sep="\n")
    return "".join(line.rstrip() + "\n" for line in captured.get().splitlines())


def print_summary(summary: Summary, stream: TextIO) -> None:
    """The summary on ``stream``, then a blank line: rich tables on a terminal, else :func:`format_summary`."""
    console = console_for(stream)
    if console.is_terminal:
        console.print(*summary_renderables(summary, fancy=True), "", sep="\n")
    else:
        stream.write(format_summary(summary) + "\n")
        stream.flush()


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


__all__ = ["Bin", "CellPassRate", "Summary", "format_summary", "plot_summary", "print_summary", "score_bins",
           "summarize", "summary_renderables"]
