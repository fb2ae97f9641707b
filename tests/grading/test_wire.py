"""The judge's message format: exact round trips, and hostile frames refused before anything is allocated."""

from __future__ import annotations

import io
import json
import math
import struct

import pytest
import torch

from autograder import wire


def frame(header: object, blobs: bytes = b"", header_bytes: bytes | None = None) -> io.BytesIO:
    raw = header_bytes if header_bytes is not None else json.dumps(header).encode()
    body = raw + blobs
    return io.BytesIO(wire.FRAME.pack(len(body) + 4, len(raw)) + body)


def test_messages_round_trip_exactly() -> None:
    message = {
        "tensors": [torch.randn(3, 4), torch.arange(6).reshape(2, 3), torch.tensor(2.5, dtype=torch.float64),
                    torch.empty(0, 5), torch.tensor([True, False]), torch.randn(2, dtype=torch.bfloat16),
                    torch.randn(2, dtype=torch.float16), torch.randn(2, dtype=torch.complex64)],
        "view": torch.randn(4, 3).t()[1:],
        "numbers": [1, -2.5, float("inf"), None, True, "text"],
        "dtype": torch.float64,
        "nested": {"a": {"b": [torch.ones(1)]}},
    }
    back = wire.receive(io.BytesIO(wire.encode(message)))
    assert back is not None
    for sent, got in zip(message["tensors"], back["tensors"]):
        assert got.dtype == sent.dtype and got.shape == sent.shape and torch.equal(got, sent)
    assert torch.equal(back["view"], message["view"]) and back["view"].is_contiguous()
    assert back["numbers"][:2] == [1, -2.5] and math.isinf(back["numbers"][2]) and back["numbers"][3:] == [None, True, "text"]
    assert back["dtype"] is torch.float64 and torch.equal(back["nested"]["a"]["b"][0], torch.ones(1))


def test_only_plain_data_can_be_sent() -> None:
    class Sneaky(torch.Tensor):
        pass

    for value in [object(), torch.ones(2).as_subclass(Sneaky), torch.ones(2).to_sparse(), {1: "int key"}.items()]:
        with pytest.raises(wire.WireError):
            wire.encode({"value": value})


def test_an_oversized_frame_is_refused_before_its_body_is_read() -> None:
    stream = io.BytesIO(wire.FRAME.pack(1 << 40, 2) + b"{}")
    with pytest.raises(wire.WireError, match="outside the limit"):
        wire.receive(stream)
    assert stream.tell() == wire.FRAME.size


@pytest.mark.parametrize(("description", "blobs", "reason"), [
    (["float32", [2**40], 4], b"\0" * 4, "exceed the limit"),
    (["float32", [1 << 12, 1 << 12, 1 << 12], 16], b"\0" * 16, "exceed the limit"),
    (["float32", [4], 4], b"\0" * 4, "does not match its shape"),
    (["float32", [-1], 4], b"\0" * 4, "not allowed"),
    (["float32", [1] * 20, 4], b"\0" * 4, "not allowed"),
    (["object", [1], 8], b"\0" * 8, "malformed"),
    (["float32", [1], 4], b"\0" * 12, "no tensor claims"),
])
def test_malformed_tensors_are_refused(description: list, blobs: bytes, reason: str) -> None:
    with pytest.raises(wire.WireError, match=reason):
        wire.receive(frame({"t": {"__tensor__": description}}, blobs))


def test_deep_nesting_and_garbage_are_refused() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(wire.WireError):
        wire.receive(frame(None, header_bytes=deep))
    with pytest.raises(wire.WireError):
        wire.receive(frame(None, header_bytes=b"\xff\xfe not json"))
    with pytest.raises(wire.WireError, match="expected a dict"):
        wire.receive(frame([1, 2, 3]))
    with pytest.raises(wire.WireError, match="header"):
        wire.receive(io.BytesIO(wire.FRAME.pack(8, 1000) + b"{}" + b"\0" * 2))


def test_a_stream_cut_mid_message_is_an_error_and_a_clean_end_is_none() -> None:
    whole = wire.encode({"x": torch.ones(100)})
    with pytest.raises(wire.WireError, match="stream ended"):
        wire.receive(io.BytesIO(whole[:-10]))
    assert wire.receive(io.BytesIO(b"")) is None
    assert struct.calcsize(">QI") == wire.FRAME.size
