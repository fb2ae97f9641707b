"""Reconcile nbgrader's cell scores with the judge's ledger, and show the verdicts in the notebook.

nbgrader scores a test cell by whether it raised in the notebook's kernel, where student code
runs too. The verdicts of the hidden checks come from the judge of the separate check process.
Which properties a test cell asks about is read from the gradebook's copy of the cell (the
instructor's source), never from the submission: a cell keeps its points only if the ledger
holds a passing verdict for every one of its properties. The judge's messages then replace the
kernel's placeholder in the executed notebook, so the feedback shows each verdict.
"""

from __future__ import annotations

import re
from typing import Any

import nbformat

from .inert import inert_stored
from .task import CellScore

# ``check("assignment/property", ...)`` of ``autograder.probe``, not ``studentkit.check("softmax")``
CHECK_CALL = re.compile(r"""(?<![\w.])check\(\s*["'](\w+/\w+)["']""")
DEFERRED_NOTE = "checked by the grader in a separate process"
"""What a hidden test cell prints in the notebook's kernel under the batch grader (see ``probe.check``)."""


def properties_in(source: str) -> list[str]:
    """The properties a test cell's source asks the judge about."""
    return CHECK_CALL.findall(source)


def _verdicts(ledger: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    verdicts: dict[str, list[dict[str, Any]]] = {}
    for verdict in ledger:
        verdicts.setdefault(str(verdict.get("property")), []).append(verdict)
    return verdicts


def reconcile(cells: list[CellScore], test_cells: dict[str, list[str]],
              ledger: list[dict[str, Any]]) -> tuple[list[CellScore], list[str]]:
    """Zero every cell whose properties lack a passing verdict; return the cells and what changed.

    Args:
        cells: nbgrader's scores.
        test_cells: ``"notebook/cell" -> properties`` from the gradebook's sources.
        ledger: the judge's verdicts (dicts with ``property`` and ``passed``).
    """
    verdicts = _verdicts(ledger)
    reconciled, notes = [], []
    for cell in cells:
        wanted = test_cells.get(f"{cell.notebook}/{cell.cell}", [])
        missing = [name for name in wanted
                   if not verdicts.get(name) or not all(v.get("passed") is True for v in verdicts[name])]
        if missing and cell.score > 0:
            notes.append(f"{cell.cell}: no passing verdict from the judge for {', '.join(missing)}; scored 0")
            cell = CellScore(cell.notebook, cell.cell, 0.0, cell.max_score)
        reconciled.append(cell)
    return reconciled, notes


def _verdict_outputs(properties: list[str], verdicts: dict[str, list[dict[str, Any]]]) -> list[Any]:
    outputs = []
    for name in properties:
        found = verdicts.get(name)
        if not found:
            outputs.append(nbformat.v4.new_output("error", ename="CheckFailed", evalue=f"{name}: not checked "
                                                  "(the check process stopped before this property)",
                                                  traceback=[f"CheckFailed: {name}: not checked"]))
            continue
        for verdict in found:
            message = str(verdict.get("message", ""))
            if verdict.get("passed") is True:
                outputs.append(nbformat.v4.new_output("stream", name="stdout", text=message + "\n"))
            else:
                outputs.append(nbformat.v4.new_output("error", ename="CheckFailed", evalue=message,
                                                      traceback=[f"CheckFailed: {message}"]))
    return outputs


def _without_placeholder(outputs: list[Any]) -> list[Any]:
    """The cell's outputs less the lines the placeholder printed (and streams left empty)."""
    kept = []
    for output in outputs:
        if output.get("output_type") == "stream":
            text = output.get("text", "")
            text = "".join(text) if isinstance(text, list) else str(text)
            lines = [line for line in text.splitlines(keepends=True) if DEFERRED_NOTE not in line]
            if not lines:
                continue
            output["text"] = "".join(lines)
        kept.append(output)
    return kept


def annotate(notebook_text: str, notebook: str, test_cells: dict[str, list[str]],
             ledger: list[dict[str, Any]]) -> str:
    """The executed notebook with each test cell's placeholder replaced by the judge's verdicts,
    and every output made inert (see :mod:`.inert`), as it is stored for nbgrader and formgrader."""
    parsed = nbformat.reads(notebook_text, as_version=4)
    verdicts = _verdicts(ledger)
    for cell in parsed.cells:
        grade_id = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
        properties = test_cells.get(f"{notebook}/{grade_id}")
        if cell.get("cell_type") != "code" or not properties:
            continue
        cell["outputs"] = _without_placeholder(cell.get("outputs", [])) + _verdict_outputs(properties, verdicts)
    return nbformat.writes(inert_stored(parsed))
