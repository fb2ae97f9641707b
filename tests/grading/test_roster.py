"""The class list's round trip: who was rejected at import, who never submitted, and when each uploaded.

An import records rejections of a known student beside the uploads (``lms/<assignment>.csv``); an
older upload that a newer one replaced is not an error; ``grades.csv`` names every student of the
roster and of the import, with the upload's time and lateness.
"""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

from autograder.grading.importer import import_submissions
from autograder.grading.lms import read_records, record_import
from autograder.grading.reports import write_grades_csv
from autograder.grading.scores import CellInfo
from autograder.grading.roster import Absent, absent_students, roster
from autograder.grading.task import CellScore, GradingResult

from support.zips import MARCH_1, MARCH_2, make_zip


def content(tag: str) -> bytes:
    return f'{{"cells": [], "who": "{tag}"}}\n'.encode()


CELLS = [CellInfo("softmax", "test-a", 2.0), CellInfo("softmax", "test-b", 3.0)]


def _import(tmp_path: Path, entries: list) -> tuple[Path, object]:
    course = tmp_path / "course"
    report = import_submissions(make_zip(tmp_path / f"{len(entries)}.zip", entries), "softmax", course,
                                ["softmax.ipynb"])
    record_import(course, "softmax", report)
    return course, report


def test_an_older_upload_is_skipped_and_a_wrong_file_is_an_error_of_a_known_student(tmp_path: Path) -> None:
    course, report = _import(tmp_path, [
        ("ada_101_5001_softmax.ipynb", content("old"), MARCH_1),
        ("ada_101_5002_softmax.ipynb", content("new"), MARCH_2),
        ("bob_LATE_102_5003_report.docx", b"PK not a notebook"),
    ])
    assert [item.source_name for item in report.imported] == ["ada_101_5002_softmax.ipynb"]
    superseded = [item for item in report.rejected if item.superseded]
    assert [(item.source_name, item.student) for item in superseded] == [("ada_101_5001_softmax.ipynb", "ada")]
    assert [(item.student, item.reason) for item in report.errors] == [("bob", "not a notebook: "
                                                                         "bob_LATE_102_5003_report.docx")]
    records = read_records(course, "softmax")
    assert records["ada"].status == "imported" and records["ada"].lms_user_id == "101"
    assert records["bob"].status == "rejected" and "not a notebook" in records["bob"].reason


def test_a_later_import_replaces_a_rejection(tmp_path: Path) -> None:
    course, _ = _import(tmp_path, [("ada_101_5001_softmax.ipynb", content("ada")),
                                   ("bob_102_5003_softmax.docx", b"no")])
    assert read_records(course, "softmax")["bob"].status == "rejected"
    course, _ = _import(tmp_path, [("bob_102_5004_softmax.ipynb", content("bob")), ("x.txt", b"")])
    assert read_records(course, "softmax")["bob"].status == "imported"


def test_absent_students_are_the_roster_and_the_rejected_without_a_result(tmp_path: Path) -> None:
    course, _ = _import(tmp_path, [("ada_101_5001_softmax.ipynb", content("ada")),
                                   ("bob_102_5003_softmax.pdf", b"%PDF")])
    absent = absent_students(["ada", "cleo"], read_records(course, "softmax"), present=["ada"])
    assert absent == [Absent("bob", "rejected", "rejected at import: bob_102_5003_softmax.pdf: not a notebook: "
                                                "bob_102_5003_softmax.pdf"),
                      Absent("cleo", "missing", "no submission")]


def test_the_roster_is_read_from_the_gradebook_without_writing(tmp_path: Path) -> None:
    gradebook = tmp_path / "gradebook.db"
    with sqlite3.connect(gradebook) as connection:
        connection.execute("CREATE TABLE student (id TEXT)")
        connection.executemany("INSERT INTO student VALUES (?)", [("zoe",), ("ada",)])
    before = gradebook.read_bytes()
    assert roster(gradebook) == ["ada", "zoe"]
    assert gradebook.read_bytes() == before
    assert roster(tmp_path / "none.db") == [] and not (tmp_path / "none.db").exists()


def test_grades_csv_names_every_student_with_upload_time_and_lateness(tmp_path: Path) -> None:
    course, _ = _import(tmp_path, [("ada_LATE_101_5001_softmax.ipynb", content("ada"), MARCH_2),
                                   ("bob_102_5003_notes.txt", b"hi")])
    records = read_records(course, "softmax")
    graded = GradingResult("ada", "softmax", "graded",
                           cells=[CellScore("softmax", "test-a", 2.0, 2.0), CellScore("softmax", "test-b", 1.0, 3.0)])
    absent = absent_students(["ada", "cleo"], records, ["ada"])
    write_grades_csv(tmp_path / "grades.csv", [graded], CELLS, records, absent)
    with (tmp_path / "grades.csv").open(newline="") as stream:
        rows = {row["student"]: row for row in csv.DictReader(stream)}
    assert list(rows) == ["ada", "bob", "cleo"]
    assert (rows["ada"]["status"], rows["ada"]["late"], rows["ada"]["submitted_at"][:10]) == ("graded", "yes",
                                                                                              "2024-03-02")
    assert (rows["bob"]["status"], rows["bob"]["score"], rows["bob"]["max_score"]) == ("rejected", "", "5")
    assert "not a notebook" in rows["bob"]["reason"] and rows["bob"]["late"] == ""
    assert (rows["cleo"]["status"], rows["cleo"]["reason"]) == ("missing", "no submission")


def test_a_rejected_file_name_is_recorded_as_inert_text(tmp_path: Path) -> None:
    """The file name is the student's: in the LMS record its control characters are shown, not kept."""
    course, _ = _import(tmp_path, [("ada_101_5001_softmax.ipynb", content("ada")),
                                   ("bob_102_5003_\x1b[2J=x.docx", b"no")])
    reason = read_records(course, "softmax")["bob"].reason
    assert "\x1b" not in reason and "\\x1b[2J" in reason and not reason.startswith(("=", "+", "-", "@"))
