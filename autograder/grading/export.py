"""``python -m autograder export ASSIGNMENT --format canvas|moodle|csv``: grades back to the LMS.

Scores come from the nbgrader gradebook (a manual override made in formgrader counts, as in
``nbgrader export``); LMS identities from the import's record (:mod:`.lms`). Three formats:

* ``canvas``: the Gradebook import CSV: ``Student``, ``ID`` (Canvas's user id from the download's
  file names), ``SIS User ID``, ``SIS Login ID``, ``Section`` and one assignment column, titled
  ``<title> (<Canvas assignment id>)`` when the id is given (Canvas then updates that assignment;
  a title alone makes Canvas create a new one);
* ``moodle``: the assignment's offline grading worksheet: ``Identifier`` (``Participant <id>``,
  the number in the download's folder names), ``Full name``, ``Email address``, ``Grade``,
  ``Maximum Grade``;
* ``csv``: every student of the gradebook: id, name, email, LMS id, score, maximum, status
  (``graded``, ``missing``), upload time and lateness.

Students without an id from that LMS (roster entries who never submitted, generic uploads, uploads
from the other LMS) cannot be matched there: they are left out of the file and named in the
returned list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .lms import LmsRecord, read_records
from .reports import csv_text, write_atomic
from .scores import format_score

FORMATS = ("canvas", "moodle", "csv")
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("Identifier", "Full name", "Email address", "Grade", "Maximum Grade")


@dataclass(frozen=True)
class GradeRow:
    """One student's grade for the assignment: ``score`` None when nothing was submitted."""

    student: str
    name: str
    email: str
    score: float | None
    max_score: float
    lms: LmsRecord | None


def grade_rows(course_root: Path, assignment: str) -> list[GradeRow]:
    """Every student of the gradebook, sorted by id, with the assignment's score and LMS identity."""
    from nbgrader.api import Gradebook, MissingEntry

    records = read_records(course_root, assignment)
    rows = []
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gradebook:
        max_score = float(gradebook.find_assignment(assignment).max_score)
        for student in sorted(gradebook.students, key=lambda s: s.id):
            try:
                submission = gradebook.find_submission(assignment, student.id)
                score: float | None = float(submission.score) - float(submission.late_submission_penalty or 0.0)
            except MissingEntry:
                score = None
            name = " ".join(part for part in (student.first_name, student.last_name) if part) or student.id
            rows.append(GradeRow(student.id, name, student.email or "", score, max_score, records.get(student.id)))
    return rows


def _matched(row: GradeRow, lms: str) -> bool:
    """Whether ``lms`` can find the student: an id that this LMS wrote, from the import's record."""
    return row.lms is not None and row.lms.lms == lms and bool(row.lms.lms_user_id)


def _score(row: GradeRow) -> str:
    return "" if row.score is None else format_score(row.score)


def canvas_rows(rows: list[GradeRow], title: str, assignment_id: str | None) -> list[list[str]]:
    column = f"{title} ({assignment_id})" if assignment_id else title
    table = [[*CANVAS_COLUMNS, column]]
    table += [[row.name, row.lms.lms_user_id, "", "", "", _score(row)] for row in rows if _matched(row, "canvas")]
    return table


def moodle_rows(rows: list[GradeRow]) -> list[list[str]]:
    table = [list(MOODLE_COLUMNS)]
    table += [[f"Participant {row.lms.lms_user_id}", row.name, row.email, _score(row), format_score(row.max_score)]
              for row in rows if _matched(row, "moodle")]
    return table


def _status(row: GradeRow) -> str:
    """``graded``, or why not: ``rejected`` (at import) or ``missing``."""
    if row.score is not None:
        return "graded"
    return "rejected" if row.lms is not None and row.lms.status == "rejected" else "missing"


def plain_rows(rows: list[GradeRow]) -> list[list[str]]:
    table = [["student", "name", "email", "lms_user_id", "score", "max_score", "status", "submitted_at", "late"]]
    for row in rows:
        lms = row.lms
        table.append([row.student, row.name, row.email, lms.lms_user_id if lms else "", _score(row),
                      format_score(row.max_score), _status(row),
                      lms.submitted_at if lms else "",
                      ("yes" if lms.late else "no") if lms and lms.status == "imported" else ""])
    return table


def export(course_root: Path, assignment: str, fmt: str, output: Path | None = None, title: str | None = None,
           assignment_id: str | None = None) -> tuple[Path, list[str]]:
    """Write the export file (default ``exports/<assignment>-<format>.csv``); its path and the
    students left out because the LMS cannot match them."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    rows = grade_rows(course_root, assignment)
    table = {"canvas": lambda: canvas_rows(rows, title or assignment, assignment_id),
             "moodle": lambda: moodle_rows(rows), "csv": lambda: plain_rows(rows)}[fmt]()
    path = output or course_root / "exports" / f"{assignment}-{fmt}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, csv_text(table).encode())
    left_out = [row.student for row in rows if fmt != "csv" and not _matched(row, fmt)]
    return path, left_out


__all__ = ["CANVAS_COLUMNS", "FORMATS", "MOODLE_COLUMNS", "GradeRow", "export", "grade_rows"]
