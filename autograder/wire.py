"""The message format between the process that runs student code and the judge.

A message is a tree of dicts (string keys), lists, strings, numbers, booleans, None, dtypes
and dense CPU tensors. On the wire it is::

    8 bytes   big-endian length of the rest
    4 bytes   big-endian length of the JSON header
    header    JSON: the tree, each tensor replaced by {"__tensor__": [dtype, shape, byte length]}
    blobs     the tensors' raw bytes, in the order they appear in the header

No pickle is involved: a message can carry no code and no object that pretends to be a tensor,
and a tensor arrives as exactly ``prod(shape)`` contiguous elements of an allowed dtype (no
strides, no shared storage), so a tiny message cannot expand into a huge tensor. The receiver
checks every size, shape and dtype against :class:`Limits` before it allocates anything.

The sending side binds the tensor methods it uses when this module is imported, so student code
that later replaces ``torch.Tensor.clone`` or ``json.dumps`` does not change what is sent.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from typing import Any, BinaryIO

import torch

FRAME = struct.Struct(">QI")
DTYPES = {str(dtype).removeprefix("torch."): dtype for dtype in (
    torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128,
    torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool)}
TENSOR_KEY, DTYPE_KEY = "__tensor__", "__dtype__"

_dumps, _loads = json.dumps, json.loads
_contiguous, _reshape, _view = torch.Tensor.contiguous, torch.Tensor.reshape, torch.Tensor.view
_numpy, _detach = torch.Tensor.numpy, torch.Tensor.detach


class WireError(RuntimeError):
    """The other side sent something that is not a valid message (or hung up mid-message)."""


@dataclass(frozen=True)
class Limits:
    """What a receiver accepts: bytes per message, elements per tensor and in all, dimensions, depth."""

    max_bytes: int = 64 * 1024**2
    max_header_bytes: int = 16 * 1024**2
    max_elements: int = 16 * 1024**2
    max_dimensions: int = 8
    max_depth: int = 32


DEFAULT_LIMITS = Limits()


# -- sending ----------------------------------------------------------------------------------------
def _encode(value: Any, blobs: list[bytes], depth: int) -> Any:
    if depth > DEFAULT_LIMITS.max_depth:
        raise WireError("message nested too deeply")
    if type(value) is torch.Tensor:
        return _encode_tensor(value, blobs)
    if isinstance(value, torch.dtype) and str(value).removeprefix("torch.") in DTYPES:
        return {DTYPE_KEY: str(value).removeprefix("torch.")}
    if isinstance(value, dict):
        return {str(key): _encode(item, blobs, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(item, blobs, depth + 1) for item in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise WireError(f"cannot send a {type(value).__name__}")


def _encode_tensor(tensor: torch.Tensor, blobs: list[bytes]) -> dict[str, Any]:
    name = str(tensor.dtype).removeprefix("torch.")
    if name not in DTYPES or tensor.layout != torch.strided or tensor.device.type != "cpu":
        raise WireError(f"cannot send a {tensor.layout} {tensor.dtype} tensor on {tensor.device}")
    flat = _reshape(_contiguous(_detach(tensor)), (-1,))
    data = _numpy(_view(flat, torch.uint8)).tobytes() if flat.numel() else b""
    blobs.append(data)
    return {TENSOR_KEY: [name, list(tensor.shape), len(data)]}


def encode(message: dict[str, Any]) -> bytes:
    """``message`` as bytes on the wire."""
    blobs: list[bytes] = []
    header = _dumps(_encode(message, blobs, 0), allow_nan=True).encode()
    body = header + b"".join(blobs)
    return FRAME.pack(len(body) + 4, len(header)) + body


def send(stream: BinaryIO, message: dict[str, Any]) -> None:
    """Write one message and flush."""
    stream.write(encode(message))
    stream.flush()


# -- receiving --------------------------------------------------------------------------------------
class _Decoder:
    """Rebuilds tensors from the blobs, checking each against the limits first."""

    def __init__(self, blobs: memoryview, limits: Limits) -> None:
        self.blobs, self.offset, self.limits, self.elements = blobs, 0, limits, 0

    def tensor(self, spec: Any) -> torch.Tensor:
        if not (isinstance(spec, list) and len(spec) == 3 and spec[0] in DTYPES and isinstance(spec[1], list)
                and isinstance(spec[2], int)):
            raise WireError("malformed tensor description")
        dtype, shape, size = DTYPES[spec[0]], spec[1], spec[2]
        if len(shape) > self.limits.max_dimensions or not all(type(n) is int and 0 <= n for n in shape):
            raise WireError(f"tensor shape {shape} is not allowed")
        numel = math.prod(shape)
        self.elements += numel
        if numel > self.limits.max_elements or self.elements > self.limits.max_elements:
            raise WireError(f"tensors of {self.elements} elements exceed the limit of {self.limits.max_elements}")
        itemsize = torch.empty((), dtype=dtype).element_size()
        if size != numel * itemsize or self.offset + size > len(self.blobs):
            raise WireError("tensor data does not match its shape")
        raw = bytearray(self.blobs[self.offset:self.offset + size])
        self.offset += size
        if numel == 0:
            return torch.empty(shape, dtype=dtype)
        return torch.frombuffer(raw, dtype=torch.uint8).view(dtype).reshape(shape)

    def value(self, value: Any, depth: int = 0) -> Any:
        if depth > self.limits.max_depth:
            raise WireError("message nested too deeply")
        if isinstance(value, dict):
            if set(value) == {TENSOR_KEY}:
                return self.tensor(value[TENSOR_KEY])
            if set(value) == {DTYPE_KEY} and value[DTYPE_KEY] in DTYPES:
                return DTYPES[value[DTYPE_KEY]]
            return {key: self.value(item, depth + 1) for key, item in value.items()}
        if isinstance(value, list):
            return [self.value(item, depth + 1) for item in value]
        return value


def decode(body: bytes, header_size: int, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """The message in ``body`` (what follows the 8-byte length)."""
    if header_size > min(len(body), limits.max_header_bytes):
        raise WireError(f"header of {header_size} bytes is larger than allowed")
    try:
        tree = _loads(body[:header_size])
    except (ValueError, RecursionError) as error:
        raise WireError(f"unreadable message header: {type(error).__name__}") from None
    decoder = _Decoder(memoryview(body)[header_size:], limits)
    message = decoder.value(tree)
    if decoder.offset != len(body) - header_size:
        raise WireError("message has bytes that no tensor claims")
    if not isinstance(message, dict):
        raise WireError(f"expected a dict message, got {type(message).__name__}")
    return message


def from_bytes(frame: bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """The message in one whole frame, as :func:`encode` made it."""
    if len(frame) < FRAME.size:
        raise WireError("frame too short")
    size, header_size = FRAME.unpack(frame[:FRAME.size])
    if size != len(frame) - 8 or size > limits.max_bytes:
        raise WireError("frame length does not match")
    return decode(frame[FRAME.size:], header_size, limits)


def receive(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any] | None:
    """Read one message; None when the stream ended cleanly before a new message."""
    frame = _read_exactly(stream, FRAME.size, allow_eof=True)
    if frame is None:
        return None
    size, header_size = FRAME.unpack(frame)
    if size > limits.max_bytes or size < 4:
        raise WireError(f"message of {size} bytes is outside the limit of {limits.max_bytes}")
    body = _read_exactly(stream, size - 4, allow_eof=False)
    return decode(body, header_size, limits)


def _read_exactly(stream: BinaryIO, size: int, allow_eof: bool) -> bytes | None:
    chunks, remaining = [], size
    while remaining:
        chunk = stream.read(min(remaining, 1 << 20))
        if not chunk:
            if allow_eof and remaining == size:
                return None
            raise WireError(f"stream ended after {size - remaining} of {size} bytes")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
