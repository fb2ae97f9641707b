"""Benchmark 5: peak resident memory of a training run and of grading one submission.

Each run is a command of its own whose whole process tree is sampled (:mod:`.process_tree`):
the training pipelines through :mod:`.train_once`; grading through the batch grader
(``--jobs 1``: coordinator, nbgrader, sandboxed kernel) and plain ``nbgrader autograde``
(nbgrader, kernel, judge process).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from autograder.release import nbgrader_env

from .config import REPO_ROOT, BenchConfig
from .process_tree import TreeUsage, measure_command
from .report import Section, Table, mebibytes, seconds
from .scratch_course import ScratchCourse
from .submissions import model_answers

# Processes worth naming in the per-process table (labels from process_tree.process_label).
NAMED = ("benchmarks.train_once", "ipykernel_launcher", "nbgrader autograde", "autograder grade", "autograder.judge")


def _train_command(config: BenchConfig, pipeline: str, workers: int, epochs: int) -> list[str]:
    return [sys.executable, "-m", "benchmarks.train_once", "--pipeline", pipeline, "--workers", str(workers),
            "--epochs", str(epochs), "--subset", str(config.train_subset), "--threads", str(config.threads),
            "--device", config.device]


def training_runs(config: BenchConfig) -> dict[str, TreeUsage]:
    """The course pipeline (``config.epochs``) and the seed's with 4 workers (one epoch)."""
    workers = max(config.seed_workers)
    runs = {f"training, course pipeline, {config.epochs} epoch(s)": _train_command(config, "course", 0, config.epochs),
            f"training, seed pipeline (num_workers={workers}), 1 epoch": _train_command(config, "seed", workers, 1)}
    return {label: measure_command(command, cwd=str(REPO_ROOT))
            for label, command in runs.items()}


def grading_runs(folder: Path) -> dict[str, TreeUsage]:
    """One right submission graded by the batch grader (``--jobs 1``) and by plain nbgrader."""
    course = ScratchCourse.create(folder / "course")
    course.submit("one", model_answers(course.solution_path))
    twin = course.copy(folder / "course-plain")
    batch = [sys.executable, "-m", "autograder", "grade", course.assignment, "--course-dir", str(course.root),
             "--jobs", "1", "--no-preflight"]  # the preflight is a one-time check per environment, cached
    return {"grading one submission: batch grader (--jobs 1)": measure_command(batch, env=nbgrader_env()),
            "grading one submission: plain nbgrader autograde": measure_command(
                twin.command("autograde", twin.assignment, "--student", "one"), cwd=str(twin.root),
                env=nbgrader_env())}


def _json_line(output: str) -> dict:
    """The last line of ``output`` that is a JSON object (train_once's result; warnings may follow)."""
    return json.loads(next(line for line in reversed(output.splitlines()) if line.startswith("{")))


def _tables(runs: dict[str, TreeUsage]) -> list[Table]:
    whole = Table("Peak memory of each run", ["run", "wall time", "CPU time", "exit", "peak PSS, whole tree (sum)",
                                               "peak RSS, whole tree (sum)", "largest process (VmHWM)",
                                               "processes"])
    named = Table("High-water mark (VmHWM) by process", ["run", *NAMED])
    for label, peak in runs.items():
        size, name = peak.largest_hwm
        whole.add(label, seconds(peak.seconds), seconds(peak.cpu_s), peak.returncode, mebibytes(peak.tree_pss),
                  mebibytes(peak.tree_rss),
                  f"{mebibytes(size)} ({name})", peak.processes)
        named.add(label, *(mebibytes(peak.hwm_by_name[n]) if n in peak.hwm_by_name else "-" for n in NAMED))
    return [whole, named]


def run(config: BenchConfig) -> Section:
    """Measure the training runs, then grading one submission both ways."""
    section = Section("memory", "Memory: peak resident memory")
    runs = training_runs(config)
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as folder:
        runs |= grading_runs(Path(folder))
    section.setup = (f"Configuration `{config.name}`. Process trees sampled every 0.1 s: PSS (shared pages "
                     "divided among their sharers) and RSS (shared pages counted in every process) summed over "
                     "the tree, so short peaks between samples may be missed; VmHWM is each process's own "
                     "high-water mark, exact.")
    section.tables += _tables(runs)
    accuracies = {label: _json_line(peak.output)["accuracy"]
                  for label, peak in runs.items() if label.startswith("training") and peak.returncode == 0}
    section.notes += [f"{label}: test accuracy {value:.4f}." for label, value in accuracies.items()]
    section.notes.append("The seed pipeline's tree includes its DataLoader worker processes, which share their "
                         "parent's pages copy-on-write: their RSS counts those pages again, their PSS does not.")
    section.data = {"runs": runs}
    return section.finish()
