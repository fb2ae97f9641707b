"""What travels between the grading coordinator and a worker (a local thread or a Dask worker).

Tasks and results are plain data (bytes, strings, numbers), so that a Dask cluster can ship them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autograder.sandbox.policy import SandboxPolicy


@dataclass
class GradingTask:
    """Grade one student's submission of one assignment.

    Attributes:
        student, assignment: nbgrader ids.
        notebooks: submitted files by name (``softmax.ipynb`` -> bytes); ``timestamp.txt`` may be among them.
        config: the course's ``nbgrader_config.py``.
        gradebook: a snapshot of the course's ``gradebook.db`` (holds the assignment's cells).
        course_dir: the instructor's course folder (hidden from the sandbox).
        policy: the sandbox limits; ``sandbox=False`` grades without bubblewrap.
        notebook_timeout: wall-clock seconds for the whole submission.
        cell_timeout: seconds per cell (nbgrader's ``Execute.timeout``), and per property of the checks.
        test_cells: ``"notebook/cell" -> properties`` for every test cell of the assignment, read
            from the gradebook (the instructor's source), never from the submission.
        locked_sources: ``"notebook/cell" -> source`` of the locked cells, from the gradebook.
        notebook_order: the assignment's notebook file names in order.
    """

    student: str
    assignment: str
    notebooks: dict[str, bytes]
    config: bytes
    gradebook: bytes
    course_dir: str
    policy: SandboxPolicy = field(default_factory=SandboxPolicy)
    sandbox: bool = True
    notebook_timeout: float = 900.0
    cell_timeout: int = 300
    test_cells: dict[str, list[str]] = field(default_factory=dict)
    locked_sources: dict[str, str] = field(default_factory=dict)
    notebook_order: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.student}/{self.assignment}"


@dataclass
class CellScore:
    """The score of one graded cell, after the judge's ledger has been consulted."""

    notebook: str
    cell: str
    score: float
    max_score: float


@dataclass
class GradingResult:
    """What grading one submission produced.

    Attributes:
        status: ``"graded"`` or ``"failed"`` (a failed submission scores zero where it broke).
        reason: one line saying what went wrong, empty when graded.
        autograded: the executed notebooks by name (bytes), as nbgrader wrote them.
        cells: per-cell scores.
        notes: what the judge's ledger changed ("cell X: no passing verdict ...").
        timings: seconds spent per stage.
        log: the end of nbgrader's output, for the instructor's grading log.
    """

    student: str
    assignment: str
    status: str
    reason: str = ""
    autograded: dict[str, bytes] = field(default_factory=dict)
    cells: list[CellScore] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    log: str = ""

    @property
    def score(self) -> float:
        return sum(cell.score for cell in self.cells)

    @property
    def max_score(self) -> float:
        return sum(cell.max_score for cell in self.cells)
