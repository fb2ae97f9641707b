"""How close is close enough: the tolerances and the closeness message of every check.

The hidden checks (``autograder.checks.compare``) and the public checks students run
(:func:`studentkit.check`) compare a result with the correct one through these two functions, so a
result passes or fails both the same way and the messages read alike. A message names the element
that breaks its own tolerance the most (index, error, tolerance), never the correct value.
:func:`tensor_problem` says first whether the result is a tensor of the right shape, dtype and device;
:func:`value_problem` judges a whole result (tensors, numbers, lists and dicts of them) as a
:class:`Problem` of a kind.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import torch
from torch import Tensor


class Problem(NamedTuple):
    """What is wrong with a result: its kind (``"type"``, ``"values"``, ``"error"``, ``"mutation"``,
    ``"gradient"``, ``"calls"``, or ``""`` for a property's own finding) and one line that says it."""

    kind: str
    text: str


def tolerances(dtype: torch.dtype) -> tuple[float, float]:
    """(atol, rtol) for comparing with the correct result in ``dtype``.

    float16 keeps about 3 significant digits: a value near 8 is already rounded by up to 0.004, and
    an implementation that computes in float16 (right, if less exact than a float32 computation)
    accumulates a few such roundings, so its absolute tolerance is 1e-2."""
    if dtype == torch.float64:
        return 1e-10, 1e-8
    if dtype in (torch.float16, torch.bfloat16):
        return 1e-2, 2e-2
    return 1e-6, 1e-4


def _index(flat: int, shape: torch.Size) -> str:
    """`` at index 3`` or `` at index (1, 2)`` for element ``flat`` of a tensor of ``shape``; empty for 0-dim."""
    if not shape:
        return ""
    where = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), shape))
    return f" at index {where[0] if len(where) == 1 else where}"


def tensor_problem(value: object, expected: Tensor, what: str, type_name: str = "") -> str | None:
    """Why ``value`` cannot stand for ``expected`` (not exactly a tensor, or another shape, dtype or
    device), else None; ``type_name`` names what ``value`` is when its Python type would not say."""
    if type(value) is not Tensor:
        return f"{what} is {type_name or type(value).__name__}, expected a torch.Tensor"
    if value.shape != expected.shape:
        return f"{what} has shape {tuple(value.shape)}, expected {tuple(expected.shape)}"
    if value.dtype != expected.dtype:
        return f"{what} has dtype {value.dtype}, expected {expected.dtype} (the input's dtype)"
    if value.device != expected.device:
        return f"{what} is on {value.device}, expected {expected.device} (the input's device)"
    return None


def closeness_problem(value: Tensor, expected: Tensor, what: str) -> str | None:
    """Why ``value`` is not close to ``expected`` (same shape; non-finite where finite, or too far), else None.

    Args:
        value: the result to judge, any floating or integer dtype.
        expected: the correct result, same shape; its dtype sets the tolerance (:func:`tolerances`).
        what: how the message names the result (``"the output"``).
    """
    atol, rtol = tolerances(expected.dtype)
    value, expected = value.detach().double(), expected.detach().double()
    bad_nan = torch.isnan(value) & ~torch.isnan(expected)
    if bad_nan.any():
        return f"{what} contains nan ({int(bad_nan.sum())} entries) where the correct values are numbers"
    infinite = torch.isinf(expected) | torch.isnan(expected)
    if (torch.isinf(value) & ~infinite).any():
        return f"{what} contains inf where the correct values are finite"
    both_defined = torch.isinf(expected)
    if (value[both_defined] != expected[both_defined]).any():
        return f"{what} differs where the correct values are infinite"
    finite = ~infinite
    if not finite.any():
        return None
    error = torch.where(finite, (value - expected).abs(), torch.zeros_like(value))
    allowed = atol + rtol * torch.where(finite, expected.abs(), torch.zeros_like(expected))
    if not (error > allowed).any():
        return None
    worst = int(torch.argmax(error / allowed))
    return (f"{what} is off by {error.flatten()[worst].item():.3g}{_index(worst, expected.shape)}, "
            f"where the tolerance is {allowed.flatten()[worst].item():.1g}")


def value_problem(value: Any, expected: Any, what: str) -> Problem | None:
    """Why ``value`` differs from ``expected``, else None: tensors by :func:`tensor_problem` and
    :func:`closeness_problem`, dicts key by key and lists item by item (recursively), numbers to
    1e-6 + 1e-5 relative, anything else (bools, strings) exactly. ``value`` is plain data, where
    ``{"__type__": name}`` stands for an object of another type."""
    if isinstance(expected, Tensor):
        type_name = value.get("__type__", "dict") if isinstance(value, dict) else type(value).__name__
        problem = tensor_problem(value, expected, what, f"a {type_name}")
        if problem:
            return Problem("type", problem)
        problem = closeness_problem(value, expected, what)
        return Problem("values", problem) if problem else None
    if isinstance(expected, dict):
        if not isinstance(value, dict) or set(value) != set(expected):
            return Problem("type", f"{what} should be a dict with keys {sorted(expected)}")
        return next((p for k in expected if (p := value_problem(value[k], expected[k], f"{what}[{k!r}]"))), None)
    if isinstance(expected, (list, tuple)):
        if not isinstance(value, list) or len(value) != len(expected):
            return Problem("type", f"{what} should be a sequence of {len(expected)} items")
        return next((p for i, (v, e) in enumerate(zip(value, expected))
                     if (p := value_problem(v, e, f"{what}[{i}]"))), None)
    if isinstance(expected, bool) or not isinstance(expected, (int, float)):
        same = type(value) is type(expected) and value == expected
        return None if same else Problem("values", f"{what} is {value!r}, expected {expected!r}")
    if type(value) not in (int, float):
        return Problem("type", f"{what} is a {type(value).__name__}, expected a number")
    if abs(value - expected) > 1e-6 + 1e-5 * abs(expected):
        return Problem("values", f"{what} is off by {abs(value - expected):.3g}")
    return None


__all__ = ["Problem", "closeness_problem", "tensor_problem", "tolerances", "value_problem"]
