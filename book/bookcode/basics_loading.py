"""The slow way to batch Fashion-MNIST, for the data chapter's timing comparison.

:class:`PerSampleImages` does what ``torchvision.datasets.FashionMNIST`` with
``transform=ToTensor()`` does for every example: it wraps one ``uint8`` image in a PIL
image, and :func:`to_tensor` converts it back to a float tensor divided by 255, the steps
of torchvision's ``ToTensor`` for a grayscale image (torchvision itself is not imported:
its import alone takes seconds). A ``DataLoader`` then collates the examples of a batch
one Python object at a time. :func:`epoch_seconds` times one pass over any iterable of
``(X, y)`` batches.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset

__all__ = ["PerSampleImages", "epoch_seconds", "per_sample_loader", "to_tensor"]


def to_tensor(picture: Image.Image) -> torch.Tensor:
    """A grayscale (mode ``"L"``) PIL image as a float32 ``(1, H, W)`` tensor in [0, 1].

    The steps of ``torchvision.transforms.ToTensor`` for such an image: copy the pixels
    into a new tensor, add the channel dimension, convert to float and divide by 255.
    """
    pixels = torch.from_numpy(np.array(picture, dtype=np.uint8, copy=True))
    return pixels.unsqueeze(0).to(torch.float32).div(255)


class PerSampleImages(Dataset):
    """Images converted one at a time, through PIL, as torchvision's data sets do.

    Args:
        images: ``(N, 28, 28)`` ``torch.uint8`` tensor, values 0..255.
        labels: ``(N,)`` integer tensor of class indices.

    Items are ``(x, y)`` with ``x`` a float32 ``(1, 28, 28)`` tensor in [0, 1] and ``y``
    a Python ``int``.
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor) -> None:
        if images.dtype != torch.uint8 or images.dim() != 3:
            raise ValueError(
                f"expected (N, H, W) uint8 images, got {images.dtype} {tuple(images.shape)}"
            )
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        self.images = images
        self.labels = labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        picture = Image.fromarray(self.images[index].numpy())  # 2-D uint8: mode "L"
        return to_tensor(picture), int(self.labels[index])


def per_sample_loader(
    images: torch.Tensor, labels: torch.Tensor, batch_size: int, seed: int = 0
) -> DataLoader:
    """A shuffled ``DataLoader`` over :class:`PerSampleImages` (no worker processes).

    Yields ``X`` float32 ``(B, 1, 28, 28)`` and ``y`` int64 ``(B,)``, like
    ``studentkit.data.TensorBatches``.
    """
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        PerSampleImages(images, labels), batch_size=batch_size, shuffle=True,
        generator=generator, num_workers=0,
    )


def epoch_seconds(batches: Iterable[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """Wall-clock seconds for one pass over ``batches``, touching every batch.

    Each batch's pixel sum is accumulated so that no lazy work is skipped.
    """
    start = time.perf_counter()
    total = 0.0
    for X, _ in batches:
        total += float(X.sum())
    elapsed = time.perf_counter() - start
    if total < 0:  # pixels are non-negative; this keeps `total` used
        raise RuntimeError("negative pixel sum")
    return elapsed
