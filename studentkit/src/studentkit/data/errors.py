"""Errors raised by :mod:`studentkit.data`.

Every message is one line that names the file or folder concerned and what is
wrong with it, so that a student can act on it without reading a traceback.
"""

from __future__ import annotations

__all__ = ["DataError", "DataNotFoundError", "CorruptDataError", "one_line"]


class DataError(Exception):
    """Base class of every error about the course's data set."""


class DataNotFoundError(DataError):
    """The data set (or one of its files) could not be found or read."""


class CorruptDataError(DataError):
    """A data file was found but is damaged or is not the expected file.

    Raised for a bad magic number, a truncated file, a bad gzip stream, a
    checksum (md5) mismatch, or wrong shapes / class counts.
    """


def one_line(error: BaseException) -> str:
    """How a data problem is shown to a student, in a terminal and in a notebook alike."""
    return f"Fashion-MNIST: error: {error}"
