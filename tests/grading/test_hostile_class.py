"""One command grades a class of honest, wrong, hostile and broken submissions, sandboxed, 2 at a time.

Every attack must be contained: the batch goes on, the attacker earns nothing it did not write,
nothing outside its own folder changes, and the honest students' grades are those of a clean run.
"""

from __future__ import annotations

import csv
import hashlib
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.release import nbgrader_env
from support.hostile_class import ASSIGNMENT, HONEST, build_class
from support.nbgrader_course import ScratchCourse

OUTSIDE = Path("/tmp/written-by-a-student")
LIMITS = ["--cell-timeout", "20", "--timeout", "150"]


def grade(course: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--course-dir", str(course), *LIMITS, *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=1500)


def rows(course: Path, name: str = "grades.csv") -> dict[str, dict[str, str]]:
    with open(course / "reports" / ASSIGNMENT / name, newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class HostileRun:
    """The class, its grading run, and what was observed around it."""

    def __init__(self, root: Path) -> None:
        OUTSIDE.unlink(missing_ok=True)
        self.course = ScratchCourse(root, [ASSIGNMENT]).root
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(0.2)
        self.described = build_class(self.course, self.course / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                                     listener.getsockname()[1])
        self.submitted_before = digest(self.course / "submitted")
        self.run = grade(self.course, "--jobs", "2")
        try:
            listener.accept()
            self.network_reached = True
        except OSError:
            self.network_reached = False
        listener.close()
        self.grades = rows(self.course)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileRun:
    return HostileRun(tmp_path_factory.mktemp("hostile"))


def score(run: HostileRun, student: str) -> float:
    return float(run.grades[student]["score"])


@pytest.mark.slow
def test_every_submission_is_reported_and_the_exit_status_says_some_failed(hostile: HostileRun) -> None:
    assert hostile.run.returncode == 1, hostile.run.stderr[-3000:]
    assert set(hostile.grades) == set(hostile.described)
    assert len(hostile.grades) >= 20
    for student, row in hostile.grades.items():
        assert row["max_score"] == "8", (student, row)
        if row["status"] != "graded":
            assert row["reason"] and f"not graded: {student}: " in hostile.run.stderr


@pytest.mark.slow
def test_honest_students_get_what_a_clean_run_gives(hostile: HostileRun, tmp_path: Path) -> None:
    clean = ScratchCourse(tmp_path, [ASSIGNMENT]).root
    for student in HONEST:
        source = hostile.course / "submitted" / student / ASSIGNMENT
        (clean / "submitted" / student).mkdir(parents=True)
        subprocess.run(["cp", "-r", str(source), str(clean / "submitted" / student)], check=True)
    assert grade(clean, "--jobs", "1", "--no-feedback").returncode == 0
    for student in HONEST:
        assert hostile.grades[student] == rows(clean)[student]
        assert score(hostile, student) == 8


@pytest.mark.slow
def test_attacks_earn_nothing_they_did_not_write(hostile: HostileRun) -> None:
    naive = score(hostile, "wrong-naive")
    assert naive == 6, "the naive softmax loses exactly the stability points"
    for student in ("network", "flood", "reader", "writer", "kill-parent"):
        assert score(hostile, student) <= naive, student
    assert score(hostile, "reader") == naive, "the reference was readable from the sandbox"
    for student in ("hang", "memory-bomb", "sys-exit", "os-exit", "segfault", "monkeypatch", "always-equal"):
        assert score(hostile, student) == 0, student
    assert score(hostile, "edits-tests") < naive, "a deleted test cell scores zero; points come from the gradebook"


@pytest.mark.slow
def test_monkeypatched_checks_are_overruled_by_the_judge(hostile: HostileRun) -> None:
    log = (hostile.course / "reports" / ASSIGNMENT / "grading-log.txt").read_text()
    monkeypatch_entry = log.split("== monkeypatch:")[1].split("\n== ")[0]
    assert "judge: test-softmax-extreme-logits: no passing verdict" in monkeypatch_entry


@pytest.mark.slow
def test_nothing_outside_the_sandbox_is_touched(hostile: HostileRun) -> None:
    assert not hostile.network_reached, "a submission opened a network connection"
    assert not OUTSIDE.exists(), "a submission wrote outside its folder"
    assert digest(hostile.course / "submitted") == hostile.submitted_before, "a submission was modified"
    export = subprocess.run([sys.executable, "-m", "nbgrader", "export"], cwd=hostile.course, capture_output=True,
                            text=True, env=nbgrader_env())
    assert export.returncode == 0, export.stderr[-2000:]
    assert "honest-amax" in (hostile.course / "grades.csv").read_text()


@pytest.mark.slow
def test_broken_submissions_get_one_line_reasons(hostile: HostileRun) -> None:
    expected = {
        "corrupt-json": "not valid notebook JSON",
        "nbformat3": "nbformat 3",
        "empty-folder": "no notebook",
        "not-utf8": "not UTF-8",
        "wrong-name": "expected softmax.ipynb but found Softmax (1).ipynb",
        "os-exit": "the kernel died",
        "segfault": "the kernel died",
    }
    for student, words in expected.items():
        row = hostile.grades[student]
        assert row["status"] == "failed" and words in row["reason"] and "\n" not in row["reason"], (student, row)


@pytest.mark.slow
def test_reports_and_feedback(hostile: HostileRun) -> None:
    reports = hostile.course / "reports" / ASSIGNMENT
    assert (reports / "summary.png").read_bytes().startswith(b"\x89PNG")
    questions = rows(hostile.course, "questions.csv")
    assert questions["honest-amax"]["softmax:test-softmax-extreme-logits"] == "2"
    assert questions["wrong-naive"]["softmax:test-softmax-extreme-logits"] == "0"
    assert "Pass rate" in hostile.run.stdout
    feedback = hostile.course / "feedback" / "wrong-naive" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    html = feedback.read_text()
    assert "Hidden test (2 points)" in html and "Hint:" in html
    assert "BEGIN HIDDEN TESTS" not in html and "autograder.probe" not in html


@pytest.mark.slow
def test_a_second_run_skips_what_is_graded_and_force_regrades_identically(hostile: HostileRun) -> None:
    reports = hostile.course / "reports" / ASSIGNMENT
    before = {name: (reports / name).read_bytes() for name in ("grades.csv", "questions.csv")}
    again = grade(hostile.course, "--student", "honest-amax", "--student", "wrong-naive", "--no-feedback")
    assert "2 submission(s) already graded: skipped" in again.stdout
    forced = grade(hostile.course, "--student", "honest-amax", "--student", "wrong-naive", "--force", "--jobs", "2",
                   "--no-feedback")
    assert "[1/2]" in forced.stderr and "[2/2]" in forced.stderr, "both were graded again"
    after = {name: (reports / name).read_bytes() for name in before}
    assert after == before, "grading the same submissions again must give identical CSVs"
