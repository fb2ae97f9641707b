"""A Jupyter kernelspec whose kernel starts in the sandbox.

nbgrader runs notebooks with the kernel named by ``--Execute.kernel_name``; this module writes a
kernelspec of that name into a private ``JUPYTER_PATH`` folder. Its ``argv`` runs
:mod:`autograder.sandbox.launch` (outside the sandbox, as the grader), which hands the
connection file to the sandbox's user and then starts ``bwrap``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from .bwrap import Mounts
from .policy import SandboxPolicy

KERNEL_NAME = "course-sandbox"


def write_kernelspec(jupyter_path: Path, policy: SandboxPolicy, mounts: Mounts, uid: int | None,
                     env: dict[str, str]) -> Path:
    """Write ``<jupyter_path>/kernels/course-sandbox/`` and return its folder.

    Args:
        jupyter_path: a folder to put first on ``JUPYTER_PATH`` for the grading run.
        policy, mounts, uid: how the sandbox is built (see :func:`~.bwrap.sandbox_command`).
        env: environment variables for the kernel (HOME, judge socket, ...).
    """
    folder = jupyter_path / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    settings = {
        "policy": asdict(policy),
        "mounts": {key: [str(p) for p in value] for key, value in asdict(mounts).items()},
        "uid": uid,
    }
    (folder / "sandbox.json").write_text(json.dumps(settings, indent=1))
    spec = {
        "argv": [sys.executable, "-m", "autograder.sandbox.launch", str(folder / "sandbox.json"), "{connection_file}"],
        "display_name": "Python 3 (grading sandbox)",
        "language": "python",
        # Signals sent to the launcher would stop at bwrap; an interrupt request travels as a
        # message and ipykernel interrupts itself (a cell past its timeout is stopped, not lost).
        "interrupt_mode": "message",
        "env": env,
    }
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1))
    return folder
