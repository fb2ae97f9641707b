"""A student checking their work with ``nbgrader validate`` sees the visible tests and helpful errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.release import REPO_ROOT, nbgrader_env

EXERCISE = REPO_ROOT / "exercises" / "softmax" / "softmax.ipynb"
SIGNATURE = "def softmax(logits, dim=-1):\n"
# The seed's softmax: right on ordinary logits, nan once exp overflows.
NAIVE_BODY = "    e = torch.exp(logits)\n    return e / e.sum(dim, keepdim=True)\n"
STABILITY_MESSAGE = "softmax of logits like 800 should be finite"


def completed(tmp_path: Path, body: str) -> Path:
    notebook = nbformat.read(EXERCISE, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "softmax-solution":
            cell.source = SIGNATURE + body
    path = tmp_path / "softmax.ipynb"
    nbformat.write(notebook, path)
    return path


def validate(path: Path, **env: str) -> str:
    run = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(path)], cwd=path.parent,
                         env={**nbgrader_env(), **env}, capture_output=True, text=True)
    return run.stdout + run.stderr


@pytest.mark.slow
def test_a_correct_answer_validates(tmp_path: Path) -> None:
    body = "    e = torch.exp(logits - logits.amax(dim, keepdim=True))\n    return e / e.sum(dim, keepdim=True)\n"
    assert "Success! Your notebook passes all the tests." in validate(completed(tmp_path, body))


@pytest.mark.slow
def test_a_wrong_answer_names_the_failing_check(tmp_path: Path) -> None:
    output = validate(completed(tmp_path, "    return torch.exp(logits)\n"))
    assert "VALIDATION FAILED" in output
    assert "softmax([0, 0]) should be [0.5, 0.5]" in output


@pytest.mark.slow
def test_an_untouched_exercise_says_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "softmax.ipynb"
    path.write_bytes(EXERCISE.read_bytes())
    output = validate(path)
    assert "VALIDATION FAILED" in output and "NotImplementedError" in output


@pytest.mark.slow
def test_the_seeds_naive_softmax_fails_with_the_stability_message(tmp_path: Path) -> None:
    output = validate(completed(tmp_path, NAIVE_BODY))
    assert "VALIDATION FAILED" in output and STABILITY_MESSAGE in output, output[-2000:]


def training_completed(tmp_path: Path, softmax_source: str | None = None) -> Path:
    """The training exercise with the solution's code in every solution cell (``softmax`` replaced)."""
    solved = {cell.metadata["nbgrader"]["grade_id"]: cell.source
              for cell in nbformat.read(REPO_ROOT / "solutions" / "training" / "training.ipynb", as_version=4).cells
              if cell.metadata.get("nbgrader", {}).get("solution")}
    notebook = nbformat.read(REPO_ROOT / "exercises" / "training" / "training.ipynb", as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in solved:
            cell.source = softmax_source if grade_id == "softmax-solution" and softmax_source else solved[grade_id]
    path = tmp_path / "training.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.mark.slow
def test_the_training_exercise_validates_fast_and_catches_the_naive_softmax(tmp_path: Path) -> None:
    """nbgrader's 30 s cell limit is never hit (the long run is skipped under nbgrader), a solved
    notebook passes without an error line, and the seed's softmax fails with the stability message."""
    good = validate(training_completed(tmp_path))
    assert "Success! Your notebook passes all the tests." in good, good[-2000:]
    assert "Timeout" not in good and "ERROR" not in good, good[-2000:]
    naive = "def softmax(X):\n    X_exp = torch.exp(X)\n    return X_exp / X_exp.sum(1, keepdim=True)\n"
    bad = validate(training_completed(tmp_path, naive))
    assert "VALIDATION FAILED" in bad and STABILITY_MESSAGE in bad, bad[-2000:]


@pytest.mark.slow
def test_missing_data_fails_validation_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    output = validate(training_completed(tmp_path), FASHION_MNIST_DIR=str(tmp_path / "no-such-folder"))
    assert "VALIDATION FAILED" in output and "Success!" not in output, output[-2000:]
    assert "Fashion-MNIST did not load (see the one-line error above)" in output
    assert "NameError" not in output and "locate.py" not in output, output[-2000:]
