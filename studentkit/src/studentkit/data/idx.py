"""Reading IDX files, the format Fashion-MNIST (and MNIST) is distributed in.

An IDX file is a 4-byte magic number ``0x00 0x00 <dtype code> <ndim>``,
then ``ndim`` big-endian uint32 sizes, then the data in C order.  Only dtype
code ``0x08`` (unsigned byte) is supported, which is all Fashion-MNIST uses.

Files may be raw or gzip-compressed (name ending in ``.gz``); checksums are
always computed on the *decompressed* bytes, so re-compressed copies (such as
Debian's) verify against the upstream md5 sums.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import struct
import zlib
from pathlib import Path

import torch

from .errors import CorruptDataError, DataNotFoundError

__all__ = ["UINT8_CODE", "read_bytes", "parse_idx", "md5_hex", "read_idx"]

UINT8_CODE = 0x08
"""The IDX dtype code for unsigned bytes."""


def read_bytes(path: str | os.PathLike[str]) -> bytearray:
    """Return the (decompressed, if the name ends in ``.gz``) bytes of ``path``.

    Raises:
        DataNotFoundError: the file cannot be opened or read.
        CorruptDataError: the gzip stream is damaged or truncated.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataNotFoundError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if path.name.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise CorruptDataError(f"{path}: bad gzip stream ({exc})") from None
    return bytearray(raw)


def _header(data: bytes | bytearray, name: str) -> tuple[int, tuple[int, ...]]:
    """Return ``(header_length, dims)`` of the IDX bytes ``data`` (``name`` is for messages)."""
    if len(data) < 4:
        raise CorruptDataError(f"{name}: truncated: expected at least 4 bytes got {len(data)}")
    zero, code, ndim = data[0] << 8 | data[1], data[2], data[3]
    if zero != 0 or ndim == 0:
        magic = int.from_bytes(data[:4], "big")
        raise CorruptDataError(f"{name}: bad magic number 0x{magic:08x} (not an IDX file)")
    if code != UINT8_CODE:
        raise CorruptDataError(
            f"{name}: unsupported IDX dtype code 0x{code:02x} (only 0x08, uint8, is supported)"
        )
    header_length = 4 + 4 * ndim
    if len(data) < header_length:
        raise CorruptDataError(
            f"{name}: truncated: expected at least {header_length} bytes got {len(data)}"
        )
    dims = struct.unpack(f">{ndim}I", bytes(data[4:header_length]))
    return header_length, dims


def parse_idx(data: bytes | bytearray, name: str = "<bytes>") -> torch.Tensor:
    """Decode decompressed IDX bytes into a tensor.

    Args:
        data: the whole decompressed file.
        name: what to call the data in error messages (normally the file path).

    Returns:
        A ``torch.uint8`` tensor of the shape stored in the header, e.g.
        ``(60000, 28, 28)`` for images or ``(60000,)`` for labels.

    Raises:
        CorruptDataError: bad magic number, unsupported dtype, or the size does
            not match the header ("truncated: expected N bytes got M").
    """
    header_length, dims = _header(data, name)
    expected = header_length + math.prod(dims)
    if len(data) < expected:
        raise CorruptDataError(f"{name}: truncated: expected {expected} bytes got {len(data)}")
    if len(data) > expected:
        raise CorruptDataError(
            f"{name}: wrong size: expected {expected} bytes got {len(data)} (trailing data)"
        )
    if expected == header_length:
        return torch.empty(dims, dtype=torch.uint8)
    if not isinstance(data, bytearray):
        data = bytearray(data)  # torch.frombuffer wants a writable buffer
    flat = torch.frombuffer(data, dtype=torch.uint8, offset=header_length)
    return flat.reshape(dims)


def md5_hex(data: bytes | bytearray) -> str:
    """Return the hexadecimal md5 digest of ``data``."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def read_idx(path: str | os.PathLike[str], *, md5: str | None = None) -> torch.Tensor:
    """Read an IDX file (raw or ``.gz``) into a ``torch.uint8`` tensor.

    Args:
        path: the file.
        md5: if given, the expected md5 of the decompressed bytes.

    Returns:
        A ``torch.uint8`` tensor with the dimensions stored in the file.

    Raises:
        DataNotFoundError: the file cannot be read.
        CorruptDataError: bad gzip stream, bad magic number, truncated file,
            or md5 mismatch; the one-line message names ``path``.
    """
    data = read_bytes(path)
    tensor = parse_idx(data, str(path))
    if md5 is not None:
        actual = md5_hex(data)
        if actual != md5.lower():
            raise CorruptDataError(
                f"{path}: md5 mismatch of the decompressed bytes: expected {md5} got {actual}"
            )
    return tensor
