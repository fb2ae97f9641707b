"""Who the reports must name although nothing of theirs was graded: the class list's round trip.

A grade report that lists only the submissions it graded hides the students it should chase: those
on the gradebook's roster (``init --roster``, or formgrader) with no submission, and those whose
uploads the import rejected (a ``.docx``, a renamed notebook). :func:`absent_students` finds them
from the gradebook, the import's LMS record (:mod:`autograder.grading.lms`) and the results.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .lms import LmsRecord
from .usage import gradebook_column


@dataclass(frozen=True)
class Absent:
    """A student with no graded submission: ``status`` is ``missing`` or ``rejected``, with the reason."""

    student: str
    status: str
    reason: str


def roster(gradebook: Path) -> list[str]:
    """The students the gradebook knows, sorted, read without writing (empty if it cannot be read)."""
    try:
        return sorted(gradebook_column(gradebook, "student", "id"))
    except sqlite3.Error:
        return []


def absent_students(known: Iterable[str], records: Mapping[str, LmsRecord], present: Iterable[str]) -> list[Absent]:
    """Every student of ``known`` (the roster) or of ``records`` (the import) who is not ``present``
    (graded, or with a submission still to grade): ``rejected`` with the import's reason, else ``missing``."""
    seen = set(present)
    absent = []
    for student in sorted(set(known) | set(records)):
        if student in seen:
            continue
        record = records.get(student)
        if record is not None and record.status == "rejected":
            absent.append(Absent(student, "rejected", f"rejected at import: {record.reason}"))
        elif record is None or record.status != "imported":
            absent.append(Absent(student, "missing", "no submission"))
        else:
            absent.append(Absent(student, "missing", "imported, but no submission folder to grade"))
    return absent


__all__ = ["Absent", "absent_students", "roster"]
