"""Import a learning-management-system download into nbgrader's submission layout.

``import_submissions(source, assignment, course_dir, notebooks)`` copies each student's notebook
from ``source`` (a ``.zip`` file or a folder) to
``<course_dir>/submitted/<student_id>/<assignment>/<notebook>``, byte for byte, and returns an
``ImportReport`` of what it imported and what it rejected, with a one-line reason for each.

Accepted names. ``PATH`` is a file's path inside the zip or folder; the first rule that fits wins:

1. Moodle, a folder per submission: a file directly inside a folder named
   ``<Full Name>_<id>_assignsubmission_file_`` (anywhere in PATH; the last ``_`` may be missing).
2. Moodle, flat: a file named ``<Full Name>_<id>_assignsubmission_file_<file>`` (in any folder).
   Student id: the full name as a slug (accents removed, lowercase ASCII; each run of spaces
   becomes ``-``; characters other than letters, digits, ``.``, ``_``, ``-`` dropped), so
   ``Zoë Ångström`` gives ``zoe-angstrom``; or ``<id>`` with ``student_id="userid"``.
3. Canvas: a file named ``<name>_<userid>_<submissionid>_<file>`` or
   ``<name>_LATE_<userid>_<submissionid>_<file>`` (in any folder), ``<name>`` being lowercase
   letters and the ids digits. Student id: ``<name>``, or ``<userid>`` with ``student_id="userid"``.
4. Generic, where the whole PATH has one of the shapes ``<student_id>/<file>``,
   ``<student_id>/<assignment>/<file>`` (the assignment being imported) or ``<student_id>__<file>``
   (no folder; split at the first ``__``).

``<file>`` must be one of ``notebooks``, as it is or after removing one re-upload suffix before
``.ipynb``: Canvas's ``-<digits>`` (``softmax-1.ipynb``) or a browser's ``(<digits>)`` with or
without a space before it (``softmax (1).ipynb``). A student id must match ``[A-Za-z0-9._-]+``,
must not be ``.`` or ``..`` and must not start with ``-``.

Skipped silently: folders, ``__MACOSX/`` and every PATH with a part that starts with ``.``
(``.DS_Store``, ``.ipynb_checkpoints/``). Rejected with a reason: zip entries with an absolute path
or a ``..`` part, links, encrypted entries, files not ending in ``.ipynb``, names no rule fits,
notebook names not expected, unsafe student ids, one student id made from two LMS ids, files over
``max_file_bytes`` (default 50 MiB), unreadable entries, the older of two files for the same
student and notebook (newest by Canvas submission id when both have one, else by zip entry date,
or by modification time in a folder; on a tie the later entry), and notebooks already in the
course folder unless ``overwrite=True``.

A zip entry's date (read as UTC, or the UTC time of its Info-ZIP extended-timestamp field when it
has one) goes to ``timestamp.txt`` beside the notebooks, as nbgrader writes it
(``YYYY-MM-DD HH:MM:SS.ffffff UTC``): the newest of the student's imported notebooks and of a
``timestamp.txt`` already there. A folder gives no timestamp: copying files changes their dates.
A source with more than ``max_entries`` entries (default 10 000) is refused whole.
"""

from __future__ import annotations

import os
import re
import struct
import unicodedata
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import BinaryIO, Callable, Literal, NamedTuple

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 10_000
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"
SAFE_ID = re.compile(r"(?!-)[A-Za-z0-9._-]+")
MOODLE_FOLDER = re.compile(r"(?P<name>.+)_(?P<id>\d+)_assignsubmission_file_?")
MOODLE_FILE = re.compile(r"(?P<name>.+)_(?P<id>\d+)_assignsubmission_file_(?P<file>.+)")
CANVAS_FILE = re.compile(r"(?P<name>[a-z]+)_(?:(?P<late>LATE)_)?(?P<id>\d+)_(?P<sub>\d+)_(?P<file>.+)")
REUPLOAD_SUFFIX = re.compile(r"(?P<stem>.+?)(?:-\d+| ?\(\d+\))(?P<ext>\.ipynb)")
UNSAFE_ZIP_PATH = "unsafe path in zip"
_SLUG_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "þ": "th"})


class ImportFailed(RuntimeError):
    """The source as a whole cannot be imported (missing, not a zip, too many entries, bad arguments)."""


@dataclass(frozen=True)
class ImportedFile:
    """One notebook copied (or, in a dry run, to be copied) into the course folder.

    ``timestamp`` is the UTC time written to ``timestamp.txt`` (None for folder sources);
    ``late`` is True when Canvas marked the file ``LATE``.
    """

    student: str
    source_name: str
    destination: Path
    timestamp: datetime | None = None
    late: bool = False


