"""The message format between a student's kernel and the judge process.

A message is an 8-byte big-endian length followed by ``torch.save`` bytes of a dict of tensors,
strings, numbers, lists and None. Both sides load with ``weights_only=True``, so a message can
carry no code: an object that pretends to be a tensor (say, one whose ``__eq__`` always says
True) cannot cross.
"""

from __future__ import annotations

import io
import struct
from typing import Any, BinaryIO

import torch

HEADER = struct.Struct(">Q")
MAX_MESSAGE_BYTES = 1 << 30


class WireError(RuntimeError):
    """The other side sent something that is not a valid message (or hung up mid-message)."""


def send(stream: BinaryIO, message: dict[str, Any]) -> None:
    """Write one message and flush."""
    buffer = io.BytesIO()
    torch.save(message, buffer)
    payload = buffer.getvalue()
    stream.write(HEADER.pack(len(payload)) + payload)
    stream.flush()


def receive(stream: BinaryIO) -> dict[str, Any] | None:
    """Read one message; None when the stream ended cleanly before a new message."""
    header = _read_exactly(stream, HEADER.size, allow_eof=True)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    if size > MAX_MESSAGE_BYTES:
        raise WireError(f"message of {size} bytes is larger than the limit of {MAX_MESSAGE_BYTES}")
    payload = _read_exactly(stream, size, allow_eof=False)
    try:
        message = torch.load(io.BytesIO(payload), weights_only=True)
    except Exception as error:  # noqa: BLE001 - any unpickling failure means a bad message
        raise WireError(f"unreadable message: {type(error).__name__}: {error}") from None
    if not isinstance(message, dict):
        raise WireError(f"expected a dict message, got {type(message).__name__}")
    return message


def _read_exactly(stream: BinaryIO, size: int, allow_eof: bool) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            if allow_eof and remaining == size:
                return None
            raise WireError(f"stream ended after {size - remaining} of {size} bytes")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
