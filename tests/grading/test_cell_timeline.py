"""The cell timeline: reports from the notebook sandbox, stamped by the grader's clock, and the
one-line reasons built from it when a run ends without an executed notebook."""

from __future__ import annotations

import json
import os
import time

from autograder.grading.cell_timeline import CellTimeline, parse_report
from autograder.grading.notebook_stage import NotebookRun
from autograder.grading.task import GradingTask
from autograder.grading.worker import failed_run

NOTEBOOKS = {"softmax.ipynb": b"{}"}


def report(notebook: object, number: object, grade_id: object) -> bytes:
    return json.dumps([notebook, number, grade_id]).encode() + b"\n"


def timeline_of(*steps: bytes | float) -> CellTimeline:
    """A timeline fed ``steps`` (report lines, or seconds to wait) through a real pipe, then ended."""
    read_end, write_end = os.pipe()
    timeline = CellTimeline(os.fdopen(read_end, "rb"), NOTEBOOKS)
    with os.fdopen(write_end, "wb", buffering=0) as pipe:
        for step in steps:
            if isinstance(step, bytes):
                pipe.write(step)
            else:
                time.sleep(step)
    timeline.end()
    return timeline


def task(cell_timeout: int = 1) -> GradingTask:
    return GradingTask("ada", "softmax", dict(NOTEBOOKS), b"", b"", "/nowhere", notebook_timeout=5,
                       cell_timeout=cell_timeout)


def test_only_plain_reports_about_the_submissions_notebooks_are_kept() -> None:
    assert parse_report(report("softmax.ipynb", 3, "softmax-solution"), NOTEBOOKS) == \
        ("softmax.ipynb", 3, "softmax-solution")
    for line in (report("../../etc/passwd", 3, "x"), report("softmax.ipynb", "3", "x"),
                 report("softmax.ipynb", True, "x"), report("softmax.ipynb", 0, "x"),
                 report("softmax.ipynb", 3, "a b\x1b[31m"), report("softmax.ipynb", 3, "x" * 81),
                 b"[" * 100_000, b"not json\n", report("softmax.ipynb", 3, ["x"])):
        assert parse_report(line, NOTEBOOKS) is None, line[:60]


def test_the_last_cell_started_is_the_one_running_and_a_slow_one_is_found() -> None:
    timeline = timeline_of(report("softmax.ipynb", 1, ""), 0.05, report("softmax.ipynb", 3, "slow"), 0.6,
                           b"garbage\n", report("softmax.ipynb", 5, "last"), 0.05)
    assert timeline.last is not None and timeline.last.label() == "softmax.ipynb: cell 5 (last)"
    slow = timeline.first_past(0.5)
    assert slow is not None and slow.label() == "softmax.ipynb: cell 3 (slow)"
    assert timeline.first_past(5) is None


def test_a_cell_still_running_at_the_end_counts_its_time_up_to_the_end() -> None:
    timeline = timeline_of(report("softmax.ipynb", 2, "quick"), report("softmax.ipynb", 4, "stuck"), 0.6)
    stuck = timeline.first_past(0.5)
    assert stuck is not None and stuck.number == 4


def test_a_run_stopped_by_the_wall_clock_names_the_cell_running_and_the_first_past_its_limit() -> None:
    timeline = timeline_of(report("softmax.ipynb", 3, "softmax-solution"), 1.1, report("softmax.ipynb", 6, "tests"), 1.1)
    reason = failed_run(task(cell_timeout=1), NotebookRun(exit=None, timeline=timeline))
    assert reason == ("timed out after 5 s (the limit for the whole notebook) while softmax.ipynb: cell 6 (tests) "
                      "was running; softmax.ipynb: cell 3 (softmax-solution) was the first to run past the limit "
                      "of 1 s a cell")


def test_a_dead_kernel_is_placed_in_the_cell_that_was_running() -> None:
    timeline = timeline_of(report("softmax.ipynb", 1, ""), report("softmax.ipynb", 3, "softmax-solution"))
    run = NotebookRun(exit=1, log="nbclient.exceptions.DeadKernelError: Kernel died", timeline=timeline)
    assert failed_run(task(), run) == ("the kernel died (a crash, os._exit or a kill) in softmax.ipynb: cell 3 "
                                       "(softmax-solution); cells after that scored 0")
    assert failed_run(task(), NotebookRun(exit=None)) == "timed out after 5 s (the limit for the whole notebook)"


def test_the_reporting_step_takes_the_place_of_nbgraders_execute_and_reports_code_cells() -> None:
    from nbformat.v4 import new_code_cell, new_markdown_cell
    from nbgrader.converters.autograde import Autograde
    from nbgrader.preprocessors import Execute

    from autograder.inside import cell_progress

    read_end, write_end = os.pipe()
    steps = cell_progress.reporting_config(write_end).Autograde.autograde_preprocessors
    nbgraders = Autograde.class_traits()["autograde_preprocessors"].default()
    assert steps == [cell_progress.ReportingExecute if step is Execute else step for step in nbgraders]
    assert Execute in nbgraders and issubclass(cell_progress.ReportingExecute, Execute)
    step = cell_progress.ReportingExecute()
    step.execute_cell = lambda cell, index, **kwargs: cell  # no kernel: only the report is under test
    resources = {"unique_key": "softmax"}
    step.preprocess_cell(new_markdown_cell("# words"), resources, 0)
    step.preprocess_cell(new_code_cell("   "), resources, 1)
    step.preprocess_cell(new_code_cell("x = 1", metadata={"nbgrader": {"grade_id": "answer"}}), resources, 2)
    cell_progress._progress.close()
    cell_progress._progress = None
    with os.fdopen(read_end, "rb") as reports:
        assert reports.read().splitlines() == [b'["softmax.ipynb", 3, "answer"]']


def test_a_flood_on_the_progress_pipe_is_read_in_bounded_pieces_and_names_nothing() -> None:
    """Megabytes without a newline, then many forged lines: read in pieces of bounded size, none kept."""
    timeline = timeline_of(b"x" * 4_000_000, b"\n", report("other.ipynb", 1, "x") * 20_000,
                           b'["softmax.ipynb", 2, "' + b"a" * 600 + b'"]\n')
    assert timeline.last is None and timeline.first_past(0) is None
