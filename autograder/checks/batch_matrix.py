"""Cases of a batch function ``f(scores, ...)`` drawn from a matrix over what its contract allows.

A loss or a metric of a batch takes ``(n, q)`` scores (logits or probabilities) and more per-example
arguments (labels, targets). Its matrix: the batch size ``n`` (one example, odd, many, more than a
256-example batch), the number of classes ``q`` (2, 3, 10), the dtype (float16 where the contract
documents it) and the memory layout the scores arrive in (contiguous, a transposed view, a strided
view: a function that uses ``.view`` or assumes contiguous rows fails on the last two). A vector
function ``f(z, ...)`` of ``(n,)`` inputs has the same matrix without ``q`` and the transposed view.
Cells are sampled with :func:`~autograder.checks.matrix.cover`, so every value of every dimension
appears at least once.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Callable

import torch
from torch import Tensor

from .base import Case, describe, seeded
from .matrix import cover

BATCH_SIZES = (1, 3, 64, 257)
CLASS_COUNTS = (2, 3, 10)
SCENARIOS = {"contiguous": "call", "transposed": "layouts.transposed", "strided": "layouts.strided"}


@dataclass(frozen=True)
class BatchCell:
    """One combination: ``n`` examples of ``q`` classes (``q`` = 0 for a vector function)."""

    n: int
    q: int
    dtype: torch.dtype
    layout: str


def _features(cell: BatchCell) -> set[tuple[str, object]]:
    return {("n", cell.n), ("q", cell.q), ("dtype", cell.dtype), ("layout", cell.layout)}


def batch_cells(count: int, seed: int, dtypes: tuple[torch.dtype, ...], vector: bool = False) -> list[BatchCell]:
    """``count`` cells of the matrix (every n, q, dtype and layout at least once)."""
    layouts = ("contiguous", "strided") if vector else tuple(SCENARIOS)
    counts = (0,) if vector else CLASS_COUNTS
    pool = [BatchCell(n, q, dtype, layout)
            for n, q, dtype, layout in itertools.product(BATCH_SIZES, counts, dtypes, layouts)]
    return cover(pool, count, seed, _features)


def stored_for(seen: Tensor, layout: str) -> Tensor:
    """The tensor to send so that the layout's view of it (see :mod:`autograder.scenarios.layouts`)
    is ``seen``: ``seen.mT`` made contiguous, or ``seen`` interleaved with filler along the last dim."""
    if layout == "transposed":
        return seen.mT.contiguous()
    if layout == "strided":
        stored = torch.full((*seen.shape[:-1], 2 * seen.shape[-1]), 0.125, dtype=seen.dtype)
        stored[..., ::2] = seen
        return stored
    return seen


# Builds the arguments of one cell: (the scores as the function sees them, the other arguments, a label).
Builder = Callable[[BatchCell, torch.Generator], tuple[Tensor, list[Any], str]]


def batch_matrix_cases(count: int, seed: int, dtypes: tuple[torch.dtype, ...], build: Builder,
                       vector: bool = False) -> list[Case]:
    """``count`` cases ``f(scores, *rest)`` over a sample of the matrix; ``build`` makes each cell's arguments."""
    gen, cases = seeded(seed), []
    for cell in batch_cells(count, seed, dtypes, vector):
        scores, rest, label = build(cell, gen)
        view = "" if cell.layout == "contiguous" else f" ({cell.layout} view)"
        cases.append(Case(f"{label.format(scores=describe(scores) + view)}", [stored_for(scores, cell.layout), *rest],
                          scenario=SCENARIOS[cell.layout]))
    return cases


def normal(shape: tuple[int, ...], dtype: torch.dtype, gen: torch.Generator, scale: float = 3.0) -> Tensor:
    """``scale * N(0, 1)`` drawn in float64 and cast; float16 gets ``N(0, 1)`` (its range is small)."""
    spread = 1.0 if dtype == torch.float16 else scale
    return (spread * torch.randn(shape, generator=gen, dtype=torch.float64)).to(dtype)


def labels(n: int, q: int, gen: torch.Generator) -> Tensor:
    """``(n,)`` int64 labels in ``[0, q)``."""
    return torch.randint(0, q, (n,), generator=gen)


def class_count(gen: torch.Generator) -> int:
    """One of :data:`CLASS_COUNTS`, drawn from ``gen``."""
    return CLASS_COUNTS[int(torch.randint(len(CLASS_COUNTS), (), generator=gen))]


def label_vector_cell(cell: BatchCell, gen: torch.Generator, **more: Any) -> tuple[Tensor, list[Any], str]:
    """A cell of a label function ``f(y, num_classes, *more.values())``: ``cell.n`` int64 labels of a
    drawn class count ``q`` (``cell.dtype`` is int64 and unused), then ``q`` and the values of ``more``
    (passed by position, in order; named in the case's description)."""
    q = class_count(gen)
    extra = "".join(f", {name}={value!r}" for name, value in more.items())
    return labels(cell.n, q, gen), [q, *more.values()], f"labels {{scores}}, num_classes={q}{extra}"


__all__ = ["BatchCell", "batch_cells", "batch_matrix_cases", "class_count", "label_vector_cell", "labels",
           "normal", "stored_for"]
