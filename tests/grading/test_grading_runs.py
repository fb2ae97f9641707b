"""The grade command's other paths: an interrupted run, no sandbox, usage errors (Dask: test_hostile_class)."""

from __future__ import annotations

import csv
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.release import nbgrader_env
from support.nbgrader_course import ScratchCourse
from support.processes import sandboxed_processes

ASSIGNMENT = "softmax"
SOLUTION_CELL = "softmax-solution"
CORRECT = "def softmax(logits, dim=-1):\n    return torch.exp(logits - torch.logsumexp(logits, dim, keepdim=True))\n"
LIMITS = ["--cell-timeout", "60", "--timeout", "300", "--no-feedback"]


def small_class(root: Path, answers: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    course = ScratchCourse(root, [ASSIGNMENT])
    for student, code in answers.items():
        course.submit(student, ASSIGNMENT, ASSIGNMENT, {SOLUTION_CELL: code})
    return course.root


def grade_command(course: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--course-dir", str(course), *LIMITS, *options]


def grades(course: Path) -> dict[str, tuple[str, str]]:
    with open(course / "reports" / ASSIGNMENT / "grades.csv", newline="") as handle:
        return {row["student"]: (row["score"], row["status"]) for row in csv.DictReader(handle)}


@pytest.mark.slow
def test_sigterm_leaves_a_consistent_gradebook_and_the_next_run_resumes(tmp_path: Path) -> None:
    course = small_class(tmp_path, {f"student-{i}": CORRECT for i in range(4)})
    process = subprocess.Popen(grade_command(course, "--jobs", "1"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while not list((course / "autograded").glob("*/softmax/.grading-status.json")) and time.monotonic() < deadline:
        time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr[-2000:]
    assert "interrupted" in stderr and "run the same command again" in stderr
    time.sleep(2)
    assert not sandboxed_processes(), "an interrupted run left sandboxed kernels behind"
    export = subprocess.run([sys.executable, "-m", "nbgrader", "export"], cwd=course, env=nbgrader_env(),
                            capture_output=True, text=True)
    assert export.returncode == 0, export.stderr[-2000:]
    recorded = len(list((course / "autograded").glob("*/softmax/.grading-status.json")))
    assert 1 <= recorded < 4
    resumed = subprocess.run(grade_command(course, "--jobs", "2"), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"{recorded} submission(s) already graded: skipped" in resumed.stdout
    assert re.search(r"preflight: the solution gets full marks in \d+ s \(cached\); limits: 60 s a cell, 300 s a "
                     r"submission", resumed.stdout), "the first run's preflight is reused; explicit limits win"
    assert grades(course) == {f"student-{i}": ("8", "graded") for i in range(4)}


@pytest.mark.slow
def test_without_bubblewrap_the_grader_refuses_unless_told(tmp_path: Path) -> None:
    course = small_class(tmp_path, {"alice": CORRECT})
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + ":/nonexistent"}  # no bwrap on PATH
    refused = subprocess.run(grade_command(course), capture_output=True, text=True, env=env)
    assert refused.returncode == 2
    assert "bwrap is not installed" in refused.stderr and "--no-sandbox" in refused.stderr
    assert not (course / "autograded").exists()
    unprotected = subprocess.run(grade_command(course, "--no-sandbox"), capture_output=True, text=True, env=env)
    assert unprotected.returncode == 0, unprotected.stderr[-2000:]
    assert "WARNING: grading WITHOUT the sandbox" in unprotected.stderr
    assert grades(course)["alice"] == ("8", "graded")


def test_usage_errors_exit_with_2(tmp_path: Path) -> None:
    missing = subprocess.run([sys.executable, "-m", "autograder", "grade", "softmax", "--course-dir", str(tmp_path)],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "not an nbgrader course" in missing.stderr
    bad_jobs = subprocess.run([sys.executable, "-m", "autograder", "grade", "softmax", "--jobs", "0"],
                              capture_output=True, text=True)
    assert bad_jobs.returncode == 2 and "must be at least 1" in bad_jobs.stderr


@pytest.mark.slow
def test_a_broken_environment_stops_at_the_preflight_and_grades_no_one(tmp_path: Path) -> None:
    """A memory limit no kernel can import torch in: the solution itself fails, so the run stops
    with one line instead of failing every student."""
    course = small_class(tmp_path, {"alice": CORRECT})
    broken = subprocess.run(grade_command(course, "--memory", "80M"), capture_output=True, text=True)
    assert broken.returncode == 3, broken.stderr[-2000:]
    assert "error: preflight: the solution of softmax does not get full marks in this environment" in broken.stderr
    assert broken.stderr.rstrip().endswith("the environment is broken, so no student was graded")
    assert not (course / "autograded").exists() and not (course / "reports").exists()
    with sqlite3.connect(course / "gradebook.db") as connection:
        assert connection.execute("SELECT count(*) FROM submitted_assignment").fetchone() == (0,)


def test_time_limits_follow_the_solutions_time_with_floors() -> None:
    from autograder.grading.preflight import Preflight, derived_limits

    assert derived_limits(Preflight(True, 2.0)) == (60, 180.0)
    assert derived_limits(Preflight(True, 40.0)) == (400, 400.0)
