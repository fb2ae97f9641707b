"""Per-student HTML feedback, made by ``nbgrader generate_feedback`` with no hidden test code in it.

nbgrader's feedback shows every cell as autograded, hidden tests included. Here it reads
copies of the autograded notebooks whose hidden blocks have been cut out, so students see what
each hidden test checked (the comment above the block) and the judge's message, not the code.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from autograder.release import nbgrader_env

from .course import Course

HIDDEN_BLOCK = re.compile(r"[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.DOTALL)


def strip_hidden_tests(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook with every hidden-test block removed from its cells' sources.

    A failing hidden test's traceback quotes the lines around the failure, hidden code
    included; it is cut down to its last line (the error and the judge's message).
    """
    for cell in notebook.cells:
        stripped = HIDDEN_BLOCK.sub("", cell.source).rstrip()
        if stripped != cell.source.rstrip():
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        cell.source = stripped
    return notebook


def generate_feedback(course: Course, assignment: str, students: list[str]) -> list[Path]:
    """Write ``feedback/<student>/<assignment>/*.html`` for ``students``; return the files written.

    The class is done in one nbgrader run; if that fails, each student is done alone, so that one
    notebook nbgrader cannot render costs only that student's feedback.

    Raises:
        RuntimeError: nbgrader failed for some students (the message names them and the last error).
    """
    try:
        return _feedback(course, assignment, students)
    except RuntimeError:
        if len(students) < 2:
            raise
    failed, error = [], ""
    for student in students:
        try:
            _feedback(course, assignment, [student])
        except RuntimeError as problem:
            failed.append(student)
            error = str(problem)
    if failed:
        raise RuntimeError(f"no feedback for {', '.join(failed)}: {error}")
    return sorted(path for student in students for path in (course.feedback / student / assignment).glob("*.html"))


def _feedback(course: Course, assignment: str, students: list[str]) -> list[Path]:
    with tempfile.TemporaryDirectory(prefix="feedback-") as scratch:
        stripped = Path(scratch)
        for student in students:
            source = course.autograded / student / assignment
            if not source.is_dir():
                continue
            target = stripped / student / assignment
            target.mkdir(parents=True)
            for path in source.iterdir():
                if path.suffix == ".ipynb":
                    notebook = strip_hidden_tests(nbformat.read(path, as_version=4))
                    nbformat.write(notebook, target / path.name)
                elif path.name == "timestamp.txt":
                    (target / path.name).write_bytes(path.read_bytes())
        command = [sys.executable, "-m", "nbgrader", "generate_feedback", assignment, "--force",
                   f"--CourseDirectory.autograded_directory={stripped}",
                   *[f"--student={student}" for student in students][:1 if len(students) == 1 else 0]]
        result = subprocess.run(command, cwd=course.root, env=nbgrader_env(), capture_output=True, text=True)
        if result.returncode != 0:
            errors = [line for line in result.stderr.splitlines() if "ERROR" in line] or ["no message"]
            raise RuntimeError(f"nbgrader generate_feedback failed: {errors[-1]}")
    return sorted(path for student in students for path in (course.feedback / student / assignment).glob("*.html"))
