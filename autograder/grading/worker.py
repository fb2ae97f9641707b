"""Grade one submission: plain ``nbgrader autograde`` in a scratch course, the kernel sandboxed.

The worker is trusted (it holds the gradebook snapshot and runs the judge); only the kernel runs
in the sandbox. It returns a :class:`~.task.GradingResult` and never touches the course folder:
the coordinator writes results.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from autograder.judge.socket_server import JudgeServer
from autograder.probe import SOCKET_VARIABLE
from autograder.release import nbgrader_env
from autograder.sandbox.kernelspec import KERNEL_NAME, write_kernelspec
from autograder.sandbox.visibility import kernel_mounts
from studentkit.data.cache import cache_dir

from .ledger import reconcile
from .task import CellScore, GradingResult, GradingTask


# Unprivileged user ids for sandboxes (no account needed); each submission draws one at random.
SANDBOX_UIDS = range(61000, 91000)


def sandbox_uid(task: GradingTask) -> int:
    """An unprivileged user id of the submission's own, so process limits do not add up across jobs."""
    draw = zlib.crc32(f"{task.key}:{os.getpid()}:{time.monotonic_ns()}".encode())
    return SANDBOX_UIDS[draw % len(SANDBOX_UIDS)]


def _prepare_course(task: GradingTask, course: Path) -> None:
    (course / "nbgrader_config.py").write_bytes(task.config)
    (course / "gradebook.db").write_bytes(task.gradebook)
    folder = course / "submitted" / task.student / task.assignment
    folder.mkdir(parents=True)
    for name, content in task.notebooks.items():
        (folder / name).write_bytes(content)


def _kernel_settings(task: GradingTask, scratch: Path, course: Path, runtime: Path) -> list[str]:
    """Write the sandbox kernelspec; return nbgrader's extra options to use it."""
    home = runtime / "home"
    home.mkdir(parents=True)
    env = {"HOME": str(home), "USER": "student", "LOGNAME": "student", "TMPDIR": "/tmp",
           "MPLCONFIGDIR": str(home / ".matplotlib"), "IPYTHONDIR": str(home / ".ipython"),
           SOCKET_VARIABLE: str(runtime / "judge.sock"), "FASHION_MNIST_CACHE": str(cache_dir()),
           "PYTHONDONTWRITEBYTECODE": "1"}
    work = course / "autograded" / task.student / task.assignment
    mounts = kernel_mounts(writable=[work, runtime], course_dir=Path(task.course_dir))
    mounts.hidden.append(scratch)
    write_kernelspec(scratch / "jupyter", task.policy, mounts, sandbox_uid(task), env)
    # Kernel and grader talk through Unix sockets in the runtime folder: the sandbox has no network.
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\n# Added by the grading worker.\nc.Execute.kernel_name = {KERNEL_NAME!r}\n"
                     f"c.KernelManager.transport = 'ipc'\nc.KernelManager.ip = {str(runtime / 'kernel')!r}\n"
                     f"c.KernelManager.connection_file = {str(runtime / 'kernel.json')!r}\n")
    return []


# nbgrader processes in flight (each leads its own process group, sandboxes included).
_running: set[subprocess.Popen] = set()
_running_lock = threading.Lock()


def stop_all() -> None:
    """Kill every grading process in flight, with its kernel and sandbox (on an interrupt)."""
    with _running_lock:
        for process in list(_running):
            _kill_group(process)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _run_nbgrader(task: GradingTask, course: Path, options: list[str], env: dict[str, str]) -> tuple[int | None, str]:
    """Run ``nbgrader autograde`` with a wall-clock limit; (exit code or None on timeout, stderr tail)."""
    command = [sys.executable, "-m", "nbgrader", "autograde", task.assignment, "--student", task.student,
               "--force", f"--Execute.timeout={task.cell_timeout}", *options]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=course, env=env, stdout=log, stderr=log, start_new_session=True)
        with _running_lock:
            _running.add(process)
        try:
            code = process.wait(timeout=task.notebook_timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.wait()
            code = None
        finally:
            with _running_lock:
                _running.discard(process)
        size = log.seek(0, os.SEEK_END)
        log.seek(max(0, size - 20000))
        return code, log.read().decode(errors="replace")


# What a failed nbgrader run means, from its log, most specific first.
FAILURE_PATTERNS = (
    ("DeadKernelError", "the kernel died (a crash, os._exit or a kill); cells after that scored 0"),
    ("Kernel died", "the kernel died (a crash, os._exit or a kill); cells after that scored 0"),
    ("CellTimeoutError", "a cell ran past the time limit and could not be stopped"),
    ("MissingEntry", "the notebook does not match the assignment (a graded cell is missing or renamed)"),
)


def _failure_line(log: str) -> str:
    """One line saying why nbgrader could not grade the submission."""
    for pattern, meaning in FAILURE_PATTERNS:
        if pattern in log:
            return meaning
    lines = [line.strip() for line in log.splitlines() if line.strip() and "Please see the" not in line]
    errors = [line for line in lines if "Error" in line or "ERROR" in line]
    return (errors or lines or ["nbgrader produced no output"])[-1][:300]


def _collect(task: GradingTask, course: Path) -> tuple[list[CellScore], dict[tuple[str, str], str], dict[str, bytes]]:
    """Scores from the scratch gradebook, graded cells' sources and the autograded files."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(task.assignment, task.student)
        cells = [CellScore(nb.name, grade.name, float(grade.auto_score or 0.0), float(grade.max_score))
                 for nb in submission.notebooks for grade in nb.grades]
    folder = course / "autograded" / task.student / task.assignment
    files = {path.name: path.read_bytes() for path in sorted(folder.glob("*.ipynb"))}
    sources = {}
    for name, content in files.items():
        notebook = nbformat.reads(content.decode(), as_version=4)
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id:
                sources[(Path(name).stem, grade_id)] = cell.source
    return cells, sources, files


def grade_submission(task: GradingTask) -> GradingResult:
    """Grade ``task`` in a scratch folder; never raises for anything the submission does."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="grade-") as scratch_name:
        scratch = Path(scratch_name)
        course, runtime = scratch / "course", scratch / "runtime"
        course.mkdir()
        runtime.mkdir()
        _prepare_course(task, course)
        env = nbgrader_env()
        env.update({"JUPYTER_PATH": str(scratch / "jupyter"), "JUPYTER_RUNTIME_DIR": str(runtime),
                    SOCKET_VARIABLE: str(runtime / "judge.sock")})
        with JudgeServer(runtime / "judge.sock") as judge:
            options = _kernel_settings(task, scratch, course, runtime) if task.sandbox else []
            code, log = _run_nbgrader(task, course, options, env)
        result = GradingResult(task.student, task.assignment, status="graded", log=log[-4000:])
        result.timings["total"] = time.monotonic() - started
        try:
            cells, sources, result.autograded = _collect(task, course)
        except Exception as error:  # noqa: BLE001 - no gradebook rows: nbgrader could not grade it
            result.status, result.reason = "failed", _failure_line(log) if code is not None else ""
            if code is None:
                result.reason = f"timed out after {task.notebook_timeout:g} s"
            result.reason = result.reason or f"not graded: {error}"
            return result
        result.cells, result.notes = reconcile(cells, sources, judge.ledger)
        if code is None:
            result.status, result.reason = "failed", f"timed out after {task.notebook_timeout:g} s"
        elif code != 0:
            result.status, result.reason = "failed", _failure_line(log)
        return result
