"""Loading the real data set, from Debian's folder or ``$FASHION_MNIST_DIR``, and its checks."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from studentkit.data import (
    CLASS_NAMES,
    CorruptDataError,
    DataNotFoundError,
    FashionMNIST,
    load_fashion_mnist,
    text_labels,
)
from studentkit.data.fashion_mnist import check_tensors
from studentkit.data.locate import DEBIAN_DIR

FolderMaker = Callable[..., Path]


def assert_is_fashion_mnist(data: FashionMNIST) -> None:
    """Shapes, dtypes and class counts of the genuine data set."""
    assert data.train_images.shape == (60000, 28, 28)
    assert data.test_images.shape == (10000, 28, 28)
    assert data.train_images.dtype == data.test_images.dtype == torch.uint8
    assert data.train_labels.shape == (60000,) and data.test_labels.shape == (10000,)
    assert data.train_labels.dtype == data.test_labels.dtype == torch.int64
    assert torch.bincount(data.train_labels).tolist() == [6000] * 10
    assert torch.bincount(data.test_labels).tolist() == [1000] * 10
    assert int(data.train_images.max()) == 255 and int(data.train_images.min()) == 0


def test_debian_data_loads(real_data: FashionMNIST) -> None:
    assert_is_fashion_mnist(real_data)
    assert str(DEBIAN_DIR) in real_data.source
    assert real_data.train_labels[:5].tolist() == [9, 0, 0, 3, 0]  # first labels upstream
    assert "60000" in repr(real_data)


def test_env_dir_with_decompressed_and_gz_files(
    make_folder: FolderMaker, monkeypatch: pytest.MonkeyPatch, real_data: FashionMNIST
) -> None:
    folder = make_folder(gz={"test_images", "test_labels"})
    monkeypatch.setenv("FASHION_MNIST_DIR", str(folder))
    data = load_fashion_mnist(system_dirs=[], download=False)
    assert_is_fashion_mnist(data)
    assert str(folder) in data.source and "FASHION_MNIST_DIR" in data.source
    assert torch.equal(data.train_images, real_data.train_images)
    assert torch.equal(data.test_labels, real_data.test_labels)


def test_env_dir_wins_over_debian(
    make_folder: FolderMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_folder(omit={"test_labels"})
    monkeypatch.setenv("FASHION_MNIST_DIR", str(folder))
    with pytest.raises(DataNotFoundError) as info:
        load_fashion_mnist()  # Debian's folder is complete, but the explicit setting wins
    message = str(info.value)
    assert str(folder) in message and "t10k-labels-idx1-ubyte" in message
    assert "\n" not in message


def test_env_dir_that_does_not_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(DataNotFoundError, match="nowhere .*does not exist"):
        load_fashion_mnist()


def test_truncated_file_names_it(
    make_folder: FolderMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_folder()
    path = folder / "train-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes()[:30004])
    monkeypatch.setenv("FASHION_MNIST_DIR", str(folder))
    with pytest.raises(CorruptDataError) as info:
        load_fashion_mnist()
    assert str(info.value) == f"{path}: truncated: expected 60008 bytes got 30004"


def test_truncated_gz_file_names_it(
    make_folder: FolderMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_folder(gz={"test_images"})
    path = folder / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100000])
    monkeypatch.setenv("FASHION_MNIST_DIR", str(folder))
    with pytest.raises(CorruptDataError, match=f"^{path}: bad gzip stream"):
        load_fashion_mnist()


def test_flipped_label_byte_fails_md5(
    make_folder: FolderMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_folder(gz={"train_labels"})
    path = folder / "train-labels-idx1-ubyte.gz"
    data = bytearray(gzip.decompress(path.read_bytes()))
    data[8 + 1234] ^= 1  # still a label 0..9, so only the checksum can tell
    path.write_bytes(gzip.compress(bytes(data)))
    monkeypatch.setenv("FASHION_MNIST_DIR", str(folder))
    with pytest.raises(CorruptDataError, match=f"^{path}: md5 mismatch"):
        load_fashion_mnist()


def test_check_tensors_catches_wrong_shapes_and_counts(real_data: FashionMNIST) -> None:
    tensors = {
        "train_images": real_data.train_images,
        "train_labels": real_data.train_labels,
        "test_images": real_data.test_images,
        "test_labels": real_data.test_labels,
    }
    where = {key: f"<{key}>" for key in tensors}
    check_tensors(tensors, where)
    bad_shape = dict(tensors, test_images=real_data.test_images[:, :27])
    with pytest.raises(CorruptDataError, match="^<test_images>: wrong shape"):
        check_tensors(bad_shape, where)
    skewed = real_data.train_labels.clone()
    skewed[real_data.train_labels == 3] = 4  # no class 3 at all
    with pytest.raises(CorruptDataError, match="^<train_labels>: wrong class counts"):
        check_tensors(dict(tensors, train_labels=skewed), where)
    with pytest.raises(CorruptDataError, match="^<test_labels>: wrong dtype"):
        check_tensors(dict(tensors, test_labels=real_data.test_labels.to(torch.uint8)), where)


def test_text_labels() -> None:
    assert len(CLASS_NAMES) == 10
    assert text_labels([0, 9]) == ["t-shirt/top", "ankle boot"]
    assert text_labels(torch.tensor([[1], [8]])) == ["trouser", "bag"]
    with pytest.raises(ValueError, match="-1"):
        text_labels([-1])
    with pytest.raises(ValueError, match="10"):
        text_labels(torch.tensor([10]))
