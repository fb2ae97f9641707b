"""Grade a whole class: check submissions, grade them in parallel, record, report.

The pipeline, one step per module: :mod:`.course` (which submissions can be graded),
:mod:`.worker` via :mod:`.runner` (sandboxed nbgrader per submission, here or on Dask),
:mod:`.merge` (gradebook and ``autograded/``, written by this process only), :mod:`.feedback_lane`
(each student's HTML, without hidden tests, as soon as they are recorded), :mod:`.reports` (CSVs)
and :mod:`.summary` (table and PNG); first, :mod:`.preflight` grades the solution.
"""

from __future__ import annotations

import signal
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from autograder.sandbox import SandboxUnavailable, cgroup, check_available
from autograder.sandbox.policy import SandboxPolicy

from .course import Course, Rejected, read_notebook_file, submission_problem
from .feedback_lane import FeedbackLane
from .importer.names import is_safe_id
from .inert import printable
from .merge import previous_result, record
from .preflight import derived_limits, run_preflight, solution_notebooks
from .lms import read_records
from .progress import Progress
from .reports import write_reports
from .roster import absent_students, roster
from .runner import run_dask, run_local
from .summary import print_summary, summarize
from .task import GradingResult, GradingTask
from .untrusted import UnsafeFile, read_regular_file, regular_folder
from .worker import grade_submission, warm_up

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_ENVIRONMENT = 0, 1, 2, 3
PROVISIONAL_TIMEOUT_S, PROVISIONAL_CELL_TIMEOUT_S = 900.0, 300  # the preflight's own limits, when none are given


class UsageError(ValueError):
    """The command cannot start (exit status 2); the message says why."""


@dataclass
class GradeOptions:
    """What ``python -m autograder grade`` was asked to do (see ``--help``)."""

    assignment: str
    course_dir: Path = Path(".")
    jobs: int = 1
    students: list[str] = field(default_factory=list)
    force: bool = False
    timeout: float | None = None  # None: derived from the preflight (see preflight.derived_limits)
    cell_timeout: int | None = None
    memory: int = 4 * 1024**3
    sandbox: bool = True
    dask_scheduler: str | None = None
    feedback: bool = True
    preflight: bool = True


def _tasks(course: Course, options: GradeOptions, out: TextIO) -> tuple[list[GradingTask], list[GradingResult]]:
    """Tasks for the submissions to grade now; results for the rest of the class.

    Already recorded submissions are skipped (unless ``force``); ungradable ones are recorded at
    once with their reason; the reports cover every recorded student, selected or not.
    """
    expected = course.notebook_names(options.assignment)
    selected = options.students or course.students(options.assignment)
    config, gradebook = course.config.read_bytes(), course.gradebook_path.read_bytes()
    timeout = options.timeout or PROVISIONAL_TIMEOUT_S
    cell_timeout = options.cell_timeout or PROVISIONAL_CELL_TIMEOUT_S
    policy = SandboxPolicy(memory_bytes=options.memory, cpu_seconds=int(timeout) + 60)
    test_cells, locked = course.test_cells(options.assignment), course.locked_sources(options.assignment)
    tasks, settled, skipped = [], [], 0
    for student in selected:
        folder = course.submitted / student / options.assignment
        if not is_safe_id(student):
            settled.append(_rejected(Rejected(student, options.assignment, "the folder name is not a usable student "
                                              "id (letters, digits, '.', '_' and '-' only): rename it")))
        elif not regular_folder(folder):
            settled.append(_rejected(Rejected(student, options.assignment, f"no folder {folder}")))
        elif not options.force and course.is_graded(options.assignment, student):
            settled.append(previous_result(course, options.assignment, student))
            skipped += 1
        elif problem := submission_problem(folder, expected):
            settled.append(_rejected(Rejected(student, options.assignment, problem)))
            record(course, settled[-1])
        else:
            try:
                files = {name: read_notebook_file(folder / name) for name in expected}
            except UnsafeFile as error:
                settled.append(_rejected(Rejected(student, options.assignment, str(error))))
                record(course, settled[-1])
                continue
            if (stamp := _timestamp(folder)) is not None:
                files["timestamp.txt"] = stamp
            tasks.append(GradingTask(student, options.assignment, files, config, gradebook, str(course.root), policy,
                                     options.sandbox, timeout, cell_timeout, test_cells, locked, expected))
    if skipped:
        print(f"{skipped} submission(s) already graded: skipped (use --force to grade them again)", file=out)
    others = [s for s in course.students(options.assignment) if s not in selected]
    settled += [previous_result(course, options.assignment, s) for s in others if course.is_graded(options.assignment, s)]
    return tasks, settled


