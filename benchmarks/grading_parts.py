"""Benchmark 3b: where the time of one graded ``training`` submission goes.

Each piece is timed directly: interpreter start, ``import torch``, nbgrader's start, the
sandbox, a kernel's start (plain and sandboxed), ``import torch`` in it, the end-to-end
retraining in the sandboxed kernel (with one torch thread, as the check runs it, and with
torch's default), the judge process plain nbgrader starts; then one right submission graded
whole by each grader, and the batch grader's CPU split by process.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import nbformat

from autograder.release import nbgrader_env
from autograder.sandbox import SandboxPolicy, sandbox_command
from autograder.sandbox.views import student_view

from .config import BenchConfig
from .grading import grade_batch
from .kernels import IMPORT_TORCH, SANDBOX_KERNEL, retrain_code, sandbox_kernelspec, time_kernel
from .machine import DEFAULT_TORCH_THREADS
from .report import Section, Table, seconds
from .scratch_course import ScratchCourse
from .submissions import model_answers
from .timing import command_median, median, run_command

PYTHON = sys.executable
END_TO_END = "test-end-to-end"
BWRAP_PROBE = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all",
               "--die-with-parent", "true"]


def _commands(repeats: int, scratch: Path) -> dict[str, float]:
    """Medians of the cheap pieces that are whole commands."""
    uid = 61000 if os.geteuid() == 0 else None
    policy = SandboxPolicy()
    sandboxed_true = sandbox_command(policy, student_view([scratch], policy.scratch_bytes, policy.work_bytes),
                                     ["true"], uid=uid)
    commands = {
        "python": [PYTHON, "-c", "pass"],
        "torch": [PYTHON, "-c", "import torch"],
        "nbgrader": [PYTHON, "-m", "nbgrader", "autograde", "--help"],
        "bwrap": BWRAP_PROBE,
        "sandbox": sandboxed_true,
        "judge": [PYTHON, "-I", "-m", "autograder.judge"],
    }
    return {name: command_median(command, repeats, cwd=str(scratch))[0] for name, command in commands.items()}


def _kernels(repeats: int, scratch: Path, epochs: int) -> dict[str, float]:
    """Medians of kernel starts and ``import torch``; one retraining each way in the sandboxed kernel."""
    plain = [time_kernel([IMPORT_TORCH]) for _ in range(repeats)]
    boxed, retrain = [], retrain_code(epochs)
    for index in range(repeats):
        kernel_dirs, runtime = sandbox_kernelspec(scratch / f"kernel-{index}")
        snippets = [IMPORT_TORCH] + ([retrain, "torch.set_num_threads(1)", retrain] if index == 0 else [])
        boxed.append(time_kernel(snippets, kernel_name=SANDBOX_KERNEL, kernel_dirs=kernel_dirs, runtime=runtime))
    return {"kernel": median([t[0] for t in plain]), "kernel_torch": median([t[1] for t in plain]),
            "boxed": median([t[0] for t in boxed]), "boxed_torch": median([t[1] for t in boxed]),
            "retrain_default": boxed[0][2], "retrain_one_thread": boxed[0][4]}


def cell_seconds(notebook: Path) -> dict[str, float]:
    """Seconds each graded or named code cell of an executed notebook took (nbclient's timestamps)."""
    result = {}
    for index, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
        timing = cell.metadata.get("execution", {})
        if cell.cell_type != "code" or "shell.execute_reply" not in timing:
            continue
        began = datetime.fromisoformat(timing["iopub.status.busy"].replace("Z", "+00:00"))
        ended = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
        result[cell.metadata.get("nbgrader", {}).get("grade_id", f"cell-{index}")] = (ended - began).total_seconds()
    return result


def _split(total: float, cells: dict[str, float]) -> dict[str, float]:
    """A whole submission's seconds: setup cell, end-to-end cell, other cells, outside the cells."""
    setup, end_to_end = cells.get("setup", 0.0), cells.get(END_TO_END, 0.0)
    return {"setup": setup, "end_to_end": end_to_end, "other": sum(cells.values()) - setup - end_to_end,
            "cells": sum(cells.values()), "outside": total - sum(cells.values()), "total": total}


def _one_submission(scratch: Path) -> dict[str, dict[str, float]]:
    """One right submission graded whole: batch grader (--jobs 1), then plain nbgrader autograde."""
    course = ScratchCourse.create(scratch / "course-one")
    course.submit("one", model_answers(course.solution_path))
    twin, bare = course.copy(scratch / "course-one-plain"), course.copy(scratch / "course-one-bare")
    batch_run = grade_batch(course, 1)
    batch = batch_run["wall_s"]
    plain, _ = run_command(twin.command("autograde", twin.assignment, "--student", "one"), cwd=str(twin.root),
                           env=nbgrader_env())
    no_feedback = grade_batch(bare, 1, "--no-feedback")["wall_s"]
    whole = {name: _split(total, cell_seconds(c.root / "autograded" / "one" / c.assignment / c.notebook_path.name))
             for name, total, c in [("batch", batch, course), ("plain", plain, twin)]}
    whole["batch"]["feedback"] = batch - no_feedback
    whole["plain"]["feedback"] = 0.0
    whole["batch"]["cpu_by_process"] = batch_run["cpu_by_process"]
    return whole


PROCESSES = [
    ("autograder.inside.check_run", "check: the code cells again, then the hidden checks (the retraining among them)"),
    ("ipykernel_launcher", "kernel: the notebook's cells for nbgrader"),
    ("autograder.judge", "judge: the cases, the reference, the verdicts"),
    ("autograder.inside.notebook_run", "notebook: nbgrader autograde in its sandbox"),
    ("autograder grade", "coordinator: gradebook, reports, summary (no torch)"),
    ("autograder.grading.feedback_lane", "HTML feedback, each student as soon as they are recorded"),
    ("zygote.py", "zygotes (torch, nbgrader, IPython imported once a run) and a supervisor per warm program"),
]


def _cpu_table(cpu: dict[str, float]) -> Table:
    """CPU seconds by process of the batch grader's run of one submission."""
    table = Table("CPU of that submission in the batch grader, by process (sampled every 0.1 s)",
                  ["process", "what it does", "CPU seconds"])
    named = dict(PROCESSES)
    for name, seconds_used in sorted(cpu.items(), key=lambda item: -item[1]):
        if seconds_used >= 0.05:
            table.add(f"`{name}`", named.get(name, "helpers (bubblewrap, nsenter, the rlimits helper)"),
                      seconds(seconds_used))
    table.add("all", "", seconds(sum(cpu.values())))
    return table


def _whole_table(whole: dict[str, dict[str, float]]) -> Table:
    table = Table("One right submission graded whole (cell times from the autograded notebook)",
                  ["part", "batch grader (--jobs 1)", "plain nbgrader autograde"])
    rows = [("setup cell (`import torch`, studentkit, the data)", "setup"),
            ("end-to-end check cell (the retraining, judged)", "end_to_end"),
            ("the other cells (definitions, visible and hidden tests)", "other"),
            ("all cells", "cells"),
            ("outside the cells (nbgrader, kernel start, sandbox, judge start; batch: feedback, reports)", "outside"),
            ("of which HTML feedback (total minus a --no-feedback run's)", "feedback"),
            ("TOTAL", "total")]
    for label, key in rows:
        table.add(label, seconds(whole["batch"][key]), seconds(whole["plain"][key]))
    return table


def _table(t: dict[str, float], repeats: int, epochs: int) -> Table:
    table = Table("The pieces of one submission, each timed alone", ["piece", "seconds", "runs", "paid by"])
    rows = [
        ("Python start (`python -c pass`)", "python", repeats, "both, in every process they start"),
        ("`python -c 'import torch'` (start included)", "torch", repeats, "kernel; plain: also its judge"),
        ("nbgrader's start (`nbgrader autograde --help`)", "nbgrader", repeats, "both, once"),
        ("bubblewrap alone (`bwrap ... true`)", "bwrap", repeats, "batch"),
        ("the grader's sandbox around `true` (bwrap + rlimits helper)", "sandbox", repeats, "batch, once"),
        ("kernel start, plain ipykernel (until kernel_info)", "kernel", repeats, "plain, once"),
        ("kernel start in the grader's sandbox", "boxed", repeats, "batch, once"),
        ("`import torch` in the plain kernel", "kernel_torch", repeats, "plain, once"),
        ("`import torch` in the sandboxed kernel", "boxed_torch", repeats, "batch, once"),
        (f"retraining, {epochs} epoch(s), sandboxed kernel, after `torch.set_num_threads(1)`",
         "retrain_one_thread", 1, "both, once (the end-to-end check runs with one thread)"),
        (f"the same retraining with torch's default threads ({DEFAULT_TORCH_THREADS} here)", "retrain_default", 1,
         "neither (a student's own notebook does)"),
        ("judge process start (`python -I -m autograder.judge`)", "judge", repeats, "plain, once per kernel"),
    ]
    for label, key, runs, who in rows:
        table.add(label, seconds(t[key]), runs, who)
    return table


def run(config: BenchConfig) -> Section:
    """Time every piece (medians of ``config.part_repeats`` where cheap) and two whole submissions."""
    section = Section("grading-parts", "Grading: where the time of one submission goes")
    repeats = max(1, config.part_repeats)
    with tempfile.TemporaryDirectory(prefix="bench-parts-") as folder:
        scratch = Path(folder)
        times = _commands(repeats, scratch) | _kernels(min(repeats, 3), scratch, config.retrain_epochs)
        whole = _one_submission(scratch)
    section.setup = (f"Configuration `{config.name}`. Pieces measured one at a time (medians); the retraining "
                     f"is the end-to-end check's work ({config.retrain_epochs} epoch(s), the check's being 10; "
                     "batch 256, lr 0.1, the course's loader). "
                     "Then one right submission graded by each grader, split by the cell timestamps nbgrader "
                     "records in the autograded notebook.")
    section.tables += [_table(times, repeats, config.retrain_epochs), _whole_table(whole),
                       _cpu_table(whole["batch"]["cpu_by_process"])]
    default, single = times["retrain_default"], times["retrain_one_thread"]
    section.notes.append(f"In the sandboxed kernel the retraining took {single:.1f} s with one thread (as the "
                         f"end-to-end check runs it) and {default:.1f} s with torch's default thread count "
                         f"({DEFAULT_TORCH_THREADS}), a ratio of {default / single:.1f}; for a model this small "
                         "the ratio depends on how busy the cores are (see the load average above).")
    section.data = times | {"whole": whole}
    return section.finish()
