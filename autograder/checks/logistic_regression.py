"""Hidden checks of the ``logistic_regression`` assignment: ``sigmoid(z)``,
``binary_cross_entropy(logits, y)`` and ``two_class_logits(z)``.

Each property is a hidden test cell of its own: agreement, stability at +-1000 (values and
gradients) and gradients at 0 for the first two functions, the ``[z, 0]`` layout, the tensor
contract, the binary/two-class equivalence, and being written from scratch.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from autograder.reference import binary_cross_entropy, sigmoid, two_class_logits

from .base import Case, Property, describe, seeded
from .batch_matrix import BatchCell, batch_matrix_cases, normal
from .compare import all_of, avoids_calls, gradients_match, keeps_inputs, matches

FUNCTIONS = ("sigmoid", "binary_cross_entropy", "two_class_logits")
REFERENCE = {"sigmoid": sigmoid, "binary_cross_entropy": binary_cross_entropy, "two_class_logits": two_class_logits}
FORBIDDEN = ("sigmoid", "sigmoid_", "logsigmoid", "log_sigmoid", "binary_cross_entropy",
             "binary_cross_entropy_with_logits", "softplus", "expit")
EXTREMES = [1000.0, -1000.0, 100.0, -100.0, 30.0, -30.0]


def _upstream(like: Tensor, seed: int) -> Tensor:
    """A seeded upstream gradient shaped like the output."""
    return torch.randn(like.shape, generator=seeded(seed), dtype=like.dtype)


def _z_case(z: Tensor, note: str = "", grad: bool = False) -> Case:
    """A call ``f(z)``; with ``grad`` a seeded upstream gradient of z's shape."""
    return Case(f"z {describe(z)}{note}", [z], grad_output=_upstream(z, z.numel()) if grad else None)


def _zy_case(z: Tensor, y: Tensor, note: str = "", grad: bool = False, scenario: str = "call") -> Case:
    """A call ``f(z, y)`` (or a scenario on it); with ``grad`` a seeded upstream gradient."""
    grad_output = _upstream(z, z.numel() + 1) if grad else None
    return Case(f"z {describe(z)}, y {describe(y)}{note}", [z, y], grad_output=grad_output, scenario=scenario)


def _labels(shape: tuple[int, ...], dtype: torch.dtype, soft: bool, seed: int) -> Tensor:
    """Float labels: 0/1, or soft values in [0, 1]."""
    if soft:
        return torch.rand(shape, generator=seeded(seed), dtype=dtype)
    return torch.randint(0, 2, shape, generator=seeded(seed)).to(dtype)


SHAPES = [(1,), (7,), (33,), (5, 3), ()]
DTYPES = (torch.float32, torch.float64)


def sigmoid_random_cases() -> list[Case]:
    """Ordinary logits: a single one, odd sizes, 2-D and 0-dim, both float dtypes; then a sample of
    the vector matrix (n up to 257, strided views)."""
    return [_z_case(4 * torch.randn(shape, generator=seeded(i), dtype=dtype))
            for i, shape in enumerate(SHAPES) for dtype in DTYPES] + \
        batch_matrix_cases(4, 12, DTYPES, lambda cell, gen: (normal((cell.n,), cell.dtype, gen, 4.0), [], "z {scores}"),
                           vector=True)


def sigmoid_extreme_cases() -> list[Case]:
    """Logits of +-1000, +-100 and 0, values and gradients."""
    return [_z_case(torch.tensor(EXTREMES, dtype=dtype), " with entries of +-1000 and +-100", grad=True)
            for dtype in DTYPES]


def sigmoid_gradient_cases() -> list[Case]:
    """Gradients on ordinary logits, with exact zeros among them (weights initialised to zero give z = 0)."""
    cases = [_z_case(torch.zeros(4, dtype=dtype), " (all zero)", grad=True) for dtype in DTYPES]
    z = 3 * torch.randn(9, generator=seeded(10), dtype=torch.float64)
    return cases + [_z_case(torch.cat([z, torch.zeros(2, dtype=torch.float64)]), " with some zeros", grad=True),
                    _z_case(torch.randn(3, 4, generator=seeded(11)), grad=True)]