@dataclass(frozen=True)
class Rejected:
    """A file of the source that was not imported, with a one-line reason."""

    source_name: str
    reason: str


@dataclass
class ImportReport:
    """What ``import_submissions`` did: both lists sorted (by destination, by source name)."""

    imported: list[ImportedFile] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True)
class _Entry:
    """A file of the source: ``name`` is its ``/``-separated path, ``order`` sorts duplicates."""

    name: str
    size: int
    when: datetime | None
    order: tuple[float, int]
    opener: Callable[[], BinaryIO]
    problem: str | None = None


class _Name(NamedTuple):
    """What a file name says: ``origin`` is the LMS name the student id was made from."""

    student: str
    origin: str
    file: str
    user_id: str | None = None
    canvas_id: int | None = None
    late: bool = False


@dataclass(frozen=True)
class _Candidate:
    """An entry whose name passed every rule: who it belongs to and which notebook it is."""

    entry: _Entry
    student: str
    notebook: str
    user_id: str | None = None
    canvas_id: int | None = None
    late: bool = False


@dataclass(frozen=True)
class _Rules:
    assignment: str
    notebooks: tuple[str, ...]
    student_id: Literal["name", "userid"]
    max_file_bytes: int


def import_submissions(source: Path, assignment: str, course_dir: Path, notebooks: list[str],
                       dry_run: bool = False, overwrite: bool = False, *,
                       student_id: Literal["name", "userid"] = "name",
                       max_file_bytes: int = MAX_FILE_BYTES, max_entries: int = MAX_ENTRIES) -> ImportReport:
    """Copy the notebooks of ``source`` (zip or folder) to ``course_dir/submitted/<student>/<assignment>/``.

    Args:
        notebooks: the assignment's notebook file names, e.g. ``["softmax.ipynb"]``.
        dry_run: write nothing, but return the report a real run would (entries are still read).
        overwrite: replace notebooks already in the course folder instead of rejecting them.
        student_id: take Canvas's and Moodle's ``"name"`` or their numeric ``"userid"``.
    Raises:
        ImportFailed: bad arguments, a missing or corrupt source, more than ``max_entries`` entries.
    """
    rules = _check_arguments(source, assignment, notebooks, student_id, max_file_bytes)
    report = ImportReport()
    with ExitStack() as stack:
        candidates = []
        for entry in _list_entries(Path(source), max_entries, stack):
            outcome = _classify(entry, rules)
            if isinstance(outcome, Rejected):
                report.rejected.append(outcome)
            elif outcome is not None:
                candidates.append(outcome)
        candidates = _drop_ambiguous(candidates, report.rejected)
        for chosen in _keep_newest(candidates, report.rejected):
            destination = Path(course_dir) / "submitted" / chosen.student / assignment / chosen.notebook
            outcome = _copy(chosen, destination, rules, dry_run, overwrite)
            (report.imported if isinstance(outcome, ImportedFile) else report.rejected).append(outcome)
    if not dry_run:
        _write_timestamps(report.imported)
    report.imported.sort(key=lambda item: (str(item.destination), item.source_name))
    report.rejected.sort(key=lambda item: (item.source_name, item.reason))
    return report


def _check_arguments(source: Path, assignment: str, notebooks: list[str],
                     student_id: Literal["name", "userid"], max_file_bytes: int) -> _Rules:
    if not Path(source).exists():
        raise ImportFailed(f"no such file or folder: {source}")
    if not SAFE_ID.fullmatch(assignment) or assignment in {".", ".."}:
        raise ImportFailed(f"assignment name {assignment!r} is not a safe folder name")
    bad = [name for name in notebooks if "/" in name or "\\" in name or name.startswith(".")
           or not name.endswith(".ipynb")]
    if not notebooks or bad:
        raise ImportFailed(f"expected notebook names must be plain *.ipynb file names, got {notebooks!r}")
    if student_id not in ("name", "userid"):
        raise ImportFailed(f"student_id must be 'name' or 'userid', got {student_id!r}")
    return _Rules(assignment, tuple(notebooks), student_id, max_file_bytes)


def _list_entries(source: Path, max_entries: int, stack: ExitStack) -> list[_Entry]:
    if source.is_dir():
        return _folder_entries(source, max_entries)
    try:
        archive = stack.enter_context(zipfile.ZipFile(source))
    except (zipfile.BadZipFile, OSError) as error:
        raise ImportFailed(f"{source} is neither a folder nor a readable zip file ({error})") from error
    infos = archive.infolist()
    if len(infos) > max_entries:
        raise ImportFailed(f"{source} has {len(infos)} entries, more than the limit of {max_entries}")
    return [_zip_entry(archive, info, index) for index, info in enumerate(infos) if not info.is_dir()]


