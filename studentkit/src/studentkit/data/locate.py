"""Finding the four Fashion-MNIST IDX files on this machine (or downloading them).

The places tried, in order:

1. the folder named by the environment variable ``FASHION_MNIST_DIR`` (an
   explicit setting wins: if it lacks files, that is an error, not a reason to
   look elsewhere);
2. Debian's folder ``/usr/share/datasets/fashion-mnist`` (package
   ``dataset-fashion-mnist``);
3. torchvision's downloader, into ``<cache dir>/torchvision`` (only if
   torchvision is importable; a failure, e.g. no internet, just falls through).

Each file may be stored decompressed or as ``<name>.gz``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import DataNotFoundError

__all__ = ["ENV_VAR", "DEBIAN_DIR", "FILE_NAMES", "find_files", "locate_files"]

ENV_VAR = "FASHION_MNIST_DIR"
"""Environment variable naming a folder that holds the four IDX files."""

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
"""Where Debian's package ``dataset-fashion-mnist`` installs the files."""

FILE_NAMES: dict[str, str] = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
"""The four files, by the name of the tensor each one holds."""

Located = tuple[dict[str, Path], str]
"""The four files by tensor name, and a description of where they came from."""


def _find_one(folder: Path, name: str) -> Path | None:
    """Return ``folder/name`` or ``folder/name.gz`` (preferring the former), if a file."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def find_files(folder: str | os.PathLike[str]) -> dict[str, Path] | None:
    """Return the four files in ``folder`` by tensor name, or ``None`` if any is missing."""
    found = {key: _find_one(Path(folder), name) for key, name in FILE_NAMES.items()}
    if any(path is None for path in found.values()):
        return None
    return found  # type: ignore[return-value]


def _from_explicit(folder: Path, how: str) -> Located:
    """Use the explicitly chosen ``folder``; raise if it lacks any file."""
    found = find_files(folder)
    if found is None:
        missing = [n for n in FILE_NAMES.values() if _find_one(folder, n) is None]
        what = "does not exist" if not folder.is_dir() else f"lacks {', '.join(missing)}"
        raise DataNotFoundError(
            f"{folder} ({how}) {what}; it must hold the four Fashion-MNIST IDX files "
            "(decompressed or .gz)"
        )
    return found, f"{folder} ({how})"


def _one_line(text: str) -> str:
    """Collapse whitespace (including newlines) so ``text`` fits one message line."""
    return " ".join(text.split())


def _download(root: Path, enabled: bool) -> tuple[dict[str, Path] | None, str]:
    """Find earlier-downloaded files under ``root`` or download them with torchvision.

    Returns the files (or ``None``) and, if ``None``, why not.
    """
    raw = root / "FashionMNIST" / "raw"
    found = find_files(raw)
    if found is not None:
        return found, ""
    if not enabled:
        return None, "download disabled"
    try:
        from torchvision import datasets
    except ImportError:
        return None, "torchvision is not installed"
    try:
        with contextlib.redirect_stdout(sys.stderr):  # keep stdout for the caller's output
            datasets.FashionMNIST(root=str(root), train=True, download=True)
    except Exception as exc:  # no internet, server down, disk full...
        return None, _one_line(f"torchvision's download failed: {exc}")[:300]
    found = find_files(raw)
    return found, f"torchvision's download left no files in {raw}"


def not_found_message(tried: Sequence[Path], download_note: str) -> str:
    """The one-line message naming the three ways to provide the data."""
    return (
        "Fashion-MNIST not found "
        f"(looked in {', '.join(map(str, tried)) or 'no folders'}; {download_note}). "
        f"Do one of: (1) set {ENV_VAR} to a folder with the four IDX files "
        f"({', '.join(FILE_NAMES.values())}, decompressed or .gz); "
        "(2) run `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu); "
        "(3) give this machine internet access so torchvision can download it "
        "(pip install torchvision)."
    )


def locate_files(
    *,
    data_dir: str | os.PathLike[str] | None = None,
    system_dirs: Sequence[str | os.PathLike[str]] = (DEBIAN_DIR,),
    download: bool = True,
    download_root: str | os.PathLike[str] | None = None,
) -> Located:
    """Find the four IDX files; see the module docstring for the order.

    Args:
        data_dir: a folder to use instead of ``$FASHION_MNIST_DIR``; ``None``
            means read the environment variable.
        system_dirs: folders tried next (default: Debian's folder).
        download: whether torchvision may download the files.
        download_root: torchvision's ``root`` (default: ``<cache dir>/torchvision``);
            files downloaded there earlier are used even if ``download`` is false.

    Raises:
        DataNotFoundError: the explicit folder lacks files, or nothing was found.
    """
    if data_dir is not None:
        return _from_explicit(Path(data_dir), "data_dir")
    if os.environ.get(ENV_VAR):
        return _from_explicit(Path(os.environ[ENV_VAR]), ENV_VAR)
    for folder in map(Path, system_dirs):
        found = find_files(folder)
        if found is not None:
            how = "Debian package dataset-fashion-mnist" if folder == DEBIAN_DIR else "system"
            return found, f"{folder} ({how})"
    if download_root is None:
        from .cache import cache_dir

        download_root = cache_dir() / "torchvision"
    found, why = _download(Path(download_root), download)
    if found is not None:
        return found, f"{Path(download_root) / 'FashionMNIST' / 'raw'} (torchvision download)"
    raise DataNotFoundError(not_found_message([Path(d) for d in system_dirs], why))
