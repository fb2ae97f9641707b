"""Hidden checks of the ``likelihood`` assignment: three functions students write.

``categorical_nll(probs, y)`` (total negative log-likelihood of i.i.d. labels under one
categorical distribution), ``categorical_mle(y, num_classes)`` (the class frequencies, which
minimise it) and ``model_nll(logits, y)`` (the total negative log-likelihood under a softmax
model, i.e. the summed cross-entropy). Properties are listed in notebook order; each is a hidden
test cell of its own.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor

from autograder.reference import categorical_mle as reference_mle
from autograder.reference import categorical_nll as reference_categorical_nll
from autograder.reference import model_nll as reference_model_nll

from .base import Case, CaseJudge, Property, describe, seeded
from .batch_matrix import BatchCell, batch_matrix_cases, class_count, label_vector_cell, labels, normal
from .compare import all_of, avoids_calls, gradients_match, keeps_inputs, matches

# The library losses, and torch.logsumexp (which Categorical(logits=...) also goes through).
FORBIDDEN = ("softmax", "log_softmax", "logsumexp", "cross_entropy", "nll_loss")
INF = float("inf")
MATRIX_DTYPES = (torch.float16, torch.float32, torch.float64)
SIZES = [(1, 1), (1, 10), (7, 3), (100, 10), (13, 2), (1000, 5)]


def _labels(n: int, q: int, seed: int) -> Tensor:
    """``(n,)`` int64 labels in ``[0, q)``."""
    return torch.randint(0, q, (n,), generator=seeded(seed))


def pair_case(first: Tensor, y: Tensor, what: str, note: str = "", grad: bool = False) -> Case:
    """A call ``f(first, y)``; with ``grad`` a seeded upstream gradient for the 0-dim output."""
    grad_output = torch.randn((), generator=seeded(len(y)), dtype=first.dtype) if grad else None
    return Case(f"{what} {describe(first)} with labels {describe(y)}{note}", [first, y], grad_output=grad_output)


def mle_case(y: Tensor, num_classes: int, note: str = "", scenario: str = "call") -> Case:
    """A call ``categorical_mle(y, num_classes)``."""
    return Case(f"labels {describe(y)}, num_classes={num_classes}{note}", [y], {"num_classes": num_classes},
                scenario=scenario)


# --- categorical_nll ----------------------------------------------------------------------------

def nll_random_cases() -> list[Case]:
    """Random probability vectors (no zeros) and random label sets, float32 and float64, then a
    sample of the vector matrix: label sets of 1 to 257, float16 too, a strided view of ``probs``."""
    gen, cases = seeded(0), []
    for n, q in SIZES:
        for dtype in (torch.float32, torch.float64):
            probs = torch.softmax(2 * torch.randn(q, generator=gen, dtype=dtype), dim=0)
            cases.append(pair_case(probs, _labels(n, q, n + q), "probs"))
    return cases + batch_matrix_cases(6, 3, MATRIX_DTYPES, _nll_cell, vector=True)


def _nll_cell(cell: BatchCell, gen: torch.Generator) -> tuple[Tensor, list[Any], str]:
    """``probs (q,)`` of a random class count, and ``cell.n`` labels."""
    q = class_count(gen)
    probs = torch.softmax(normal((q,), torch.float64, gen, scale=1.0), dim=0).to(cell.dtype)
    return probs, [labels(cell.n, q, gen)], f"probs {{scores}} with labels ({cell.n},) int64"


def nll_zero_probability_cases() -> list[Case]:
    """Classes of probability 0: harmless when no label names them, inf when one does."""
    probs = torch.tensor([0.5, 0.0, 0.25, 0.25, 0.0])  # exact in binary: only the zeros matter
    return [pair_case(probs, torch.tensor([0, 2, 2, 3, 0]), "probs", " (zero-probability classes unobserved)"),
            pair_case(probs.double(), torch.tensor([3, 3, 2]), "probs", " (zero-probability classes unobserved)"),
            pair_case(probs, torch.tensor([0, 1, 2]), "probs", " (a label of probability zero)"),
            pair_case(torch.tensor([1.0, 0.0]), torch.tensor([0, 0, 0, 0]), "probs", " (a certain class)")]


def nll_contract_cases() -> list[Case]:
    gen = seeded(1)
    return [pair_case(torch.softmax(torch.randn(10, generator=gen), 0).half(), _labels(20, 10, 1), "probs"),
            pair_case(torch.softmax(torch.randn(4, generator=gen, dtype=torch.float64), 0), _labels(9, 4, 2),
                      "probs")]


# --- categorical_mle ----------------------------------------------------------------------------

def mle_random_cases(scenario: str = "call") -> list[Case]:
    """Random label sets of odd sizes, and classes that no label names (their estimate is 0); for a
    plain call also a sample of the vector matrix (1 to 257 labels, a strided view of ``y``)."""
    cases = [mle_case(_labels(n, q, 10 + n), q, scenario=scenario) for n, q in SIZES]
    cases.append(mle_case(torch.tensor([0, 2, 2, 2]), 5, " (classes 1, 3 and 4 never observed)", scenario))
    cases.append(mle_case(torch.full((6,), 3), 4, " (one class only)", scenario))
    cases.append(mle_case(_labels(50, 3, 11) + 1, 6, " (classes 0, 4 and 5 never observed)", scenario))
    if scenario == "call":
        cases += batch_matrix_cases(5, 14, (torch.int64,), label_vector_cell, vector=True)
    return cases


def mle_contract_cases() -> list[Case]:
    return [mle_case(_labels(30, 10, 12), 10), mle_case(_labels(3, 2, 13), 7, " (classes never observed)")]


# --- model_nll ----------------------------------------------------------------------------------

def model_random_cases() -> list[Case]:
    """Odd sizes in both float dtypes, then a sample of the batch matrix (n up to 257, so that the
    sum accumulates; float16 too; transposed and strided logits)."""
    gen, cases = seeded(20), []
    for n, q in SIZES:
        for dtype in (torch.float32, torch.float64):
            logits = 3 * torch.randn(n, q, generator=gen, dtype=dtype)
            cases.append(pair_case(logits, _labels(n, q, 20 + n * q), "logits"))
    return cases + batch_matrix_cases(8, 21, MATRIX_DTYPES, _model_cell)


def _model_cell(cell: BatchCell, gen: torch.Generator) -> tuple[Tensor, list[Any], str]:
    return normal((cell.n, cell.q), cell.dtype, gen), [labels(cell.n, cell.q, gen)], \
        f"logits {{scores}} with labels ({cell.n},) int64"


def model_extreme_cases() -> list[Case]:
    """Logits of +-1000 and -inf: finite where the label is possible, inf where it has probability 0."""
    big = torch.tensor([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -999.0], [1000.0, 1000.0, 999.0]])
    with_inf = torch.tensor([[0.0, -INF, 1.0], [-INF, 5.0, 5.0], [-INF, -INF, 800.0]])
    return [pair_case(big, torch.tensor([2, 0, 1]), "logits", " with entries of +-1000"),
            pair_case(big.double(), torch.tensor([0, 2, 2]), "logits", " with entries of +-1000"),
            pair_case(1000 * torch.randn(32, 10, generator=seeded(21)), _labels(32, 10, 21), "logits",
                      " scaled to about +-1000"),
            pair_case(with_inf, torch.tensor([2, 1, 2]), "logits", " with -inf at wrong classes"),
            pair_case(with_inf.double(), torch.tensor([1, 1, 2]), "logits", " with -inf at a true class")]


def model_gradient_cases() -> list[Case]:
    gen = seeded(22)
    return [pair_case(torch.randn(6, 5, generator=gen, dtype=torch.float64), _labels(6, 5, 22), "logits", grad=True),
            pair_case(torch.randn(1, 10, generator=gen), _labels(1, 10, 23), "logits", grad=True),
            pair_case(3 * torch.randn(20, 3, generator=gen), _labels(20, 3, 24), "logits", grad=True)]


def model_contract_cases() -> list[Case]:
    gen = seeded(25)
    return [pair_case(torch.randn(64, 10, generator=gen).half(), _labels(64, 10, 25), "logits"),
            pair_case(torch.randn(3, 5, generator=gen, dtype=torch.float64), _labels(3, 5, 26), "logits")]


def model_scratch_cases() -> list[Case]:
    gen = seeded(27)
    return [pair_case(torch.randn(4, 10, generator=gen), _labels(4, 10, 27), "logits"),
            pair_case(torch.randn(5, 3, generator=gen, dtype=torch.float64), _labels(5, 3, 28), "logits")]


def _prop(function: str, aspect: str, summary: str, cases: Callable[[], list[Case]], judge: CaseJudge,
          hint: str, forbidden: tuple[str, ...] = ()) -> Property:
    """The property ``likelihood/<function>_<aspect>``."""
    return Property(f"likelihood/{function}_{aspect}", function, summary, cases, judge, hint, forbidden)


_nll, _mle, _model = matches(reference_categorical_nll), matches(reference_mle), matches(reference_model_nll)

PROPERTIES = [
    _prop("categorical_nll", "matches_reference", "matches the reference on random probabilities and label sets",
          nll_random_cases, _nll, "-sum_i log probs[y_i]: index probs with the whole label tensor, then sum"),
    _prop("categorical_nll", "zero_probability",
          "ignores unobserved zero-probability classes, and is inf for an impossible label",
          nll_zero_probability_cases, _nll,
          "only the probabilities of observed labels enter the sum (0 * log 0 is nan); -log 0 is inf, do not clip"),
    _prop("categorical_nll", "contract", "returns a 0-dim tensor in probs' dtype and device, inputs unchanged",
          nll_contract_cases, all_of(keeps_inputs(), _nll),
          "return a tensor (not .item()), summed to 0 dimensions, in probs' dtype"),
    _prop("categorical_mle", "matches_reference", "returns the class frequencies, zero for classes never observed",
          mle_random_cases, _mle,
          "count each class's labels (all num_classes of them), then divide by the number of labels"),
    _prop("categorical_mle", "minimises_nll", "maximises the likelihood: no nearby probability vector beats it",
          lambda: mle_random_cases("likelihood.mle_against_mass_moves"), _mle,
          "which probability vector makes the observed labels most likely? Set the derivative of the "
          "log-likelihood, with sum_k p_k = 1, to zero"),
    _prop("categorical_mle", "contract",
          "returns a (num_classes,) float32 tensor on the labels' device, labels unchanged",
          mle_contract_cases, all_of(keeps_inputs(), _mle),
          "counts are integers: convert to float32 before dividing"),
    _prop("model_nll", "matches_reference", "matches the reference on ordinary logits", model_random_cases, _model,
          "the NLL of example i is -log softmax(logits[i])[y_i]; add them up (no mean)"),
    _prop("model_nll", "extreme_logits",
          "is correct for logits of +-1000 and -inf (inf only for an impossible label)",
          model_extreme_cases, _model,
          "stay in log space: log softmax(o)_y = o_y - c - log(sum_k exp(o_k - c)) with c = max_k o_k"),
    _prop("model_nll", "gradient", "lets gradients flow back to the logits correctly", model_gradient_cases,
          all_of(_model, gradients_match(reference_model_nll)),
          "use differentiable torch operations; no .detach(), .item() or .numpy()"),
    _prop("model_nll", "contract", "returns a 0-dim tensor in the logits' dtype and device, inputs unchanged",
          model_contract_cases, all_of(keeps_inputs(), _model),
          "avoid in-place operations on logits and keep its dtype"),
    _prop("model_nll", "from_scratch",
          "is written from scratch (no library loss, log_softmax, logsumexp or Categorical)",
          model_scratch_cases, all_of(avoids_calls(FORBIDDEN), _model),
          "write the log-sum-exp trick yourself with max, exp, log and sum", FORBIDDEN),
]
