"""The training assignment graded by the batch grader: the grader retrains the student's model itself.

Three students, one grading run: the solution; a broken training loop (sgd climbs the gradient)
that prints a fake test accuracy of 0.99; and a correct but slow loop (train_epoch sleeps on every
batch), which the end-to-end check stops at its time budget. The run's 40 s limit per check
shrinks that budget to 30 s (the judge keeps a quarter of the limit as margin).
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from benchmarks.submissions import WRONG_SIGN, model_answers, slow_train_epoch

from support.nbgrader_course import ScratchCourse

ASSIGNMENT = NOTEBOOK = "training"
END_TO_END = "test-end-to-end"

SLOW = slow_train_epoch(0.2)
"""An epoch of Fashion-MNIST takes 47 s: the check's budget ends before 10 epochs."""
CHECK_LIMIT_S = 40


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> ScratchCourse:
    """One nbgrader course, one autograde run for every student below."""
    course = ScratchCourse(tmp_path_factory.mktemp("course"), [ASSIGNMENT])
    solution = course.root / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    course.submit_file("solution", ASSIGNMENT, solution)
    answers = model_answers(solution)
    course.submit("wrong_sign", ASSIGNMENT, NOTEBOOK, {**answers, **WRONG_SIGN})
    course.submit("slow", ASSIGNMENT, NOTEBOOK, {**answers, "train-epoch-solution": SLOW})
    command = [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--course-dir", str(course.root), "--jobs", "2",
               "--cell-timeout", str(CHECK_LIMIT_S), "--no-feedback"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stderr[-3000:]
    return course


def _lost(course: ScratchCourse, student: str) -> set[str]:
    scores, max_scores = course.scores(ASSIGNMENT, student), course.max_scores(ASSIGNMENT)
    return {cell for cell in max_scores if scores[cell] < max_scores[cell]}


@pytest.mark.slow
def test_solution_gets_full_marks(graded: ScratchCourse) -> None:
    assert graded.scores(ASSIGNMENT, "solution") == graded.max_scores(ASSIGNMENT)
    assert "passed" in graded.outputs(ASSIGNMENT, "solution", NOTEBOOK, END_TO_END)


@pytest.mark.slow
def test_printed_accuracy_is_ignored_and_the_real_one_reported(graded: ScratchCourse) -> None:
    assert "test accuracy: 0.99" in graded.outputs(ASSIGNMENT, "wrong_sign", NOTEBOOK, "sgd-solution")
    assert END_TO_END in _lost(graded, "wrong_sign")
    assert "test-accumulator" not in _lost(graded, "wrong_sign"), "other pieces keep their points"
    message = graded.outputs(ASSIGNMENT, "wrong_sign", NOTEBOOK, END_TO_END)
    reached = re.search(r"classifies (?:only )?([\d.]+)% of the real test set", message)
    assert reached, message
    assert float(reached.group(1)) < 80
    assert "Hint:" in message and "def " not in message


@pytest.mark.slow
def test_slow_loop_is_stopped_and_called_slow(graded: ScratchCourse) -> None:
    assert _lost(graded, "slow") == {END_TO_END}
    message = graded.outputs(ASSIGNMENT, "slow", NOTEBOOK, END_TO_END)
    stopped = re.search(r"too slow: after ([\d.]+) s only (\d+) of 10 epochs finished \(the budget is (\d+) s\)", message)
    assert stopped, message
    assert int(stopped.group(2)) < 10 and int(stopped.group(3)) == 0.75 * CHECK_LIMIT_S
