"""The notebook run of one submission: plain ``nbgrader autograde``, itself sandboxed, its kernel in another sandbox.

nbgrader runs in the notebook sandbox (:mod:`autograder.inside.notebook_run`), with a scratch
course in memory; the kernel it asks for is started by the :class:`~.broker.KernelBroker` in a
sandbox of its own that shares only the notebook sandbox's loopback. What comes back is one
size-capped JSON object on a pipe (nbgrader's scores and the executed notebooks) and the tail of
nbgrader's log. The grader never opens a file either sandbox could write.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from autograder.sandbox.process import INSIDE, Launch, start
from autograder.sandbox.users import new_uid
from autograder.sandbox.views import (NOTEBOOK_BYTES, WORK, environment, notebook_view, notebook_warm, student_view,
                                      student_warm)

from .broker import KernelBroker
from .cell_timeline import CellTimeline
from .task import CellScore, GradingTask
from .untrusted import CappedPipe, load_json

MAX_RESULT_BYTES = 160 * 1024**2
MAX_LOG_BYTES = 64 * 1024
KERNEL_CLIENT = [sys.executable, "-I", "-m", "autograder.inside.kernel_client", "--broker", f"{INSIDE}/broker.sock"]


@dataclass
class NotebookRun:
    """What nbgrader made of the notebook.

    Attributes:
        exit: nbgrader's exit status; None when the run was stopped at the wall-clock limit.
        cells: nbgrader's score per graded cell (before the judge's verdicts).
        notebooks: the executed notebooks as text, by file name.
        log: the end of nbgrader's output.
        problem: one line when nbgrader produced no usable result.
        peak_memory: the most bytes the kernel held (where control groups report it).
        out_of_memory: whether the memory limit killed a process of the kernel.
        timeline: when each code cell started, by the grader's clock (ended with the run).
    """

    exit: int | None
    cells: list[CellScore] = field(default_factory=list)
    notebooks: dict[str, str] = field(default_factory=dict)
    log: str = ""
    problem: str = ""
    peak_memory: int | None = None
    out_of_memory: bool = False
    timeline: CellTimeline | None = None


def _task_json(task: GradingTask) -> bytes:
    notebooks = {name: content.decode("utf-8") for name, content in task.notebooks.items() if name.endswith(".ipynb")}
    stamp = task.notebooks.get("timestamp.txt", b"").decode("utf-8", "replace")[:200]
    return json.dumps({"assignment": task.assignment, "student": task.student, "notebooks": notebooks,
                       "timestamp": stamp, "config": task.config.decode("utf-8", "replace"),
                       "gradebook": base64.b64encode(task.gradebook).decode(),
                       "cell_timeout": task.cell_timeout}).encode()


def _feed(stream: object, data: bytes) -> None:
    def write() -> None:
        try:
            with stream:  # type: ignore[attr-defined]
                stream.write(data)  # type: ignore[attr-defined]
        except OSError:
            pass

    threading.Thread(target=write, daemon=True).start()


def _network_of(pid: int) -> int:
    """An open handle on the network namespace of ``pid`` (refusing the grader's own)."""
    fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    if os.fstat(fd).st_ino == os.stat("/proc/self/ns/net").st_ino:
        os.close(fd)
        raise RuntimeError("the notebook sandbox shares the grader's network: refusing to start its kernel")
    return fd


class _Kernels:
    """Builds each kernel's launch once the notebook sandbox's network namespace is known."""

    def __init__(self, task: GradingTask, hidden: list[Path], scratch: Path) -> None:
        self.task, self.hidden, self.scratch, self.network_fd = task, hidden, scratch, None
        self.count = 0
        self.network_known = threading.Event()

    def launch(self, connection_file: bytes) -> Launch:
        if self.task.sandbox and not self.network_known.wait(30):
            raise RuntimeError("the notebook sandbox's network is not known yet")
        policy = self.task.policy
        env = environment(NBGRADER_EXECUTION="autograde", AUTOGRADER_DEFERRED_CHECKS="1")
        command = [sys.executable, "-I", "-m", "ipykernel_launcher", "-f", f"{INSIDE}/kernel.json"]
        return Launch("kernel", command, policy, student_view(self.hidden, policy.scratch_bytes, policy.work_bytes),
                      env, new_uid(), cwd=WORK, data_files={f"{INSIDE}/kernel.json": connection_file},
                      network_fd=self.network_fd, sandbox=self.task.sandbox, warm=student_warm())

    def host_root(self) -> Path | None:
        if self.task.sandbox:
            return None
        self.count += 1
        folder = self.scratch / f"kernel-{self.count}"
        folder.mkdir()
        return folder


def _parse(run: NotebookRun, output: bytes, overflowed: bool) -> None:
    if overflowed:
        run.problem = f"the executed notebook is larger than {MAX_RESULT_BYTES // 1024**2} MB"
        return
    try:
        result = load_json(output, "nbgrader's result")
        run.cells = [CellScore(str(nb), str(cell), float(score), float(points))
                     for nb, cell, score, points in result.get("cells", [])]
        run.notebooks = {str(name): str(text) for name, text in result.get("notebooks", {}).items()}
        run.exit = int(result.get("exit", 1)) if run.exit is not None else None
        run.problem = str(result.get("error", ""))[:300]
    except (ValueError, TypeError, AttributeError) as error:
        run.problem = run.problem or f"nbgrader's result could not be read ({error})"


def run_notebook(task: GradingTask, scratch: Path) -> NotebookRun:
    """Run nbgrader on ``task`` with ``scratch`` (an empty private folder) for the broker's socket."""
    hidden = [Path(task.course_dir), scratch]
    (scratch / "broker").mkdir(mode=0o755)
    kernels = _Kernels(task, hidden, scratch)
    broker = KernelBroker(scratch / "broker", kernels.launch, kernels.host_root)
    policy = dataclasses.replace(task.policy, memory_bytes=task.policy.memory_bytes + NOTEBOOK_BYTES)
    progress_read, progress_write = os.pipe()
    command = [sys.executable, "-I", "-m", "autograder.inside.notebook_run", "--workdir", WORK,
               "--progress-fd", str(progress_write), "--", *KERNEL_CLIENT]
    launch = Launch("notebook", command, policy, notebook_view(hidden, policy.scratch_bytes, broker.socket_path),
                    environment(), new_uid(), cwd=WORK, pass_fds=(progress_write,), sandbox=task.sandbox,
                    warm=notebook_warm())
    host_root = None
    if not task.sandbox:
        host_root = scratch / "notebook"
        host_root.mkdir()
    try:
        notebook = start(launch, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         host_root=host_root)
    finally:
        os.close(progress_write)
    timeline = CellTimeline(os.fdopen(progress_read, "rb"), task.notebooks)
    try:
        _feed(notebook.process.stdin, _task_json(task))
        output = CappedPipe(notebook.process.stdout, MAX_RESULT_BYTES)
        log = CappedPipe(notebook.process.stderr, MAX_LOG_BYTES, keep="tail")
        if task.sandbox:
            kernels.network_fd = _network_of(notebook.child_pid())
            kernels.network_known.set()
        run = NotebookRun(exit=notebook.wait(task.notebook_timeout), timeline=timeline)
    finally:
        broker.close()
        notebook.close()
        timeline.end()
        if kernels.network_fd is not None:
            os.close(kernels.network_fd)
    run.log, run.peak_memory, run.out_of_memory = log.text(), broker.peak_memory(), broker.oom_kills() > 0
    _parse(run, output.result(), output.overflowed)
    run.log += "".join(f"\n{problem}" for problem in broker.problems)
    return run
