"""Scenarios that hand a function a tensor in another memory layout than the one it travelled in.

Tensors cross from the judge as contiguous bytes, so a non-contiguous input has to be made here:
a transposed view (``x.mT``: last two dimensions swapped, strides swapped) or a strided view (every
other element along the last dimension). The function receives the view as its first argument;
the other arguments (labels, targets) and the keyword arguments pass through unchanged. Runs beside
student code (in the check process and in the student's notebook): no import of the reference or the checks.
"""

from __future__ import annotations

from typing import Any, Callable

from torch import Tensor


def transposed(function: Callable[..., Any], base: Tensor, *rest: Any, **kwargs: Any) -> Any:
    """``function(base.mT, *rest, **kwargs)``: a view of ``base`` ``(..., m, n)`` as ``(..., n, m)``, not contiguous."""
    return function(base.mT, *rest, **kwargs)


def strided(function: Callable[..., Any], base: Tensor, *rest: Any, **kwargs: Any) -> Any:
    """``function(base[..., ::2], *rest, **kwargs)``: every other element of the last dimension, stride 2."""
    return function(base[..., ::2], *rest, **kwargs)
