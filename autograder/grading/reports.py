"""Reports of a grading run: the grade tables (CSV), and the summary (text and PNG), written atomically.

Every file is deterministic: the same results give byte-identical CSV and text files. The tables'
scores come from :mod:`.scores`; the summary is :mod:`.summary`.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .inert import printable, spreadsheet_cell
from .scores import MAX_REASON_CHARS, CellInfo, cell_scores, format_score, reason_of, sorted_results
from .summary import format_summary, plot_summary, summarize
from .task import GradingResult

if TYPE_CHECKING:  # lms writes through this module
    from .lms import LmsRecord
    from .roster import Absent


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
    for result in sorted_results(results):
        score = format_score(sum(cell_scores(result, cells)))
        rows.append([result.student, result.assignment, score, max_score, result.status, reason_of(result),
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
    for result in sorted_results(results):
        scores = cell_scores(result, cells)
        rows.append([result.student, *map(format_score, scores), format_score(sum(scores))])
    write_atomic(Path(path), csv_text(rows).encode())


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
    write_atomic(paths["summary.png"], plot_summary(summary))
    return paths


__all__ = ["csv_text", "write_atomic", "write_grades_csv", "write_questions_csv", "write_reports"]
