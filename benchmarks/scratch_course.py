"""A scratch nbgrader course for the grading benchmarks, in a temporary folder.

The course holds this repository's ``nbgrader_config.py`` and ``solutions/<assignment>/``;
``nbgrader generate_assignment`` fills its gradebook and ``exercises/``. Submissions are the
released notebook with answer cells replaced.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from autograder.release import nbgrader_env

from .config import REPO_ROOT

ASSIGNMENT = "training"


class ScratchCourse:
    """The nbgrader course in ``root``; :meth:`create` makes one."""

    def __init__(self, root: Path, assignment: str = ASSIGNMENT) -> None:
        self.root, self.assignment = root, assignment

    @classmethod
    def create(cls, root: Path, assignment: str = ASSIGNMENT) -> ScratchCourse:
        """A new course in ``root`` (must not exist) with ``assignment`` generated."""
        root.mkdir(parents=True)
        shutil.copy(REPO_ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
        shutil.copytree(REPO_ROOT / "solutions" / assignment, root / "solutions" / assignment)
        course = cls(root, assignment)
        course.nbgrader("generate_assignment", assignment, "--force", check=True)
        return course

    def copy(self, root: Path) -> ScratchCourse:
        """A second course in ``root``: the same gradebook and submissions as they are now."""
        shutil.copytree(self.root, root)
        return ScratchCourse(root, self.assignment)

    def command(self, *args: str) -> list[str]:
        """The command line of ``nbgrader ARGS`` (this interpreter's nbgrader)."""
        return [sys.executable, "-m", "nbgrader", *args]

    def nbgrader(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        """Run ``nbgrader ARGS`` in the course folder."""
        result = subprocess.run(self.command(*args), cwd=self.root, env=nbgrader_env(), capture_output=True,
                                text=True, stdin=subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result

    @property
    def notebook_path(self) -> Path:
        """The released notebook (``exercises/<assignment>/<assignment>.ipynb``)."""
        return self.root / "exercises" / self.assignment / f"{self.assignment}.ipynb"

    @property
    def solution_path(self) -> Path:
        """The instructor's notebook (``solutions/<assignment>/<assignment>.ipynb``)."""
        return self.root / "solutions" / self.assignment / f"{self.assignment}.ipynb"

    def submit(self, student: str, answers: dict[str, str]) -> None:
        """Submit the released notebook with the answer cells named in ``answers`` (grade_id -> code)."""
        notebook = nbformat.read(self.notebook_path, as_version=4)
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell.source = answers[grade_id]
        folder = self.root / "submitted" / student / self.assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, folder / self.notebook_path.name)

    def students(self) -> list[str]:
        """Students with a submission, sorted."""
        return sorted(p.name for p in (self.root / "submitted").iterdir() if p.is_dir())

    def scores(self) -> dict[str, tuple[float, float]]:
        """(score, max score) of every graded submission, from the gradebook."""
        result = {}
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            for submission in gradebook.assignment_submissions(self.assignment):
                result[submission.student_id] = (float(submission.score), float(submission.max_score))
        return result
