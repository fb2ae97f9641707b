"""Choosing what to import: each entry checked against the rules, ambiguous ids and older duplicates dropped.

Every entry ends up a :class:`Candidate` (a student's notebook), a :class:`Rejected` with a
one-line reason, or nothing (files skipped silently, such as ``.DS_Store``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

from .names import Layout, expected_notebook, is_safe_id, parse_name
from .results import Rejected
from .sources import UNSAFE_ZIP_PATH, Entry


@dataclass(frozen=True)
class Rules:
    """The arguments of one import that decide which entries are accepted."""

    assignment: str
    notebooks: tuple[str, ...]
    student_id: Literal["name", "userid"]
    max_file_bytes: int
    layout: Layout = "generic"


@dataclass(frozen=True)
class Candidate:
    """An entry whose name passed every rule: who it belongs to and which notebook it is."""

    entry: Entry
    student: str
    notebook: str
    user_id: str | None = None
    canvas_id: int | None = None
    late: bool = False


def entry_parts(entry: Entry) -> list[str] | None:
    """The parts of an entry's path, or None for entries skipped silently (dot files, ``__MACOSX``)."""
    parts = [part for part in entry.name.split("/") if part not in ("", ".")]
    if not parts or any(part.startswith(".") or part == "__MACOSX" for part in parts):
        return None
    return parts


def classify(entry: Entry, rules: Rules) -> Candidate | Rejected | None:
    """Who and which notebook an entry is, a rejection, or None for entries skipped silently."""
    if entry.problem == UNSAFE_ZIP_PATH:
        return Rejected(entry.name, UNSAFE_ZIP_PATH)
    parts = entry_parts(entry)
    if parts is None:
        return None
    if entry.problem:
        return Rejected(entry.name, entry.problem)
    named = parse_name(parts, rules.assignment, rules.student_id, rules.layout)
    who = named.student if named is not None and is_safe_id(named.student) else None
    if not parts[-1].lower().endswith(".ipynb"):
        return Rejected(entry.name, f"not a notebook: {parts[-1]}", who)
    if named is None:
        return Rejected(entry.name, f"unrecognised file name: {entry.name} ({rules.layout} naming)")
    notebook = expected_notebook(named.file, rules.notebooks)
    if notebook is None:
        return Rejected(entry.name, f"notebook name {named.file!r} is not one of {', '.join(rules.notebooks)}", who)
    if who is None:
        return Rejected(entry.name, f"student id {named.student!r} (from {named.origin!r}) "
                        "is not a safe folder name")
    if entry.size > rules.max_file_bytes:
        return Rejected(entry.name, f"file too large: {entry.size} bytes (limit {rules.max_file_bytes} bytes)", who)
    return Candidate(entry, named.student, notebook, named.user_id, named.canvas_id, named.late)


def drop_ambiguous(candidates: list[Candidate], rejected: list[Rejected]) -> list[Candidate]:
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


def _folded(student: str) -> str:
    return unicodedata.normalize("NFKC", student).casefold()


def drop_lookalikes(candidates: list[Candidate], rejected: list[Rejected], existing: set[str]) -> list[Candidate]:
    """Reject every file of a student id that differs from another id (of this download or already in
    the course) only by case or Unicode normalisation: one would pass for the other in every report."""
    spellings: dict[str, set[str]] = {}
    for student in {candidate.student for candidate in candidates} | existing:
        spellings.setdefault(_folded(student), set()).add(student)
    kept = []
    for candidate in candidates:
        others = sorted(spellings[_folded(candidate.student)] - {candidate.student})
        if others:
            rejected.append(Rejected(candidate.entry.name, f"student id {candidate.student!r} differs from "
                                     f"{', '.join(map(repr, others))} only by case or Unicode form"))
        else:
            kept.append(candidate)
    return kept


def keep_newest(candidates: list[Candidate], rejected: list[Rejected]) -> list[Candidate]:
    """One candidate per (student, notebook): the newest; the others are rejected as duplicates."""
    groups: dict[tuple[str, str], list[Candidate]] = {}
    for candidate in candidates:
        groups.setdefault((candidate.student, candidate.notebook), []).append(candidate)
    chosen = []
    for group in groups.values():
        best = group[0]
        for other in group[1:]:
            best = other if newer(other, best) else best
        for other in group:
            if other is not best:
                basis = ("Canvas submission id" if best.canvas_id is not None and other.canvas_id is not None
                         else "zip entry date" if best.entry.when is not None else "file modification time")
                rejected.append(Rejected(other.entry.name, f"duplicate submission for {best.student}: "
                                         f"kept the newest (by {basis}), {best.entry.name}", best.student,
                                         superseded=True))
        chosen.append(best)
    return chosen


def newer(one: Candidate, other: Candidate) -> bool:
    """Whether ``one`` is newer: by Canvas submission id when both differ in one, else by entry order."""
    if one.canvas_id is not None and other.canvas_id is not None and one.canvas_id != other.canvas_id:
        return one.canvas_id > other.canvas_id
    return one.entry.order > other.entry.order
