"""The public cases shipped with the student package, one file per assignment.

``python -m autograder release`` draws them from the same case builders as the hidden checks, with
other seeds (same shapes, dtypes, ``dim`` values, value regimes and scenarios, other numbers), and
stores each with the correct result computed by the reference solution. The reference itself is
not shipped: only inputs, the name of the scenario that exercises the student's functions
(:mod:`studentkit.scenarios`, shipped as code with this package) and results. A file is a
``torch.save`` of plain data, loaded with ``weights_only=True``::

    {"assignment": "softmax", "kind_hints": {kind: hint},
     "properties": [{"name", "function", "uses": [name, ...], "summary", "hint", "concern": [kind, ...],
                     "forbidden": [name, ...], "float32_precision": bool, "cases": [case, ...]}, ...],
     "graded_only": [{"name", "function", "uses", "summary", "why"}, ...]}

where ``uses`` names the notebook's functions a property needs when it needs several (its scenario
gets them as a dict), and a case is ``{"label", "args", "kwargs", "scenario", "grad_output",
"expected", "expected_grads"}``: ``scenario`` is ``"call"``, a memory layout
(``"layouts.transposed"``: the first argument is handed over as that view of the stored tensor) or
a scenario of a stateful piece (``"training.sgd_step"``), ``expected`` is the reference's result of
that scenario as plain data and ``expected_grads`` holds the correct gradient of each argument
(None where there is none) when ``grad_output`` is set. A case of a property that holds a function
to a whole contract (``training``'s ``softmax``) also carries its clause's ``clause`` summary,
``concern`` and ``hint``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import torch

DATA_PACKAGE = "studentkit.public.data"


@dataclass(frozen=True)
class PublicProperty:
    """One graded property as its public check sees it: summary, hint, the failure kinds it is
    about (``concern``), the library calls it forbids, its public cases (plain dicts), whether
    float64 results are compared to float32 precision only, and the notebook's functions it
    needs when it needs several (``uses``, in notebook order)."""

    name: str
    function: str
    summary: str
    hint: str
    concern: tuple[str, ...]
    forbidden: tuple[str, ...]
    cases: tuple[dict[str, Any], ...]
    float32_precision: bool = False
    uses: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        """The notebook's names the check needs: ``uses``, or the one function."""
        return self.uses or (self.function,)


@dataclass(frozen=True)
class PublicSet:
    """The public checks of one assignment, and the graded properties with no public case."""

    assignment: str
    properties: tuple[PublicProperty, ...]
    graded_only: tuple[dict[str, str], ...]
    kind_hints: dict[str, str]

    def functions(self) -> list[str]:
        """The functions that have public checks, in notebook order."""
        return list(dict.fromkeys(name for p in self.properties for name in p.names()))


def available() -> list[str]:
    """The assignments that ship public cases."""
    return sorted(p.name.removesuffix(".pt") for p in resources.files(DATA_PACKAGE).iterdir()
                  if p.name.endswith(".pt"))


def load(assignment: str) -> PublicSet:
    """The public checks of ``assignment``.

    Raises:
        KeyError: no public cases for that name (the message lists the assignments that have some).
    """
    if assignment not in available():
        raise KeyError(f"no public checks for {assignment!r}; there are checks for: {', '.join(available())}")
    with resources.as_file(resources.files(DATA_PACKAGE) / f"{assignment}.pt") as path:
        data = torch.load(path, weights_only=True)
    properties = tuple(PublicProperty(p["name"], p["function"], p["summary"], p["hint"], tuple(p["concern"]),
                                      tuple(p["forbidden"]), tuple(p["cases"]), bool(p.get("float32_precision")),
                                      tuple(p.get("uses") or ())) for p in data["properties"])
    return PublicSet(data["assignment"], properties, tuple(data["graded_only"]), dict(data["kind_hints"]))


__all__ = ["PublicProperty", "PublicSet", "available", "load"]
