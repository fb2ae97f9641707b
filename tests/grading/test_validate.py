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


def completed(tmp_path: Path, body: str) -> Path:
    notebook = nbformat.read(EXERCISE, as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "softmax-solution":
            cell.source = SIGNATURE + body
    path = tmp_path / "softmax.ipynb"
    nbformat.write(notebook, path)
    return path


def validate(path: Path) -> str:
    run = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(path)], cwd=path.parent,
                         env=nbgrader_env(), capture_output=True, text=True)
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
