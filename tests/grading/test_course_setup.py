"""``python -m autograder init`` refuses bad input before writing anything (the course it makes, and
running it twice, are checked along the whole semester in ``test_semester.py``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from autograder.course_setup import parse_due, read_roster
from autograder.release import nbgrader_env


def init(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "autograder", "init", *args], capture_output=True, text=True,
                          env=nbgrader_env(), timeout=600)


def test_a_bad_roster_row_or_due_date_is_named(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id,email\nada,a@x\n../bob,b@x\n")
    with pytest.raises(ValueError, match=r"line 3: '\.\./bob' is not a usable student id"):
        read_roster(roster)
    roster.write_text("name,email\nada,a@x\n")
    with pytest.raises(ValueError, match="needs an 'id' column"):
        read_roster(roster)
    with pytest.raises(ValueError, match="expected NAME=YYYY-MM-DDTHH:MM"):
        parse_due(["softmax=next friday"])
    assert parse_due(["softmax=2027-03-15T23:59"])["softmax"].hour == 23


def test_an_unknown_assignment_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    run = init(str(tmp_path / "course"), "--assignment", "sofmax")
    assert run.returncode == 2 and "unknown assignment(s) sofmax" in run.stderr
    assert not (tmp_path / "course").exists()
