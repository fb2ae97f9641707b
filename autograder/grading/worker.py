"""Grade one submission: the notebook run and the check run side by side, then one result.

* :mod:`.notebook_stage`: plain ``nbgrader autograde`` in a sandbox, its kernel in another;
* :mod:`.check_stage`: the hidden checks, in a fresh check process with a judge of its own.

The worker is trusted; everything that comes back from a sandbox is bounded data (scores, the
executed notebook as text, verdicts). It returns a :class:`~.task.GradingResult` and never
touches the course folder: the coordinator writes results.
"""

from __future__ import annotations

import concurrent.futures
import shutil
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.sandbox import forked
from autograder.sandbox.process import kill_all
from autograder.sandbox.views import environment, judge_warm, notebook_warm, student_warm
from autograder.sandbox.users import SANDBOX_UIDS

from .cell_timeline import GRADE_ID, CellStart
from .check_stage import CheckRun, run_checks
from .ledger import annotate, reconcile
from .notebook_stage import NotebookRun, run_notebook
from .task import GradingResult, GradingTask

__all__ = ["SANDBOX_UIDS", "grade_submission", "stop_all", "warm_up"]

# What a failed nbgrader run means, from its log, most specific first; {where} names the cell.
FAILURE_PATTERNS = (
    ("DeadKernelError", "the kernel died (a crash, os._exit or a kill){where}; cells after that scored 0"),
    ("Kernel died", "the kernel died (a crash, os._exit or a kill){where}; cells after that scored 0"),
    ("CellTimeoutError", "a cell ran past the time limit and could not be stopped{where}"),
    ("MissingEntry", "the notebook does not match the assignment (a graded cell is missing or renamed)"),
)


def warm_up(task: GradingTask) -> None:
    """Start the zygotes that ``task``'s sandboxes fork from, in the background (see
    :mod:`autograder.sandbox.forked`), so that they import while the run sets up."""
    if task.sandbox and forked.enabled():
        forked.prestart([student_warm(), notebook_warm(), judge_warm()], environment())


def stop_all() -> None:
    """Kill every sandbox in flight (on an interrupt)."""
    kill_all()


def failure_line(log: str, task: GradingTask | None = None, out_of_memory: bool = False, where: str = "") -> str:
    """One line saying why nbgrader could not grade the submission; ``where`` names the cell
    that was running (``softmax.ipynb: cell 7 (softmax-solution)``) when it is known."""
    where = f" in {where}" if where else ""
    if out_of_memory and task is not None:
        return (f"the kernel ran out of memory (the limit is {task.policy.memory_bytes / 1024**2:.0f} MiB){where} "
                "and was stopped; cells after that scored 0")
    for pattern, meaning in FAILURE_PATTERNS:
        if pattern in log:
            return meaning.format(where=where)
    lines = [line.strip() for line in log.splitlines() if line.strip() and "Please see the" not in line]
    errors = [line for line in lines if "Error" in line or "ERROR" in line]
    return (errors or lines or ["nbgrader produced no output"])[-1][:300]


def _notebooks(task: GradingTask, run: NotebookRun, checks: CheckRun) -> tuple[dict[str, bytes], list[str]]:
    """The executed notebooks with the verdicts shown, checked as valid notebooks; what was dropped."""
    kept, dropped = {}, []
    for name, text in run.notebooks.items():
        if name not in task.notebooks:
            continue
        try:
            annotated = annotate(text, Path(name).stem, task.test_cells, checks.ledger)
            nbformat.validate(nbformat.reads(annotated, as_version=4))
            kept[name] = annotated.encode()
        except Exception as error:  # noqa: BLE001 - a notebook nbgrader wrote but no reader accepts
            dropped.append(f"{name}: the executed notebook is not a valid notebook ({type(error).__name__})")
    return kept, dropped


def interrupted_cell(task: GradingTask, run: NotebookRun) -> str:
    """One line naming the cell that nbgrader interrupted at the cell limit (its number and grade
    id), or "" when no cell ran past it. The run went on after it, so the submission is graded."""
    if "Timeout waiting for execute reply" not in run.log:
        return ""
    for name in sorted(run.notebooks, key=lambda n: task.notebook_order.index(n) if n in task.notebook_order else 0):
        try:
            cells = nbformat.reads(run.notebooks[name], as_version=4).cells
        except Exception:  # noqa: BLE001 - not a notebook: _notebooks reports it
            continue
        for number, cell in enumerate(cells, 1):
            errors = {output.get("ename") for output in cell.get("outputs", [])}
            if errors & {"KeyboardInterrupt", "CellTimeoutError"}:
                grade_id = str((cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id", ""))
                label = CellStart(0.0, name, number, grade_id if GRADE_ID.fullmatch(grade_id) else "").label()
                ending = "was interrupted" if "KeyboardInterrupt" in errors else "ignored the interrupt"
                return (f"{label} ran past the limit of {task.cell_timeout} s a cell and {ending}; "
                        "what needed it scored 0")
    return f"a cell ran past the limit of {task.cell_timeout} s a cell and was interrupted; what needed it scored 0"


def timed_out(task: GradingTask, run: NotebookRun) -> str:
    """One line for a run the notebook's wall clock stopped: which cell was running, and which
    first ran past the cell limit (a cell that ignored the interrupt holds up every cell after it)."""
    line = f"timed out after {task.notebook_timeout:g} s (the limit for the whole notebook)"
    if run.timeline is None or run.timeline.last is None:
        return line
    running, first = run.timeline.last, run.timeline.first_past(task.cell_timeout)
    line += f" while {running.label()} was running"
    if first is not None:
        line += f"; {first.label()} was the first to run past the limit of {task.cell_timeout} s a cell"
    return line


def failed_run(task: GradingTask, run: NotebookRun) -> str:
    """One line saying why nbgrader did not finish the run."""
    if run.exit is None:
        return timed_out(task, run)
    where = run.timeline.last.label() if run.timeline is not None and run.timeline.last is not None else ""
    return run.problem or failure_line(run.log, task, run.out_of_memory, where)


def _combine(task: GradingTask, run: NotebookRun, checks: CheckRun) -> GradingResult:
    result = GradingResult(task.student, task.assignment, status="graded", log=(run.log + "\n" + checks.log)[-8000:])
    if not run.cells:
        result.status, result.reason = "failed", failed_run(task, run)
        return result
    result.cells, result.notes = reconcile(run.cells, task.test_cells, checks.ledger)
    result.autograded, dropped = _notebooks(task, run, checks)
    result.notes += dropped
    if checks.stopped:
        result.notes.append(f"the hidden checks were stopped after {task.notebook_timeout:g} s")
    if run.exit != 0:  # None: stopped at the wall clock
        result.status, result.reason = "failed", failed_run(task, run)
    else:
        result.reason = interrupted_cell(task, run)
    return result


def grade_submission(task: GradingTask) -> GradingResult:
    """Grade ``task``; never raises for anything the submission does."""
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="grade-"))
    try:
        (scratch / "notebook").mkdir()
        (scratch / "checks").mkdir()
        with concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix=f"grade {task.student}") as pool:
            notebook = pool.submit(run_notebook, task, scratch / "notebook")
            checks = pool.submit(run_checks, task, scratch / "checks")
            run, checked = notebook.result(), checks.result()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result = _combine(task, run, checked)
    result.timings["total"] = time.monotonic() - started
    if run.peak_memory is not None:
        result.timings["kernel_peak_mb"] = run.peak_memory / 1024**2
    return result
