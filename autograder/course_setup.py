"""``python -m autograder init DIR``: an instructor's own course folder, outside this repository.

The folder gets what plain nbgrader and the batch grader need, and nothing of a student's:

* ``nbgrader_config.py`` (this repository's: ``solutions/`` is nbgrader's source folder,
  ``exercises/`` its release folder);
* ``solutions/<assignment>/``, copies of this repository's instructor notebooks;
* ``exercises/<assignment>/`` and the gradebook's entry for each assignment, made by plain
  ``nbgrader generate_assignment``, with the due date given by ``--due NAME=WHEN``;
* the students of a roster CSV (``id`` column; optional ``first_name``, ``last_name``, ``email``)
  registered in the gradebook;
* a ``.gitignore`` that keeps student work, grades and personal data out of git.

Running it again is safe: files that exist are kept (a changed one is reported, never replaced),
assignments already in the gradebook are not generated again, students already registered are
updated. What it did is returned as lines for the terminal.
"""

from __future__ import annotations

import csv
import filecmp
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from autograder.grading.usage import gradebook_assignments
from autograder.release import REPO_ROOT, assignments, generate_assignment

GITIGNORE = """\
# Student work, grades and personal data stay out of git (python -m autograder init wrote this).
submitted/
autograded/
feedback/
reports/
exports/
lms/
gradebook.db
roster*.csv
.ipynb_checkpoints/
"""


@dataclass
class Roster:
    """Students to register: ``id -> {first_name, last_name, email}`` (empty strings where not given)."""

    students: dict[str, dict[str, str]] = field(default_factory=dict)


def read_roster(path: Path) -> Roster:
    """Read a roster CSV with an ``id`` column; ValueError naming the line of a bad row."""
    from autograder.grading.importer.names import is_safe_id

    with path.open(newline="", encoding="utf-8-sig") as stream:
        reader = csv.DictReader(stream)
        if not reader.fieldnames or "id" not in reader.fieldnames:
            raise ValueError(f"{path}: a roster needs an 'id' column (optional: first_name, last_name, email)")
        roster = Roster()
        for line, row in enumerate(reader, start=2):
            student = (row.get("id") or "").strip()
            if not is_safe_id(student):
                raise ValueError(f"{path}, line {line}: {student!r} is not a usable student id")
            roster.students[student] = {key: (row.get(key) or "").strip()
                                        for key in ("first_name", "last_name", "email")}
    return roster


def parse_due(items: list[str]) -> dict[str, datetime]:
    """``["softmax=2027-03-15T23:59"]`` -> ``{"softmax": datetime(...)}``; ValueError for a bad item."""
    due = {}
    for item in items:
        name, _, when = item.partition("=")
        try:
            due[name.strip()] = datetime.fromisoformat(when.strip())
        except ValueError:
            raise ValueError(f"--due {item!r}: expected NAME=YYYY-MM-DDTHH:MM, e.g. softmax=2027-03-15T23:59") from None
    return due


def _copy_file(source: Path, target: Path, done: list[str]) -> None:
    if not target.exists():
        shutil.copy(source, target)
        done.append(f"wrote {target.name}")
    elif not filecmp.cmp(source, target, shallow=False):
        done.append(f"kept your {target.name} (it differs from the course's)")


def _copy_solutions(root: Path, name: str, done: list[str]) -> None:
    target = root / "solutions" / name
    if not target.exists():
        shutil.copytree(REPO_ROOT / "solutions" / name, target)
        done.append(f"copied solutions/{name}/")
        return
    changed = [p.name for p in (REPO_ROOT / "solutions" / name).glob("*.ipynb")
               if not (target / p.name).is_file() or not filecmp.cmp(p, target / p.name, shallow=False)]
    if changed:
        done.append(f"kept your solutions/{name}/ ({', '.join(changed)} differ from the course's)")


def init_course(root: Path, names: list[str] | None = None, due: dict[str, datetime] | None = None,
                roster: Roster | None = None) -> list[str]:
    """Create or complete the course folder ``root``; the lines saying what was done."""
    names = names or assignments()
    unknown = sorted(set(names) - set(assignments()) | set(due or {}) - set(names))
    if unknown:
        raise ValueError(f"unknown assignment(s) {', '.join(unknown)}; the course has {', '.join(assignments())}")
    from nbgrader.api import Gradebook
    root.mkdir(parents=True, exist_ok=True)
    done: list[str] = []
    _copy_file(REPO_ROOT / "nbgrader_config.py", root / "nbgrader_config.py", done)
    if not (root / ".gitignore").exists():
        (root / ".gitignore").write_text(GITIGNORE)
        done.append("wrote .gitignore")
    gradebook = root / "gradebook.db"
    present = gradebook_assignments(gradebook) if gradebook.is_file() else set()
    for name in names:
        _copy_solutions(root, name, done)
        if name not in present:
            generate_assignment(root, name)
            done.append(f"generated exercises/{name}/ and its gradebook entry")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for name, when in (due or {}).items():
            gradebook.update_or_create_assignment(name, duedate=when)
            done.append(f"{name} is due {when.isoformat(sep=' ', timespec='minutes')}")
        for student, details in (roster.students if roster else {}).items():
            gradebook.update_or_create_student(student, **{k: v or None for k, v in details.items()})
        if roster:
            done.append(f"registered {len(roster.students)} students from the roster")
    return done or ["everything was already in place"]


__all__ = ["GITIGNORE", "Roster", "init_course", "parse_due", "read_roster"]
