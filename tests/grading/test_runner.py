"""The runners tell the caller when each submission starts (for the progress estimate) and hand every
result back in the calling thread, here and on Dask."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from autograder.grading import runner
from autograder.grading.idle import IdleCores, usable_cpus
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


def concurrency(monkeypatch: pytest.MonkeyPatch, work: Callable[[], None]) -> list[int]:
    """Grading becomes ``work()``; returns a list whose one item will be the most tasks running at once."""
    monkeypatch.setattr(runner, "WINDOW_S", 0.4)
    running, most, lock = set(), [0], threading.Lock()

    def grade(task: GradingTask) -> GradingResult:
        with lock:
            running.add(task.student)
            most[0] = max(most[0], len(running))
        work()
        with lock:
            running.discard(task.student)
        return GradingResult(task.student, task.assignment, "graded")

    monkeypatch.setattr(runner, "grade_submission", grade)
    return most


def test_a_lane_held_by_a_waiting_submission_lets_one_more_start(monkeypatch: pytest.MonkeyPatch) -> None:
    most = concurrency(monkeypatch, lambda: time.sleep(1.5))
    runner.run_local(tasks(), 1, lambda result: None)
    assert most == [2], "one lane, and one more while the cores sat idle (never more than twice --jobs)"


def test_nothing_starts_beyond_jobs_while_every_core_is_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    cores = len(usable_cpus())
    busy = "import time\nend = time.monotonic() + 1.5\nwhile time.monotonic() < end:\n    pass"
    most = concurrency(monkeypatch, lambda: subprocess.run([sys.executable, "-c", busy], check=True))
    students = [f"s{n}" for n in range(2 * cores)]
    runner.run_local([GradingTask(s, "softmax", {}, b"", b"", "/nowhere") for s in students], cores, lambda r: None)
    assert most == [cores]


def test_idle_cores_come_from_the_kernels_counters(tmp_path: Path) -> None:
    cpus = sorted(usable_cpus())
    stat = tmp_path / "stat"

    def write(idle: int, busy: int) -> None:  # ticks per CPU: user nice system idle iowait irq softirq steal
        lines = [f"cpu {busy * len(cpus)} 0 0 {idle * len(cpus)} 0 0 0 0 0 0"]
        lines += [f"cpu{n} {busy} 0 0 {idle // 2} {idle - idle // 2} 0 0 0 0 0" for n in cpus] + ["intr 1 2 3"]
        stat.write_text("\n".join(lines) + "\n")

    write(100, 100)
    idle = IdleCores(stat)
    write(150, 250)  # each CPU: 50 idle ticks of 200
    assert idle.sample() == pytest.approx(len(cpus) * 0.25)
    assert idle.sample() == 0.0, "counters that did not move say nothing is idle"
    stat.unlink()
    assert idle.sample() == 0.0