def bce_random_cases() -> list[Case]:
    """Ordinary logits with hard (0/1) and soft labels, odd sizes, 2-D, both dtypes."""
    cases = []
    for i, shape in enumerate(SHAPES[:4]):
        for dtype in DTYPES:
            z = 4 * torch.randn(shape, generator=seeded(20 + i), dtype=dtype)
            cases += [_zy_case(z, _labels(shape, dtype, soft, 30 + i), " soft" if soft else " 0/1")
                      for soft in (False, True)]
    return cases + batch_matrix_cases(4, 40, DTYPES, _bce_cell, vector=True)


def _bce_cell(cell: BatchCell, gen: torch.Generator) -> tuple[Tensor, list[Any], str]:
    """Logits of a vector cell with soft labels in [0, 1]."""
    y = torch.rand(cell.n, generator=gen, dtype=torch.float64).to(cell.dtype)
    return normal((cell.n,), cell.dtype, gen, 4.0), [y], f"z {{scores}}, y {describe(y)} soft"


def bce_extreme_cases() -> list[Case]:
    """Logits of +-1000 and +-100 with labels 0, 1 and soft labels; values and gradients."""
    cases = []
    for dtype in DTYPES:
        z = torch.tensor(EXTREMES, dtype=dtype)
        for y_value in (0.0, 1.0, 0.3):
            cases.append(_zy_case(z, torch.full_like(z, y_value), f" = {y_value:g}, z with entries of +-1000",
                                  grad=True))
    return cases


def bce_gradient_cases() -> list[Case]:
    """Gradients (with respect to z and y) on ordinary logits, with exact zeros among the logits."""
    z = torch.cat([3 * torch.randn(8, generator=seeded(40), dtype=torch.float64), torch.zeros(3, dtype=torch.float64)])
    zero = torch.zeros(4)
    return [_zy_case(z, _labels(z.shape, torch.float64, False, 41), " 0/1, some z = 0", grad=True),
            _zy_case(z, _labels(z.shape, torch.float64, True, 42), " soft, some z = 0", grad=True),
            _zy_case(zero, torch.tensor([0.0, 1.0, 0.5, 1.0]), " (z all zero)", grad=True)]


def two_class_cases() -> list[Case]:
    """The layout [z, 0] for (n,) logits, values and gradients, both dtypes."""
    cases = []
    for n in (1, 6, 25):
        for dtype in DTYPES:
            z = 4 * torch.randn(n, generator=seeded(50 + n), dtype=dtype)
            cases.append(Case(f"z {describe(z)}", [z], grad_output=_upstream(torch.empty(n, 2, dtype=dtype), n)))
    return cases


def contract_cases() -> list[Case]:
    """All three functions on (n,) float64 and float32 inputs; the inputs must come back unchanged."""
    cases = []
    for n, dtype in ((5, torch.float64), (12, torch.float32), (1, torch.float64)):
        z = 3 * torch.randn(n, generator=seeded(60 + n), dtype=dtype)
        cases.append(_zy_case(z, _labels((n,), dtype, True, 61 + n), scenario="logistic_regression.each_function"))
    return cases


def equivalence_cases() -> list[Case]:
    """Binary and two-class cross-entropy on hard and soft labels, both dtypes, logits up to +-30."""
    cases = []
    for i, dtype in enumerate(DTYPES):
        z = torch.cat([5 * torch.randn(16, generator=seeded(70 + i), dtype=dtype),
                       torch.tensor([30.0, -30.0, 0.0], dtype=dtype)])
        cases += [_zy_case(z, _labels(z.shape, dtype, soft, 72 + i), " soft" if soft else " 0/1",
                           scenario="logistic_regression.binary_vs_two_class") for soft in (False, True)]
    return cases


