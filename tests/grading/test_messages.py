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
