"""Write a worker's result into the course: the gradebook first, then ``autograded/``.

Only the coordinator calls this, one result at a time, so gradebook writes are serialised. A
submission counts as graded (and is skipped on the next run) only once both are written, so a
run killed half-way leaves the gradebook consistent and the submission is simply graded again.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from datetime import datetime
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from sqlalchemy.exc import SAWarning

# nbgrader's own add_submission makes SQLAlchemy warn about autoflush on every new submission
# (harmless, and nbgrader's autograde prints the same); the instructor's terminal stays clean.
warnings.filterwarnings("ignore", category=SAWarning, module=r"nbgrader\.api")

from .course import STATUS_FILE, Course
from .late import assign_late_penalties, late_plugin
from .task import CellScore, GradingResult
from .untrusted import UnsafeFile, read_regular_file, regular_folder


def _stamp(folder: Path) -> bytes | None:
    """The bytes of nbgrader's ``timestamp.txt`` in a submission folder, if it is a small regular file."""
    try:
        return read_regular_file(folder / "timestamp.txt", 1024)
    except UnsafeFile:
        return None


def _timestamp(folder: Path) -> datetime | None:
    """nbgrader's ``timestamp.txt`` in a submission folder, if present and readable."""
    stamp = _stamp(folder)
    if stamp is None:
        return None
    text = stamp.decode(errors="replace").strip()
    for pattern in ("%Y-%m-%d %H:%M:%S.%f %Z", "%Y-%m-%d %H:%M:%S %Z", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=None)
        except ValueError:
            continue
    return None


def record_scores(course: Course, result: GradingResult) -> None:
    """Replace the student's submission in the gradebook with ``result``'s scores (and nbgrader's
    late penalty, see :mod:`autograder.grading.late`).

    Cells the result does not mention (a submission that could not run) score zero.
    """
    scores = {(cell.notebook, cell.cell): cell.score for cell in result.cells}
    folder = course.submitted / result.student / result.assignment
    with Gradebook(course.gradebook_url) as gradebook:
        gradebook.update_or_create_student(result.student)
        try:
            gradebook.find_submission(result.assignment, result.student)
            gradebook.remove_submission(result.assignment, result.student)
        except MissingEntry:
            pass
        submission = gradebook.add_submission(result.assignment, result.student,
                                              timestamp=_timestamp(folder) if regular_folder(folder) else None)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = scores.get((notebook.name, grade.name), 0.0)
                grade.needs_manual_grade = False
            for comment in notebook.comments:
                comment.auto_comment = None
        gradebook.db.flush()
        gradebook.db.expire_all()  # scores and lateness are computed columns: read them again
        assign_late_penalties(gradebook.find_submission(result.assignment, result.student),
                              late_plugin(course.config))
        gradebook.db.commit()


def record_notebooks(course: Course, result: GradingResult) -> Path:
    """Replace ``autograded/<student>/<assignment>/`` with the result's notebooks, atomically."""
    target = course.autograded / result.student / result.assignment
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{result.assignment}-", dir=target.parent))
    for name, content in result.autograded.items():
        (staging / Path(name).name).write_bytes(content)
    status = {"status": result.status, "reason": result.reason, "notes": result.notes}
    (staging / STATUS_FILE).write_text(json.dumps(status, indent=1))
    stamp = _stamp(course.submitted / result.student / result.assignment)
    if stamp is not None:
        (staging / "timestamp.txt").write_bytes(stamp)
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, target)
    return target


def record(course: Course, result: GradingResult) -> None:
    """Gradebook, then notebooks and status (see the module docstring for why in this order).

    Submissions that could not be graded are recorded too (zero, with their reason), so a
    second run skips them unless forced.
    """
    record_scores(course, result)
    record_notebooks(course, result)


def previous_result(course: Course, assignment: str, student: str) -> GradingResult:
    """The recorded outcome of an earlier run (for a submission skipped as already graded).

    A cell's score is the gradebook's: a score set by hand in formgrader (``manual_score``) wins
    over the automatic one, as in ``nbgrader export``, and the result notes which cells have one.
    """
    folder = course.autograded / student / assignment
    status = {"status": "graded", "reason": "", "notes": []}
    if (folder / STATUS_FILE).is_file():
        status.update(json.loads((folder / STATUS_FILE).read_text()))
    with Gradebook(course.gradebook_url) as gradebook:
        grades = [(nb.name, grade) for nb in gradebook.find_submission(assignment, student).notebooks
                  for grade in nb.grades]
        cells = [CellScore(name, grade.name, float(grade.score or 0.0), float(grade.max_score))
                 for name, grade in grades]
        by_hand = [f"{name}:{grade.name}" for name, grade in grades if grade.manual_score is not None]
    notes = list(status["notes"])
    if by_hand:
        notes.append(f"score set by hand in formgrader: {', '.join(by_hand)}")
    return GradingResult(student, assignment, status=status["status"], reason=status["reason"],
                         cells=cells, notes=notes)