def _timestamp(folder: Path) -> bytes | None:
    """The submission's ``timestamp.txt`` if it is a small regular file."""
    try:
        return read_regular_file(folder / "timestamp.txt", 1024)
    except UnsafeFile:
        return None


def _rejected(rejected: Rejected) -> GradingResult:
    return GradingResult(rejected.student, rejected.assignment, status="failed", reason=rejected.reason)


def _check_sandbox(options: GradeOptions, err: TextIO) -> None:
    if not options.sandbox:
        print("WARNING: grading WITHOUT the sandbox: student code runs with your permissions "
              "and can read the gradebook and the solutions.", file=err)
        return
    try:
        check_available()
    except SandboxUnavailable as error:
        raise UsageError(f"cannot sandbox student code: {error}. Refusing to grade; "
                         "pass --no-sandbox to grade anyway, unprotected.") from None


def _terminate_on_sigterm() -> None:
    """SIGTERM behaves like Ctrl-C: stop the work in flight, keep what is recorded."""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def grade(options: GradeOptions, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run the whole pipeline; returns the exit status (0 all graded, 1 some failed, 2 usage)."""
    course = Course(options.course_dir)
    try:
        course.check(options.assignment, options.students)
        _check_sandbox(options, err)
    except (UsageError, ValueError) as error:
        print(f"error: {error}", file=err)
        return EXIT_USAGE
    cgroup.sweep(patience_s=0)
    try:
        return _grade(course, options, out, err)
    finally:
        _sweep_groups(err)


def _sweep_groups(err: TextIO) -> None:
    """Remove the control groups the run's sandboxes left (the kernel can hold one for a moment after
    its processes are killed); name any that stay."""
    stayed = cgroup.sweep()
    if stayed:
        print(f"warning: control groups still populated after the run: {', '.join(stayed)}", file=err)


def _preflight(course: Course, options: GradeOptions, tasks: list[GradingTask], out: TextIO,
               err: TextIO) -> list[GradingTask] | None:
    """Grade the solution first (see :mod:`.preflight`); the tasks with the derived limits, or None
    (after one line on ``err``) when the environment is broken."""
    try:
        solution = solution_notebooks(course, options.assignment, tasks[0].notebook_order)
    except ValueError as error:
        print(f"warning: {error}: grading without a preflight", file=err)
        return tasks
    outcome = run_preflight(tasks[0], solution, grade_submission)
    if not outcome.ok:
        print(f"error: preflight: the solution of {options.assignment} does not get full marks in this environment "
              f"({printable(outcome.problem)[:500]}); the environment is broken, so no student was graded",
              file=err)
        return None
    cell, whole = derived_limits(outcome)
    cell, whole = options.cell_timeout or cell, options.timeout or whole
    print(f"preflight: the solution gets full marks in {outcome.seconds:.0f} s{' (cached)' if outcome.cached else ''}; "
          f"limits: {cell} s a cell, {whole:.0f} s a submission", file=out)
    return [replace(task, cell_timeout=cell, notebook_timeout=whole,
                    policy=replace(task.policy, cpu_seconds=int(whole) + 60)) for task in tasks]


def _grade(course: Course, options: GradeOptions, out: TextIO, err: TextIO) -> int:
    tasks, results = _tasks(course, options, out)
    if tasks and not options.dask_scheduler:
        warm_up(tasks[0])
    lane = FeedbackLane(course, options.assignment) if options.feedback else None
    try:
        return _grade_tasks(course, options, tasks, results, lane, out, err)
    finally:
        if lane is not None:
            lane.close()


def _grade_tasks(course: Course, options: GradeOptions, tasks: list[GradingTask], results: list[GradingResult],
                 lane: FeedbackLane | None, out: TextIO, err: TextIO) -> int:
    """Preflight, the class, then :func:`_finish`; each result is recorded (and its feedback asked
    of ``lane``) as it comes."""
    if tasks and options.preflight:
        checked = _preflight(course, options, tasks, out, err)
        if checked is None:
            return EXIT_ENVIRONMENT
        tasks = checked
    progress = Progress(len(tasks), stream=err, limit_s=max((task.notebook_timeout for task in tasks), default=None))
    results_by_student = {r.student: r for r in results}

    def on_start(task: GradingTask) -> None:
        progress.start(f"{task.student} {task.assignment}")

    def on_result(result: GradingResult) -> None:
        record(course, result)
        if lane is not None:
            lane.submit(result.student)
        results_by_student[result.student] = result
        outcome = f"{result.score:g}/{result.max_score:g} {result.status}"
        progress.update(f"{result.student} {result.assignment}", outcome + (f": {result.reason}" if result.reason else ""))

    _terminate_on_sigterm()
    try:
        if options.dask_scheduler:
            run_dask(tasks, options.dask_scheduler, on_result, on_start)
        else:
            run_local(tasks, options.jobs, on_result, on_start)
    except KeyboardInterrupt:
        progress.close()
        done = len(results_by_student) - len(results)
        print(f"interrupted: {done} of {len(tasks)} submissions graded and recorded; "
              "run the same command again to grade the rest", file=err)
        return EXIT_SOME_FAILED
    finally:
        progress.close()  # the terminal gets its cursor back whatever happened
    return _finish(course, options, list(results_by_student.values()), lane, out, err)


def _write_grading_log(path: Path, results: list[GradingResult]) -> Path:
    """What happened to each submission: status, reason, the judge's corrections, nbgrader's log when it failed."""
    lines = []
    for result in sorted(results, key=lambda r: r.student):
        peak = result.timings.get("kernel_peak_mb")
        memory = f" [kernel peak {peak:.0f} MiB]" if peak is not None else ""
        lines.append(f"== {printable(result.student)}: {result.status} {result.score:g}/{result.max_score:g}{memory} "
                     f"{printable(result.reason)}".rstrip())
        lines += [f"   judge: {printable(note)}" for note in result.notes]
        if result.status != "graded" and result.log:
            lines += ["   | " + printable(line) for line in result.log.strip().splitlines()[-40:]]
    path.write_text("\n".join(lines) + "\n")
    return path


def _finish(course: Course, options: GradeOptions, results: list[GradingResult], lane: FeedbackLane | None,
            out: TextIO, err: TextIO) -> int:
    """The rest of the feedback, reports, summary; the exit status."""
    cells = course.graded_cells(options.assignment)
    records = read_records(course.root, options.assignment)
    submitted = [r.student for r in results] + course.students(options.assignment)  # graded or still to grade
    absent = absent_students(roster(course.gradebook_path), records, submitted)
    paths = write_reports(course.reports / options.assignment, results, cells, records, absent)
    paths["grading-log.txt"] = _write_grading_log(course.reports / options.assignment / "grading-log.txt", results)
    if lane is not None:  # students graded in earlier runs get their pages made again too
        graded = sorted(r.student for r in results if r.autograded or course.is_graded(options.assignment, r.student))
        problems = lane.finish(graded)
        if problems:
            named = "; ".join(f"{printable(student)}: {printable(why)}" for student, why in sorted(problems.items()))
            print(f"warning: no feedback for {named}"[:2000], file=err)
    summary = summarize(results, cells)
    print_summary(summary, out)
    if absent:
        counts = {status: sum(a.status == status for a in absent) for status in ("missing", "rejected")}
        print(f"no graded submission: {counts['missing']} missing, {counts['rejected']} rejected at import "
              "(listed in grades.csv with the reason)", file=out)
    print("reports: " + ", ".join(str(p) for p in paths.values()), file=out)
    failed = sorted((r for r in results if r.status != "graded"), key=lambda r: r.student)
    for result in failed:
        print(f"not graded: {printable(result.student)}: {printable(result.reason)}", file=err)
    return EXIT_SOME_FAILED if failed else EXIT_OK
