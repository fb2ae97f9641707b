"""The contract table: every graded function's clauses, with the cases that exercise each one.

``autograder/checks/README.md`` carries the table between two markers; ``python -m autograder
release`` rewrites it and a test fails when it is stale. Everything in it is computed from the
properties and their cases: the clause (the property's summary), how many cases it has, and the
matrix those cases span (ranks and dtypes of the tensor arguments, the ``dim`` values, the
scenarios that exercise stateful pieces).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import torch

from autograder.catalog import replace_block
from autograder.release import REPO_ROOT, assignments

from . import properties_of
from .base import Case, Property

TABLE_START, TABLE_END = "<!-- contracts:start -->", "<!-- contracts:end -->"
README = REPO_ROOT / "autograder" / "checks" / "README.md"


def _tensors(value: Any) -> Iterator[torch.Tensor]:
    """Every tensor in a case argument (lists, tuples and dicts searched)."""
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)


def matrix(cases: list[Case]) -> str:
    """What ``cases`` span: ``"ranks 1-D, 2-D; float32, float64; dim -1, 0"`` and non-plain scenarios."""
    tensors = [t for case in cases for t in _tensors(case.args)]
    floats = [t for t in tensors if t.is_floating_point()]
    ranks = sorted({t.ndim for t in floats} or {t.ndim for t in tensors})
    dtypes = sorted({str(t.dtype).removeprefix("torch.") for t in floats})
    dims = sorted({case.kwargs["dim"] for case in cases if isinstance(case.kwargs.get("dim"), int)})
    scenarios = sorted({case.scenario for case in cases if case.scenario != "call"})
    parts = ["ranks " + ", ".join(f"{r}-D" for r in ranks)] if ranks else []
    parts += [", ".join(dtypes)] if dtypes else []
    parts += ["dim " + ", ".join(map(str, dims))] if dims else []
    parts += ["via " + ", ".join(f"`{s}`" for s in scenarios)] if scenarios else []
    return "; ".join(parts)


def rows(prop: Property) -> str:
    """One table row: function, property, clause, number of cases, their matrix, the first case."""
    cases = prop.make_cases()
    first = cases[0].label.replace("|", "/") if cases else "(none)"
    return (f"| `{prop.function}` | `{prop.name}` | {prop.summary} | {len(cases)} | {matrix(cases)} | "
            f"{first} |")


def markdown_table() -> str:
    """The contract table of every assignment, in notebook order."""
    lines = ["| function | property | clause | cases | matrix | first case |",
             "| --- | --- | --- | --- | --- | --- |"]
    for assignment in assignments():
        lines += [rows(prop) for prop in properties_of(assignment)]
    return "\n".join(lines)


def update(readme_path: Path = README) -> bool:
    """Rewrite the table in ``autograder/checks/README.md``; True when it changed."""
    old = readme_path.read_text()
    new = replace_block(old, TABLE_START, TABLE_END, markdown_table())
    if new != old:
        readme_path.write_text(new)
    return new != old


__all__ = ["TABLE_START", "TABLE_END", "markdown_table", "matrix", "update"]
