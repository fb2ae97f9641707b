"""The import flow: check the arguments, list the source, choose, copy, and write ``timestamp.txt``."""

from __future__ import annotations

import dataclasses
import zipfile
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from .names import detect_layout, is_safe_id
from .results import ImportedFile, ImportFailed, ImportReport, Rejected
from .selection import Candidate, Rules, classify, drop_ambiguous, drop_lookalikes, entry_parts, keep_newest
from .sources import list_entries

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ENTRIES = 10_000
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"


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
    rules = check_arguments(source, assignment, notebooks, student_id, max_file_bytes)
    report = ImportReport()
    with ExitStack() as stack:
        candidates = []
        entries = list(list_entries(Path(source), max_entries, stack))
        paths = [parts for entry in entries if (parts := entry_parts(entry)) and parts[-1].lower().endswith(".ipynb")]
        rules = dataclasses.replace(rules, layout=detect_layout(paths, assignment))
        report.layout = rules.layout
        for entry in entries:
            outcome = classify(entry, rules)
            if isinstance(outcome, Rejected):
                report.rejected.append(outcome)
            elif outcome is not None:
                candidates.append(outcome)
        candidates = drop_ambiguous(candidates, report.rejected)
        candidates = drop_lookalikes(candidates, report.rejected, existing_students(Path(course_dir)))
        for chosen in keep_newest(candidates, report.rejected):
            destination = Path(course_dir) / "submitted" / chosen.student / assignment / chosen.notebook
            outcome = copy(chosen, destination, rules, dry_run, overwrite)
            (report.imported if isinstance(outcome, ImportedFile) else report.rejected).append(outcome)
    if not dry_run:
        write_timestamps(report.imported)
    report.imported.sort(key=lambda item: (str(item.destination), item.source_name))
    report.rejected.sort(key=lambda item: (item.source_name, item.reason))
    return report


def existing_students(course_dir: Path) -> set[str]:
    """The student ids that already have a folder in the course's ``submitted/``."""
    submitted = course_dir / "submitted"
    return {path.name for path in submitted.iterdir() if path.is_dir()} if submitted.is_dir() else set()


def check_arguments(source: Path, assignment: str, notebooks: list[str],
                    student_id: Literal["name", "userid"], max_file_bytes: int) -> Rules:
    """The import's :class:`Rules`; ImportFailed for a missing source or an unusable argument."""
    if not Path(source).exists():
        raise ImportFailed(f"no such file or folder: {source}")
    if not is_safe_id(assignment):
        raise ImportFailed(f"assignment name {assignment!r} is not a safe folder name")
    bad = [name for name in notebooks if "/" in name or "\\" in name or name.startswith(".")
           or not name.endswith(".ipynb")]
    if not notebooks or bad:
        raise ImportFailed(f"expected notebook names must be plain *.ipynb file names, got {notebooks!r}")
    if student_id not in ("name", "userid"):
        raise ImportFailed(f"student_id must be 'name' or 'userid', got {student_id!r}")
    return Rules(assignment, tuple(notebooks), student_id, max_file_bytes)


def copy(chosen: Candidate, destination: Path, rules: Rules, dry_run: bool,
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
    return ImportedFile(chosen.student, name, destination, chosen.entry.when, chosen.late, chosen.user_id)


def write_timestamps(imported: list[ImportedFile]) -> None:
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
