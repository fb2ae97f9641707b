"""The softmax assignment graded by real nbgrader: right, untouched, naive and noisy submissions."""

from __future__ import annotations

import pytest

from support.nbgrader_course import ScratchCourse

ASSIGNMENT = NOTEBOOK = "softmax"
SOLUTION_CELL = "softmax-solution"
SIGNATURE = "def softmax(logits: torch.Tensor, dim: int = -1) -> torch.Tensor:\n"

# The seed's softmax (d2l), given the exercise's signature: right on ordinary logits,
# nan once exp overflows.
NAIVE = SIGNATURE + """    exponentials = torch.exp(logits)
    return exponentials / exponentials.sum(dim, keepdim=True)
"""

# A correct softmax that also prints a warning and writes to stderr on every call, the way a
# PyTorch deprecation warning would. nbgrader zeroes test cells that write to stderr.
NOISY = SIGNATURE + """    import sys, warnings
    warnings.warn("this softmax is noisy", UserWarning)
    print("a line on stderr", file=sys.stderr)
    shifted = logits - logits.max(dim=dim, keepdim=True).values
    return shifted.exp() / shifted.exp().sum(dim=dim, keepdim=True)
"""

HIDDEN_STABILITY = "test-softmax-extreme-logits"
VISIBLE = "test-softmax-basics"


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> ScratchCourse:
    """One nbgrader course, one autograde run for every student below."""
    course = ScratchCourse(tmp_path_factory.mktemp("course"), [ASSIGNMENT])
    course.submit_file("solution", ASSIGNMENT, course.root / "solutions" / ASSIGNMENT / f"{NOTEBOOK}.ipynb")
    course.submit("untouched", ASSIGNMENT, NOTEBOOK, {})
    course.submit("naive", ASSIGNMENT, NOTEBOOK, {SOLUTION_CELL: NAIVE})
    course.submit("noisy", ASSIGNMENT, NOTEBOOK, {SOLUTION_CELL: NOISY})
    course.autograde(ASSIGNMENT)
    return course


@pytest.mark.slow
def test_solution_gets_full_marks(graded: ScratchCourse) -> None:
    assert graded.scores(ASSIGNMENT, "solution") == graded.max_scores(ASSIGNMENT)


@pytest.mark.slow
def test_untouched_exercise_gets_zero_and_is_graded(graded: ScratchCourse) -> None:
    scores = graded.scores(ASSIGNMENT, "untouched")
    assert set(scores) == set(graded.max_scores(ASSIGNMENT)), "every graded cell must still be graded"
    assert sum(scores.values()) == 0
    assert "NotImplementedError" in graded.outputs(ASSIGNMENT, "untouched", NOTEBOOK, HIDDEN_STABILITY)


@pytest.mark.slow
def test_naive_softmax_loses_only_the_stability_points(graded: ScratchCourse) -> None:
    """The seed's softmax loses the hidden stability cell and the visible cell (which tests logits of
    800 so that `nbgrader validate` warns the student), nothing else."""
    scores, max_scores = graded.scores(ASSIGNMENT, "naive"), graded.max_scores(ASSIGNMENT)
    lost = {cell for cell in max_scores if scores[cell] < max_scores[cell]}
    assert lost == {HIDDEN_STABILITY, VISIBLE}
    message = graded.outputs(ASSIGNMENT, "naive", NOTEBOOK, HIDDEN_STABILITY)
    assert "nan" in message and "Hint:" in message
    assert "def " not in message, "a failure message must not show test code"


@pytest.mark.slow
def test_warnings_from_correct_code_cost_nothing(graded: ScratchCourse) -> None:
    assert graded.scores(ASSIGNMENT, "noisy") == graded.max_scores(ASSIGNMENT)
    assert "this softmax is noisy" in graded.outputs(ASSIGNMENT, "noisy", NOTEBOOK, "test-softmax-basics")
