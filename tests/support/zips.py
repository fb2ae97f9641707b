"""LMS-style zip downloads for the importer's tests."""

from __future__ import annotations

import zipfile
from pathlib import Path

MARCH_1 = (2024, 3, 1, 9, 30, 0)
MARCH_2 = (2024, 3, 2, 18, 0, 4)


def make_zip(path: Path, entries: list[tuple[str, bytes] | tuple[str, bytes, tuple]]) -> Path:
    """A zip of ``(name, data[, date_time])`` entries (default date: ``MARCH_1``)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data, *when in entries:
            archive.writestr(zipfile.ZipInfo(name, when[0] if when else MARCH_1), data)
    return path
