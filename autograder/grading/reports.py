"""Reports of a grading run: grade tables (CSV), a summary (text and PNG), written atomically.

Scores come from ``GradingResult.cells`` matched against the assignment's graded cells
(``CellInfo``, in notebook order, taken from the gradebook): a cell a submission lacks scores 0,
so a failed submission with no cells scores 0 everywhere. Every file is deterministic: the same
results give byte-identical CSV and text files.
"""

from __future__ import annotations

import csv
import io
import os
import statistics
import tempfile
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .inert import printable, spreadsheet_cell
from .task import GradingResult

if TYPE_CHECKING:  # lms writes through this module
    from .lms import LmsRecord
    from .roster import Absent

FULL_MARKS_TOLERANCE = 1e-9
INTEGER_BINS_UP_TO = 20
RANGE_BINS = 10
BAR_WIDTH = 40


@dataclass(frozen=True)
class CellInfo:
    """One graded cell of the assignment: ``notebook`` is the notebook's stem, ``cell`` its grade id."""

    notebook: str
    cell: str
    max_score: float

    @property
    def column(self) -> str:
        return f"{self.notebook}:{self.cell}"


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


def format_score(value: float) -> str:
    """``7.0`` -> ``"7"``, ``7.5`` -> ``"7.5"``, ``0.1 + 0.2`` -> ``"0.3"`` (six decimals at most)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def cell_scores(result: GradingResult, cells: Sequence[CellInfo]) -> list[float]:
    """The result's score on each of ``cells``, in their order; a missing cell scores 0."""
    scored = {(cell.notebook, cell.cell): cell.score for cell in result.cells}
    return [scored.get((cell.notebook, cell.cell), 0.0) for cell in cells]


def _sorted(results: Sequence[GradingResult]) -> list[GradingResult]:
    return sorted(results, key=lambda result: (result.student, result.assignment))


MAX_REASON_CHARS = 500


def _reason(result: GradingResult) -> str:
    """The one-line reason, control characters shown as escapes, at most 500 characters."""
    return "" if result.status == "graded" else printable(result.reason)[:MAX_REASON_CHARS]


def _cell(value: str) -> str:
    """A CSV cell: control characters shown as escapes, never taken for a formula."""
    return spreadsheet_cell(printable(value))


def csv_text(rows: list[list[str]]) -> str:
    """Rows as CSV (quoted as needed); no cell holds a control character or starts like a formula."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([[_cell(cell) for cell in row] for row in rows])
    return buffer.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_grades_csv(path: Path, results: Sequence[GradingResult], cells: Sequence[CellInfo],
                     lms: Mapping[str, LmsRecord] | None = None, absent: Sequence[Absent] = ()) -> None:
    """One row per submission, then one per ``absent`` student (no score), sorted by student: student,
    assignment, score, max_score, status, reason, and the upload's time and lateness from ``lms``."""
    max_score = format_score(sum(cell.max_score for cell in cells))
    lms = lms or {}
    rows = [["student", "assignment", "score", "max_score", "status", "reason", "submitted_at", "late"]]
    for result in _sorted(results):
        score = format_score(sum(cell_scores(result, cells)))
        rows.append([result.student, result.assignment, score, max_score, result.status, _reason(result),
                     *_upload(lms.get(result.student))])
    assignment = results[0].assignment if results else ""
    rows += [[a.student, assignment, "", max_score, a.status, printable(a.reason)[:MAX_REASON_CHARS],
              *_upload(lms.get(a.student))] for a in absent]
    rows[1:] = sorted(rows[1:], key=lambda row: row[0])
    write_atomic(Path(path), csv_text(rows).encode())


def _upload(record: LmsRecord | None) -> list[str]:
    """``[submitted_at, late]`` of an imported upload; blanks when the LMS said nothing."""
    if record is None or record.status != "imported":
        return ["", ""]
    return [record.submitted_at, "yes" if record.late else "no"]


def write_questions_csv(path: Path, results: Sequence[GradingResult], cells: Sequence[CellInfo]) -> None:
    """One row per submission: student, one column ``<notebook>:<cell>`` per graded cell, total."""
    rows = [["student", *(cell.column for cell in cells), "total"]]
    for result in _sorted(results):
        scores = cell_scores(result, cells)
        rows.append([result.student, *map(format_score, scores), format_score(sum(scores))])
    write_atomic(Path(path), csv_text(rows).encode())


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
    per_result = [cell_scores(result, cells) for result in _sorted(results)]
    totals = [sum(scores) for scores in per_result]
    max_score = sum(cell.max_score for cell in cells)
    rates = []
    for index, (cell, name) in enumerate(zip(cells, display_names(cells))):
        full = sum(scores[index] >= cell.max_score - FULL_MARKS_TOLERANCE for scores in per_result)
        rates.append(CellPassRate(name, cell.max_score, full / len(per_result) if per_result else None))
    failed = [result for result in _sorted(results) if result.status != "graded"]
    return Summary(
        assignment=", ".join(sorted({result.assignment for result in results})),
        count=len(totals), graded=len(totals) - len(failed), failed=len(failed),
        mean=statistics.fmean(totals) if totals else None,
        median=statistics.median(totals) if totals else None,
        min=min(totals, default=None), max=max(totals, default=None), max_score=max_score,
        bins=score_bins(totals, max_score), cells=rates,
        failures=[(result.student, _reason(result)) for result in failed],
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


def plot_summary(summary: Summary, path: Path) -> None:
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
    write_atomic(Path(path), buffer.getvalue())


def write_reports(folder: Path, results: Sequence[GradingResult], cells: Sequence[CellInfo],
                  lms: Mapping[str, LmsRecord] | None = None, absent: Sequence[Absent] = ()) -> dict[str, Path]:
    """Write grades.csv (with the ``absent`` students and the ``lms`` upload times), questions.csv,
    summary.txt and summary.png into ``folder``; return them by name."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / name for name in ("grades.csv", "questions.csv", "summary.txt", "summary.png")}
    write_grades_csv(paths["grades.csv"], results, cells, lms, absent)
    write_questions_csv(paths["questions.csv"], results, cells)
    summary = summarize(results, cells)
    write_atomic(paths["summary.txt"], format_summary(summary).encode())
    plot_summary(summary, paths["summary.png"])
    return paths
