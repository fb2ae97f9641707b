"""Reading what the other side wrote, as data with limits, never as a path to follow.

Anything a sandbox could have written, sent or named is hostile: a file there may be a symlink
into another student's folder, a FIFO that blocks the reader for ever, a device, or gigabytes.
The grader reads submission files only through :func:`read_regular_file` (no link followed, no
blocking, regular files only, size-capped) and a sandbox's output only through
:class:`CappedPipe` (drained in the background, at most so many bytes kept).
"""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path
from typing import IO, Any


class UnsafeFile(ValueError):
    """A file that is not a regular file within its size limit; the message says what it is."""


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of ``path`` if it is a regular file (not a link, FIFO, device or socket) of at most
    ``max_bytes``; :class:`UnsafeFile` otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        kind = "a symbolic link" if path.is_symlink() else error.strerror
        raise UnsafeFile(f"{path.name} cannot be read safely ({kind})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile(f"{path.name} is not a regular file")
        if info.st_size > max_bytes:
            raise UnsafeFile(f"{path.name} is {info.st_size / 1024**2:.1f} MB, larger than "
                             f"{max_bytes / 1024**2:.0f} MB")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise UnsafeFile(f"{path.name} grew past {max_bytes / 1024**2:.0f} MB while it was read")
    return data


def regular_folder(path: Path) -> bool:
    """Whether ``path`` is a real folder (not a link to one)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


class CappedPipe:
    """Drains a pipe in a background thread, keeping its first (or last) ``max_bytes`` bytes."""

    def __init__(self, stream: IO[bytes], max_bytes: int, keep: str = "head") -> None:
        self.max_bytes, self.keep, self.total = max_bytes, keep, 0
        self._chunks: list[bytes] = []
        self._kept = 0
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream: IO[bytes]) -> None:
        with stream:
            while chunk := stream.read(1 << 16):
                self.total += len(chunk)
                if self.keep == "head" and self._kept < self.max_bytes:
                    self._chunks.append(chunk[: self.max_bytes - self._kept])
                    self._kept += len(self._chunks[-1])
                elif self.keep == "tail":
                    self._chunks.append(chunk)
                    self._kept += len(chunk)
                    while self._kept - len(self._chunks[0]) >= self.max_bytes:
                        self._kept -= len(self._chunks.pop(0))

    @property
    def overflowed(self) -> bool:
        return self.total > self.max_bytes

    def result(self, timeout: float = 10.0) -> bytes:
        """What was kept, once the writer closed the pipe (or ``timeout`` passed)."""
        self._thread.join(timeout)
        data = b"".join(self._chunks)
        return data[-self.max_bytes:] if self.keep == "tail" else data

    def text(self, timeout: float = 10.0) -> str:
        return self.result(timeout).decode(errors="replace")


def load_json(data: bytes | str, what: str) -> Any:
    """JSON from a sandbox; ValueError with ``what`` in the message for anything unreadable."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as error:
        raise ValueError(f"{what} is not readable JSON ({type(error).__name__})") from None
