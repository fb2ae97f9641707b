"""Fashion-MNIST as four verified tensors: :func:`load_fashion_mnist`.

Fashion-MNIST has 70000 grayscale 28x28 images of clothing in 10 classes:
60000 for training and 10000 for testing, 6000 / 1000 per class.

The files are located as described in :mod:`studentkit.data.locate`,
verified (md5 of the decompressed bytes, shapes, class counts) and the decoded
tensors cached (:mod:`studentkit.data.cache`), so a second load is fast.
A damaged or wrong file raises :class:`CorruptDataError` naming the file;
this module never returns a silently wrong data set.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from . import cache, idx
from .errors import CorruptDataError
from .locate import DEBIAN_DIR, FILE_NAMES, locate_files

__all__ = ["CLASS_NAMES", "MD5", "FashionMNIST", "load_fashion_mnist", "text_labels"]

CLASS_NAMES: tuple[str, ...] = (
    "t-shirt/top",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
)
"""The names of the 10 classes; label ``i`` means ``CLASS_NAMES[i]``."""

MD5: dict[str, str] = {
    "train_images": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train_labels": "9018921c3c673c538a1fc5bad174d6f9",
    "test_images": "8181f5470baa50b63fa0f6fddb340f0a",
    "test_labels": "15d484375f8d13e6eb1aabb0c3f46965",
}
"""Upstream md5 of each *decompressed* IDX file."""

_SIZES = {"train": 60000, "test": 10000}
_NUM_CLASSES = len(CLASS_NAMES)


@dataclass(frozen=True, eq=False)
class FashionMNIST:
    """The whole data set, on the CPU.

    Attributes:
        train_images: ``torch.uint8``, shape ``(60000, 28, 28)``, values 0..255.
        train_labels: ``torch.int64``, shape ``(60000,)``, values 0..9.
        test_images: ``torch.uint8``, shape ``(10000, 28, 28)``.
        test_labels: ``torch.int64``, shape ``(10000,)``.
        source: where the files came from (a folder and how it was chosen).
    """

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    source: str

    def __repr__(self) -> str:
        return (
            f"FashionMNIST(train={tuple(self.train_images.shape)}, "
            f"test={tuple(self.test_images.shape)}, source={self.source!r})"
        )


def check_tensors(tensors: Mapping[str, torch.Tensor], where: Mapping[str, str]) -> None:
    """Check dtypes, shapes and class counts of the four tensors.

    Args:
        tensors: ``train_images``/``test_images`` (uint8, ``(N, 28, 28)``) and
            ``train_labels``/``test_labels`` (int64, ``(N,)``), N = 60000 / 10000.
        where: for each key, the file to name in an error message.

    Raises:
        CorruptDataError: naming the offending file.
    """
    for split, n in _SIZES.items():
        images, labels = tensors[f"{split}_images"], tensors[f"{split}_labels"]
        _check(images, torch.uint8, (n, 28, 28), where[f"{split}_images"])
        _check(labels, torch.int64, (n,), where[f"{split}_labels"])
        _check_classes(labels, n // _NUM_CLASSES, where[f"{split}_labels"])


def _check(tensor: torch.Tensor, dtype: torch.dtype, shape: tuple[int, ...], name: str) -> None:
    """Raise :class:`CorruptDataError` unless ``tensor`` has ``dtype`` and ``shape``."""
    if not isinstance(tensor, torch.Tensor) or tensor.dtype != dtype:
        got = tensor.dtype if isinstance(tensor, torch.Tensor) else type(tensor).__name__
        raise CorruptDataError(f"{name}: wrong dtype: expected {dtype} got {got}")
    if tuple(tensor.shape) != shape:
        raise CorruptDataError(
            f"{name}: wrong shape: expected {shape} got {tuple(tensor.shape)}"
        )


def _check_classes(labels: torch.Tensor, per_class: int, name: str) -> None:
    """Raise unless ``labels`` holds exactly ``per_class`` examples of each of the 10 classes."""
    if labels.numel() and (labels.min() < 0 or labels.max() >= _NUM_CLASSES):
        raise CorruptDataError(f"{name}: labels outside 0..{_NUM_CLASSES - 1}")
    counts = torch.bincount(labels, minlength=_NUM_CLASSES)
    if not bool((counts == per_class).all()):
        raise CorruptDataError(
            f"{name}: wrong class counts: expected {per_class} of each class got {counts.tolist()}"
        )


def _read_verified(files: Mapping[str, Path]) -> dict[str, torch.Tensor]:
    """Read the four IDX files, checking each file's md5, then shapes and class counts."""
    tensors = {key: idx.read_idx(files[key], md5=MD5[key]) for key in FILE_NAMES}
    for key in ("train_labels", "test_labels"):
        tensors[key] = tensors[key].to(torch.int64)
    check_tensors(tensors, {key: str(path) for key, path in files.items()})
    return tensors


