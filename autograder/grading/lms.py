"""What an import learned from the LMS, kept for the trip back: ``<course>/lms/<assignment>.csv``.

The importer turns LMS names into student ids; sending grades back needs the other direction: the
number the LMS wrote into each file name (Canvas's user id, Moodle's participant id, which differs
per assignment), the upload's time and Canvas's ``LATE`` mark; for a student none of whose files
could be imported, status ``rejected`` and the reason. ``import`` merges each run into the record (a
student's newer upload replaces the older row; an import replaces a rejection); ``export`` and the
grade reports read it. The folder holds
personal data and is in the course's ``.gitignore``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .importer import ImportReport
from .inert import printable, spreadsheet_cell
from .reports import write_atomic

COLUMNS = ("student", "lms", "lms_user_id", "submitted_at", "late", "status", "reason")


@dataclass(frozen=True)
class LmsRecord:
    """One student's identity in the LMS for one assignment."""

    student: str
    lms: str
    lms_user_id: str
    submitted_at: str
    late: bool
    status: str = "imported"
    reason: str = ""


def record_path(course_root: Path, assignment: str) -> Path:
    return course_root / "lms" / f"{assignment}.csv"


def read_records(course_root: Path, assignment: str) -> dict[str, LmsRecord]:
    """The record of ``assignment`` by student id (empty when nothing was imported from an LMS)."""
    path = record_path(course_root, assignment)
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as stream:
        return {row["student"]: LmsRecord(row["student"], row["lms"], row["lms_user_id"], row["submitted_at"],
                                           row["late"] == "yes", row.get("status") or "imported",
                                           row.get("reason") or "") for row in csv.DictReader(stream)}


def record_import(course_root: Path, assignment: str, report: ImportReport) -> Path:
    """Merge what ``report`` imported into the assignment's record; returns its path."""
    records = read_records(course_root, assignment)
    for item in report.imported:
        when = item.timestamp.isoformat(timespec="seconds") if item.timestamp else ""
        earlier = records.get(item.student)
        late = item.late or (earlier is not None and earlier.submitted_at == when and earlier.late)
        records[item.student] = LmsRecord(item.student, report.layout, item.lms_user_id or "", when, late)
    for rejected in report.errors:
        known = records.get(rejected.student or "")
        if rejected.student and (known is None or known.status == "rejected"):
            # the file name is the student's: control characters shown, never the start of a formula
            reason = spreadsheet_cell(printable(f"{rejected.source_name}: {rejected.reason}"))
            records[rejected.student] = LmsRecord(rejected.student, report.layout, "", "", False, "rejected", reason)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for record in sorted(records.values(), key=lambda r: r.student):
        writer.writerow([record.student, record.lms, record.lms_user_id, record.submitted_at,
                         "yes" if record.late else "no", record.status, record.reason])
    path = record_path(course_root, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, buffer.getvalue().encode())
    return path


__all__ = ["LmsRecord", "read_records", "record_import", "record_path"]
