"""The two training pipelines, each timed from reading the data to the final test accuracy.

* The seed's: torchvision's ``FashionMNIST(root, train=..., transform=ToTensor(), download=False)``
  over decompressed copies of the very IDX files the course reads, laid out as torchvision
  expects (``<root>/FashionMNIST/raw/``), and ``DataLoader(batch_size, shuffle=True,
  num_workers=N)``; every batch is moved to the device.
* The course's: ``studentkit.data.load_data_fashion_mnist(batch_size, device=...)``: decoded
  tensors from the cache, converted once, on the device.

Both train :class:`~.softmax_model.SoftmaxRegression` with the same recipe.
"""

from __future__ import annotations

import gzip
import shutil
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Subset

from studentkit.data import FashionMNIST, load_data_fashion_mnist, load_fashion_mnist
from studentkit.data.locate import FILE_NAMES, locate_files

from .config import BenchConfig
from .softmax_model import fit


@dataclass
class PipelineRun:
    """One training run: seconds to build the loaders (data read included), in total, and accuracy."""

    setup_s: float
    total_s: float
    accuracy: float


def torchvision_root(folder: Path) -> Path:
    """Lay out decompressed copies of the course's IDX files under ``folder/FashionMNIST/raw/``.

    Returns ``folder``, the ``root`` to give torchvision (which then reads the raw files and
    downloads nothing).
    """
    files, _ = locate_files(download=False)
    raw = folder / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for key, name in FILE_NAMES.items():
        source = files[key]
        if source.name.endswith(".gz"):
            (raw / name).write_bytes(gzip.decompress(source.read_bytes()))
        else:
            shutil.copyfile(source, raw / name)
    return folder


def seed_loaders(root: Path, config: BenchConfig, workers: int) -> tuple[DataLoader, DataLoader]:
    """The seed's loaders: torchvision data sets with ``ToTensor`` in ``DataLoader`` s.

    Batches: ``X`` float32 ``(B, 1, 28, 28)`` in [0, 1], ``y`` int64 ``(B,)``, on the CPU.
    """
    from torchvision import datasets, transforms

    to_tensor = transforms.ToTensor()
    train = datasets.FashionMNIST(root=str(root), train=True, transform=to_tensor, download=False)
    test = datasets.FashionMNIST(root=str(root), train=False, transform=to_tensor, download=False)
    if config.train_subset:
        train = Subset(train, range(min(config.train_subset, len(train))))
        test = Subset(test, range(min(config.train_subset, len(test))))
    return (DataLoader(train, config.batch_size, shuffle=True, num_workers=workers),
            DataLoader(test, config.batch_size, shuffle=False, num_workers=workers))


def _subset(data: FashionMNIST, n: int) -> FashionMNIST:
    """The first ``n`` training and test examples of ``data``."""
    return replace(data, train_images=data.train_images[:n], train_labels=data.train_labels[:n],
                   test_images=data.test_images[:n], test_labels=data.test_labels[:n])


def run_course(config: BenchConfig, seed: int = 0) -> PipelineRun:
    """Train with the course's loader; batches are made on ``config.device`` once."""
    start = time.perf_counter()
    data = _subset(load_fashion_mnist(), config.train_subset) if config.train_subset else None
    train_iter, test_iter = load_data_fashion_mnist(config.batch_size, seed=seed, device=config.device, data=data)
    setup = time.perf_counter() - start
    accuracy = fit(train_iter, test_iter, epochs=config.epochs, lr=config.lr, device=config.device)
    _synchronize(config.device)
    return PipelineRun(setup, time.perf_counter() - start, accuracy)


def run_loop_only(config: BenchConfig, seed: int = 0) -> PipelineRun:
    """The training loop alone, on one epoch of the course's batches made beforehand (not timed).

    Every epoch replays the same batches in the same order; the model, the loop and the
    evaluation are those of both pipelines, and no loader runs, so this is the floor under both.
    """
    data = _subset(load_fashion_mnist(), config.train_subset) if config.train_subset else None
    train_iter, test_iter = load_data_fashion_mnist(config.batch_size, seed=seed, device=config.device, data=data)
    train_batches, test_batches = list(train_iter), list(test_iter)
    start = time.perf_counter()
    accuracy = fit(train_batches, test_batches, epochs=config.epochs, lr=config.lr, device=config.device)
    _synchronize(config.device)
    return PipelineRun(0.0, time.perf_counter() - start, accuracy)


def run_seed(config: BenchConfig, root: Path, workers: int, seed: int = 0) -> PipelineRun:
    """Train with the seed's loader (``num_workers=workers``); every batch moves to the device."""
    torch.manual_seed(seed)  # the DataLoader shuffles with the global generator
    with warnings.catch_warnings():  # "4 workers but 2 cores suggested": the seed's setting, on purpose
        warnings.filterwarnings("ignore", message=".*worker processes in total", category=UserWarning)
        start = time.perf_counter()
        train_iter, test_iter = seed_loaders(root, config, workers)
        setup = time.perf_counter() - start
        accuracy = fit(train_iter, test_iter, epochs=config.epochs, lr=config.lr, device=config.device,
                       move_batches=True)
    _synchronize(config.device)
    return PipelineRun(setup, time.perf_counter() - start, accuracy)


def _synchronize(device: str) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()
