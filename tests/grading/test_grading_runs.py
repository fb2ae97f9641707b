"""The grade command's other paths: a Dask cluster on loopback, an interrupted run, no sandbox."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.grading.worker import SANDBOX_UIDS
from autograder.release import nbgrader_env
from support.hostile_class import ASSIGNMENT, CORRECT, HONEST, NAIVE
from support.nbgrader_course import ScratchCourse

SOLUTION_CELL = "softmax-solution"
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


@pytest.fixture()
def dask_cluster(tmp_path: Path):
    """A Dask scheduler and two workers, as separate processes on 127.0.0.1."""
    scheduler_file = tmp_path / "scheduler.json"
    bin_dir = Path(sys.executable).parent
    processes = [subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                   "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    deadline = time.monotonic() + 60
    while not scheduler_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    address = __import__("json").loads(scheduler_file.read_text())["address"]
    for _ in range(2):
        processes.append(subprocess.Popen([str(bin_dir / "dask"), "worker", address, "--nthreads", "1",
                                           "--host", "127.0.0.1", "--no-dashboard"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=120)
    yield address
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


@pytest.mark.slow
def test_dask_cluster_gives_the_local_grades(tmp_path: Path, dask_cluster: str) -> None:
    answers = {**HONEST, "wrong-naive": NAIVE}
    remote, local = small_class(tmp_path / "remote", answers), small_class(tmp_path / "local", answers)
    on_dask = subprocess.run(grade_command(remote, "--dask-scheduler", dask_cluster), capture_output=True, text=True)
    assert on_dask.returncode == 0, on_dask.stderr[-3000:]
    assert subprocess.run(grade_command(local, "--jobs", "2"), capture_output=True).returncode == 0
    assert grades(remote) == grades(local)
    assert grades(remote)["wrong-naive"] == ("6", "graded")


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
    assert not _sandboxed_processes(), "an interrupted run left sandboxed kernels behind"
    export = subprocess.run([sys.executable, "-m", "nbgrader", "export"], cwd=course, env=nbgrader_env(),
                            capture_output=True, text=True)
    assert export.returncode == 0, export.stderr[-2000:]
    recorded = len(list((course / "autograded").glob("*/softmax/.grading-status.json")))
    assert 1 <= recorded < 4
    resumed = subprocess.run(grade_command(course, "--jobs", "2"), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"{recorded} submission(s) already graded: skipped" in resumed.stdout
    assert grades(course) == {f"student-{i}": ("8", "graded") for i in range(4)}


def _sandboxed_processes() -> list[str]:
    """Processes running as one of the sandbox's user ids (see autograder.grading.worker.sandbox_uid)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if int(fields.get("Uid", "0").split()[0]) in SANDBOX_UIDS:
            found.append(fields.get("Name", "?").strip())
    return found


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
