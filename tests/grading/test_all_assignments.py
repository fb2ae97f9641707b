"""Every assignment, graded by the batch grader in the sandbox: solutions get full marks, untouched
exercises get zero without breaking grading."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.release import assignments
from support.nbgrader_course import ScratchCourse


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    names = assignments()
    scratch = ScratchCourse(tmp_path_factory.mktemp("all"), names)
    for name in names:
        for student, source in (("solution", scratch.root / "solutions"), ("untouched", scratch.root / "exercises")):
            target = scratch.root / "submitted" / student / name
            target.mkdir(parents=True)
            shutil.copy(source / name / f"{name}.ipynb", target / f"{name}.ipynb")
    return scratch.root


@pytest.mark.slow
@pytest.mark.parametrize("assignment", assignments())
def test_solution_full_marks_untouched_zero(course: Path, assignment: str) -> None:
    command = [sys.executable, "-m", "autograder", "grade", assignment, "--course-dir", str(course),
               "--jobs", "2", "--no-feedback"]
    run = subprocess.run(command, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    with open(course / "reports" / assignment / "grades.csv", newline="") as handle:
        grades = {row["student"]: row for row in csv.DictReader(handle)}
    solution, untouched = grades["solution"], grades["untouched"]
    assert float(solution["score"]) == float(solution["max_score"]) > 0, solution
    assert (untouched["score"], untouched["status"]) == ("0", "graded"), untouched
    log = (course / "reports" / assignment / "grading-log.txt").read_text()
    assert "judge:" not in log.split("== untouched")[0], "the solution's points were all backed by the judge"
