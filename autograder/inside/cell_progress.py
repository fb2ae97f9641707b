"""Which cell nbgrader is about to run, told to the grader as it happens.

The batch grader gives the notebook sandbox a pipe (``--progress-fd``). nbgrader's Execute step,
replaced in the autograde pipeline by :class:`ReportingExecute`, writes one JSON line on it
just before it runs each code cell: ``[notebook file name, cell number (1-based), grade id]``.
The grader stamps each line with its own clock as it arrives (:mod:`autograder.grading.
cell_timeline`), so when the kernel dies or the notebook's wall clock stops the run, and nbgrader
leaves no executed notebook, the grader can still name the cell that was running and the first
one that ran past its limit. Only this process writes the pipe; the kernel has no handle on it.
"""

from __future__ import annotations

import json
import os
from typing import IO, Any

from nbformat import NotebookNode
from nbgrader.converters.autograde import Autograde
from nbgrader.preprocessors import Execute
from traitlets.config import Config

_progress: IO[str] | None = None


class ReportingExecute(Execute):
    """nbgrader's Execute step (its configuration included) that reports each code cell it runs."""

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> Any:
        if cell.cell_type == "code" and cell.source.strip():
            grade_id = (cell.metadata.get("nbgrader") or {}).get("grade_id", "")
            _report([f"{(resources or {}).get('unique_key', '')}.ipynb", index + 1, str(grade_id)])
        return super().preprocess_cell(cell, resources, index)


def _report(entry: list[Any]) -> None:
    if _progress is None:
        return
    try:
        _progress.write(json.dumps(entry) + "\n")
        _progress.flush()
    except OSError:
        pass  # the grader stopped listening: grading goes on without progress


def reporting_config(progress_fd: int) -> Config:
    """Configuration that puts :class:`ReportingExecute` in the place of nbgrader's Execute step and
    sends its reports to ``progress_fd`` (a pipe this process owns from now on)."""
    global _progress
    os.set_inheritable(progress_fd, False)  # nbgrader's kernel command gets no handle on it
    _progress = os.fdopen(progress_fd, "w", buffering=1)
    config = Config()
    steps = Autograde.class_traits()["autograde_preprocessors"].default()
    config.Autograde.autograde_preprocessors = [ReportingExecute if step is Execute else step for step in steps]
    return config
