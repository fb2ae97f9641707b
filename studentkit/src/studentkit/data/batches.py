"""Fast mini-batches from tensors already in memory: :class:`TensorBatches`.

Instead of a ``torch.utils.data.DataLoader`` that converts one PIL image at a
time (``ToTensor``), the whole uint8 image tensor is converted to float32 in
``[0, 1]`` once, on the chosen device, and every batch is one indexing
operation.  An epoch of Fashion-MNIST then takes milliseconds instead of seconds.

:func:`load_data_fashion_mnist` is the drop-in for d2l's function of that name.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from .fashion_mnist import FashionMNIST, load_fashion_mnist

__all__ = ["TensorBatches", "load_data_fashion_mnist"]

Device = str | torch.device


class TensorBatches:
    """An iterable of ``(X, y)`` mini-batches over fixed tensors.

    Each pass (``for X, y in batches``) is one epoch and visits every example
    exactly once (or all but the last incomplete batch with ``drop_last``).

    Args:
        images: ``(N, 28, 28)`` or ``(N, 1, 28, 28)``; uint8 (0..255, scaled to
            [0, 1]) or floating point (used as is).
        labels: ``(N,)`` integer class indices.
        batch_size: examples per batch (the last batch may be smaller).
        shuffle: draw a new random order at the start of every epoch.
        seed: seed of the ``torch.Generator`` behind the order: the same seed
            gives the same sequence of epoch orders; each epoch differs.
        drop_last: skip the last batch if it has fewer than ``batch_size`` examples.
        flatten: yield ``X`` of shape ``(B, 784)`` instead of ``(B, 1, 28, 28)``.
        device: where the converted tensors (and hence the batches) live.

    Yields:
        ``X``: float32, ``(B, 1, 28, 28)`` (or ``(B, 784)``), values in [0, 1];
        ``y``: int64, ``(B,)``.  Both are new tensors (not views of the data).
    """

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        batch_size: int,
        *,
        shuffle: bool = False,
        seed: int = 0,
        drop_last: bool = False,
        flatten: bool = False,
        device: Device = "cpu",
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.device = torch.device(device)
        self.X = _to_float(images.to(self.device), flatten)  # converted once, on the device
        self.y = labels.to(device=self.device, dtype=torch.int64)
        self.generator = torch.Generator().manual_seed(seed)

    @property
    def num_examples(self) -> int:
        """Number of examples (N), counting any that ``drop_last`` skips."""
        return len(self.y)

    def __len__(self) -> int:
        """Number of batches per epoch."""
        n, b = self.num_examples, self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        order = None
        if self.shuffle:
            order = torch.randperm(self.num_examples, generator=self.generator)
            order = order.to(self.device)
        for i in range(len(self)):
            start, stop = i * self.batch_size, (i + 1) * self.batch_size
            if order is None:
                yield self.X[start:stop].clone(), self.y[start:stop].clone()
            else:
                index = order[start:stop]
                yield self.X[index], self.y[index]

    def __repr__(self) -> str:
        return (
            f"TensorBatches(examples={self.num_examples}, batch_size={self.batch_size}, "
            f"batches={len(self)}, shuffle={self.shuffle}, X={tuple(self.X.shape[1:])}, "
            f"device={self.device})"
        )


def _to_float(images: torch.Tensor, flatten: bool) -> torch.Tensor:
    """Convert ``(N, 28, 28)`` images to float32 ``(N, 1, 28, 28)`` (or ``(N, 784)``) in [0, 1]."""
    if images.dtype == torch.uint8:
        images = images.to(torch.float32).div_(255)
    elif images.is_floating_point():
        images = images.to(torch.float32)
    else:
        raise TypeError(f"images must be uint8 or floating point, got {images.dtype}")
    n = len(images)
    return images.reshape(n, -1) if flatten else images.reshape(n, 1, *images.shape[-2:])


def load_data_fashion_mnist(
    batch_size: int,
    *,
    validation_size: int = 0,
    seed: int = 0,
    device: Device = "cpu",
    flatten: bool = False,
    data: FashionMNIST | None = None,
) -> tuple[TensorBatches, ...]:
    """Fashion-MNIST as mini-batch iterables, like d2l's function of the same name.

    Args:
        batch_size: examples per batch.
        validation_size: if positive, hold out that many training images (a
            random subset chosen with ``seed``) as a validation set.
        seed: seeds both the validation split and the training shuffle.
        device: where the batches live (e.g. ``"cuda"``).
        flatten: yield ``X`` as ``(B, 784)`` instead of ``(B, 1, 28, 28)``.
        data: the data set to use (default: :func:`load_fashion_mnist`).

    Returns:
        ``(train_iter, test_iter)``, or ``(train_iter, validation_iter, test_iter)``
        when ``validation_size > 0``.  Only ``train_iter`` is shuffled.
    """
    data = load_fashion_mnist() if data is None else data
    n_train = len(data.train_labels)
    if not 0 <= validation_size < n_train:
        raise ValueError(f"validation_size must be in 0..{n_train - 1}, got {validation_size}")
    options = {"batch_size": batch_size, "device": device, "flatten": flatten}
    test_iter = TensorBatches(data.test_images, data.test_labels, **options)
    if validation_size == 0:
        train_iter = TensorBatches(
            data.train_images, data.train_labels, shuffle=True, seed=seed, **options
        )
        return train_iter, test_iter
    order = torch.randperm(n_train, generator=torch.Generator().manual_seed(seed))
    held_out, kept = order[:validation_size].sort().values, order[validation_size:].sort().values
    train_iter = TensorBatches(
        data.train_images[kept], data.train_labels[kept], shuffle=True, seed=seed, **options
    )
    validation_iter = TensorBatches(
        data.train_images[held_out], data.train_labels[held_out], **options
    )
    return train_iter, validation_iter, test_iter
