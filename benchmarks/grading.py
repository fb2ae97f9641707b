"""Benchmark 3: the course's batch grader against a plain serial ``nbgrader autograde`` loop.

Two scratch courses hold the same generated class (:mod:`.submissions`). One is graded by
``python -m autograder grade training --jobs J``; the other by ``nbgrader autograde training
--student S`` for each student in turn (the first ``plain_submissions`` of them: a serial loop's
time per submission is steady, so a sample of whole cycles of the mix measures its throughput).
Targets: 100 submissions in under 5 minutes, at least 4x the throughput of the plain loop, at most 8 CPU
seconds a submission (the whole process tree).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from autograder.release import nbgrader_env

from .config import BenchConfig
from .report import Section, Table, Target, seconds
from .scratch_course import ASSIGNMENT, ScratchCourse
from .submissions import describe_mix, submit_class
from .process_tree import TreeSampler, measure_command
from .timing import median

TARGET_TOTAL_S, TARGET_CLASS, TARGET_RATIO, TARGET_CPU_S = 300.0, 100, 4.0, 8.0
CHECK_PROCESS = "autograder.inside.check_run"


def grade_batch(course: ScratchCourse, jobs: int, *extra: str) -> dict[str, float]:
    """Run the batch grader on the whole class.

    Returns wall seconds, CPU seconds of the whole process tree (sampled, kernels included) and
    by process name (``cpu_by_process``), the exit status, and ``last_result_s``: when the grader reported its last submission (from its
    progress lines, one per submission on a non-terminal), so that ``wall_s - last_result_s`` is
    what it does after grading (feedback, reports).
    """
    # The preflight (the solution graded first) is a one-time check per environment, cached: the engine
    # is measured without it.
    command = [sys.executable, "-m", "autograder", "grade", course.assignment, "--course-dir", str(course.root),
               "--jobs", str(jobs), "--no-preflight", *extra]
    start, last = time.perf_counter(), 0.0
    marker = f" {course.assignment}: "
    with subprocess.Popen(command, env=nbgrader_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True) as process:
        sampler = TreeSampler(process.pid, memory=False)  # CPU only, as for the plain loop
        sampler.start()
        for line in process.stderr:
            if marker in line:
                last = time.perf_counter() - start
    wall = time.perf_counter() - start
    sampler.stop()
    return {"wall_s": wall, "cpu_s": sampler.cpu_s, "returncode": process.returncode, "last_result_s": last,
            "cpu_by_process": sampler.cpu_by_name()}


def grade_plain(course: ScratchCourse, students: list[str]) -> dict[str, object]:
    """``nbgrader autograde --student S`` for each student in turn; wall seconds per student, CPU
    seconds of the process trees (sampled, kernels and judges included)."""
    per_student, failures, cpu = {}, [], 0.0
    for student in students:
        usage = measure_command(course.command("autograde", course.assignment, "--student", student),
                                cwd=str(course.root), env=nbgrader_env(), memory=False)
        per_student[student], cpu = usage.seconds, cpu + usage.cpu_s
        if usage.returncode != 0:
            failures.append(student)
    return {"wall_s": sum(per_student.values()), "cpu_s": cpu, "per_student": per_student, "failures": failures}


def build_courses(folder: Path, count: int) -> tuple[ScratchCourse, ScratchCourse, dict[str, str]]:
    """Two identical courses with ``count`` generated submissions; student -> kind."""
    first = ScratchCourse.create(folder / "batch")
    students = submit_class(first, count)
    return first, first.copy(folder / "plain"), students


def _speed_table(config: BenchConfig, batch: dict, plain: dict, n: int) -> Table:
    m = len(plain["per_student"])
    table = Table(f"Grading `{ASSIGNMENT}` submissions", ["grader", "submissions", "total", "of which after the last "
                                                          "submission (feedback, reports)", "per submission",
                                                          "submissions / min", "CPU (process tree)",
                                                          "CPU per submission", "throughput ratio"])
    table.add(f"batch: autograder grade --jobs {config.jobs}", n, seconds(batch["wall_s"]),
              seconds(batch["wall_s"] - batch["last_result_s"]), seconds(batch["wall_s"] / n),
              f"{60 * n / batch['wall_s']:.1f}", seconds(batch["cpu_s"]), seconds(batch["cpu_s"] / n),
              f"{_ratio(batch, plain, n):.2f}x")
    table.add("plain: nbgrader autograde --student S, serially", m, seconds(plain["wall_s"]), "-",
              seconds(plain["wall_s"] / m), f"{60 * m / plain['wall_s']:.1f}", seconds(plain["cpu_s"]),
              seconds(plain["cpu_s"] / m), "1.00x")
    return table


def _ratio(batch: dict, plain: dict, n: int) -> float:
    """Submissions per second of the batch grader over those of the plain loop."""
    return (n / batch["wall_s"]) / (len(plain["per_student"]) / plain["wall_s"])


def _score_table(students: dict[str, str], batch_scores: dict, plain_scores: dict, plain: dict) -> Table:
    table = Table("Scores by kind of submission (both graders)", ["kind", "count", "batch: mean score",
                                                                   "plain: mean score", "max score",
                                                                   "plain: median seconds"])
    by_kind: dict[str, list[str]] = defaultdict(list)
    for student, kind in students.items():
        by_kind[kind].append(student)
    for kind, names in sorted(by_kind.items()):
        maximum = next((scores[s][1] for scores in (batch_scores, plain_scores) for s in names if s in scores), 0.0)
        table.add(kind, len(names), _mean_score(batch_scores, names), _mean_score(plain_scores, names),
                  f"{maximum:g}", seconds(median([plain["per_student"][s] for s in names if s in plain["per_student"]]
                                                 or [0.0])))
    return table


def _mean_score(scores: dict[str, tuple[float, float]], students: list[str]) -> str:
    values = [scores[s][0] for s in students if s in scores]
    return f"{sum(values) / len(values):.2f}" if values else "not graded"


def _targets(config: BenchConfig, batch: dict, plain: dict, n: int) -> list[Target]:
    projected = batch["wall_s"] / n * TARGET_CLASS
    ratio, m = _ratio(batch, plain, n), len(plain["per_student"])
    cores = os.cpu_count() or 1
    per_plain = median(list(plain["per_student"].values()))
    cpu_each = batch["cpu_s"] / n
    cause = (f"a submission costs {cpu_each:.1f} CPU s in the batch grader (its whole process tree: nbgrader, "
             f"kernel, check process, judge, the zygotes they fork from); {TARGET_CLASS} submissions in {TARGET_TOTAL_S:g} s on {cores} cores allow "
             f"at most {TARGET_TOTAL_S * cores / TARGET_CLASS:.1f} CPU s each, so even with every core busy the "
             f"class needs at least {TARGET_CLASS * cpu_each / cores:.0f} s. One submission alone takes "
             f"{per_plain:.1f} s (plain loop median); see 'Grading: where the time goes'")
    scope = "" if n == TARGET_CLASS else f" (projected from {n} submissions: {batch['wall_s']:.1f} s)"
    plain_each = plain["cpu_s"] / m
    plain_busy, batch_busy = plain["cpu_s"] / plain["wall_s"], batch["cpu_s"] / batch["wall_s"]
    ratio_cause = (f"CPU per submission: plain {plain_each:.1f} s, batch {cpu_each:.1f} s, and the plain loop kept "
                   f"{plain_busy:.2f} cores busy, so with all {cores} cores busy the batch grader would reach "
                   f"{cores} / {plain_busy:.2f} x {plain_each:.1f} / {cpu_each:.1f} = "
                   f"{cores / plain_busy * plain_each / cpu_each:.2f}x; on average it kept {batch_busy:.2f} busy "
                   f"(the mix's slow submissions sleep in their lanes, and a lane is added only while half a core "
                   f"sits idle)")
    floor = batch["cpu_by_process"].get(CHECK_PROCESS, 0.0) / n
    cpu_cause = (f"the floor is the check process, which runs the submission's cells again, the hidden checks "
                 f"and the end-to-end retraining: {floor:.1f} CPU s a submission here; the kernel runs the cells "
                 "for nbgrader once more (see 'Grading: where the time of one submission goes' for the split)")
    return [
        Target(f"{TARGET_CLASS} submissions graded in under {TARGET_TOTAL_S:g} s", projected < TARGET_TOTAL_S,
               f"{projected:.0f} s{scope}", cause, config.judged),
        Target(f"at least {TARGET_RATIO:g}x the throughput of the plain loop", ratio >= TARGET_RATIO,
               f"{ratio:.2f}x (batch: {n} submissions, plain loop: {m})", ratio_cause, config.judged),
        Target(f"at most {TARGET_CPU_S:g} CPU s a submission (the whole process tree)", cpu_each <= TARGET_CPU_S,
               f"{cpu_each:.1f} s (check process alone: {floor:.1f} s)", cpu_cause, config.judged),
    ]


def run(config: BenchConfig) -> Section:
    """Grade the generated class both ways (batch first, then the plain loop)."""
    n = config.submissions
    section = Section("grading", "Grading: the batch grader against a plain nbgrader loop")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as folder:
        batch_course, plain_course, students = build_courses(Path(folder), n)
        batch = grade_batch(batch_course, config.jobs)
        sample = sorted(students)[:config.plain_submissions or None]
        plain = grade_plain(plain_course, sample)
        batch_scores, plain_scores = batch_course.scores(), plain_course.scores()
    section.setup = (f"Configuration `{config.name}`: {n} generated submissions ({describe_mix()}), one run of "
                     f"each grader, the batch grader first, on all {n}; the plain loop on the first {len(sample)} "
                     f"(whole cycles of the mix; its time per submission is steady); the batch grader's "
                     f"total includes its feedback and reports. Exit status of the batch grader: "
                     f"{batch['returncode']}; plain runs that failed: {len(plain['failures'])}.")
    section.tables += [_speed_table(config, batch, plain, n),
                       _score_table(students, batch_scores, plain_scores, plain)]
    agree = sum(batch_scores.get(s) == plain_scores.get(s) for s in sample)
    section.notes.append(f"Both graders gave the same score to {agree} of the {len(sample)} submissions both graded.")
    section.targets += _targets(config, batch, plain, n)
    section.data = {"batch": batch, "plain": plain, "students": students, "batch_scores": batch_scores,
                    "plain_scores": plain_scores}
    return section.finish()
