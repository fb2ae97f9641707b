"""Processes left behind by the sandbox, found through ``/proc``."""

from __future__ import annotations

from pathlib import Path

from autograder.grading.worker import SANDBOX_UIDS


def sandboxed_processes() -> list[str]:
    """Names of the processes running as one of the sandbox's user ids (see ``SANDBOX_UIDS``)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if int(fields.get("Uid", "0").split()[0]) in SANDBOX_UIDS:
            found.append(fields.get("Name", "?").strip())
    return found
