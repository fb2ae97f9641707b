"""The public cases students run with ``studentkit.check``: drawn like the hidden ones, with other seeds.

For every property of an assignment (but the visible cell's own ``basics`` and a property marked
``graded_only``, the Fashion-MNIST retraining), :func:`public_set` draws the property's cases inside
:func:`~autograder.checks.base.public_seeds` (same builders, so the same shapes, dtypes, ``dim``
values, value regimes and scenarios, but other numbers; a batch's rows in another order), keeps a
few small ones covering the cases' features, and stores each with its scenario's name and the
reference's output of that scenario (and gradients). The student side runs the same scenario
(:mod:`studentkit.scenarios`) with the student's functions and judges the output by the same rule
(:func:`studentkit.public.outputs.output_problem`). ``python -m autograder release`` writes one file
per assignment into ``studentkit``'s package data (:func:`update`); a test fails when a file is stale.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from autograder import reference
from autograder.observation import observe
from autograder.release import REPO_ROOT
from studentkit.public.cases import DATA_PACKAGE

from . import properties_of
from .base import KIND_HINTS, Case, Property, concern_of, public_seeds

DATA_DIR = REPO_ROOT / "studentkit" / "src" / Path(*DATA_PACKAGE.split("."))
MAX_CASES = 8  # per property: first a cover of the case features, then evenly spaced others
MAX_ELEMENTS = 2048  # per tensor argument: public cases stay small and quick


def _small(case: Case) -> bool:
    return all(a.numel() <= MAX_ELEMENTS for a in case.args if isinstance(a, torch.Tensor))


def _features(case: Case) -> set[tuple[str, object]]:
    """What a case exercises: the rank, dtype and ``dim`` of its first tensor, the view it is handed
    as, the size along ``dim`` (one entry, several, more than 8), its value regime (inf, |x| >= 100),
    its clause and the note of its label without numbers ("with a zero at a true class")."""
    tensors = [a for a in case.args if isinstance(a, torch.Tensor)]
    found: set[tuple[str, object]] = {("view", case.scenario), ("clause", getattr(case, "clause", None))}
    if tensors:
        first = tensors[0].mT if case.scenario == "layouts.transposed" else tensors[0]
        dim = case.kwargs.get("dim", -1)
        valid = isinstance(dim, int) and -first.ndim <= dim < first.ndim
        size = first.shape[dim] if valid else 0
        # a rank is only shown by a case with more than one entry along dim (softmax of one entry is 1)
        found |= {("rank", first.ndim, size > 1), ("dtype", first.dtype), ("dim", dim), ("long", size > 8)}
    floats = [t for t in tensors if t.is_floating_point()]
    found.add(("note", " ".join(re.sub(r"\([\d, ]*\)|\b(float|int)\d+\b|-?\d+(\.\d+)?", " ", case.label).split())))
    found |= {("inf", any(bool(t.isinf().any()) for t in floats)),
              ("large", any(bool((t.abs() >= 100).any()) for t in floats if t.numel()))}
    return found


FIRST = ("clause", "note", "inf", "large")  # what a public set must show before the matrix's dimensions


def _choose(cases: list[Case]) -> list[Case]:
    """Up to :data:`MAX_CASES` of ``cases``: a greedy cover of their clauses and value regimes, then
    of the other features, then evenly spaced others, in their original order."""
    every = set().union(*map(_features, cases)) if cases else set()
    chosen: list[int] = []
    for wanted in ({f for f in every if f[0] in FIRST}, every):
        wanted -= set().union(*(_features(cases[i]) for i in chosen)) if chosen else set()
        while wanted and len(chosen) < MAX_CASES:
            best = max(range(len(cases)), key=lambda i: len(_features(cases[i]) & wanted))
            chosen.append(best)
            wanted -= _features(cases[best])
    rest = [i for i in range(len(cases)) if i not in chosen]
    spare = MAX_CASES - len(chosen)
    chosen += rest[::max(1, -(-len(rest) // spare))][:spare] if spare > 0 else []
    return [cases[i] for i in sorted(chosen)]


def _rolled(case: Case) -> Case:
    """The case with its examples in another order, so that hand-written inputs (rows of +-1000)
    differ from the hidden ones too: every tensor argument rolled by one along dim 0 when they all
    have the same n >= 2 entries there and either the first is a batch (2-D or more) or all are
    floating (elementwise functions); otherwise only the 1-D integer label sets are rolled (their
    order does not matter to a function of a set of labels)."""
    tensors = [a for a in case.args if isinstance(a, torch.Tensor)]
    if not tensors:
        return case
    n = tensors[0].shape[0] if tensors[0].ndim else 0
    together = n >= 2 and all(t.ndim and t.shape[0] == n for t in tensors) \
        and (tensors[0].ndim >= 2 or all(t.is_floating_point() for t in tensors))

    def roll(a: Any) -> Any:
        labels = isinstance(a, torch.Tensor) and a.ndim == 1 and len(a) >= 2 and not a.is_floating_point()
        return torch.roll(a, 1, dims=0) if isinstance(a, torch.Tensor) and (together or labels) else a

    return replace(case, args=[roll(a) for a in case.args])


def _reference(prop: Property) -> Any:
    """The reference implementation the property's cases run with: a function, or a dict of ``uses``."""
    return {name: getattr(reference, name) for name in prop.uses} if prop.uses else getattr(reference, prop.function)


