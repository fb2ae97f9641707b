"""Late submissions: nbgrader's own penalty machinery, applied where the batch grader records scores.

``nbgrader autograde`` charges a late submission through its ``AssignLatePenalties`` preprocessor,
which asks the course's ``LateSubmissionPlugin`` (``nbgrader_config.py``:
``c.LateSubmissionPlugin.penalty_method = "zero"``, or a plugin class of the instructor's own in
``c.AssignLatePenalties.plugin_class``) for each notebook's penalty. The batch grader records scores
itself, so it asks the same plugin the same question, with the same bounds (no negative penalty,
none above the notebook's score). The penalty is stored where nbgrader keeps it
(``SubmittedNotebook.late_submission_penalty``): ``nbgrader export``, formgrader and
``python -m autograder export`` subtract it; ``grades.csv`` shows the points earned and the
``late`` mark.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbgrader.preprocessors import AssignLatePenalties

from .course import nbgrader_config


def late_plugin(config_path: Path) -> Any:
    """The late-submission plugin of the course whose ``nbgrader_config.py`` is ``config_path``."""
    assigner = AssignLatePenalties(config=nbgrader_config(config_path))
    assigner.init_plugin()
    return assigner.plugin_inst


def assign_late_penalties(submission: Any, plugin: Any) -> None:
    """Set each notebook's ``late_submission_penalty`` of an nbgrader ``SubmittedAssignment`` (None
    when on time or when the plugin charges nothing), bounded to ``[0, notebook score]``."""
    seconds_late = submission.total_seconds_late
    for notebook in submission.notebooks:
        notebook.late_submission_penalty = None
        if seconds_late > 0:
            penalty = plugin.late_submission_penalty(submission.student.id, notebook.score, seconds_late)
            if penalty is not None:
                notebook.late_submission_penalty = min(max(float(penalty), 0.0), float(notebook.score))


__all__ = ["assign_late_penalties", "late_plugin"]
