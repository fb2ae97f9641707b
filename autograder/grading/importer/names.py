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
MOODLE_FILE = re.compile(r"(?P<name>.+?)_(?P<id>\d+)_assignsubmission_file_(?P<file>.+)")
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


Layout = Literal["moodle", "canvas", "generic"]
LAYOUTS: tuple[Layout, ...] = ("moodle", "canvas", "generic")


def _moodle(parts: list[str], student_id: Literal["name", "userid"]) -> Name | None:
    """Moodle: the LMS's folder ``<Full Name>_<id>_assignsubmission_file_`` holding the file, or the
    LMS's prefix of a flat file name; never a folder or name the student made inside their own."""
    folders = [MOODLE_FOLDER.fullmatch(part) for part in parts[:-1]]
    if any(folders[:-1]):
        return None  # a submission folder inside another one: the inner one was made by a student
    found = folders[-1] if folders else None
    if found is not None:
        name, user_id, file = found.group("name"), found.group("id"), parts[-1]
    elif flat := MOODLE_FILE.fullmatch(parts[-1]):
        name, user_id, file = flat.group("name"), flat.group("id"), flat.group("file")
    else:
        return None
    return Name(user_id if student_id == "userid" else slug(name), name, file, user_id)


def _canvas(parts: list[str], student_id: Literal["name", "userid"]) -> Name | None:
    """Canvas: ``<name>_[LATE_]<userid>_<submissionid>_<file>``, the fields before ``<file>`` the LMS's."""
    canvas = CANVAS_FILE.fullmatch(parts[-1])
    if canvas is None:
        return None
    user_id = canvas.group("id")
    student = user_id if student_id == "userid" else canvas.group("name")
    return Name(student, canvas.group("name"), canvas.group("file"), user_id,
                int(canvas.group("sub")), canvas.group("late") is not None)


def _generic(parts: list[str], assignment: str) -> Name | None:
    basename = parts[-1]
    if len(parts) == 2 or (len(parts) == 3 and parts[1] == assignment):
        return Name(parts[0], parts[0], basename)
    if len(parts) == 1 and "__" in basename:
        student, file = basename.split("__", 1)
        return Name(student, student, file)
    return None


def parse_name(parts: list[str], assignment: str, student_id: Literal["name", "userid"],
               layout: Layout) -> Name | None:
    """What the path's parts say by the naming rules of ``layout``, or None when they do not fit."""
    if layout == "moodle":
        return _moodle(parts, student_id)
    if layout == "canvas":
        return _canvas(parts, student_id)
    return _generic(parts, assignment)


def detect_layout(paths: list[list[str]], assignment: str) -> Layout:
    """The one layout of a whole download: the one whose rules fit the most of its notebooks
    (a download comes from one LMS; a file that only another layout fits is rejected)."""
    counts = {layout: sum(parse_name(parts, assignment, "userid", layout) is not None for parts in paths)
              for layout in LAYOUTS}
    return max(LAYOUTS, key=lambda layout: counts[layout])


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
