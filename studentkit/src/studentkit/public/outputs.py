"""A result as plain data, and how it is judged against the reference's: the one rule of every check.

:func:`plain_data` is what the check process sends to the judge and what the public checks look at:
tensors, numbers, strings, lists and dicts, anything else a ``{"__type__": name}`` placeholder.
:func:`output_problem` judges it against the reference's result for a case of a scenario: first the
scenario's own reading (:mod:`.readings`), then :func:`~.closeness.value_problem`, entry by entry;
``autograder.checks.compare.matches`` (hidden) and :func:`studentkit.check` (public) both call it.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .closeness import Problem, value_problem
from .readings import READINGS

MAX_DEPTH = 4


def _tensor(value: Tensor) -> Any:
    """A detached, contiguous copy of a dense CPU tensor; a placeholder for any other kind."""
    if value.layout != torch.strided or value.device.type != "cpu" or value.is_quantized:
        return {"__type__": f"Tensor ({value.layout}, {value.device})"}
    return value.detach().clone(memory_format=torch.contiguous_format)


def plain_data(value: Any, depth: int = 0) -> Any:
    """``value`` as data the wire can carry: tensors (exact type only), numbers, strings,
    lists and str-keyed dicts; anything else becomes ``{"__type__": "<type name>"}``.

    Numbers of other numeric types (``numpy.float64``, ``numpy.int64``) become Python numbers.
    """
    if type(value) is Tensor:
        return _tensor(value)
    if type(value) in (bool, int, float, str) or value is None:
        return value
    if depth < MAX_DEPTH and type(value) in (list, tuple):
        return [plain_data(item, depth + 1) for item in value]
    if depth < MAX_DEPTH and type(value) is dict and all(type(key) is str for key in value):
        return {key: plain_data(item, depth + 1) for key, item in value.items()}
    return _number(value)


def _number(value: Any) -> Any:
    """NumPy scalars as the Python number they stand for; a placeholder for everything else."""
    module = type(value).__module__
    if module == "numpy" and hasattr(value, "item") and getattr(value, "shape", None) == ():
        item = value.item()
        if type(item) in (bool, int, float):
            return item
    return {"__type__": type(value).__name__}


def relaxed(value: Any, expected: Any) -> tuple[Any, Any]:
    """``(value, expected)`` with float64 tensors of both sides cast to float32, dicts key by key:
    a comparison to float32 precision only."""
    if type(value) is Tensor and type(expected) is Tensor and value.dtype == expected.dtype == torch.float64:
        return value.float(), expected.float()
    if isinstance(value, dict) and isinstance(expected, dict) and set(value) == set(expected):
        pairs = {key: relaxed(value[key], expected[key]) for key in expected}
        return {k: v for k, (v, _) in pairs.items()}, {k: e for k, (_, e) in pairs.items()}
    return value, expected


def output_problem(output: Any, expected: Any, scenario: str, args: list[Any], kwargs: dict[str, Any],
                   float32_precision: bool = False) -> Problem | None:
    """What is wrong with ``output`` (plain data) on a case of ``scenario``, given the reference's
    ``expected`` result and the case's ``args`` and ``kwargs`` as built; None when nothing is.

    ``float32_precision`` compares float64 results to float32 precision only."""
    reading = READINGS.get(scenario)
    found = reading(output, expected, args, kwargs) if reading else None
    if found:
        return found
    if float32_precision:
        output, expected = relaxed(output, expected)
    return value_problem(output, expected, "the output")


__all__ = ["output_problem", "plain_data", "relaxed"]