def _public_case(prop: Property, case: Case) -> dict[str, Any]:
    """The case as shipped: inputs, scenario, upstream gradient and the reference's output and gradients."""
    seen = observe(_reference(prop), case.to_wire())
    if seen["error"]:
        raise RuntimeError(f"the reference failed on public case {case.label} of {prop.name}: {seen['error']}")
    grads = seen["grads"] if case.grad_output is not None else []
    shipped = {"label": case.label, "args": case.args, "kwargs": case.kwargs, "scenario": case.scenario,
               "grad_output": case.grad_output, "expected": seen["output"], "expected_grads": grads}
    clause = getattr(case, "clause", None)  # one property holding a function to a whole contract
    if clause is not None:
        shipped |= {"clause": clause.summary, "concern": list(concern_of(clause.aspect)), "hint": clause.hint}
    return shipped


def publishable(prop: Property) -> bool:
    """Whether ``prop`` is checked in public: every property but the visible cell's own ``basics``
    and those marked ``graded_only`` (the Fashion-MNIST retraining)."""
    return not prop.name.endswith("/basics") and not prop.graded_only


def _public_property(prop: Property) -> dict[str, Any]:
    with public_seeds():
        drawn = [_rolled(case) for case in prop.make_cases() if _small(case)]
    return {"name": prop.name, "function": prop.function, "uses": list(prop.uses), "summary": prop.summary,
            "hint": prop.hint, "concern": list(concern_of(prop.name)), "forbidden": list(prop.forbidden_calls),
            "float32_precision": prop.float32_precision, "cases": [_public_case(prop, case) for case in _choose(drawn)]}


def public_set(assignment: str) -> dict[str, Any]:
    """Everything ``studentkit.check(assignment)`` needs (see :mod:`studentkit.public.cases`)."""
    props = properties_of(assignment)
    return {"assignment": assignment, "kind_hints": dict(KIND_HINTS),
            "properties": [_public_property(p) for p in props if publishable(p)],
            "graded_only": [{"name": p.name, "function": p.function, "uses": list(p.uses), "summary": p.summary,
                             "why": p.graded_only} for p in props if p.graded_only]}


def same(a: Any, b: Any) -> bool:
    """Exact equality of plain data (tensors: dtype, shape and every element, nan equal to nan)."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.dtype == b.dtype
                and a.shape == b.shape and bool(torch.equal(a, b) or (a.is_floating_point() and torch.allclose(
                    a, b, rtol=0, atol=0, equal_nan=True))))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def stale(assignment: str, data_dir: Path = DATA_DIR) -> bool:
    """Whether the shipped file of ``assignment`` is missing or differs from what would be generated."""
    path = data_dir / f"{assignment}.pt"
    return not path.is_file() or not same(torch.load(path, weights_only=True), public_set(assignment))


def update(assignment: str, data_dir: Path = DATA_DIR) -> bool:
    """Write ``assignment``'s public cases when they changed (``torch.save`` bytes differ from run to
    run, so an unchanged set is not rewritten); True when written."""
    if not stale(assignment, data_dir):
        return False
    data_dir.mkdir(parents=True, exist_ok=True)
    torch.save(public_set(assignment), data_dir / f"{assignment}.pt")
    return True


__all__ = ["DATA_DIR", "public_set", "publishable", "same", "stale", "update"]
