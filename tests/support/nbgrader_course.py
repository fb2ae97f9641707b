"""A scratch nbgrader course for tests: real ``nbgrader`` commands on real notebooks.

The course folder is a temporary copy of this repository's ``nbgrader_config.py`` and
``solutions/``; submissions are exercise notebooks with their solution cells filled in.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from autograder.release import REPO_ROOT, nbgrader_env


class ScratchCourse:
    """An nbgrader course in ``root`` with the repository's assignments generated."""

    def __init__(self, root: Path, assignments: list[str]) -> None:
        self.root = root
        shutil.copy(REPO_ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
        for name in assignments:
            shutil.copytree(REPO_ROOT / "solutions" / name, root / "solutions" / name)
            self.nbgrader("generate_assignment", name, "--force")

    def nbgrader(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a plain nbgrader command in the course folder."""
        result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=self.root,
                                env=nbgrader_env(), capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result

    def exercise(self, assignment: str, notebook: str) -> nbformat.NotebookNode:
        """The student version of a notebook, as released."""
        return nbformat.read(self.root / "exercises" / assignment / f"{notebook}.ipynb", as_version=4)

    def submit(self, student: str, assignment: str, notebook: str, answers: dict[str, str]) -> None:
        """Submit the exercise with the solution cells named in ``answers`` replaced by their code."""
        nb = self.exercise(assignment, notebook)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell.source = answers[grade_id]
        folder = self.root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / f"{notebook}.ipynb")

    def submit_file(self, student: str, assignment: str, source: Path) -> None:
        folder = self.root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, folder / source.name)

    def autograde(self, assignment: str) -> subprocess.CompletedProcess[str]:
        return self.nbgrader("autograde", assignment, "--force")

    def scores(self, assignment: str, student: str) -> dict[str, float]:
        """Points per graded cell (grade_id -> auto score) from the gradebook."""
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            submission = gradebook.find_submission(assignment, student)
            return {grade.name: grade.auto_score for nb in submission.notebooks for grade in nb.grades}

    def max_scores(self, assignment: str) -> dict[str, float]:
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            return {cell.name: cell.max_score
                    for nb in gradebook.find_assignment(assignment).notebooks for cell in nb.grade_cells}

    def outputs(self, assignment: str, student: str, notebook: str, grade_id: str) -> str:
        """The text of a graded cell's outputs in the autograded notebook (errors included)."""
        nb = nbformat.read(self.root / "autograded" / student / assignment / f"{notebook}.ipynb", as_version=4)
        cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
        parts = []
        for output in cell.get("outputs", []):
            parts.append(output.get("text", "") if output.output_type == "stream" else "")
            parts.append(f"{output.get('ename', '')}: {output.get('evalue', '')}")
        return "\n".join(parts)
