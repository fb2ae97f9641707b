"""The naming rules: who a file belongs to and which notebook it is, read from its path alone.

Moodle (a folder per submission, or flat), Canvas, and the generic ``<student_id>/<file>``,
``<student_id>/<assignment>/<file>`` and ``<student_id>__<file>`` shapes, tried in that order;
see :mod:`autograder.grading.importer` for the rules in full.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal, NamedTuple

SAFE_ID = re.compile(r"(?!-)[A-Za-z0-9._-]+")
MOODLE_FOLDER = re.compile(r"(?P<name>.+)_(?P<id>\d+)_assignsubmission_file_?")
MOODLE_FILE = re.compile(r"(?P<name>.+)_(?P<id>\d+)_assignsubmission_file_(?P<file>.+)")
CANVAS_FILE = re.compile(r"(?P<name>[a-z]+)_(?:(?P<late>LATE)_)?(?P<id>\d+)_(?P<sub>\d+)_(?P<file>.+)")
REUPLOAD_SUFFIX = re.compile(r"(?P<stem>.+?)(?:-\d+| ?\(\d+\))(?P<ext>\.ipynb)")
_SLUG_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "þ": "th"})


class Name(NamedTuple):
    """What a file name says: ``origin`` is the LMS name the student id was made from."""

    student: str
    origin: str
    file: str
    user_id: str | None = None
    canvas_id: int | None = None
    late: bool = False


def is_safe_id(name: str) -> bool:
    """Whether ``name`` may be a folder name: ``[A-Za-z0-9._-]+``, not ``.`` or ``..``, no leading ``-``."""
    return bool(SAFE_ID.fullmatch(name)) and name not in {".", ".."}


def parse_name(parts: list[str], assignment: str, student_id: Literal["name", "userid"]) -> Name | None:
    """What the path's parts say by the naming rules, or None when no rule fits."""
    basename = parts[-1]
    folder = MOODLE_FOLDER.fullmatch(parts[-2]) if len(parts) > 1 else None
    moodle = (folder.group("name"), folder.group("id"), basename) if folder else None
    if moodle is None and (flat := MOODLE_FILE.fullmatch(basename)):
        moodle = (flat.group("name"), flat.group("id"), flat.group("file"))
    if moodle is not None:
        name, user_id, file = moodle
        student = user_id if student_id == "userid" else slug(name)
        return Name(student, name, file, user_id)
    if canvas := CANVAS_FILE.fullmatch(basename):
        user_id = canvas.group("id")
        student = user_id if student_id == "userid" else canvas.group("name")
        return Name(student, canvas.group("name"), canvas.group("file"), user_id,
                    int(canvas.group("sub")), canvas.group("late") is not None)
    if len(parts) == 2 or (len(parts) == 3 and parts[1] == assignment):
        return Name(parts[0], parts[0], basename)
    if len(parts) == 1 and "__" in basename:
        student, file = basename.split("__", 1)
        return Name(student, student, file)
    return None


def slug(full_name: str) -> str:
    """A folder-safe student id from a full name: ``"Zoë  Ångström"`` -> ``"zoe-angstrom"``."""
    ascii_name = unicodedata.normalize("NFKD", full_name.lower().translate(_SLUG_LETTERS))
    ascii_name = ascii_name.encode("ascii", "ignore").decode("ascii")
    dashed = re.sub(r"\s+", "-", ascii_name.strip())
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9._-]", "", dashed)).strip("-")


def expected_notebook(file: str, notebooks: tuple[str, ...]) -> str | None:
    """The expected notebook ``file`` is, as it is or less one re-upload suffix; None if none."""
    if file in notebooks:
        return file
    suffixed = REUPLOAD_SUFFIX.fullmatch(file)
    if suffixed and suffixed.group("stem") + suffixed.group("ext") in notebooks:
        return suffixed.group("stem") + suffixed.group("ext")
    return None
