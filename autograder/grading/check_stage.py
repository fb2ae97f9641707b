"""The check run of one submission: a fresh check process and a judge of its own, joined by one channel.

The grader takes the submission's code cells itself (every code cell but the assignment's test
cells; locked cells as the gradebook has them), starts the judge (:mod:`autograder.judge`) and
the check process (:mod:`autograder.inside.check_run`) in two sandboxes, each a user id of its
own, and joins them with a socket pair made for this submission: no other process can reach
either end. The judge's verdicts come back as JSON lines on its standard output (the ledger);
the notebook's kernel, which runs elsewhere, has no channel to the judge at all.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from autograder.sandbox.process import Launch, Sandboxed, start
from autograder.sandbox.users import new_uid
from autograder.sandbox.views import WORK, environment, judge_view, judge_warm, student_view, student_warm

from .task import GradingTask
from .untrusted import CappedPipe

JUDGE_MEMORY = 3 * 1024**3
MAX_LEDGER_BYTES = 4 * 1024**2
MAX_LOG_BYTES = 32 * 1024
MAX_MESSAGE_CHARS = 4000


@dataclass
class CheckRun:
    """The judge's ledger and what happened around it.

    Attributes:
        ledger: one verdict per property checked (``property``, ``passed``, ``message``).
        log: the end of the check process's and the judge's output.
        stopped: True when the run hit the wall-clock limit.
    """

    ledger: list[dict[str, Any]] = field(default_factory=list)
    log: str = ""
    stopped: bool = False


def code_cells(task: GradingTask) -> list[str]:
    """The sources the check process runs: each notebook's code cells in order, test cells left
    out, locked cells as the gradebook has them (a student's edit of a locked cell does not count)."""
    sources = []
    for name in [name for name in task.notebook_order if name in task.notebooks]:
        notebook = nbformat.reads(task.notebooks[name].decode("utf-8"), as_version=4)
        stem = Path(name).stem
        for cell in notebook.cells:
            if cell.get("cell_type") != "code":
                continue
            grade_id = str((cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id", ""))
            key = f"{stem}/{grade_id}"
            if key in task.test_cells:
                continue
            sources.append(task.locked_sources.get(key, cell.get("source", "")))
    return [source if isinstance(source, str) else "".join(source) for source in sources]


def _ledger(text: str) -> list[dict[str, Any]]:
    verdicts = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(entry, dict) and isinstance(entry.get("property"), str):
            verdicts.append({"property": entry["property"][:200], "passed": entry.get("passed") is True,
                             "message": str(entry.get("message", ""))[:MAX_MESSAGE_CHARS],
                             "seconds": float(entry["seconds"]) if isinstance(entry.get("seconds"), (int, float)) else 0.0})
    return verdicts


def _launches(task: GradingTask, scratch: Path, judge_fd: int, check_fd: int) -> tuple[Launch, Launch]:
    hidden = [Path(task.course_dir), scratch]
    policy = task.policy
    judge_policy = dataclasses.replace(policy, memory_bytes=JUDGE_MEMORY)
    judge = Launch("judge", [sys.executable, "-I", "-m", "autograder.judge", "--assignment", task.assignment,
                             "--channel-fd", str(judge_fd), "--deadline", str(task.cell_timeout),
                             "--ready-timeout", str(task.notebook_timeout)],
                   judge_policy, judge_view(hidden, policy.scratch_bytes), environment(), new_uid(), cwd=WORK,
                   pass_fds=(judge_fd,), sandbox=task.sandbox, warm=judge_warm())
    check = Launch("check", [sys.executable, "-I", "-m", "autograder.inside.check_run", "--channel-fd", str(check_fd),
                             "--cell-timeout", str(task.cell_timeout)],
                   policy, student_view(hidden, policy.scratch_bytes, policy.work_bytes),
                   environment(NBGRADER_EXECUTION="autograde"), new_uid(), cwd=WORK, pass_fds=(check_fd,),
                   sandbox=task.sandbox, warm=student_warm())
    return judge, check


def _host_root(task: GradingTask, scratch: Path, name: str) -> Path | None:
    if task.sandbox:
        return None
    folder = scratch / name
    folder.mkdir()
    return folder


def run_checks(task: GradingTask, scratch: Path) -> CheckRun:
    """Run the hidden checks of ``task`` with ``scratch`` (an empty private folder) for no-sandbox runs."""
    cells = json.dumps(code_cells(task)).encode()
    judge_end, check_end = socket.socketpair()
    judge_launch, check_launch = _launches(task, scratch, judge_end.fileno(), check_end.fileno())
    started: list[Sandboxed] = []
    try:
        judge = start(judge_launch, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                      host_root=_host_root(task, scratch, "judge"))
        started.append(judge)
        check = start(check_launch, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                      host_root=_host_root(task, scratch, "check"))
        started.append(check)
    finally:
        judge_end.close()
        check_end.close()
        if len(started) < 2:
            for each in started:
                each.close()
    ledger = CappedPipe(judge.process.stdout, MAX_LEDGER_BYTES)
    judge_log = CappedPipe(judge.process.stderr, MAX_LOG_BYTES, keep="tail")
    check_log = CappedPipe(check.process.stdout, MAX_LOG_BYTES, keep="tail")
    threading.Thread(target=_write_and_close, args=(check.process.stdin, cells), daemon=True).start()
    run = CheckRun()
    try:
        run.stopped = judge.wait(task.notebook_timeout) is None
    finally:
        check.close()
        judge.close()
    run.ledger = _ledger(ledger.text())
    run.log = f"check process:\n{check_log.text()}\njudge:\n{judge_log.text()}"
    return run


def _write_and_close(stream: Any, data: bytes) -> None:
    try:
        with stream:
            stream.write(data)
    except OSError:
        pass
