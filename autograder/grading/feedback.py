"""Per-student HTML feedback, made by ``nbgrader generate_feedback`` with no hidden test code in it.

nbgrader's feedback shows every cell as autograded, hidden tests included. Here it reads
copies of the autograded notebooks whose hidden blocks have been cut out, so students see what
each hidden test checked (the comment above the block) and the judge's message, not the code.
Those copies are also made inert (:mod:`.inert`): a student's HTML, SVG, JavaScript, widgets and
markdown can neither run nor load anything, and every page carries a Content-Security-Policy
that forbids scripts, frames and network loads.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from autograder.release import nbgrader_env

from .course import STATUS_FILE, Course
from .inert import add_content_security_policy, inert_stored, printable

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
        RuntimeError: some students got no feedback (the message names them and the last error).
    """
    problems: list[str] = []
    try:
        _feedback(course, assignment, students, problems)
    except RuntimeError as failure:
        problems.clear()
        for student in students:
            try:
                if len(students) == 1:
                    raise failure
                _feedback(course, assignment, [student], problems)
            except RuntimeError as problem:
                problems.append(f"{student}: {problem}")
    if problems:
        raise RuntimeError(f"no feedback for {'; '.join(problems)}"[:2000])
    return sorted(path for student in students for path in (course.feedback / student / assignment).glob("*.html"))


def status_note(source: Path) -> str | None:
    """What to say first when grading did not finish (a time limit, a crash) or a cell was
    interrupted at its time limit, from the status the grader wrote beside the autograded
    notebooks; None when the submission was graded with nothing to say."""
    try:
        status = json.loads((source / STATUS_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(status, dict) or (status.get("status") == "graded" and not status.get("reason")):
        return None
    reason = printable(str(status.get("reason") or "no reason was recorded"))[:500]
    shown = re.sub(r"([\\`*_{}\[\]()#+\-.!|~:/])", r"\\\1", html.escape(reason))  # literal text, no markdown
    if status.get("status") == "graded":
        return (f"**A cell ran past its time limit:** {shown}. The rest of the notebook ran without it; fix it "
                "(run the notebook from top to bottom in a fresh kernel) and submit again.")
    return (f"**Grading did not finish for this submission:** {shown}. The cells after that point "
            "score 0; fix it (run the notebook from top to bottom in a fresh kernel) and submit again.")


def _prepare(source: Path, target: Path) -> None:
    """Copy a student's autograded notebooks into ``target``, hidden tests cut out, made inert, with
    the grading status on top when grading did not finish."""
    target.mkdir(parents=True)
    note = status_note(source)
    for path in source.iterdir():
        if path.suffix == ".ipynb":
            notebook = inert_stored(strip_hidden_tests(nbformat.read(path, as_version=4)))
            if note:
                notebook.cells.insert(0, nbformat.v4.new_markdown_cell(note))
            nbformat.write(notebook, target / path.name)
        elif path.name == "timestamp.txt":
            (target / path.name).write_bytes(path.read_bytes())


def _feedback(course: Course, assignment: str, students: list[str], problems: list[str]) -> None:
    """One nbgrader run for ``students``; a student whose notebook cannot be prepared is left out
    (and named in ``problems``); RuntimeError if nbgrader itself fails."""
    with tempfile.TemporaryDirectory(prefix="feedback-") as scratch:
        stripped = Path(scratch)
        for student in students:
            source = course.autograded / student / assignment
            if not source.is_dir():
                continue
            try:
                _prepare(source, stripped / student / assignment)
            except Exception as error:  # noqa: BLE001 - one unreadable notebook costs only its own feedback
                problems.append(f"{student}: {type(error).__name__}: {error}"[:300])
        command = [sys.executable, "-m", "nbgrader", "generate_feedback", assignment, "--force",
                   f"--CourseDirectory.autograded_directory={stripped}",
                   *[f"--student={student}" for student in students][:1 if len(students) == 1 else 0]]
        result = subprocess.run(command, cwd=course.root, env=nbgrader_env(), capture_output=True, text=True)
        if result.returncode != 0:
            errors = [line for line in result.stderr.splitlines() if "ERROR" in line] or ["no message"]
            raise RuntimeError(f"nbgrader generate_feedback failed: {errors[-1]}")
    for student in students:
        for page in (course.feedback / student / assignment).glob("*.html"):
            page.write_text(add_content_security_policy(page.read_text(errors="replace")))
