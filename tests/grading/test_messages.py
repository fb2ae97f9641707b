"""What a failing check tells the student: the element that is wrong, never the expected value."""

from __future__ import annotations

import torch

from autograder.checks.compare import closeness_problem


def test_the_element_that_breaks_its_own_tolerance_is_named() -> None:
    expected = torch.tensor([[1e6, 1.0], [2.0, 3.0]], dtype=torch.float64)
    value = expected.clone()
    value[0, 0] += 1e-3  # large in absolute terms, within its relative tolerance
    value[1, 1] += 1e-3  # small, but far beyond the tolerance of a value near 3
    message = closeness_problem(value, expected, "the output")
    assert message == "the output is off by 0.001 at index (1, 1), where the tolerance is 3e-08"
    assert "1e+06" not in message and "3.0" not in message, "expected values stay hidden"


def test_close_values_pass_and_one_dimension_reads_as_one_index() -> None:
    expected = torch.linspace(0, 1, 5)
    assert closeness_problem(expected + 1e-7, expected, "y") is None
    wrong = expected.clone()
    wrong[3] += 0.5
    assert closeness_problem(wrong, expected, "y").startswith("y is off by 0.5 at index 3,")


WRONG_AXIS = """
def softmax(logits, dim=-1):
    e = torch.exp(logits - logits.amax(dim=0, keepdim=True))
    return e / e.sum(dim=0, keepdim=True)
"""
FLOAT32_INSIDE = """
def softmax(logits, dim=-1):
    z = logits.float()
    e = torch.exp(z - z.amax(dim=dim, keepdim=True))
    return e / e.sum(dim=dim, keepdim=True)
"""


def _messages(code: str) -> dict[str, str]:
    from autograder.checks.local import evaluate_code

    return {name: verdict.message for name, verdict in evaluate_code("softmax", code).items() if not verdict.passed}


def test_a_property_gives_its_hint_only_when_its_own_concern_fails() -> None:
    """A wrong axis breaks the values everywhere: the contract property says the values are wrong
    instead of advising against in-place operations, and the from-scratch one does not say to avoid
    the library; the property about ordinary logits gives its own hint."""
    from autograder.checks.base import KIND_HINTS
    from autograder.checks.softmax import SOFTMAX

    failed = _messages(WRONG_AXIS)
    assert {"softmax/matches_reference", "softmax/contract", "softmax/from_scratch"} <= set(failed)
    assert failed["softmax/contract"].endswith("Hint: " + KIND_HINTS["values"])
    assert SOFTMAX.clause("contract").hint not in failed["softmax/contract"]
    assert SOFTMAX.clause("from_scratch").hint not in failed["softmax/from_scratch"]
    assert failed["softmax/matches_reference"].endswith("Hint: " + SOFTMAX.clause("matches_reference").hint)


def test_a_dtype_failure_gets_the_type_hint_where_values_are_the_concern() -> None:
    from autograder.checks.base import KIND_HINTS
    from autograder.checks.softmax import SOFTMAX

    failed = _messages(FLOAT32_INSIDE)
    assert failed["softmax/matches_reference"].endswith("Hint: " + KIND_HINTS["type"])
    assert failed["softmax/contract"].endswith("Hint: " + SOFTMAX.clause("contract").hint)
