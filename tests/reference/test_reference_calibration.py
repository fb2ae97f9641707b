"""Reference reliability bins and ECE against a straightforward Python-loop implementation."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor

from autograder.reference import ReliabilityBins, expected_calibration_error, reliability_bins


def loop_bins(probs: Tensor, y: Tensor, num_bins: int) -> list[list[tuple[float, bool]]]:
    """(confidence, correct) pairs per bin ``(k/B, (k+1)/B]``; confidence 0 goes to bin 0."""
    bins: list[list[tuple[float, bool]]] = [[] for _ in range(num_bins)]
    for row, label in zip(probs.tolist(), y.tolist()):
        confidence = max(row)
        correct = row.index(confidence) == label
        for k in range(num_bins):
            if k / num_bins < confidence <= (k + 1) / num_bins or (k == 0 and confidence <= 0):
                bins[k].append((confidence, correct))
                break
    return bins


def loop_ece(probs: Tensor, y: Tensor, num_bins: int) -> float:
    """ECE written out with plain Python loops."""
    n = len(y)
    ece = 0.0
    for members in loop_bins(probs, y, num_bins):
        if members:
            mean_conf = sum(c for c, _ in members) / len(members)
            acc = sum(ok for _, ok in members) / len(members)
            ece += len(members) / n * abs(acc - mean_conf)
    return ece


def make_predictions(n: int, q: int, scale: float, dtype, seed: int = 0) -> tuple[Tensor, Tensor]:
    """``(n, q)`` softmax probabilities of random logits (``scale`` sets confidence), labels."""
    gen = torch.Generator().manual_seed(seed)
    logits = scale * torch.randn(n, q, generator=gen, dtype=torch.float64)
    return torch.softmax(logits, dim=1).to(dtype), torch.randint(0, q, (n,), generator=gen)


CASES = [(1, 3, 1.0), (7, 2, 0.5), (200, 5, 2.0), (333, 10, 4.0)]


@pytest.mark.parametrize("n, q, scale", CASES)
@pytest.mark.parametrize("num_bins", [1, 5, 15])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_ece_matches_python_loop(n: int, q: int, scale: float, num_bins: int, dtype) -> None:
    probs, y = make_predictions(n, q, scale, dtype)
    before = probs.clone(), y.clone()
    ece = expected_calibration_error(probs, y, num_bins=num_bins)
    assert ece.shape == () and ece.dtype == dtype and ece.device == probs.device
    assert ece.item() == pytest.approx(loop_ece(probs, y, num_bins), abs=1e-6)
    assert torch.equal(probs, before[0]) and torch.equal(y, before[1])


@pytest.mark.parametrize("n, q, scale", CASES)
@pytest.mark.parametrize("num_bins", [4, 15])
def test_reliability_bins_match_python_loop(n: int, q: int, scale: float, num_bins: int) -> None:
    probs, y = make_predictions(n, q, scale, torch.float64, seed=5)
    bins = reliability_bins(probs, y, num_bins=num_bins)
    assert isinstance(bins, ReliabilityBins)
    confidence, accuracy, count = bins
    assert confidence.shape == accuracy.shape == count.shape == (num_bins,)
    assert confidence.dtype == accuracy.dtype == torch.float64 and count.dtype == torch.int64
    assert int(count.sum()) == n
    for k, members in enumerate(loop_bins(probs, y, num_bins)):
        assert int(count[k]) == len(members)
        expected_conf = sum(c for c, _ in members) / len(members) if members else 0.0
        expected_acc = sum(ok for _, ok in members) / len(members) if members else 0.0
        assert confidence[k].item() == pytest.approx(expected_conf, abs=1e-12)
        assert accuracy[k].item() == pytest.approx(expected_acc, abs=1e-12)


def test_ece_default_uses_15_bins() -> None:
    probs, y = make_predictions(300, 4, 2.0, torch.float64, seed=2)
    assert expected_calibration_error(probs, y).item() == pytest.approx(loop_ece(probs, y, 15))
    assert reliability_bins(probs, y).count.shape == (15,)


def test_perfectly_calibrated_predictions_have_zero_ece() -> None:
    # Ten examples at confidence 0.8 with 8 right, four at confidence 0.5 with 2 right.
    probs = torch.tensor([[0.8, 0.2]] * 10 + [[0.5, 0.5]] * 4, dtype=torch.float64)
    y = torch.tensor([0] * 8 + [1] * 2 + [0, 0, 1, 1])
    assert expected_calibration_error(probs, y, num_bins=10).item() == pytest.approx(0, abs=1e-12)
    bins = reliability_bins(probs, y, num_bins=10)
    assert bins.count.tolist() == [0, 0, 0, 0, 4, 0, 0, 10, 0, 0]
    torch.testing.assert_close(bins.accuracy[[4, 7]], torch.tensor([0.5, 0.8], dtype=torch.float64))


def test_always_confident_and_always_wrong_has_ece_near_one() -> None:
    probs = torch.tensor([[0.999, 0.001], [0.0005, 0.9995], [0.001, 0.999]])
    y = torch.tensor([1, 0, 0])
    expected = (0.999 + 0.9995 + 0.999) / 3
    assert expected_calibration_error(probs, y).item() == pytest.approx(expected, abs=1e-6)


def test_bin_boundaries_are_left_open_right_closed() -> None:
    # Confidence exactly 0.5 belongs to (0.4, 0.5], exactly 1.0 to the last bin and 0 to bin 0.
    probs = torch.tensor([[0.5, 0.5], [1.0, 0.0], [0.0, 0.0], [0.5 + 1e-6, 0.5 - 1e-6]])
    bins = reliability_bins(probs, torch.tensor([0, 0, 1, 0]), num_bins=10)
    assert bins.count.tolist() == [1, 0, 0, 0, 1, 1, 0, 0, 0, 1]
    assert bins.accuracy[0] == 0 and bins.accuracy[9] == 1


def test_ece_is_invariant_to_example_order() -> None:
    probs, y = make_predictions(50, 3, 2.0, torch.float64, seed=3)
    perm = torch.randperm(50, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(
        expected_calibration_error(probs[perm], y[perm]), expected_calibration_error(probs, y)
    )


def test_float16_probabilities_keep_their_dtype() -> None:
    probs, y = make_predictions(100, 4, 2.0, torch.float16, seed=4)
    ece = expected_calibration_error(probs, y, num_bins=10)
    assert ece.dtype == torch.float16
    assert ece.item() == pytest.approx(loop_ece(probs, y, 10), abs=2e-3)
    assert reliability_bins(probs, y, num_bins=10).confidence.dtype == torch.float16


@pytest.mark.parametrize(
    "probs, y, num_bins",
    [
        (torch.full((3, 2), 0.5), torch.tensor([0, 1, 0]), 0),
        (torch.full((3, 2), 0.5), torch.tensor([0, 1]), 15),
        (torch.full((3,), 0.5), torch.tensor([0, 1, 0]), 15),
        (torch.empty(0, 2), torch.empty(0, dtype=torch.long), 15),
        (torch.full((3, 2), 0.5), torch.tensor([0.0, 1.0, 0.0]), 15),
    ],
    ids=["zero-bins", "length-mismatch", "probs-1d", "empty", "float-labels"],
)
def test_bad_inputs_raise_value_error(probs: Tensor, y: Tensor, num_bins: int) -> None:
    with pytest.raises(ValueError):
        expected_calibration_error(probs, y, num_bins=num_bins)
