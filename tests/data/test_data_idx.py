"""The IDX reader: decoding and the one-line errors for damaged files."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import pytest
import torch

from studentkit.data import CorruptDataError, DataError, DataNotFoundError
from studentkit.data.idx import md5_hex, parse_idx, read_idx


def idx_bytes(values: list[list[int]]) -> bytes:
    """A small 2-D uint8 IDX file."""
    rows, cols = len(values), len(values[0])
    body = bytes(v for row in values for v in row)
    return bytes([0, 0, 0x08, 2]) + struct.pack(">II", rows, cols) + body


def test_error_hierarchy() -> None:
    assert issubclass(CorruptDataError, DataError)
    assert issubclass(DataNotFoundError, DataError)
    assert not issubclass(CorruptDataError, DataNotFoundError)


def test_parse_decodes_shape_and_values() -> None:
    tensor = parse_idx(idx_bytes([[1, 2, 3], [4, 5, 255]]))
    assert tensor.dtype == torch.uint8
    assert tensor.tolist() == [[1, 2, 3], [4, 5, 255]]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x12\x34\x08\x02" + bytes(8), "bad magic number 0x12340802"),
        (b"\x00\x00\x0d\x01" + struct.pack(">I", 1) + bytes(4), "unsupported IDX dtype code 0x0d"),
        (b"\x00\x00\x08", "truncated: expected at least 4 bytes got 3"),
        (b"\x00\x00\x08\x03" + bytes(4), "truncated: expected at least 16 bytes got 8"),
        (idx_bytes([[1, 2], [3, 4]])[:-1], "truncated: expected 16 bytes got 15"),
        (idx_bytes([[1, 2], [3, 4]]) + b"x", "wrong size: expected 16 bytes got 17"),
    ],
    ids=["magic", "dtype", "short", "short-header", "truncated", "trailing"],
)
def test_parse_rejects_damaged_bytes(data: bytes, expected: str) -> None:
    with pytest.raises(CorruptDataError, match="^some-file: ") as info:
        parse_idx(data, "some-file")
    assert expected in str(info.value)


def test_read_raw_and_gz_agree_and_check_md5(tmp_path: Path) -> None:
    data = idx_bytes([[7, 8], [9, 10]])
    (tmp_path / "a").write_bytes(data)
    (tmp_path / "a.gz").write_bytes(gzip.compress(data))
    digest = md5_hex(data)
    raw, packed = read_idx(tmp_path / "a", md5=digest), read_idx(tmp_path / "a.gz", md5=digest)
    assert torch.equal(raw, packed)
    with pytest.raises(CorruptDataError, match=r"a\.gz: md5 mismatch"):
        read_idx(tmp_path / "a.gz", md5="0" * 32)


def test_bad_gzip_stream_names_file(tmp_path: Path) -> None:
    path = tmp_path / "b.gz"
    path.write_bytes(gzip.compress(idx_bytes([[1, 2]] * 100))[:-20])
    with pytest.raises(CorruptDataError, match=f"^{path}: bad gzip stream"):
        read_idx(path)
    path.write_bytes(b"not gzip at all")
    with pytest.raises(CorruptDataError, match=f"^{path}: bad gzip stream"):
        read_idx(path)


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="nope: cannot read"):
        read_idx(tmp_path / "nope")
