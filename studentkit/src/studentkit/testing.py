"""Helpers for the test cells of exercise notebooks.

nbgrader gives zero to a test cell that writes anything to standard error, so a harmless
PyTorch warning raised by a correct answer would cost points. :func:`quietly` runs code with
warnings and standard-error output captured and shows them on standard output instead, so the
student still sees them and the cell keeps its points.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator


@contextlib.contextmanager
def _captured_fd(fd: int | None, into: list[str]) -> Iterator[None]:
    """Point file descriptor ``fd`` at a temporary file for the duration (catches C-level writes).

    The lines written are appended to ``into``. ``fd=None`` captures nothing.
    """
    if fd is None:
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as sink:
        saved = os.dup(fd)
        try:
            os.dup2(sink.fileno(), fd)
            yield
        finally:
            os.dup2(saved, fd)
            os.close(saved)
            sink.seek(0)
            into.extend(line for line in sink.read().decode(errors="replace").splitlines() if line.strip())


def _stderr_fd() -> int | None:
    """The process's real standard-error descriptor, or None where there is none."""
    try:
        sys.__stderr__.flush()
        return sys.__stderr__.fileno()
    except (AttributeError, OSError, ValueError):
        return None


@contextlib.contextmanager
def quietly(echo: bool = True) -> Iterator[None]:
    """Run a block with warnings and standard error captured; echo them to standard output.

    Example::

        with quietly():
            probabilities = softmax(logits)
    """
    python_stderr = io.StringIO()
    low_level: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught, _captured_fd(_stderr_fd(), low_level):
            warnings.simplefilter("always")
            with contextlib.redirect_stderr(python_stderr):
                yield
    finally:
        if echo:
            messages = [f"{w.category.__name__}: {w.message}" for w in caught]
            messages += [line for line in python_stderr.getvalue().splitlines() if line.strip()]
            for message in messages + low_level:
                print(f"(note) {message}")
