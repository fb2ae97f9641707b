"""Cases of the ``cross_entropy`` assignment's hidden checks, built from fixed seeds.

Logits and probabilities of odd sizes in both float dtypes, logits of +-1000 and -inf, exact
zero probabilities, and batches for the gradient checks. The properties that judge them are in
:mod:`autograder.checks.cross_entropy`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import torch
from torch import Tensor

from .base import Case, describe, seeded
from .batch_matrix import BatchCell, batch_matrix_cases, labels, normal
from .matrix import logits_cases

INF = float("inf")
SIZES = [(1, 1), (1, 10), (7, 3), (256, 10), (5, 2)]
FLOATS = (torch.float32, torch.float64)
MATRIX_DTYPES = (torch.float16, torch.float32, torch.float64)
MATRIX_SAMPLE = 8  # cells of the batch matrix per property: every n, q, dtype and layout at least once


def _labels(n: int, q: int, seed: int) -> Tensor:
    """``(n,)`` int64 labels in ``[0, q)``."""
    return torch.randint(0, q, (n,), generator=seeded(seed))


def _grad_output(shape: torch.Size, dtype: torch.dtype) -> Tensor:
    return torch.randn(shape, generator=seeded(sum(shape) + 7), dtype=dtype)


def logits_case(logits: Tensor, dim: int = -1, note: str = "", grad: bool = False) -> Case:
    """A call ``log_softmax(logits, dim=dim)``."""
    grad_output = _grad_output(logits.shape, logits.dtype) if grad else None
    return Case(f"logits {describe(logits)}, dim={dim}{note}", [logits], {"dim": dim}, grad_output)


def batch_case(scores: Tensor, y: Tensor, what: str = "logits", note: str = "", grad: bool = False,
               scenario: str = "call") -> Case:
    """A call ``f(scores, y)`` for ``(n, q)`` scores (logits or probabilities) and ``(n,)`` labels."""
    grad_output = _grad_output(y.shape, scores.dtype) if grad else None
    label = f"{what} {describe(scores)} with labels {describe(y)}{note}"
    return Case(label, [scores, y], grad_output=grad_output, scenario=scenario)


def random_batches(what: str, seed: int, scenario: str = "call") -> list[Case]:
    """Random batches of every size in ``SIZES``, float32 and float64 (probabilities: softmax rows);
    for plain calls, then a sample of the batch matrix (n, q, float16/32/64, memory layouts)."""
    gen, cases = seeded(seed), []
    for (n, q) in SIZES:
        for dtype in FLOATS:
            scores = 3 * torch.randn(n, q, generator=gen, dtype=dtype)
            if what == "probabilities":
                scores = torch.softmax(scores, dim=1)
            cases.append(batch_case(scores, _labels(n, q, seed + n * q), what, scenario=scenario))
    if scenario != "call":
        return cases
    return cases + batch_matrix_cases(MATRIX_SAMPLE, seed + 100, MATRIX_DTYPES, partial(_matrix_cell, what))


def _matrix_cell(what: str, cell: BatchCell, gen: torch.Generator) -> tuple[Tensor, list[Any], str]:
    """A cell's scores (logits, or softmax rows of them) and labels."""
    scores = normal((cell.n, cell.q), torch.float64 if what == "probabilities" else cell.dtype, gen)
    if what == "probabilities":
        scores = torch.softmax(scores, dim=1).to(cell.dtype)
    return scores, [labels(cell.n, cell.q, gen)], f"{what} {{scores}} with labels ({cell.n},) int64"


# --- log_softmax -------------------------------------------------------------------------------

def log_softmax_random_cases() -> list[Case]:
    """Hand-picked shapes and dims in both float dtypes, then a sample of the matrix (ranks 1-4, every
    dim, float16/32/64, memory layouts)."""
    gen = seeded(0)
    shapes_and_dims = [((1, 1), -1), ((1, 10), -1), ((7, 3), -1), ((256, 10), -1), ((5, 4, 3), 1), ((4, 6), 0)]
    return [logits_case(3 * torch.randn(shape, generator=gen, dtype=dtype), dim)
            for shape, dim in shapes_and_dims for dtype in FLOATS] + logits_cases(14, seed=19)


EXTREME = torch.tensor([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -999.0], [1000.0, 1000.0, 999.0]])
WITH_INF = torch.tensor([[0.0, -INF, 1.0], [-INF, 5.0, 5.0], [-INF, -INF, 800.0]])


def log_softmax_extreme_cases() -> list[Case]:
    return [
        logits_case(EXTREME, note=" with entries of +-1000"),
        logits_case(EXTREME.double().T, dim=0, note=" with entries of +-1000"),
        logits_case(1000 * torch.randn(32, 10, generator=seeded(1)), note=" scaled to about +-1000"),
        logits_case(WITH_INF, note=" with -inf entries"),
        logits_case(WITH_INF.double() + 300, note=" with -inf entries"),
    ]


def log_softmax_contract_cases() -> list[Case]:
    gen = seeded(2)
    return [logits_case(torch.randn(8, 10, generator=gen).half()),
            logits_case(torch.randn(3, 5, generator=gen, dtype=torch.float64)),
            logits_case(torch.randn(2, 3, 4, generator=gen), dim=1)]


