"""The runners tell the caller when each submission starts (for the progress estimate) and hand every
result back in the calling thread, here and on Dask."""

from __future__ import annotations

import threading
import time

import pytest

from autograder.grading import runner
from autograder.grading.task import GradingResult, GradingTask

STUDENTS = ("ada", "bob", "cy", "dee")


def tasks() -> list[GradingTask]:
    return [GradingTask(student, "softmax", {}, b"", b"", "/nowhere") for student in STUDENTS]


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """(what, student, thread) for each start and result; grading is a 50 ms stand-in."""
    seen: list[tuple[str, str, str]] = []

    def grade(task: GradingTask) -> GradingResult:
        time.sleep(0.05)
        if task.student == "cy":
            raise RuntimeError("a bug in the grader")
        return GradingResult(task.student, task.assignment, "graded")

    monkeypatch.setattr(runner, "grade_submission", grade)
    return seen


def record(seen: list[tuple[str, str, str]], what: str, student: str) -> None:
    seen.append((what, student, threading.current_thread().name))


def check(seen: list[tuple[str, str, str]]) -> None:
    """Every task started before its result came, and every result came in the calling thread."""
    starts = [student for what, student, _ in seen if what == "start"]
    results = [(student, thread) for what, student, thread in seen if what == "result"]
    assert sorted(starts) == sorted(STUDENTS) and sorted(s for s, _ in results) == sorted(STUDENTS)
    for student in STUDENTS:
        assert seen.index(next(e for e in seen if e[:2] == ("start", student))) < \
            seen.index(next(e for e in seen if e[:2] == ("result", student))), student
    assert {thread for _, thread in results} == {threading.current_thread().name}


def test_local_workers_announce_each_start(events: list[tuple[str, str, str]]) -> None:
    failed = []

    def on_result(result: GradingResult) -> None:
        record(events, "result", result.student)
        failed.extend([result.student] if result.status == "failed" else [])

    runner.run_local(tasks(), 2, on_result, lambda task: record(events, "start", task.student))
    check(events)
    assert failed == ["cy"], "a crashed worker is a failed result, not an exception"
    assert all(thread.startswith("grade") for what, _, thread in events if what == "start")


def test_dask_workers_announce_each_start(events: list[tuple[str, str, str]]) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        runner.run_dask(tasks(), cluster.scheduler_address, lambda result: record(events, "result", result.student),
                        lambda task: record(events, "start", task.student))
    check(events)