def _from_cache(stamp: cache.Fingerprint) -> FashionMNIST | None:
    """Return the cached data set built from files with fingerprint ``stamp``, if valid."""
    content = cache.load_cache(stamp)
    if content is None:
        return None
    try:
        tensors = {key: content[key] for key in FILE_NAMES}
        check_tensors(tensors, dict.fromkeys(FILE_NAMES, str(cache.cache_file())))
        source = str(content["source"])
    except (KeyError, CorruptDataError):
        return None  # a damaged cache is just rebuilt
    return FashionMNIST(**tensors, source=source)


def load_with_cache_path(
    *,
    data_dir: str | os.PathLike[str] | None = None,
    system_dirs: Sequence[str | os.PathLike[str]] = (DEBIAN_DIR,),
    download: bool = True,
    download_root: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
) -> tuple[FashionMNIST, Path | None]:
    """Like :func:`load_fashion_mnist`, also returning the cache file (``None`` if not cached)."""
    files, source = locate_files(
        data_dir=data_dir, system_dirs=system_dirs, download=download, download_root=download_root
    )
    stamp = cache.fingerprint(files[key] for key in FILE_NAMES)
    if use_cache:
        cached = _from_cache(stamp)
        if cached is not None:
            return cached, cache.cache_file()
    tensors = _read_verified(files)
    saved = cache.save_cache(stamp, tensors, source) if use_cache else None
    return FashionMNIST(**tensors, source=source), saved


def load_fashion_mnist(
    *,
    data_dir: str | os.PathLike[str] | None = None,
    system_dirs: Sequence[str | os.PathLike[str]] = (DEBIAN_DIR,),
    download: bool = True,
    download_root: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
) -> FashionMNIST:
    """Locate, verify and return Fashion-MNIST (cached after the first call).

    Locating order: ``data_dir`` or else ``$FASHION_MNIST_DIR``; then
    ``system_dirs`` (Debian's ``/usr/share/datasets/fashion-mnist``); then
    torchvision's download into ``download_root`` if ``download``.

    Returns:
        A :class:`FashionMNIST` with uint8 images ``(60000, 28, 28)`` /
        ``(10000, 28, 28)`` and int64 labels ``(60000,)`` / ``(10000,)``.

    Raises:
        DataNotFoundError: nothing found (the message names the three ways to
            get the data), or the chosen folder lacks files.
        CorruptDataError: a file is damaged or not the original (names the file).
    """
    data, _ = load_with_cache_path(
        data_dir=data_dir,
        system_dirs=system_dirs,
        download=download,
        download_root=download_root,
        use_cache=use_cache,
    )
    return data


def text_labels(labels: torch.Tensor | Iterable[int]) -> list[str]:
    """Return the class name of each label.

    Example: ``text_labels([0, 9]) == ['t-shirt/top', 'ankle boot']``.

    Args:
        labels: integer class indices 0..9, any shape of tensor or an iterable of ints.
    """
    values = labels.flatten().tolist() if isinstance(labels, torch.Tensor) else list(labels)
    names = []
    for value in values:
        if int(value) != value or not 0 <= value < _NUM_CLASSES:
            raise ValueError(f"not a Fashion-MNIST label (0..{_NUM_CLASSES - 1}): {value!r}")
        names.append(CLASS_NAMES[int(value)])
    return names
