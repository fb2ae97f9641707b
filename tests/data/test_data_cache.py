"""The cache of decoded tensors: hits, invalidation, damaged cache files, where it lives."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

import studentkit.data.idx as idx_module
from studentkit.data import CorruptDataError, FashionMNIST, load_fashion_mnist
from studentkit.data.cache import cache_dir, cache_file, load_cache
from studentkit.data.locate import DEBIAN_DIR, FILE_NAMES


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every file the IDX reader reads."""
    seen: list[Path] = []
    real = idx_module.read_idx

    def counting(path: Path, **kwargs: Any) -> torch.Tensor:
        seen.append(Path(path))
        return real(path, **kwargs)

    monkeypatch.setattr(idx_module, "read_idx", counting)
    return seen


@pytest.fixture
def small_copies(tmp_path: Path, raw_dir: Path) -> Path:
    """A data folder: .gz copies of the (small) label files, links to decompressed images."""
    folder = tmp_path / "copies"
    folder.mkdir()
    for key, name in FILE_NAMES.items():
        if "labels" in key:
            shutil.copyfile(DEBIAN_DIR / f"{name}.gz", folder / f"{name}.gz")
        else:
            (folder / name).symlink_to(raw_dir / name)
    return folder


def test_second_load_does_not_read_the_files(
    reads: list[Path], isolated_env: Path, real_data: FashionMNIST
) -> None:
    first = load_fashion_mnist(download=False)
    assert len(reads) == 4 and cache_file().is_file()
    assert cache_file().parent == isolated_env
    reads.clear()
    second = load_fashion_mnist(download=False)
    assert reads == []
    assert second.source == first.source
    for name in ("train_images", "train_labels", "test_images", "test_labels"):
        assert torch.equal(getattr(second, name), getattr(real_data, name))
    assert second.train_labels.dtype == torch.int64


def test_cache_is_keyed_by_source(reads: list[Path], small_copies: Path, raw_dir: Path) -> None:
    load_fashion_mnist(data_dir=raw_dir)
    reads.clear()
    data = load_fashion_mnist(data_dir=small_copies)
    assert len(reads) == 4 and str(small_copies) in data.source


def test_changed_source_invalidates_cache(reads: list[Path], small_copies: Path) -> None:
    load_fashion_mnist(data_dir=small_copies)
    labels = small_copies / "train-labels-idx1-ubyte.gz"
    stat = labels.stat()
    os.utime(labels, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    reads.clear()
    load_fashion_mnist(data_dir=small_copies)
    assert len(reads) == 4
    reads.clear()
    load_fashion_mnist(data_dir=small_copies)
    assert reads == []  # and the rebuilt cache is used again


def test_cache_never_hides_a_corrupted_source(small_copies: Path) -> None:
    load_fashion_mnist(data_dir=small_copies)
    labels = small_copies / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(labels.read_bytes()[:-100])
    with pytest.raises(CorruptDataError, match=f"^{labels}: bad gzip stream"):
        load_fashion_mnist(data_dir=small_copies)


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]),
        lambda path: path.write_bytes(b"garbage"),
    ],
    ids=["truncated", "garbage"],
)
def test_damaged_cache_file_is_rebuilt(
    reads: list[Path], small_copies: Path, damage: Callable[[Path], Any]
) -> None:
    load_fashion_mnist(data_dir=small_copies)
    damage(cache_file())
    reads.clear()
    data = load_fashion_mnist(data_dir=small_copies)
    assert len(reads) == 4 and data.train_images.shape == (60000, 28, 28)
    content = torch.load(cache_file(), weights_only=True)
    assert content["train_images"].shape == (60000, 28, 28)
    assert [p.name for p in cache_file().parent.iterdir()] == [cache_file().name]  # no temp files


def test_cache_with_wrong_content_is_rebuilt(reads: list[Path], small_copies: Path) -> None:
    load_fashion_mnist(data_dir=small_copies)
    content = torch.load(cache_file(), weights_only=True)
    content["test_labels"] = torch.zeros(10000, dtype=torch.int64)  # right shape, wrong counts
    torch.save(content, cache_file())
    assert load_cache(content["fingerprint"]) is not None  # the fingerprint still matches
    reads.clear()
    data = load_fashion_mnist(data_dir=small_copies)
    assert len(reads) == 4
    assert torch.bincount(data.test_labels).tolist() == [1000] * 10


def test_unwritable_cache_only_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_copies: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("FASHION_MNIST_CACHE", str(blocker / "cache"))
    with pytest.warns(UserWarning, match="could not write the Fashion-MNIST cache"):
        data = load_fashion_mnist(data_dir=small_copies)
    assert data.test_images.shape == (10000, 28, 28)
    assert not cache_file().exists()


def test_cache_dir_locations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASHION_MNIST_CACHE", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("FASHION_MNIST_CACHE")
    assert cache_dir() == tmp_path / "xdg" / "softmax-course"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "softmax-course"
    assert cache_file().parent == cache_dir()


def test_cache_file_is_readable_by_other_users(tmp_path, monkeypatch) -> None:
    """Grading sandboxes run as another user and read the same cache."""
    import stat

    import torch

    from studentkit.data.cache import save_cache

    old_mask = os.umask(0o022)
    try:
        path = save_cache([], {"x": torch.zeros(2, dtype=torch.uint8)}, "test", path=tmp_path / "c.pt")
    finally:
        os.umask(old_mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
