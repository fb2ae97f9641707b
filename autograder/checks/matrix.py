"""Cases drawn from a matrix over everything a contract allows, sampled deterministically.

Hand-picked tensors cover a corner of a contract; a matrix covers its dimensions: the rank of the
input (1-D to 4-D), every valid ``dim`` (negative ones too), every documented dtype (float16
included), the memory layout the function receives (contiguous, a transposed view, a strided view:
see :mod:`autograder.scenarios.layouts`) and the size along the reduced dimension (1, odd, even,
long enough for rounding to accumulate). Enumerating the product would cost too much grading
time, so :func:`sample` picks a fixed number of combinations that still shows every value of
every dimension at least once (a greedy cover, then evenly spaced extras from a seeded shuffle).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import torch

from .base import Case, case_seed, describe, seeded

DTYPES = (torch.float16, torch.float32, torch.float64)
LAYOUTS = ("contiguous", "transposed", "strided")
T = TypeVar("T")
REDUCED_SIZES = (1, 3, 4, 7, 129)


@dataclass(frozen=True)
class Cell:
    """One combination of the matrix."""

    rank: int
    dim: int
    dtype: torch.dtype
    layout: str
    size: int


def cells() -> list[Cell]:
    """Every valid combination: a layout other than contiguous needs a 2-D (transposed) or any
    (strided) input; sizes along the reduced dimension as listed."""
    found = []
    for rank, dtype, layout, size in itertools.product(range(1, 5), DTYPES, LAYOUTS, REDUCED_SIZES):
        if layout == "transposed" and rank < 2:
            continue
        found += [Cell(rank, dim, dtype, layout, size) for dim in range(-rank, rank)]
    return found


def cover(pool: list[T], count: int, seed: int, features: Callable[[T], set[tuple[Any, ...]]]) -> list[T]:
    """``count`` items of ``pool`` that together show every feature any item shows (a greedy cover
    of a seeded shuffle), then evenly spaced others."""
    pool = list(pool)
    random.Random(case_seed(seed)).shuffle(pool)
    wanted = set().union(*map(features, pool))
    chosen: list[T] = []
    while wanted and len(chosen) < count:
        best = max(pool, key=lambda item: len(features(item) & wanted))
        chosen.append(best)
        wanted -= features(best)
    rest = [item for item in pool if item not in chosen]
    step = max(1, len(rest) // max(1, count - len(chosen)))
    return (chosen + rest[::step])[:count]


def sample(count: int, seed: int) -> list[Cell]:
    """``count`` cells that together show every rank (with several entries along ``dim`` too), dim,
    dtype, layout and size (greedy cover first)."""
    return cover(cells(), count, seed, _features)


def _features(cell: Cell) -> set[tuple[str, object]]:
    """The values a cell shows; a rank counts twice, once more with several entries along ``dim``
    (the softmax of a single entry is 1 whatever the code does with that rank)."""
    shown = {(field, getattr(cell, field)) for field in ("rank", "dim", "dtype", "layout", "size")}
    return shown | ({("rank with several entries", cell.rank)} if cell.size > 1 else set())


def _base_shape(cell: Cell, gen: torch.Generator) -> list[int]:
    """The shape of the tensor that travels: the function sees ``size`` along ``dim`` after the layout's view."""
    seen = [int(torch.randint(1, 6, (1,), generator=gen)) for _ in range(cell.rank)]
    seen[cell.dim] = cell.size
    if cell.layout == "transposed":
        seen[-1], seen[-2] = seen[-2], seen[-1]
    if cell.layout == "strided":
        seen[-1] = 2 * seen[-1]
    return seen


def logits_cases(count: int, seed: int, scale: float = 3.0) -> list[Case]:
    """Cases ``f(logits, dim=dim)`` over a sample of the matrix; logits ~ ``scale * N(0, 1)``, but
    ``N(0, 1)`` in float16, whose largest number (65504) a plain sum of exponentials of logits near 8
    would pass: ordinary logits are those where even the overflowing formula is right."""
    gen = seeded(seed)
    cases = []
    for cell in sample(count, seed):
        spread = 1.0 if cell.dtype == torch.float16 else scale
        base = spread * torch.randn(_base_shape(cell, gen), generator=gen, dtype=torch.float64)
        base = base.to(cell.dtype)
        seen = {"contiguous": base, "transposed": base.mT if base.ndim >= 2 else base, "strided": base[..., ::2]}
        view = "" if cell.layout == "contiguous" else f" ({cell.layout} view)"
        scenario = "call" if cell.layout == "contiguous" else f"layouts.{cell.layout}"
        cases.append(Case(f"logits {describe(seen[cell.layout])}{view}, dim={cell.dim}", [base], {"dim": cell.dim},
                          scenario=scenario))
    return cases


__all__ = ["Cell", "cells", "cover", "sample", "logits_cases"]
