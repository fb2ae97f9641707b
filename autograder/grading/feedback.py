"""Per-student HTML feedback, made by ``nbgrader generate_feedback`` with no hidden test code in it.

nbgrader's feedback shows every cell as autograded, hidden tests included. Here it reads
copies of the autograded notebooks whose hidden blocks have been cut out, so students see what
each hidden test checked (the comment above the block) and the judge's message, not the code.
Those copies are also made inert (:mod:`.inert`): a student's HTML, SVG, JavaScript, widgets and
markdown can neither run nor load anything, and every page carries a Content-Security-Policy
that forbids scripts, frames and network loads. The pages are made one student at a time, in
the feedback lane (:mod:`.feedback_lane`) as the class is graded.
"""

from __future__ import annotations

import html
import json
import logging
import re
import shutil
import sys
from pathlib import Path

import nbformat

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


def render_feedback(course: Course, assignment: str, student: str, scratch: Path) -> list[Path]:
    """Write ``feedback/<student>/<assignment>/*.html`` for one student, in this process; return the
    pages written (none when grading left no notebook to show).

    The autograded notebooks are copied into ``scratch`` first (hidden tests cut out, made inert);
    nbgrader's ``generate_feedback`` reads them there and the course's gradebook and configuration
    from the working directory, which must be the course folder.

    Raises:
        RuntimeError: nbgrader failed (its last error line); or what reading a notebook raised.
    """
    if not (course.autograded / student / assignment).is_dir():
        return []
    shutil.rmtree(scratch / student, ignore_errors=True)
    try:
        _prepare(course.autograded / student / assignment, scratch / student / assignment)
        if not any(path.suffix == ".ipynb" for path in (scratch / student / assignment).iterdir()):
            return []
        _nbgrader_feedback(assignment, student, scratch)
    finally:
        shutil.rmtree(scratch / student, ignore_errors=True)
    pages = sorted((course.feedback / student / assignment).glob("*.html"))
    for page in pages:
        page.write_text(add_content_security_policy(page.read_text(errors="replace")))
    return pages


class _Errors(logging.Handler):
    """Keeps the last error nbgrader logged."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last = "no message"

    def emit(self, record: logging.LogRecord) -> None:
        lines = record.getMessage().strip().splitlines()
        if lines:
            self.last = lines[-1]


def _nbgrader_feedback(assignment: str, student: str, autograded: Path) -> None:
    """``nbgrader generate_feedback ASSIGNMENT --student=STUDENT`` run in this process on the
    notebooks under ``autograded``; RuntimeError with nbgrader's last error if it fails."""
    from nbgrader.apps.generatefeedbackapp import GenerateFeedbackApp

    app, errors, search_path = GenerateFeedbackApp(), _Errors(), list(sys.path)
    app.log.addHandler(errors)
    try:
        app.initialize([assignment, "--force", "--log-level=WARN", f"--student={student}",
                        f"--CourseDirectory.autograded_directory={autograded}"])
        app.start()
    except SystemExit:
        raise RuntimeError(f"nbgrader generate_feedback failed: {errors.last}") from None
    finally:
        app.log.removeHandler(errors)
        app.reset()
        sys.path[:] = search_path  # nbgrader puts the working directory first on each run
