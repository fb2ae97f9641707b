"""Mini-batches from preloaded tensors: TensorBatches and load_data_fashion_mnist."""

from __future__ import annotations

import pytest
import torch

from studentkit.data import FashionMNIST, TensorBatches, load_data_fashion_mnist


def numbered_images(n: int) -> torch.Tensor:
    """``(n, 28, 28)`` uint8 images whose first three pixels spell the image's index."""
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (n, 28, 28), dtype=torch.uint8, generator=generator)
    index = torch.arange(n)
    images[:, 0, 0] = index // 65536
    images[:, 0, 1] = index // 256 % 256
    images[:, 0, 2] = index % 256
    return images


def indices_of(X: torch.Tensor) -> list[int]:
    """Read back the indices that :func:`numbered_images` wrote into a batch."""
    pixels = (X.reshape(len(X), -1)[:, :3] * 255).round().long()
    return (pixels[:, 0] * 65536 + pixels[:, 1] * 256 + pixels[:, 2]).tolist()


def epoch_labels(batches: TensorBatches) -> list[int]:
    return [v for _, y in batches for v in y.tolist()]


def synthetic(n_train: int = 1000, n_test: int = 200) -> FashionMNIST:
    return FashionMNIST(
        train_images=numbered_images(n_train),
        train_labels=torch.arange(n_train) % 10,
        test_images=numbered_images(n_test),
        test_labels=torch.arange(n_test) % 10,
        source="synthetic",
    )


def test_each_example_once_per_epoch() -> None:
    batches = TensorBatches(numbered_images(103), torch.arange(103), 10, shuffle=True, seed=1)
    assert len(batches) == 11 and batches.num_examples == 103
    for _ in range(3):
        sizes, seen = [], []
        for X, y in batches:
            sizes.append(len(y))
            seen += y.tolist()
            assert indices_of(X) == y.tolist()  # images and labels stay paired
        assert sizes == [10] * 10 + [3]
        assert sorted(seen) == list(range(103)) and seen != list(range(103))


def test_drop_last() -> None:
    batches = TensorBatches(numbered_images(103), torch.arange(103), 10, drop_last=True)
    assert len(batches) == 10
    assert [len(y) for _, y in batches] == [10] * 10
    assert epoch_labels(batches) == list(range(100))


def test_seeded_order() -> None:
    def orders(seed: int) -> list[list[int]]:
        batches = TensorBatches(numbered_images(50), torch.arange(50), 7, shuffle=True, seed=seed)
        return [epoch_labels(batches) for _ in range(3)]

    first = orders(seed=5)
    assert first == orders(seed=5)  # same seed: same order, epoch by epoch
    assert len({tuple(epoch) for epoch in first}) == 3  # each epoch a new permutation
    assert orders(seed=6)[0] != first[0]


def test_unshuffled_order_and_fresh_tensors() -> None:
    batches = TensorBatches(numbered_images(20), torch.arange(20), 8)
    assert epoch_labels(batches) == list(range(20)) == epoch_labels(batches)
    X, _ = next(iter(batches))
    X.zero_()  # changing a batch must not change the data
    assert indices_of(next(iter(batches))[0]) == list(range(8))


def test_shapes_dtypes_and_range() -> None:
    images = numbered_images(30)
    X, y = next(iter(TensorBatches(images, torch.arange(30), 16)))
    assert X.shape == (16, 1, 28, 28) and X.dtype == torch.float32
    assert y.shape == (16,) and y.dtype == torch.int64
    assert 0.0 <= float(X.min()) and float(X.max()) <= 1.0
    assert torch.equal(X, images[:16, None].float() / 255)
    flat, _ = next(iter(TensorBatches(images, torch.arange(30), 16, flatten=True)))
    assert flat.shape == (16, 784) and torch.equal(flat, X.reshape(16, 784))


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        TensorBatches(numbered_images(3), torch.arange(3), 0)
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        TensorBatches(numbered_images(3), torch.arange(2), 1)
    with pytest.raises(ValueError, match="validation_size"):
        load_data_fashion_mnist(10, validation_size=1000, data=synthetic())


def test_validation_split() -> None:
    data = synthetic()
    train_iter, validation_iter, test_iter = load_data_fashion_mnist(
        64, validation_size=150, seed=3, data=data
    )
    assert (train_iter.num_examples, validation_iter.num_examples) == (850, 150)
    assert len(validation_iter) == 3 and len(test_iter) == 4
    train = [i for X, _ in train_iter for i in indices_of(X)]
    validation = [i for X, _ in validation_iter for i in indices_of(X)]
    assert len(set(train)) == 850 and len(set(validation)) == 150
    assert set(train).isdisjoint(validation) and set(train) | set(validation) == set(range(1000))
    assert validation == sorted(validation) != list(range(150))  # random subset, not the head
    labels = [y for _, ys in validation_iter for y in ys.tolist()]
    assert labels == [i % 10 for i in validation]
    again = load_data_fashion_mnist(64, validation_size=150, seed=3, data=data)[1]
    assert [i for X, _ in again for i in indices_of(X)] == validation
    other = load_data_fashion_mnist(64, validation_size=150, seed=4, data=data)[1]
    assert [i for X, _ in other for i in indices_of(X)] != validation


def test_test_iterator_is_deterministic() -> None:
    train_iter, test_iter = load_data_fashion_mnist(32, seed=9, data=synthetic())
    assert train_iter.shuffle and not test_iter.shuffle
    first = [i for X, _ in test_iter for i in indices_of(X)]
    assert first == list(range(200)) == [i for X, _ in test_iter for i in indices_of(X)]


def test_real_data_batches(real_data: FashionMNIST) -> None:
    train_iter, test_iter = load_data_fashion_mnist(256, data=real_data, flatten=True)
    assert (len(train_iter), len(test_iter)) == (235, 40)
    X, y = next(iter(train_iter))
    assert X.shape == (256, 784) and X.dtype == torch.float32 and y.dtype == torch.int64
    assert sum(len(y) for _, y in test_iter) == 10000
    counts = torch.bincount(torch.cat([y for _, y in train_iter]), minlength=10)
    assert counts.tolist() == [6000] * 10
