"""The feedback lane makes each student's pages as soon as they are recorded; a student whose pages
cannot be made, a lane that dies and a lane that stalls each cost only the student being made."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from autograder.grading.course import Course
from autograder.grading.feedback_lane import MAX_STARTS, FeedbackLane
from autograder.grading.merge import record
from autograder.grading.task import GradingResult
from tests.support.nbgrader_course import ScratchCourse

ASSIGNMENT = "softmax"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """A course whose students are recorded (their exercise notebook, unrun, as the autograded one)."""
    scratch = ScratchCourse(tmp_path_factory.mktemp("lane"), [ASSIGNMENT])
    exercise = (scratch.root / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes()
    course = Course(scratch.root)
    for student in ("ada", "alan", "grace", "linus", "corrupt"):
        notebook = b"{not json" if student == "corrupt" else exercise
        record(course, GradingResult(student, ASSIGNMENT, "graded", autograded={f"{ASSIGNMENT}.ipynb": notebook}))
    return course


def page(course: Course, student: str) -> Path:
    return course.feedback / student / ASSIGNMENT / f"{ASSIGNMENT}.html"


def wait_for(path: Path, limit_s: float = 60) -> bool:
    deadline = time.monotonic() + limit_s
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return path.exists()


def test_pages_are_made_while_the_class_is_still_being_graded(course: Course) -> None:
    lane = FeedbackLane(course, ASSIGNMENT)
    try:
        lane.submit("ada")
        assert wait_for(page(course, "ada")), "the page comes before the run finishes"
        assert lane.pending == ["ada"] or "ada" in lane.done
        problems = lane.finish(["ada", "alan", "corrupt"])
    finally:
        lane.close()
    assert page(course, "alan").is_file() and lane.done == {"ada", "alan"}
    assert list(problems) == ["corrupt"] and "NotJSONError" in problems["corrupt"], problems
    html = page(course, "ada").read_text()
    assert "Content-Security-Policy" in html and "BEGIN HIDDEN TESTS" not in html
    assert not lane.scratch.exists(), "the stripped copies are removed"


def test_a_lane_that_dies_is_replaced_and_costs_only_the_student_it_was_making(course: Course) -> None:
    lane = FeedbackLane(course, ASSIGNMENT)
    try:
        lane.submit("grace")
        lane._process.kill()  # as if nbgrader had crashed on grace's notebook
        lane.submit("linus")
        problems = lane.finish([])
    finally:
        lane.close()
    assert lane.starts == 2 and "linus" in lane.done
    assert set(problems) <= {"grace"}, "only the student in progress (if any) loses the pages"
    if problems:
        assert "ended while making them" in problems["grace"]


def test_a_lane_that_stalls_is_replaced_a_bounded_number_of_times(course: Course) -> None:
    students = ["ada", "alan", "grace", "linus", "corrupt"]
    lane = FeedbackLane(course, ASSIGNMENT, stall_s=0.01)  # no student's pages can come that fast
    try:
        problems = lane.finish(students)
    finally:
        lane.close()
    assert lane.starts == MAX_STARTS and lane._process.poll() is not None
    assert sorted(problems) == sorted(students) and not lane.done
    stalled = [s for s in students if "took longer than 0.01 s" in problems[s]]
    assert len(stalled) == MAX_STARTS, problems
    assert all(f"failed {MAX_STARTS} times" in problems[s] for s in students if s not in stalled)
    lane.submit("ada")
    assert "failed" in lane.problems["ada"], "a broken lane is not started again"
