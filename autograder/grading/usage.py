"""Cheap checks of a command's course folder, before anything heavy (torch, nbgrader) is imported.

A mistyped folder or assignment must be answered at once, with the one command that fixes it, and
must never leave anything behind: the gradebook is opened read-only with the standard library's
``sqlite3`` (nbgrader's own API would create an empty ``gradebook.db`` where there was none).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


def _fix(root: Path, assignment: str) -> str:
    return (f"run `nbgrader generate_assignment {assignment} --force` in {root} (it needs "
            f"source/{assignment}/; see the README's instructor section)")


def gradebook_column(gradebook: Path, table: str, column: str) -> set[str]:
    """Every value of ``table.column`` in an existing gradebook, read without writing (sqlite3.Error
    if unreadable); ``table`` and ``column`` are this package's names, never a user's."""
    with closing(sqlite3.connect(gradebook.resolve().as_uri() + "?mode=ro", uri=True)) as connection:
        return {value for (value,) in connection.execute(f"SELECT {column} FROM {table}")}  # noqa: S608


def gradebook_assignments(gradebook: Path) -> set[str]:
    """The assignments an existing gradebook holds, read without writing (sqlite3.Error if unreadable)."""
    return gradebook_column(gradebook, "assignment", "name")


def check_course(root: Path, assignment: str) -> None:
    """Raise ValueError (a usage error) unless ``root`` is an nbgrader course whose gradebook holds
    ``assignment``; the message says what to run."""
    if not (root / "nbgrader_config.py").is_file():
        raise ValueError(f"{root} is not an nbgrader course: no nbgrader_config.py "
                         "(pass --course-dir, or run the command in the course folder)")
    gradebook = root / "gradebook.db"
    if not gradebook.is_file():
        raise ValueError(f"no gradebook in {root}: {_fix(root, assignment)}")
    try:
        found = assignment in gradebook_assignments(gradebook)
    except sqlite3.Error as error:
        raise ValueError(f"{gradebook} is not a readable nbgrader gradebook ({error})") from None
    if not found:
        raise ValueError(f"assignment {assignment!r} is not in the gradebook of {root}: {_fix(root, assignment)}")



def check_students(root: Path, assignment: str, students: list[str]) -> None:
    """Raise ValueError (a usage error) naming any of ``students`` (``--student``) without a
    submission folder ``submitted/<student>/<assignment>/``, and the ids that have one."""
    submitted = root / "submitted"
    missing = [s for s in students if "/" in s or s in (".", "..") or not (submitted / s / assignment).is_dir()]
    if missing:
        known = sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())
        shown = ", ".join(known[:10]) + (f" and {len(known) - 10} more" if len(known) > 10 else "")
        raise ValueError(f"--student {', '.join(map(repr, missing))}: no submitted/<student>/{assignment}/ in {root}"
                         f" (submissions from: {shown or 'nobody yet'})")


__all__ = ["check_course", "check_students", "gradebook_assignments"]