def _zip_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, index: int) -> _Entry:
    name = info.filename
    if not info.flag_bits & 0x800:  # no UTF-8 flag: zipfile read cp437, but macOS writes UTF-8 anyway
        try:
            name = name.encode("cp437").decode("utf-8")
        except UnicodeError:
            pass
    name = name.replace("\\", "/")
    parts = name.split("/")
    problem = None
    if name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in parts:
        problem = UNSAFE_ZIP_PATH
    elif (info.external_attr >> 16) & 0o170000 == 0o120000:
        problem = "not a regular file (symbolic link)"
    elif info.flag_bits & 0x1:
        problem = "encrypted zip entry"
    when = _zip_time(info)
    order = (when.timestamp() if when else 0.0, index)
    return _Entry(name, info.file_size, when, order, partial(archive.open, info), problem)


def _zip_time(info: zipfile.ZipInfo) -> datetime | None:
    """The entry's UTC time: the extended-timestamp field (0x5455) if any, else its DOS date as UTC."""
    extra = info.extra
    while len(extra) >= 4:
        tag, size = struct.unpack("<HH", extra[:4])
        body = extra[4:4 + size]
        if tag == 0x5455 and len(body) >= 5 and body[0] & 1:
            return datetime.fromtimestamp(struct.unpack("<i", body[1:5])[0], UTC)
        extra = extra[4 + size:]
    try:
        return datetime(*info.date_time, tzinfo=UTC)
    except ValueError:
        return None


def _folder_entries(root: Path, max_entries: int) -> list[_Entry]:
    entries: list[_Entry] = []
    for folder, dirnames, filenames in os.walk(root):
        links = [name for name in dirnames if os.path.islink(os.path.join(folder, name))]
        dirnames[:] = sorted(name for name in dirnames if name not in links
                             and not name.startswith(".") and name != "__MACOSX")
        for name in sorted(filenames + links):
            path = Path(folder, name)
            stat = path.lstat()
            problem = "not a regular file (symbolic link)" if path.is_symlink() else None
            relative = path.relative_to(root).as_posix()
            entries.append(_Entry(relative, stat.st_size, None, (stat.st_mtime, len(entries)),
                                  partial(path.open, "rb"), problem))
            if len(entries) > max_entries:
                raise ImportFailed(f"{root} has more than the limit of {max_entries} files")
    return entries


def _classify(entry: _Entry, rules: _Rules) -> _Candidate | Rejected | None:
    """Who and which notebook an entry is, a rejection, or None for entries skipped silently."""
    if entry.problem == UNSAFE_ZIP_PATH:
        return Rejected(entry.name, UNSAFE_ZIP_PATH)
    parts = [part for part in entry.name.split("/") if part not in ("", ".")]
    if not parts or any(part.startswith(".") or part == "__MACOSX" for part in parts):
        return None
    if entry.problem:
        return Rejected(entry.name, entry.problem)
    if not parts[-1].lower().endswith(".ipynb"):
        return Rejected(entry.name, f"not a notebook: {parts[-1]}")
    named = _parse_name(parts, rules)
    if named is None:
        return Rejected(entry.name, f"unrecognised file name: {entry.name}")
    notebook = _expected_notebook(named.file, rules.notebooks)
    if notebook is None:
        return Rejected(entry.name, f"notebook name {named.file!r} is not one of {', '.join(rules.notebooks)}")
    if not SAFE_ID.fullmatch(named.student) or named.student in {".", ".."}:
        return Rejected(entry.name, f"student id {named.student!r} (from {named.origin!r}) "
                        "is not a safe folder name")
    if entry.size > rules.max_file_bytes:
        return Rejected(entry.name, f"file too large: {entry.size} bytes (limit {rules.max_file_bytes} bytes)")
    return _Candidate(entry, named.student, notebook, named.user_id, named.canvas_id, named.late)


def _parse_name(parts: list[str], rules: _Rules) -> _Name | None:
    """What the path's parts say by the module's naming rules, or None when no rule fits."""
    basename = parts[-1]
    folder = MOODLE_FOLDER.fullmatch(parts[-2]) if len(parts) > 1 else None
    moodle = (folder.group("name"), folder.group("id"), basename) if folder else None
    if moodle is None and (flat := MOODLE_FILE.fullmatch(basename)):
        moodle = (flat.group("name"), flat.group("id"), flat.group("file"))
    if moodle is not None:
        name, user_id, file = moodle
        student = user_id if rules.student_id == "userid" else slug(name)
        return _Name(student, name, file, user_id)
    if canvas := CANVAS_FILE.fullmatch(basename):
        user_id = canvas.group("id")
        student = user_id if rules.student_id == "userid" else canvas.group("name")
        return _Name(student, canvas.group("name"), canvas.group("file"), user_id,
                     int(canvas.group("sub")), canvas.group("late") is not None)
    if len(parts) == 2 or (len(parts) == 3 and parts[1] == rules.assignment):
        return _Name(parts[0], parts[0], basename)
    if len(parts) == 1 and "__" in basename:
        student, file = basename.split("__", 1)
        return _Name(student, student, file)
    return None


