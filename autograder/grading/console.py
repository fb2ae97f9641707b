"""The grader's rich consoles: styled on the instructor's terminal, plain text everywhere else.

A stream is a terminal when ``stream.isatty()`` says so and rich agrees (rich says no inside
Jupyter or with ``TTY_COMPATIBLE=0``); an environment variable such as ``FORCE_COLOR`` never turns
a log file or a pipe into a terminal, so logs get no escape sequence. Neither console reads
markup, emoji codes or highlights anything: text a student controls is shown as it is (and is
passed through :func:`~.inert.printable` by the callers first).
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console

PLAIN_WIDTH = 10_000  # plain text is never wrapped: one record, one line


def isatty(stream: TextIO) -> bool:
    """Whether ``stream`` says it is a terminal (a closed or odd stream is not)."""
    probe = getattr(stream, "isatty", None)
    try:
        return bool(probe and probe())
    except (ValueError, OSError):
        return False


def is_terminal(stream: TextIO) -> bool:
    """Whether to draw on ``stream`` (see the module docstring)."""
    return isatty(stream) and Console(file=stream).is_terminal


def console_for(stream: TextIO, terminal: bool | None = None) -> Console:
    """A console on ``stream``: a terminal one when ``terminal`` (``None``: :func:`is_terminal`),
    else one that writes plain, unwrapped text without a single control sequence."""
    if terminal is None:
        terminal = is_terminal(stream)
    if terminal:
        return Console(file=stream, force_terminal=True, markup=False, emoji=False, highlight=False)
    return Console(file=stream, force_terminal=False, force_interactive=False, color_system=None, no_color=True,
                   width=PLAIN_WIDTH, markup=False, emoji=False, highlight=False, soft_wrap=True)


__all__ = ["console_for", "is_terminal", "isatty"]