def scratch_cases() -> list[Case]:
    z = 3 * torch.randn(10, generator=seeded(80))
    return [_zy_case(z, _labels((10,), torch.float32, True, 81), scenario="logistic_regression.each_function")]


def _property(name: str, function: str, summary: str, make_cases, judge_case, hint: str, **extra) -> Property:
    return Property(name=f"logistic_regression/{name}", function=function, summary=summary,
                    make_cases=make_cases, judge_case=judge_case, hint=hint, **extra)


_SIGMOID, _BCE, _TWO = matches(sigmoid), matches(binary_cross_entropy), matches(two_class_logits)

PROPERTIES = [
    _property("sigmoid_matches_reference", "sigmoid", "matches the reference on ordinary logits",
              sigmoid_random_cases, _SIGMOID, "sigmoid(z) = 1 / (1 + exp(-z)), elementwise, any shape"),
    _property("sigmoid_extreme", "sigmoid", "stays finite and correct, gradients too, for logits of +-1000",
              sigmoid_extreme_cases, all_of(_SIGMOID, gradients_match(sigmoid)),
              "exp(1000) is inf: 1 / (1 + inf) is still right but its gradient is nan. Only ever exponentiate "
              "-|z| (formed with torch.where), in both branches of torch.where"),
    _property("sigmoid_gradient", "sigmoid", "has the correct gradient, also at z = 0",
              sigmoid_gradient_cases, all_of(_SIGMOID, gradients_match(sigmoid)),
              "PyTorch gives torch.abs a gradient of 0 at 0; choose the branch with torch.where instead"),
    _property("bce_matches_reference", "binary_cross_entropy",
              "matches the reference on ordinary logits with 0/1 and soft labels", bce_random_cases, _BCE,
              "one loss per element (no mean or sum), and soft labels y in [0, 1] must work too"),
    _property("bce_extreme", "binary_cross_entropy",
              "stays finite and correct, gradients too, for logits of +-1000", bce_extreme_cases,
              all_of(_BCE, gradients_match(binary_cross_entropy)),
              "log(sigmoid(z)) is log(0) once sigmoid underflows; rewrite the loss so that exp only "
              "ever sees -|z|"),
    _property("bce_gradient", "binary_cross_entropy", "has the correct gradients, also at z = 0",
              bce_gradient_cases, all_of(_BCE, gradients_match(binary_cross_entropy)),
              "the derivative with respect to z is sigmoid(z) - y, which is 1/2 - y at z = 0; "
              "torch.abs, clamp and relu have one-sided gradients at 0"),
    _property("two_class_logits", "two_class_logits", "returns the (n, 2) logits [z, 0], with gradients",
              two_class_cases, all_of(_TWO, gradients_match(two_class_logits)),
              "column 0 is z itself (class 0 = label y = 1), column 1 is zero; build it with torch.stack "
              "so that gradients flow"),
    _property("equivalence", "your functions",
              "binary cross-entropy equals the two-class cross-entropy of two_class_logits(z)",
              equivalence_cases, matches(REFERENCE),
              "softmax([z, 0]) should be [sigmoid(z), 1 - sigmoid(z)], and class 0 is the label y = 1",
              uses=("binary_cross_entropy", "two_class_logits")),
    _property("contract", "your functions",
              "keep the input's dtype and device, give the documented shapes and leave z and y unchanged",
              contract_cases, all_of(keeps_inputs(), matches(REFERENCE)),
              "avoid in-place operations (like `-=` or `clamp_`) on z and y, and do not convert dtypes",
              uses=FUNCTIONS),
    _property("from_scratch", "your functions", "are written from scratch (no library sigmoid or BCE)",
              scratch_cases, all_of(avoids_calls(FORBIDDEN), matches(REFERENCE)),
              "use torch.exp, torch.log1p and torch.where rather than torch.sigmoid, F.logsigmoid, "
              "F.softplus or F.binary_cross_entropy_with_logits", forbidden_calls=FORBIDDEN, uses=FUNCTIONS),
]
