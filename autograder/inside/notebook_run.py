"""``python -I -m autograder.inside.notebook_run --workdir DIR --kernel-client ...``: nbgrader's run of one notebook.

The batch grader starts it in a sandbox of its own (a user id of its own, no network but the
loopback it shares with the kernel, a memory-backed ``DIR``), never beside the course. It reads
the task as JSON on standard input (the submitted notebooks, the course's ``nbgrader_config.py``
and a copy of its gradebook), builds a scratch course in ``DIR``, runs plain ``nbgrader
autograde`` in this process, and writes one JSON object on standard output: the exit status,
nbgrader's cell scores and the autograded notebooks; with ``--progress-fd``, a line per code cell
as it starts. The kernel nbgrader asks for is started by
the grader in another sandbox (see :mod:`.kernel_client`); nothing it writes reaches ``DIR``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from pathlib import Path
from typing import Any

KERNEL_NAME = "course-sandbox"
MAX_TASK_BYTES = 256 * 1024**2
MAX_NOTEBOOK_BYTES = 64 * 1024**2


def _write_course(task: dict[str, Any], course: Path) -> None:
    settings = (f"\n# Added by the batch grader.\nc.Execute.kernel_name = {KERNEL_NAME!r}\n"
                f"c.Execute.timeout = {int(task['cell_timeout'])}\n")
    (course / "nbgrader_config.py").write_text(task["config"] + settings)
    (course / "gradebook.db").write_bytes(base64.b64decode(task["gradebook"]))
    folder = course / "submitted" / task["student"] / task["assignment"]
    folder.mkdir(parents=True)
    for name, text in task["notebooks"].items():
        (folder / Path(name).name).write_text(text)
    if task.get("timestamp"):
        (folder / "timestamp.txt").write_text(task["timestamp"])


def _write_kernelspec(jupyter: Path, command: list[str]) -> None:
    folder = jupyter / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True)
    spec = {"argv": [*command, "{connection_file}"], "display_name": "Python 3 (grading sandbox)",
            "language": "python", "interrupt_mode": "message"}
    (folder / "kernel.json").write_text(json.dumps(spec))


def _autograde(task: dict[str, Any], progress_fd: int | None) -> int:
    """Plain ``nbgrader autograde`` of the one submission, in this process; its exit status.
    With ``progress_fd``, each code cell is reported there before it runs (see :mod:`.cell_progress`)."""
    from nbgrader.apps.autogradeapp import AutogradeApp
    from traitlets.config import Config

    from .cell_progress import reporting_config

    argv = [task["assignment"], "--student", task["student"], "--force"]
    config = reporting_config(progress_fd) if progress_fd is not None else Config()
    try:
        AutogradeApp.launch_instance(argv=argv, config=config)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    return 0


def _scores(task: dict[str, Any], course: Path) -> list[list[Any]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(task["assignment"], task["student"])
        return [[nb.name, grade.name, float(grade.auto_score or 0.0), float(grade.max_score)]
                for nb in submission.notebooks for grade in nb.grades]


def _autograded(task: dict[str, Any], course: Path) -> dict[str, str]:
    folder = course / "autograded" / task["student"] / task["assignment"]
    found = {}
    for name in task["notebooks"]:
        path = folder / Path(name).name
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_NOTEBOOK_BYTES:
            found[name] = path.read_text(errors="replace")
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="autograder.inside.notebook_run")
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--progress-fd", type=int, help="a pipe for a line per code cell about to run")
    parser.add_argument("kernel_command", nargs=argparse.REMAINDER, help="the kernel launcher, after --")
    options = parser.parse_args(argv)
    result_out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # nbgrader's and the kernel's chatter: the log
    task = json.loads(sys.stdin.buffer.read(MAX_TASK_BYTES))
    course, jupyter = options.workdir / "course", options.workdir / "jupyter"
    course.mkdir(parents=True)
    _write_course(task, course)
    _write_kernelspec(jupyter, [part for part in options.kernel_command if part != "--"])
    os.environ["JUPYTER_PATH"] = str(jupyter)
    os.chdir(course)
    result: dict[str, Any] = {"exit": _autograde(task, options.progress_fd)}
    try:
        result["cells"] = _scores(task, course)
        result["notebooks"] = _autograded(task, course)
    except Exception as error:  # noqa: BLE001 - nbgrader recorded nothing: say why
        result["error"] = f"{type(error).__name__}: {error}"[:300]
    result_out.write(json.dumps(result))
    result_out.flush()


if __name__ == "__main__":
    main()