def log_softmax_gradient_cases() -> list[Case]:
    gen = seeded(3)
    return [logits_case(torch.randn(6, 5, generator=gen, dtype=torch.float64), grad=True),
            logits_case(torch.randn(1, 10, generator=gen), grad=True),
            logits_case(torch.randn(3, 4, 2, generator=gen, dtype=torch.float64), dim=1, grad=True)]


def log_softmax_scratch_cases() -> list[Case]:
    gen = seeded(4)
    return [logits_case(torch.randn(4, 10, generator=gen)), logits_case(torch.randn(3, 2, 5, generator=gen), dim=1)]


# --- cross_entropy from probabilities --------------------------------------------------------

def zero_probability_cases() -> list[Case]:
    """Exact zeros at wrong classes (loss finite) and at a true class (loss inf, as -log 0)."""
    wrong = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5], [0.2, 0.0, 0.8]])
    true = torch.tensor([[0.0, 1.0], [0.5, 0.5], [0.75, 0.25]])
    return [batch_case(wrong, torch.tensor([0, 1, 2]), "probabilities", " with zeros at wrong classes"),
            batch_case(wrong.double(), torch.tensor([0, 2, 2]), "probabilities", " with zeros at wrong classes"),
            batch_case(true, torch.tensor([0, 1, 0]), "probabilities", " with a zero at a true class")]


def probabilities_contract_cases() -> list[Case]:
    gen = seeded(5)
    half = torch.softmax(torch.randn(8, 10, generator=gen), 1).half()
    double = torch.softmax(torch.randn(3, 5, generator=gen, dtype=torch.float64), 1)
    return [batch_case(half, _labels(8, 10, 5), "probabilities"),
            batch_case(double, _labels(3, 5, 6), "probabilities")]


# --- cross_entropy_from_logits -----------------------------------------------------------------

def from_logits_extreme_cases() -> list[Case]:
    """Logits of +-1000 and -inf at wrong classes (the loss is finite, up to 2000 here), and -inf
    at a true class (that example's loss is inf, as -log 0; the others stay finite)."""
    big_labels, inf_labels, at_true = torch.tensor([2, 0, 1]), torch.tensor([2, 1, 2]), torch.tensor([1, 0, 2])
    return [
        batch_case(EXTREME, big_labels, note=" with entries of +-1000"),
        batch_case(EXTREME.double(), torch.tensor([0, 2, 2]), note=" with entries of +-1000"),
        batch_case(1000 * torch.randn(32, 10, generator=seeded(8)), _labels(32, 10, 8), note=" scaled to about +-1000"),
        batch_case(WITH_INF, inf_labels, note=" with -inf at wrong classes"),
        batch_case(WITH_INF.double() - 300, inf_labels, note=" with -inf at wrong classes"),
        batch_case(WITH_INF, at_true, note=" with -inf at a true class"),
        batch_case(WITH_INF.double() + 1000, at_true, note=" with -inf at a true class"),
    ]


def from_logits_contract_cases() -> list[Case]:
    gen = seeded(9)
    return [batch_case(torch.randn(8, 10, generator=gen).half(), _labels(8, 10, 9)),
            batch_case(torch.randn(3, 5, generator=gen, dtype=torch.float64), _labels(3, 5, 10))]


def from_logits_gradient_cases() -> list[Case]:
    gen = seeded(11)
    return [batch_case(torch.randn(6, 5, generator=gen, dtype=torch.float64), _labels(6, 5, 11), grad=True),
            batch_case(torch.randn(1, 10, generator=gen), _labels(1, 10, 12), grad=True),
            batch_case(3 * torch.randn(7, 3, generator=gen), _labels(7, 3, 13), grad=True)]


def scratch_batches() -> list[Case]:
    gen = seeded(14)
    return [batch_case(torch.randn(4, 10, generator=gen), _labels(4, 10, 14)),
            batch_case(torch.randn(5, 3, generator=gen, dtype=torch.float64), _labels(5, 3, 15))]


def probability_scratch_batches() -> list[Case]:
    return [batch_case(torch.softmax(c.args[0], 1), c.args[1], "probabilities") for c in scratch_batches()]


# --- softmax_cross_entropy_grad ----------------------------------------------------------------

def grad_random_cases() -> list[Case]:
    scaled = 1000 * torch.randn(16, 10, generator=seeded(16))
    return random_batches("logits", 15) + [batch_case(scaled, _labels(16, 10, 16), note=" scaled to about +-1000")]


def gradcheck_cases() -> list[Case]:
    gen, scenario = seeded(17), "cross_entropy.gradcheck_summed_loss"
    return [batch_case(torch.randn(n, q, generator=gen, dtype=torch.float64), _labels(n, q, 17 + n),
                       scenario=scenario) for n, q in [(4, 5), (1, 3), (6, 10)]]


def without_autograd_cases() -> list[Case]:
    return [batch_case(c.args[0], c.args[1], scenario="cross_entropy.gradient_without_autograd")
            for c in scratch_batches()]


def grad_contract_cases() -> list[Case]:
    gen = seeded(18)
    return [batch_case(torch.randn(3, 5, generator=gen, dtype=torch.float64), _labels(3, 5, 18)),
            batch_case(torch.randn(8, 10, generator=gen), _labels(8, 10, 19))]
