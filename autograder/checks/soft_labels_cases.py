"""Cases of the ``soft_labels`` assignment's hidden checks, built from fixed seeds.

Odd sizes, both float dtypes, epsilon from 0 to 1, logits of +-1000 and -inf, confidences exactly
on bin edges, 1.0 and 0.0. The properties that judge them are in :mod:`autograder.checks.soft_labels`.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from autograder.reference import smooth_labels

from .base import Case, describe, seeded
from .batch_matrix import BatchCell, batch_matrix_cases, label_vector_cell, labels, normal

DTYPES = (torch.float32, torch.float64)
INF = float("inf")


def _distributions(n: int, q: int, dtype: torch.dtype, seed: int, scale: float = 2.0) -> Tensor:
    """``(n, q)`` strictly positive probability vectors (rows sum to one)."""
    return torch.softmax(scale * torch.randn(n, q, generator=seeded(seed), dtype=torch.float64), dim=1).to(dtype)


def _labels(n: int, q: int, seed: int) -> Tensor:
    return torch.randint(0, q, (n,), generator=seeded(seed))


def _pair_case(first: Tensor, second: Tensor, names: tuple[str, str], **extra) -> Case:
    note = extra.pop("note", "")
    return Case(f"{names[0]} {describe(first)}, {names[1]} {describe(second)}{note}", [first, second], **extra)


def smoothing_cases() -> list[Case]:
    """Odd sizes, epsilon 0, 0.1, 0.25 and 1, the default dtype and float64."""
    cases = []
    for i, (n, q) in enumerate([(1, 2), (7, 5), (33, 10), (4, 11)]):
        y = _labels(n, q, i)
        for epsilon in (0.0, 0.1, 0.25, 1.0):
            kwargs = {"num_classes": q, "epsilon": epsilon}
            cases.append(Case(f"y {describe(y)}, num_classes={q}, epsilon={epsilon}", [y], kwargs))
        cases.append(Case(f"y {describe(y)}, num_classes={q}, epsilon=0.1, dtype=torch.float64", [y],
                          {"num_classes": q, "epsilon": 0.1, "dtype": torch.float64}))
    return cases + batch_matrix_cases(5, 15, (torch.int64,), _smoothing_cell, vector=True)


def _smoothing_cell(cell: BatchCell, gen: torch.Generator) -> tuple[Tensor, list[Any], str]:
    """A sample of the label matrix (1 to 257 labels, a strided view of ``y``), epsilon 0.1."""
    return label_vector_cell(cell, gen, epsilon=0.1)


def soft_ce_random_cases() -> list[Case]:
    """Ordinary logits against random, one-hot and smoothed targets, odd sizes, both dtypes."""
    cases = []
    for i, (n, q) in enumerate([(1, 3), (7, 5), (16, 10), (4, 2)]):
        for dtype in DTYPES:
            logits = 3 * torch.randn(n, q, generator=seeded(10 + i), dtype=dtype)
            y = _labels(n, q, 20 + i)
            for note, targets in ((" random", _distributions(n, q, dtype, 30 + i)),
                                  (" one-hot", smooth_labels(y, q, 0.0, dtype=dtype)),
                                  (" smoothed", smooth_labels(y, q, 0.2, dtype=dtype))):
                cases.append(_pair_case(logits, targets, ("logits", "targets"), note=note))
    return cases + batch_matrix_cases(6, 40, DTYPES, _soft_ce_cell)


def _soft_ce_cell(cell: BatchCell, gen: torch.Generator) -> tuple[Tensor, list[Any], str]:
    """Logits of a matrix cell against random targets (rows summing to one)."""
    targets = torch.softmax(normal((cell.n, cell.q), torch.float64, gen, scale=2.0), dim=1).to(cell.dtype)
    return normal((cell.n, cell.q), cell.dtype, gen), [targets], f"logits {{scores}}, targets {describe(targets)}"


def label_smoothing_cases() -> list[Case]:
    """Label-smoothed targets built from integer labels, compared with F.cross_entropy(label_smoothing=...)."""
    cases = []
    for i, (n, q, dtype) in enumerate([(5, 4, torch.float32), (12, 10, torch.float64), (1, 3, torch.float32)]):
        logits = 3 * torch.randn(n, q, generator=seeded(40 + i), dtype=dtype)
        y = _labels(n, q, 50 + i)
        for epsilon in (0.0, 0.1, 1.0):
            cases.append(_pair_case(logits, y, ("logits", "labels"), kwargs={"epsilon": epsilon},
                                    scenario="soft_labels.label_smoothed_loss",
                                    note=f" smoothed with epsilon={epsilon}"))
    return cases


def soft_ce_extreme_cases() -> list[Case]:
    """Logits of +-1000 (with targets that are all positive) and -inf logits whose target is 0."""
    big = torch.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0], [-1000.0, -1000.0, -999.0]])
    big_targets = torch.tensor([[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [1 / 3, 1 / 3, 1 / 3]])
    with_inf = torch.tensor([[0.0, -INF, 2.0], [-INF, 5.0, 5.0], [-INF, -INF, 800.0], [1000.0, -INF, -1000.0]])
    inf_targets = torch.tensor([[0.5, 0.0, 0.5], [0.0, 0.3, 0.7], [0.0, 0.0, 1.0], [0.9, 0.0, 0.1]])
    scaled = 1000 * torch.randn(16, 10, generator=seeded(60))
    cases = []
    for dtype in DTYPES:
        cases += [_pair_case(big.to(dtype), big_targets.to(dtype), ("logits", "targets"), note=" with +-1000"),
                  _pair_case(with_inf.to(dtype), inf_targets.to(dtype), ("logits", "targets"),
                             note=" with -inf logits where the target is 0"),
                  _pair_case(scaled.to(dtype), _distributions(16, 10, dtype, 61), ("logits", "targets"),
                             note=" scaled to about +-1000")]
    return cases


def soft_ce_gradient_cases() -> list[Case]:
    """Gradients with respect to the logits and the (strictly positive) targets."""
    cases = []
    for i, (n, q, dtype) in enumerate([(6, 5, torch.float64), (1, 10, torch.float32), (9, 3, torch.float64)]):
        logits = 2 * torch.randn(n, q, generator=seeded(70 + i), dtype=dtype)
        grad_output = torch.randn(n, generator=seeded(80 + i), dtype=dtype)
        cases.append(_pair_case(logits, _distributions(n, q, dtype, 90 + i), ("logits", "targets"),
                                grad_output=grad_output))
    return cases


def _ece_case(probs: Tensor, y: Tensor, note: str = "", num_bins: int | None = None) -> Case:
    kwargs = {} if num_bins is None else {"num_bins": num_bins}
    bins = "" if num_bins is None else f", num_bins={num_bins}"
    return Case(f"probs {describe(probs)}, y {describe(y)}{bins}{note}", [probs, y], kwargs)


def _predictions(n: int, q: int, dtype: torch.dtype, seed: int, scale: float = 2.0) -> tuple[Tensor, Tensor]:
    """Random probabilities and labels that agree with the arg-max about 70% of the time."""
    probs = _distributions(n, q, dtype, seed, scale)
    gen = seeded(seed + 1)
    right = torch.rand(n, generator=gen) < 0.7
    return probs, torch.where(right, probs.argmax(dim=1), torch.randint(0, q, (n,), generator=gen))


def _rows_with_confidence(confidence: list[float], correct: list[int], q: int,
                          dtype: torch.dtype) -> tuple[Tensor, Tensor]:
    """Rows whose largest entry is ``confidence`` (at class 0, the rest shared equally) and labels
    that are class 0 where ``correct`` is 1, class 1 otherwise."""
    c = torch.tensor(confidence, dtype=torch.float64)
    probs = torch.cat([c.unsqueeze(1), ((1 - c) / (q - 1)).unsqueeze(1).expand(-1, q - 1)], dim=1)
    return probs.to(dtype), 1 - torch.tensor(correct)


def ece_random_cases() -> list[Case]:
    """Random predictions with the default 15 bins: one example, odd sizes, both dtypes; then a
    sample of the batch matrix (transposed and strided probabilities among them)."""
    return [_ece_case(*_predictions(n, q, dtype, 100 + i, scale))
            for i, (n, q, scale) in enumerate([(1, 3, 2.0), (10, 2, 1.0), (100, 10, 3.0), (257, 5, 2.0)])
            for dtype in DTYPES] + batch_matrix_cases(6, 110, DTYPES, _ece_cell)


def _ece_cell(cell: BatchCell, gen: torch.Generator) -> tuple[Tensor, list[Any], str]:
    """Probabilities of a matrix cell and labels that agree with their arg-max about 70% of the time."""
    probs = torch.softmax(normal((cell.n, cell.q), torch.float64, gen, scale=2.0), dim=1).to(cell.dtype)
    right = torch.rand(cell.n, generator=gen) < 0.7
    y = torch.where(right, probs.argmax(dim=1), labels(cell.n, cell.q, gen))
    return probs, [y], f"probs {{scores}}, y ({cell.n},) int64"


def ece_hand_made_cases() -> list[Case]:
    """Perfectly calibrated predictions (ECE 0), always-wrong confident ones, under-confident ones."""
    calibrated = ([0.9] * 10 + [0.7] * 10 + [0.75] * 4 + [0.5] * 2,
                  [1] * 9 + [0] + [1] * 7 + [0] * 3 + [1, 1, 1, 0] + [1, 0])
    wrong = ([0.95, 0.99, 0.9, 0.97, 0.93], [0] * 5)
    under = ([0.55] * 6, [1] * 6)
    named = [(*calibrated, " (perfectly calibrated)"), (*wrong, " (confident, always wrong)"),
             (*under, " (under-confident, always right)")]
    return [_ece_case(*_rows_with_confidence(conf, correct, 3, dtype), note)
            for conf, correct, note in named for dtype in DTYPES] + ece_tie_cases()


def ece_tie_cases() -> list[Case]:
    """Rows whose largest probability is shared by two or three classes: the prediction is the first of
    them (like ``torch.argmax``), so a label at a later tied class counts as wrong."""
    tied = torch.tensor([[0.375, 0.375, 0.25], [0.25, 0.375, 0.375], [0.5, 0.0, 0.5], [0.625, 0.25, 0.125],
                         [0.25, 0.25, 0.5], [1 / 3, 1 / 3, 1 / 3], [0.375, 0.25, 0.375], [0.125, 0.4375, 0.4375]])
    labels = torch.tensor([1, 1, 2, 0, 2, 2, 0, 2])
    return [_ece_case(tied.to(dtype), labels, " with ties at the largest probability", num_bins)
            for dtype, num_bins in ((torch.float64, 4), (torch.float32, 15))]


def ece_bin_edge_cases() -> list[Case]:
    """Confidences exactly on bin edges (bins are (lo, hi]), of exactly 1.0, and of exactly 0.0."""
    quarter = [0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1.0, 1.0, 0.4, 0.6, 0.3, 0.9]
    quarter_correct = [1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1, 1]
    eighths = [k / 8 for k in range(2, 9)] + [0.3, 0.55, 0.8]
    eighths_correct = [0, 1, 1, 0, 1, 0, 1, 1, 0, 0]
    fifths = [0.2, 0.4, 0.6, 0.8, 1.0, 0.2, 0.4, 0.6, 0.8, 0.3, 0.5, 0.7]
    fifths_correct = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1]
    cases = [_ece_case(*_rows_with_confidence(quarter, quarter_correct, 10, dtype), " on the edges", 4)
             for dtype in DTYPES]
    cases.append(_ece_case(*_rows_with_confidence(eighths, eighths_correct, 10, torch.float32), " on the edges", 8))
    cases.append(_ece_case(*_rows_with_confidence(fifths, fifths_correct, 10, torch.float64), " on the edges", 5))
    one_column = torch.tensor([[0.0], [0.25], [0.5], [1.0], [0.0], [0.75]])
    cases.append(_ece_case(one_column, torch.zeros(6, dtype=torch.int64), " (one class, confidences 0 and 1)", 4))
    return cases


def ece_num_bins_cases() -> list[Case]:
    """Random predictions with 1, 2, 7, 10 and 40 bins."""
    return [_ece_case(*_predictions(60, 4, dtype, 120 + num_bins), num_bins=num_bins)
            for num_bins, dtype in ((1, torch.float32), (2, torch.float64), (7, torch.float32),
                                    (10, torch.float64), (40, torch.float32))]


def contract_cases() -> list[Case]:
    """All three functions on float64 and float32 inputs; the inputs must come back unchanged."""
    cases = []
    for n, q, dtype in ((6, 4, torch.float64), (9, 3, torch.float32)):
        y = _labels(n, q, 130 + n)
        logits = 2 * torch.randn(n, q, generator=seeded(131 + n), dtype=dtype)
        args = [y, logits, _distributions(n, q, dtype, 132 + n), _distributions(n, q, dtype, 133 + n)]
        cases.append(Case(f"y {describe(y)}, logits, targets and probs {describe(logits)}", args,
                          {"num_classes": q, "epsilon": 0.1, "dtype": dtype}, scenario="soft_labels.each_function"))
    return cases


def scratch_cases() -> list[Case]:
    logits = 2 * torch.randn(5, 4, generator=seeded(140))
    return [_pair_case(logits, _distributions(5, 4, torch.float32, 141), ("logits", "targets"))]
