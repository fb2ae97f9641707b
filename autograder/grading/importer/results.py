"""What an import reports: the files it copied, the files it rejected, and the error that stops it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


class ImportFailed(RuntimeError):
    """The source as a whole cannot be imported (missing, not a zip, too many entries, bad arguments)."""


@dataclass(frozen=True)
class ImportedFile:
    """One notebook copied (or, in a dry run, to be copied) into the course folder.

    ``timestamp`` is the UTC time written to ``timestamp.txt`` (None for folder sources);
    ``late`` is True when Canvas marked the file ``LATE``; ``lms_user_id`` is the number the LMS
    wrote into the name (Canvas's user id, Moodle's participant id; None for generic names).
    """

    student: str
    source_name: str
    destination: Path
    timestamp: datetime | None = None
    late: bool = False
    lms_user_id: str | None = None


@dataclass(frozen=True)
class Rejected:
    """A file of the source that was not imported, with a one-line reason; ``student`` when its
    name said whose it is (and the id is usable); ``superseded`` for an older upload of a student
    whose newer one was imported (expected, not an error)."""

    source_name: str
    reason: str
    student: str | None = None
    superseded: bool = False


@dataclass
class ImportReport:
    """What ``import_submissions`` did: both lists sorted (by destination, by source name), and the
    layout the download was read with (``"moodle"``, ``"canvas"`` or ``"generic"``)."""

    imported: list[ImportedFile] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    layout: str = ""

    @property
    def errors(self) -> list[Rejected]:
        """The rejections that need the instructor (not the older uploads that newer ones replaced)."""
        return [item for item in self.rejected if not item.superseded]