def slug(full_name: str) -> str:
    """A folder-safe student id from a full name: ``"Zoë  Ångström"`` -> ``"zoe-angstrom"``."""
    ascii_name = unicodedata.normalize("NFKD", full_name.lower().translate(_SLUG_LETTERS))
    ascii_name = ascii_name.encode("ascii", "ignore").decode("ascii")
    dashed = re.sub(r"\s+", "-", ascii_name.strip())
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9._-]", "", dashed)).strip("-")


def _expected_notebook(file: str, notebooks: tuple[str, ...]) -> str | None:
    if file in notebooks:
        return file
    suffixed = REUPLOAD_SUFFIX.fullmatch(file)
    if suffixed and suffixed.group("stem") + suffixed.group("ext") in notebooks:
        return suffixed.group("stem") + suffixed.group("ext")
    return None


def _drop_ambiguous(candidates: list[_Candidate], rejected: list[Rejected]) -> list[_Candidate]:
    """Reject every file of a student id that two different LMS user ids produced (two John Smiths)."""
    owners: dict[str, set[str]] = {}
    for candidate in candidates:
        if candidate.user_id is not None:
            owners.setdefault(candidate.student, set()).add(candidate.user_id)
    kept = []
    for candidate in candidates:
        ids = sorted(owners.get(candidate.student, ()))
        if len(ids) > 1:
            rejected.append(Rejected(candidate.entry.name, f"student id {candidate.student!r} is shared by "
                                     f"user ids {', '.join(ids)}: import with student_id=\"userid\""))
        else:
            kept.append(candidate)
    return kept


def _keep_newest(candidates: list[_Candidate], rejected: list[Rejected]) -> list[_Candidate]:
    """One candidate per (student, notebook): the newest; the others are rejected as duplicates."""
    groups: dict[tuple[str, str], list[_Candidate]] = {}
    for candidate in candidates:
        groups.setdefault((candidate.student, candidate.notebook), []).append(candidate)
    chosen = []
    for group in groups.values():
        best = group[0]
        for other in group[1:]:
            best = other if _newer(other, best) else best
        for other in group:
            if other is not best:
                basis = ("Canvas submission id" if best.canvas_id is not None and other.canvas_id is not None
                         else "zip entry date" if best.entry.when is not None else "file modification time")
                rejected.append(Rejected(other.entry.name, f"duplicate submission for {best.student}: "
                                         f"kept the newest (by {basis}), {best.entry.name}"))
        chosen.append(best)
    return chosen


def _newer(one: _Candidate, other: _Candidate) -> bool:
    if one.canvas_id is not None and other.canvas_id is not None and one.canvas_id != other.canvas_id:
        return one.canvas_id > other.canvas_id
    return one.entry.order > other.entry.order


def _copy(chosen: _Candidate, destination: Path, rules: _Rules, dry_run: bool,
          overwrite: bool) -> ImportedFile | Rejected:
    """Read the entry's bytes (checking a zip entry's CRC) and write them to ``destination`` unless dry."""
    name = chosen.entry.name
    if destination.exists() and not overwrite:
        return Rejected(name, f"already exists: {'/'.join(destination.parts[-4:])} (not overwritten)")
    try:
        with chosen.entry.opener() as stream:
            data = stream.read(rules.max_file_bytes + 1)
    except (OSError, zipfile.BadZipFile, EOFError) as error:
        return Rejected(name, f"unreadable: {error}")
    if len(data) > rules.max_file_bytes:
        return Rejected(name, f"file too large: over {rules.max_file_bytes} bytes once read")
    if not dry_run:
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
    return ImportedFile(chosen.student, name, destination, chosen.entry.when, chosen.late)


def _write_timestamps(imported: list[ImportedFile]) -> None:
    """Write nbgrader's ``timestamp.txt`` per submission folder: the newest known time."""
    newest: dict[Path, datetime] = {}
    for item in imported:
        folder = item.destination.parent
        if item.timestamp is not None and (folder not in newest or item.timestamp > newest[folder]):
            newest[folder] = item.timestamp
    for folder, when in newest.items():
        path = folder / "timestamp.txt"
        try:
            previous = datetime.strptime(path.read_text().strip(), TIMESTAMP_FORMAT).replace(tzinfo=UTC)
        except (OSError, ValueError):
            previous = None
        if previous is None or previous < when:
            path.write_text(when.strftime(TIMESTAMP_FORMAT))
