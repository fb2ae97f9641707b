"""Hidden checks of the ``softmax`` assignment: the student's ``softmax(logits, dim=-1)``.

Five properties, each a hidden test cell of its own so that partial credit follows the property:
agreement on ordinary logits, stability on extreme logits, the tensor contract (shape, dtype,
no mutation), gradients, and being written from scratch.
"""

from __future__ import annotations

import torch

from autograder.reference import softmax as reference_softmax

from .base import Case, Property, describe, seeded
from .compare import all_of, avoids_calls, gradients_match, keeps_inputs, matches
from .contract import Clause, Contract
from .matrix import logits_cases

FORBIDDEN = ("softmax", "log_softmax", "softmin")
MATRIX_SAMPLE = 14  # matrix cells per function: every rank, dim, dtype, layout and size at least once


def _logits_case(logits: torch.Tensor, dim: int = -1, note: str = "", grad: bool = False) -> Case:
    """A call ``softmax(logits, dim=dim)``; with ``grad`` a seeded upstream gradient too."""
    label = f"logits {describe(logits)}, dim={dim}{note}"
    grad_output = None
    if grad:
        grad_output = torch.randn(logits.shape, generator=seeded(logits.numel()), dtype=logits.dtype)
    return Case(label=label, args=[logits], kwargs={"dim": dim}, grad_output=grad_output)


def basic_cases() -> list[Case]:
    """The visible test cell's inputs: what a student can check by hand."""
    gen = seeded(5)
    return [
        _logits_case(torch.tensor([[0.0, 0.0], [0.0, torch.log(torch.tensor(3.0)).item()]])),
        _logits_case(torch.randn(5, 10, generator=gen)),
        _logits_case(torch.randn(4, 3, generator=gen), dim=0),
    ]


def random_cases() -> list[Case]:
    """Ordinary logits: odd shapes, a batch of one, 3-D input with dim=1, dim=0, both float dtypes;
    then a sample of the matrix of ranks 1-4, every dim, float16/32/64 and memory layouts."""
    gen = seeded(0)
    shapes_and_dims = [((1, 1), -1), ((1, 10), -1), ((7, 3), -1), ((256, 10), -1), ((5, 4, 3), 1), ((4, 6), 0)]
    return [
        _logits_case(3 * torch.randn(shape, generator=gen, dtype=dtype), dim)
        for shape, dim in shapes_and_dims
        for dtype in (torch.float32, torch.float64)
    ] + logits_cases(MATRIX_SAMPLE, seed=6)


def extreme_cases() -> list[Case]:
    """Logits of +-1000 and -inf entries: the naive exp overflows to inf and gives nan."""
    gen = seeded(1)
    big = torch.tensor([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -999.0], [1000.0, 1000.0, 999.0]])
    with_inf = torch.tensor([[0.0, -torch.inf, 1.0], [-torch.inf, 5.0, 5.0], [-torch.inf, -torch.inf, 800.0]])
    return [
        _logits_case(big, note=" with entries of +-1000"),
        _logits_case(big.double(), note=" with entries of +-1000"),
        _logits_case(1000 * torch.randn(32, 10, generator=gen), note=" scaled to about +-1000"),
        _logits_case(with_inf, note=" with -inf entries"),
        _logits_case(with_inf.double() + 300, note=" with -inf entries"),
    ]


def contract_cases() -> list[Case]:
    """Output keeps the input's shape, dtype (float16 too) and device; the input is left unchanged."""
    gen = seeded(2)
    return [
        _logits_case(torch.randn(8, 10, generator=gen).half()),
        _logits_case(torch.randn(3, 5, generator=gen, dtype=torch.float64)),
        _logits_case(torch.randn(2, 3, 4, generator=gen), dim=1),
    ]


def gradient_cases() -> list[Case]:
    """Back-propagation through the student's softmax, compared with autograd through the reference."""
    gen = seeded(3)
    return [
        _logits_case(torch.randn(6, 5, generator=gen, dtype=torch.float64), grad=True),
        _logits_case(torch.randn(1, 10, generator=gen), grad=True),
        _logits_case(torch.randn(3, 4, 2, generator=gen, dtype=torch.float64), dim=1, grad=True),
    ]


def scratch_cases() -> list[Case]:
    gen = seeded(4)
    return [_logits_case(torch.randn(4, 10, generator=gen)), _logits_case(torch.randn(3, 2, 5, generator=gen), dim=1)]


_matches = matches(reference_softmax)

# The contract of ``softmax(logits, dim=-1)``; ``training`` holds its ``softmax(X)`` to it as well.
SOFTMAX = Contract("softmax", (
    Clause("matches_reference", "matches the reference on ordinary logits", random_cases, _matches,
           "exponentiate, then divide by the sum over the dimension `dim` (keepdim=True keeps it broadcastable)"),
    Clause("extreme_logits", "stays finite and correct for logits of +-1000 and -inf entries", extreme_cases, _matches,
           "softmax(o) = softmax(o - c) for any constant c; which c keeps exp from overflowing?"),
    Clause("contract", "returns a tensor of the input's shape, dtype and device and leaves the input unchanged",
           contract_cases, all_of(keeps_inputs(), _matches),
           "avoid in-place operations on `logits` (like `-=`) and do not convert to another dtype"),
    Clause("gradient", "lets gradients flow back to the logits correctly", gradient_cases,
           all_of(_matches, gradients_match(reference_softmax)),
           "build the result from differentiable torch operations; no .detach(), .numpy() or torch.no_grad()"),
    Clause("from_scratch", "is written from scratch (no library softmax)", scratch_cases,
           all_of(avoids_calls(FORBIDDEN), _matches),
           "use torch.exp, max and sum rather than torch.softmax, F.softmax or Tensor.softmax", FORBIDDEN),
))

PROPERTIES = [
    Property(
        name="softmax/basics",
        function="softmax",
        summary="passes the visible tests (small inputs, rows and columns summing to one)",
        make_cases=basic_cases,
        judge_case=_matches,
        hint="run the visible test cell: its messages say what is wrong",
    ),
    *SOFTMAX.properties("softmax/"),
]
