"""Fixtures for the tests of :mod:`studentkit.data`.

Every test gets its own empty cache folder (``$FASHION_MNIST_CACHE``) and no
``$FASHION_MNIST_DIR``, so nothing here reads or writes the user's cache.
"""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from studentkit.data.fashion_mnist import FashionMNIST, load_fashion_mnist
from studentkit.data.locate import DEBIAN_DIR, FILE_NAMES

FolderMaker = Callable[..., Path]


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point the cache at a fresh temporary folder and unset ``FASHION_MNIST_DIR``."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("FASHION_MNIST_CACHE", str(cache))
    monkeypatch.delenv("FASHION_MNIST_DIR", raising=False)
    return cache


@pytest.fixture(scope="session")
def raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with decompressed copies of Debian's four files (shared: do not modify)."""
    folder = tmp_path_factory.mktemp("raw")
    for name in FILE_NAMES.values():
        with gzip.open(DEBIAN_DIR / f"{name}.gz", "rb") as src, open(folder / name, "wb") as dst:
            shutil.copyfileobj(src, dst)
    return folder


@pytest.fixture
def make_folder(tmp_path: Path, raw_dir: Path) -> FolderMaker:
    """Build a data folder: ``make_folder(gz={...keys})`` stores those files as .gz copies.

    Keys are ``train_images`` etc.; the rest are decompressed copies, except
    those in ``omit``.
    """

    def make(*, gz: set[str] = frozenset(), omit: set[str] = frozenset()) -> Path:
        folder = tmp_path / "data"
        folder.mkdir()
        for key, file_name in FILE_NAMES.items():
            if key in omit:
                continue
            if key in gz:
                shutil.copyfile(DEBIAN_DIR / f"{file_name}.gz", folder / f"{file_name}.gz")
            else:
                shutil.copyfile(raw_dir / file_name, folder / file_name)
        return folder

    return make


@pytest.fixture(scope="session")
def real_data(tmp_path_factory: pytest.TempPathFactory) -> FashionMNIST:
    """The real data set, loaded once for the session without touching any cache."""
    return load_fashion_mnist(use_cache=False, download=False)
