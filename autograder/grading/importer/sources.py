"""Reading a source: the entries of a zip file or a folder, with their sizes, dates and safety problems.

An entry is only listed here; whether it is imported is decided by
:mod:`autograder.grading.importer.selection`, and its bytes are read once it is chosen.
"""

from __future__ import annotations

import os
import re
import struct
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import BinaryIO, Callable

from .results import ImportFailed

UNSAFE_ZIP_PATH = "unsafe path in zip"
SYMBOLIC_LINK = "not a regular file (symbolic link)"


@dataclass(frozen=True)
class Entry:
    """A file of the source: ``name`` is its ``/``-separated path, ``order`` sorts duplicates."""

    name: str
    size: int
    when: datetime | None
    order: tuple[float, int]
    opener: Callable[[], BinaryIO]
    problem: str | None = None


def list_entries(source: Path, max_entries: int, stack: ExitStack) -> list[Entry]:
    """The files of ``source`` (a folder, or a zip kept open by ``stack``), folders left out.

    Raises:
        ImportFailed: ``source`` is not a readable zip file, or has more than ``max_entries`` entries.
    """
    if source.is_dir():
        return folder_entries(source, max_entries)
    try:
        archive = stack.enter_context(zipfile.ZipFile(source))
    except (zipfile.BadZipFile, OSError) as error:
        raise ImportFailed(f"{source} is neither a folder nor a readable zip file ({error})") from error
    infos = archive.infolist()
    if len(infos) > max_entries:
        raise ImportFailed(f"{source} has {len(infos)} entries, more than the limit of {max_entries}")
    return [zip_entry(archive, info, index) for index, info in enumerate(infos) if not info.is_dir()]


def zip_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, index: int) -> Entry:
    """The zip entry ``info`` (the ``index``-th of ``archive``), its path decoded and checked."""
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
        problem = SYMBOLIC_LINK
    elif info.flag_bits & 0x1:
        problem = "encrypted zip entry"
    when = zip_time(info)
    order = (when.timestamp() if when else 0.0, index)
    return Entry(name, info.file_size, when, order, partial(archive.open, info), problem)


def zip_time(info: zipfile.ZipInfo) -> datetime | None:
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


def folder_entries(root: Path, max_entries: int) -> list[Entry]:
    """The files under ``root`` in sorted order, ordered by modification time; links are listed, not
    followed; hidden folders and ``__MACOSX`` are not entered.

    Raises:
        ImportFailed: more than ``max_entries`` files.
    """
    entries: list[Entry] = []
    for folder, dirnames, filenames in os.walk(root):
        links = [name for name in dirnames if os.path.islink(os.path.join(folder, name))]
        dirnames[:] = sorted(name for name in dirnames if name not in links
                             and not name.startswith(".") and name != "__MACOSX")
        for name in sorted(filenames + links):
            path = Path(folder, name)
            stat = path.lstat()
            problem = SYMBOLIC_LINK if path.is_symlink() else None
            relative = path.relative_to(root).as_posix()
            entries.append(Entry(relative, stat.st_size, None, (stat.st_mtime, len(entries)),
                                 partial(path.open, "rb"), problem))
            if len(entries) > max_entries:
                raise ImportFailed(f"{root} has more than the limit of {max_entries} files")
    return entries
