"""The instructor's nbgrader course folder: where submissions are, and which of them can be graded.

A submission is ``submitted/<student_id>/<assignment>/`` holding the assignment's notebooks.
Before any kernel starts, each one is checked; a folder that cannot be graded becomes a
:class:`Rejected` with a one-line reason (empty folder, wrongly named notebook, corrupt JSON of
any depth, nbformat 3, not UTF-8, too large, a link or other special file), and the others
become :class:`~.task.GradingTask` objects. Submission files are read only as regular files,
never through a link (:mod:`.untrusted`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from .ledger import properties_in
from .scores import CellInfo
from .untrusted import UnsafeFile, read_regular_file, regular_folder
from .usage import check_course, check_students

MAX_NOTEBOOK_BYTES = 20 * 1024**2

# Beside the autograded notebooks: the status and reason of the last grading.
STATUS_FILE = ".grading-status.json"


@lru_cache(maxsize=8)
def _loaded_config(config_path: Path, modified_ns: int) -> Config:
    return PyFileConfigLoader(config_path.name, path=str(config_path.parent)).load_config()


def nbgrader_config(config_path: Path) -> Config:
    """The course's ``nbgrader_config.py``, loaded once (and again only when the file changes)."""
    return _loaded_config(config_path.resolve(), config_path.stat().st_mtime_ns)


@dataclass(frozen=True)
class Rejected:
    """A submission that cannot be graded, and why (one line)."""

    student: str
    assignment: str
    reason: str


class Course:
    """Paths and gradebook of an nbgrader course folder (nbgrader's default layout)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.config = self.root / "nbgrader_config.py"
        self.gradebook_path = self.root / "gradebook.db"
        self.submitted = self.root / "submitted"
        self.autograded = self.root / "autograded"
        self.feedback = self.root / "feedback"
        self.reports = self.root / "reports"

    @property
    def gradebook_url(self) -> str:
        return f"sqlite:///{self.gradebook_path}"

    def check(self, assignment: str, students: list[str] | None = None) -> None:
        """Raise ValueError (a usage error) unless the course can grade ``assignment`` (and has a
        submission of each of ``students``)."""
        check_course(self.root, assignment)
        check_students(self.root, assignment, students or [])

    def source_directory(self) -> str:
        """nbgrader's ``CourseDirectory.source_directory`` of this course (``source`` unless configured)."""
        return str(nbgrader_config(self.config).CourseDirectory.get("source_directory", "source"))

    def notebook_names(self, assignment: str) -> list[str]:
        """The assignment's notebook file names (``softmax.ipynb``), from the gradebook."""
        with Gradebook(self.gradebook_url) as gradebook:
            return [f"{nb.name}.ipynb" for nb in gradebook.find_assignment(assignment).notebooks]

    def graded_cells(self, assignment: str) -> list[CellInfo]:
        """The assignment's graded cells in notebook order, with their points."""
        with Gradebook(self.gradebook_url) as gradebook:
            return [CellInfo(nb.name, cell.name, float(cell.max_score))
                    for nb in gradebook.find_assignment(assignment).notebooks for cell in nb.grade_cells]

    def test_cells(self, assignment: str) -> dict[str, list[str]]:
        """``"notebook/cell" -> properties`` of every autograder test cell, from the gradebook's sources."""
        with Gradebook(self.gradebook_url) as gradebook:
            found = {}
            for nb in gradebook.find_assignment(assignment).notebooks:
                answers = {cell.name for cell in nb.solution_cells}
                sources = {cell.name: cell.source or "" for cell in nb.source_cells}
                for cell in nb.grade_cells:
                    if cell.cell_type == "code" and cell.name not in answers:
                        found[f"{nb.name}/{cell.name}"] = properties_in(sources.get(cell.name, ""))
            return found

    def locked_sources(self, assignment: str) -> dict[str, str]:
        """``"notebook/cell" -> source`` of the locked cells, as the gradebook holds them."""
        with Gradebook(self.gradebook_url) as gradebook:
            return {f"{nb.name}/{cell.name}": cell.source or "" for nb in gradebook.find_assignment(assignment).notebooks
                    for cell in nb.source_cells if cell.locked and cell.cell_type == "code"}

    def students(self, assignment: str) -> list[str]:
        """Students with a folder (not a link) for ``assignment`` under ``submitted/``, sorted."""
        if not regular_folder(self.submitted):
            return []
        return sorted(p.name for p in self.submitted.iterdir()
                      if regular_folder(p) and regular_folder(p / assignment))

    def is_graded(self, assignment: str, student: str) -> bool:
        """Graded already (or found ungradable): scores in the gradebook and a status beside the notebooks."""
        if not (self.autograded / student / assignment / STATUS_FILE).is_file():
            return False
        with Gradebook(self.gradebook_url) as gradebook:
            try:
                submission = gradebook.find_submission(assignment, student)
            except MissingEntry:
                return False
            grades = [grade for nb in submission.notebooks for grade in nb.grades]
            return bool(grades) and all(grade.auto_score is not None for grade in grades)


def read_notebook_file(path: Path) -> bytes:
    """A submission file's bytes (a regular file within the size limit); :class:`UnsafeFile` otherwise."""
    return read_regular_file(path, MAX_NOTEBOOK_BYTES)


def _notebook_problem(path: Path) -> str | None:
    """Why ``path`` is not a gradable notebook, else None."""
    try:
        raw = read_notebook_file(path)
    except UnsafeFile as error:
        return str(error)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"{path.name} is not UTF-8 text (byte {error.start})"
    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        return f"{path.name} is not valid notebook JSON (line {error.lineno}, column {error.colno}: {error.msg})"
    except RecursionError:
        return f"{path.name} is JSON nested too deeply to be a notebook"
    if not isinstance(content, dict) or not isinstance(content.get("cells", content.get("worksheets")), list):
        return f"{path.name} is JSON but not a notebook"
    if not isinstance(content.get("nbformat", 0), int) or content.get("nbformat", 0) < 4:
        return f"{path.name} is in nbformat {content.get('nbformat')}; open and save it in Jupyter (nbformat 4)"
    return _structure_problem(path.name, text)


def _structure_problem(name: str, text: str) -> str | None:
    """Why a notebook's JSON is not a valid nbformat 4 notebook (a cell without source, say), else None."""
    try:
        nbformat.validate(nbformat.reads(text, as_version=4))
    except (nbformat.ValidationError, RecursionError, ValueError, KeyError, TypeError, AttributeError) as error:
        detail = str(error).strip().splitlines()[0][:160] if str(error).strip() else type(error).__name__
        return f"{name} is not a valid notebook ({detail})"
    return None


def submission_problem(folder: Path, expected: list[str]) -> str | None:
    """Why the submission in ``folder`` cannot be graded, else None."""
    present = sorted(p.name for p in folder.iterdir() if p.suffix == ".ipynb")
    if not present:
        return "no notebook in the submission folder"
    missing = [name for name in expected if name not in present]
    if missing:
        found = ", ".join(present)
        return f"expected {', '.join(missing)} but found {found} (notebooks must keep their names)"
    for name in expected:
        problem = _notebook_problem(folder / name)
        if problem:
            return problem
    return None
