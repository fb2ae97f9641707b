"""exercises/ is generated from solutions/ by nbgrader: the committed copy must not drift."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.release import REPO_ROOT, assignments, generate_exercises


def _notebooks(folder: Path) -> dict[str, dict]:
    return {str(p.relative_to(folder)): json.loads(p.read_text()) for p in sorted(folder.rglob("*.ipynb"))}


@pytest.mark.slow
def test_exercises_match_what_nbgrader_generates(tmp_path: Path) -> None:
    names = assignments()
    generate_exercises(names, tmp_path)
    committed = _notebooks(REPO_ROOT / "exercises")
    generated = _notebooks(tmp_path)
    assert sorted(committed) == sorted(generated), "exercises/ has other notebooks than solutions/ generates"
    for name, notebook in generated.items():
        assert committed[name] == notebook, f"exercises/{name} is out of date: run `make exercises` and commit"


def test_every_assignment_has_an_exercise() -> None:
    for name in assignments():
        assert (REPO_ROOT / "exercises" / name).is_dir(), f"exercises/{name} missing: run `make exercises`"


def test_exercises_hold_no_solutions_or_hidden_tests() -> None:
    for path in (REPO_ROOT / "exercises").rglob("*.ipynb"):
        text = path.read_text()
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "autograder"):
            assert marker not in text, f"{path.relative_to(REPO_ROOT)} contains {marker!r}"
