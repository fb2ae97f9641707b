"""A terminal for tests: a text stream that says it is a tty, and what it would show."""

from __future__ import annotations

import io
import re

import pytest

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
"""The escape sequences rich writes to a terminal (styles, cursor moves, line clears)."""


class FakeTerminal(io.StringIO):
    """Collects what is written, and claims to be a terminal."""

    def isatty(self) -> bool:
        return True


def frames(output: str) -> list[str]:
    """What a terminal shows after each redraw: escape sequences removed, one entry per rewrite."""
    return [frame for frame in ANSI.sub("", output).replace("\n", "\r").split("\r") if frame.strip()]


def neutral_terminal(monkeypatch: pytest.MonkeyPatch, columns: int = 200) -> None:
    """A terminal ``columns`` wide, with no variable that changes rich's idea of a terminal."""
    monkeypatch.setenv("COLUMNS", str(columns))
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
