"""Reconcile nbgrader's cell scores with the judge's ledger.

nbgrader scores a test cell by whether it raised. Student code runs in the same kernel as the
test cells, so it could make a cell "pass" (for instance by replacing ``check``). The ledger is
kept outside the sandbox: a cell that calls ``check("<property>", ...)`` keeps its points only if
the ledger holds at least one verdict for that property and every such verdict passed.
"""

from __future__ import annotations

import re
from typing import Any

from .task import CellScore

CHECK_CALL = re.compile(r"""check\(\s*["']([\w/]+)["']""")


def properties_in(source: str) -> list[str]:
    """The properties a test cell's source asks the judge about."""
    return CHECK_CALL.findall(source)


def reconcile(cells: list[CellScore], sources: dict[tuple[str, str], str],
              ledger: list[dict[str, Any]]) -> tuple[list[CellScore], list[str]]:
    """Zero every cell whose properties lack a passing verdict; return the cells and what changed.

    Args:
        cells: nbgrader's scores.
        sources: ``(notebook, cell) -> source`` of the graded cells as executed.
        ledger: the judge's verdicts (dicts with ``property`` and ``passed``).
    """
    verdicts: dict[str, list[bool]] = {}
    for verdict in ledger:
        verdicts.setdefault(str(verdict.get("property")), []).append(bool(verdict.get("passed")))
    reconciled, notes = [], []
    for cell in cells:
        wanted = properties_in(sources.get((cell.notebook, cell.cell), ""))
        missing = [name for name in wanted if not verdicts.get(name) or not all(verdicts[name])]
        if missing and cell.score > 0:
            notes.append(f"{cell.cell}: no passing verdict from the judge for {', '.join(missing)}; scored 0")
            cell = CellScore(cell.notebook, cell.cell, 0.0, cell.max_score)
        reconciled.append(cell)
    return reconciled, notes
