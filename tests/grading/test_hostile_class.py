"""One command grades a class of 26 ``training`` submissions (honest, wrong, hostile, broken), sandboxed.

The class is graded with ``--jobs 2`` on this machine, and a cross-section of it (honest, wrong,
hostile, broken) again on a Dask cluster (a scheduler and two workers started on loopback) from an
identical copy. Every attack must be contained: the
batch goes on, the attacker earns nothing it did not write, nothing outside its own folder
changes, no sandboxed process outlives the run, the honest students' grades are those of a clean
run, and both paths give the same CSVs (but for the fork bomb, whose outcome is a race).
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.catalog import read_assignment
from autograder.grading.scores import format_score
from autograder.release import nbgrader_env
from support.dask_cluster import loopback_cluster
from support.hostile_class import (ANSWER_CELL, ASSIGNMENT, END_TO_END, HONEST, KERNEL_KILLERS, NO_SOFTMAX,
                                   NOTEBOOK, STOPPED_BEFORE_SOFTMAX, WITH_WRONG_SOFTMAX,
                                   build_class)
from support.nbgrader_course import ScratchCourse
from support.processes import sandboxed_processes

OUTSIDE = Path("/tmp/written-by-a-student")
LIMITS = ["--cell-timeout", "30", "--timeout", "240"]
REPORTS = ("grades.csv", "questions.csv")
FULL_MARKS = read_assignment(ASSIGNMENT).total_points
ON_DASK = ("honest-a", "wrong-softmax-dim", NO_SOFTMAX, "claims-accuracy", "hang", "os-exit", "reader",
           "library-fast", "corrupt-json")
"""The cross-section graded again on Dask (grading all of the class twice would double the module's time)."""


def grade(course: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--course-dir", str(course), *LIMITS, *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=1500)


def rows(course: Path, name: str = "grades.csv") -> dict[str, dict[str, str]]:
    with open(course / "reports" / ASSIGNMENT / name, newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def csv_only(path: Path, students: tuple[str, ...]) -> list[str]:
    """The header and the lines of ``students`` in a report."""
    lines = path.read_text().splitlines()
    return lines[:1] + [line for line in lines[1:] if line.split(",", 1)[0] in students]


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class HostileRun:
    """The class, its two grading runs (local --jobs 2, Dask), and what was observed around them."""

    def __init__(self, root: Path) -> None:
        OUTSIDE.unlink(missing_ok=True)
        (root / "local").mkdir()
        course = ScratchCourse(root / "local", [ASSIGNMENT])
        self.course = course.root
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(0.2)
        self.described = build_class(course, listener.getsockname()[1])
        self.dask_course = root / "dask"
        shutil.copytree(self.course, self.dask_course)
        self.submitted_before = digest(self.course / "submitted")
        self.run = grade(self.course, "--jobs", "2")
        with loopback_cluster(root) as address:
            self.dask_run = grade(self.dask_course, "--dask-scheduler", address, "--no-feedback",
                                  *(option for student in ON_DASK for option in ("--student", student)))
        time.sleep(2)
        self.left_behind = sandboxed_processes()
        try:
            listener.accept()
            self.network_reached = True
        except OSError:
            self.network_reached = False
        listener.close()
        self.grades = rows(self.course)
        self.questions = rows(self.course, "questions.csv")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileRun:
    return HostileRun(tmp_path_factory.mktemp("hostile"))


def score(run: HostileRun, student: str) -> float:
    return float(run.grades[student]["score"])


def question(run: HostileRun, student: str, grade_id: str) -> float:
    return float(run.questions[student][f"{ASSIGNMENT}:{grade_id}"] or 0)


@pytest.mark.slow
def test_every_submission_is_reported_and_the_exit_status_says_some_failed(hostile: HostileRun) -> None:
    assert hostile.run.returncode == 1, hostile.run.stderr[-3000:]
    assert set(hostile.grades) == set(hostile.described)
    assert len(hostile.grades) >= 20
    assert {row["max_score"] for row in hostile.grades.values()} == {format_score(FULL_MARKS)}
    assert "SAWarning" not in hostile.run.stderr, "nbgrader's SQLAlchemy noise reached the terminal"
    for student, row in hostile.grades.items():
        if row["status"] != "graded":
            assert row["reason"] and f"not graded: {student}: " in hostile.run.stderr


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_csvs(hostile: HostileRun) -> None:
    assert hostile.dask_run.returncode == 1, hostile.dask_run.stderr[-3000:]
    for name in REPORTS:
        on_dask = (hostile.dask_course / "reports" / ASSIGNMENT / name).read_text().splitlines()
        assert on_dask == csv_only(hostile.course / "reports" / ASSIGNMENT / name, ON_DASK), name
        assert len(on_dask) == len(ON_DASK) + 1


@pytest.mark.slow
def test_honest_students_get_what_a_clean_run_gives(hostile: HostileRun, tmp_path: Path) -> None:
    clean = ScratchCourse(tmp_path, [ASSIGNMENT]).root
    for student in HONEST:
        shutil.copytree(hostile.course / "submitted" / student, clean / "submitted" / student)
    assert grade(clean, "--jobs", "2", "--no-feedback").returncode == 0
    for student in HONEST:
        assert hostile.grades[student] == rows(clean)[student]
        assert score(hostile, student) == FULL_MARKS


@pytest.mark.slow
def test_attacks_earn_nothing_they_did_not_write(hostile: HostileRun) -> None:
    without_softmax, wrong_dim = score(hostile, NO_SOFTMAX), score(hostile, "wrong-softmax-dim")
    assert 0 < without_softmax <= wrong_dim < FULL_MARKS, "the controls earn part of the points"
    for student in STOPPED_BEFORE_SOFTMAX + ("always-equal",):
        assert score(hostile, student) <= without_softmax, student
        assert question(hostile, student, END_TO_END) == 0, student
    for student in WITH_WRONG_SOFTMAX:
        assert score(hostile, student) <= wrong_dim, student
    assert score(hostile, "reader") == wrong_dim, "the reference was readable from the sandbox"
    for student in KERNEL_KILLERS:
        assert hostile.grades[student]["status"] == "failed" and score(hostile, student) == 0, student
    assert score(hostile, "edits-tests") < FULL_MARKS, "a deleted test cell scores zero; points come from the gradebook"


@pytest.mark.slow
def test_a_claimed_accuracy_earns_nothing(hostile: HostileRun) -> None:
    assert question(hostile, "claims-accuracy", END_TO_END) == 0
    assert question(hostile, "honest-a", END_TO_END) == 4


@pytest.mark.slow
def test_retraining_fast_with_the_library_when_graded_earns_nothing(hostile: HostileRun) -> None:
    """The end-to-end forgery: its honest twin is the same notebook without the graded fast path."""
    twin, forger = hostile.questions["library-slow"], hostile.questions["library-fast"]
    for cell in (column for column in twin if column.startswith(f"{ASSIGNMENT}:")):
        assert float(forger[cell] or 0) <= float(twin[cell] or 0), cell
    assert question(hostile, "library-fast", END_TO_END) == 0


@pytest.mark.slow
def test_monkeypatched_checks_are_overruled_by_the_judge(hostile: HostileRun) -> None:
    log = (hostile.course / "reports" / ASSIGNMENT / "grading-log.txt").read_text()
    entry = log.split("== monkeypatch:")[1].split("\n== ")[0]
    assert "no passing verdict" in entry
    assert score(hostile, "monkeypatch") <= score(hostile, "wrong-softmax-dim")


@pytest.mark.slow
def test_nothing_outside_the_sandbox_is_touched(hostile: HostileRun) -> None:
    assert not hostile.network_reached, "a submission opened a network connection"
    assert not hostile.left_behind, f"sandboxed processes outlived the runs: {hostile.left_behind}"
    assert not OUTSIDE.exists(), "a submission wrote outside its folder"
    assert digest(hostile.course / "submitted") == hostile.submitted_before, "a submission was modified"
    assert digest(hostile.dask_course / "submitted") == hostile.submitted_before, "a submission was modified (Dask)"
    export = subprocess.run([sys.executable, "-m", "nbgrader", "export"], cwd=hostile.course, capture_output=True,
                            text=True, env=nbgrader_env())
    assert export.returncode == 0, export.stderr[-2000:]
    assert "honest-a" in (hostile.course / "grades.csv").read_text()


@pytest.mark.slow
def test_broken_submissions_get_one_line_reasons(hostile: HostileRun) -> None:
    expected = {
        "corrupt-json": "not valid notebook JSON",
        "nbformat3": "nbformat 3",
        "empty-folder": "no notebook",
        "not-utf8": "not UTF-8",
        "wrong-name": "expected training.ipynb but found Training (1).ipynb",
        "os-exit": "the kernel died",
        "segfault": "the kernel died",
    }
    for student, words in expected.items():
        row = hostile.grades[student]
        assert row["status"] == "failed" and words in row["reason"] and "\n" not in row["reason"], (student, row)
    for student in KERNEL_KILLERS:  # the cell is named although nbgrader left no executed notebook
        assert f" in {NOTEBOOK}.ipynb: cell " in hostile.grades[student]["reason"], hostile.grades[student]
        assert f"({ANSWER_CELL});" in hostile.grades[student]["reason"], hostile.grades[student]


@pytest.mark.slow
def test_reports_and_feedback(hostile: HostileRun) -> None:
    reports = hostile.course / "reports" / ASSIGNMENT
    assert (reports / "summary.png").read_bytes().startswith(b"\x89PNG")
    assert "Pass rate" in hostile.run.stdout
    feedback = hostile.course / "feedback" / "claims-accuracy" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    html = feedback.read_text()
    assert "Hidden test (4 points)" in html and "Hint:" in html
    assert "BEGIN HIDDEN TESTS" not in html and "autograder.probe" not in html
    assert not (hostile.course / "feedback" / "corrupt-json").exists()


@pytest.mark.slow
def test_a_second_run_skips_what_is_graded_and_force_regrades_identically(hostile: HostileRun) -> None:
    reports = hostile.course / "reports" / ASSIGNMENT
    before = {name: (reports / name).read_bytes() for name in REPORTS}
    again = grade(hostile.course, "--student", "honest-a", "--student", NO_SOFTMAX, "--no-feedback")
    assert "2 submission(s) already graded: skipped" in again.stdout
    forced = grade(hostile.course, "--student", "honest-a", "--student", NO_SOFTMAX, "--force", "--jobs", "2",
                   "--no-feedback")
    assert "[1/2]" in forced.stderr and "[2/2]" in forced.stderr, "both were graded again"
    assert {name: (reports / name).read_bytes() for name in REPORTS} == before, \
        "grading the same submissions again must give identical CSVs"
