"""What happens when the data is nowhere, and torchvision's download as the last resort."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import torchvision.datasets

from studentkit.data import DataNotFoundError, load_fashion_mnist
from studentkit.data.locate import DEBIAN_DIR, FILE_NAMES


def assert_names_three_ways(message: str) -> None:
    assert "\n" not in message
    assert "FASHION_MNIST_DIR" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "internet" in message and "torchvision" in message


def test_nothing_anywhere(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataNotFoundError) as info:
        load_fashion_mnist(system_dirs=[empty], download=False)
    assert_names_three_ways(str(info.value))
    assert str(empty) in str(info.value)


def test_incomplete_system_dir_is_skipped(tmp_path: Path, raw_dir: Path) -> None:
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copyfile(DEBIAN_DIR / "t10k-labels-idx1-ubyte.gz", partial / "t10k-labels-idx1-ubyte.gz")
    data = load_fashion_mnist(system_dirs=[partial, raw_dir], download=False, use_cache=False)
    assert data.source == f"{raw_dir} (system)"


def test_failed_download_falls_through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(**kwargs: Any) -> None:
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz:\nTried x, got: no route")

    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", no_network)
    with pytest.raises(DataNotFoundError) as info:
        load_fashion_mnist(system_dirs=[tmp_path / "none"])
    assert_names_three_ways(str(info.value))
    reason = "download failed: Error downloading train-images-idx3-ubyte.gz: Tried x, got"
    assert reason in str(info.value)  # the multi-line reason, folded into the one line


def test_without_torchvision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torchvision", None)  # makes the import fail
    with pytest.raises(DataNotFoundError, match="torchvision is not installed") as info:
        load_fashion_mnist(system_dirs=[tmp_path / "none"])
    assert_names_three_ways(str(info.value))


def test_download_is_used_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw_dir: Path
) -> None:
    calls: list[dict[str, Any]] = []

    def fake_download(**kwargs: Any) -> None:
        calls.append(kwargs)
        raw = Path(kwargs["root"]) / "FashionMNIST" / "raw"
        raw.mkdir(parents=True)
        for name in FILE_NAMES.values():  # torchvision leaves decompressed files there
            shutil.copyfile(raw_dir / name, raw / name)
        print("Downloading ...")  # torchvision chats on stdout

    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", fake_download)
    root = tmp_path / "tv"
    data = load_fashion_mnist(system_dirs=[], download_root=root)
    assert calls == [{"root": str(root), "train": True, "download": True}]
    assert "torchvision download" in data.source and str(root) in data.source
    assert data.train_images.shape == (60000, 28, 28)
    again = load_fashion_mnist(system_dirs=[], download_root=root, download=False)
    assert len(calls) == 1 and again.source == data.source


def test_default_download_root_is_in_cache_dir(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    roots: list[str] = []

    def fake_download(**kwargs: Any) -> None:
        roots.append(kwargs["root"])
        raise OSError("offline")

    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", fake_download)
    with pytest.raises(DataNotFoundError, match="offline"):
        load_fashion_mnist(system_dirs=[])
    assert roots == [str(isolated_env / "torchvision")]
