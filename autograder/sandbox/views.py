"""What each grading sandbox sees, and the environment it gets.

Four kinds of sandbox grade a submission, each a user id of its own:

* the **kernel** runs the notebook's cells for nbgrader, and the **check** process runs them
  again for the hidden checks: they see the Python installation, ``studentkit``, the modules of
  ``autograder`` that run beside student code (never the reference solutions or the checks) and
  the data cache, and write only to memory-backed folders (``/tmp``, their working folder);
* the **notebook** sandbox runs nbgrader: it also sees nbgrader, and a socket to the kernel broker;
* the **judge** sees the whole ``autograder`` package (it compares with the reference) but no
  student code, course or submission.

Homes, the course folder, this repository, the grader's scratch space and the host's ``/run``
are replaced by empty folders first. Environments are built from an allow-list: nothing of the
instructor's shell (tokens, keys) is passed on.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

import studentkit
from studentkit.data.cache import cache_dir

from .bwrap import LIMITS_SCRIPT, Mounts
from .forked import Warm
from .process import INSIDE

REPO_ROOT = Path(__file__).resolve().parents[2]
WORK = f"{INSIDE}/work"
"""The working folder of every sandbox (memory-backed, of limited size)."""

# Modules of ``autograder`` that run beside student code, in the kernel or the check process.
STUDENT_SIDE = ("autograder/__init__.py", "autograder/probe.py", "autograder/wire.py", "autograder/observation.py",
                "autograder/scenarios", "autograder/inside")
NOTEBOOK_SIDE = ("autograder/__init__.py", "autograder/inside")
TEMPORARY_ROOTS = ("/tmp", "/var/tmp")
PRIVATE_ROOTS = ("/root", "/home", "/srv", "/mnt", "/media", "/opt", "/work")
RUN_BYTES = 16 * 1024**2
NOTEBOOK_BYTES = 2 * 1024**3


def _base(hidden: list[Path], tmp_bytes: int) -> Mounts:
    """Private places emptied; the Python installation bound back; ``/tmp`` and ``/run`` private."""
    readable = [Path(sys.base_prefix), Path(sys.prefix), LIMITS_SCRIPT]
    tmpfs = {root: tmp_bytes for root in TEMPORARY_ROOTS} | {"/run": RUN_BYTES}
    return Mounts(hidden=[Path(p) for p in PRIVATE_ROOTS] + [Path.home(), REPO_ROOT, *hidden],
                  readable=readable, tmpfs=tmpfs)


def _data_paths() -> list[Path]:
    paths = [cache_dir()]
    if os.environ.get("FASHION_MNIST_DIR"):
        paths.append(Path(os.environ["FASHION_MNIST_DIR"]))
    return paths


def student_view(hidden: list[Path], tmp_bytes: int, work_bytes: int) -> Mounts:
    """The kernel's and the check process's view (``hidden``: the course and the scratch space)."""
    mounts = _base(hidden, tmp_bytes)
    mounts.readable += [Path(studentkit.__file__).parent, *(REPO_ROOT / part for part in STUDENT_SIDE)]
    mounts.readable += _data_paths()
    mounts.tmpfs[WORK] = work_bytes
    return mounts


def notebook_view(hidden: list[Path], tmp_bytes: int, broker_socket: Path) -> Mounts:
    """nbgrader's view: its scratch course in memory, the broker's socket, no student code."""
    mounts = _base(hidden, tmp_bytes)
    mounts.readable += [REPO_ROOT / part for part in NOTEBOOK_SIDE]
    mounts.tmpfs[WORK] = NOTEBOOK_BYTES
    mounts.placed[f"{INSIDE}/broker.sock"] = broker_socket
    return mounts


def judge_view(hidden: list[Path], tmp_bytes: int) -> Mounts:
    """The judge's view: the whole ``autograder`` package and the data, no course or submission."""
    mounts = _base(hidden, tmp_bytes)
    mounts.readable += [Path(studentkit.__file__).parent, REPO_ROOT / "autograder", *_data_paths()]
    mounts.tmpfs[WORK] = RUN_BYTES
    return mounts


STUDENT_PRELOAD = ("torch", "autograder.inside.torch_warmup", "studentkit", "ipykernel.kernelapp",
                   "IPython.core.interactiveshell", "autograder.observation", "autograder.scenarios", "autograder.wire",
                   "autograder.inside.seccomp")
NOTEBOOK_PRELOAD = ("nbgrader.apps.autogradeapp", "nbgrader.api", "autograder.inside.cell_progress")
JUDGE_PRELOAD = ("torch", "autograder.inside.torch_warmup", "autograder.judge.session",
                 *sorted(f"autograder.checks.{path.stem}" for path in (REPO_ROOT / "autograder" / "checks").glob("*.py")
                         if path.stem != "__init__"))


@lru_cache(maxsize=None)
def student_warm() -> Warm:
    """The zygote of kernels and check processes: torch, IPython and the student-side modules."""
    return Warm("student", STUDENT_PRELOAD, tuple(student_view([], 0, 0).readable))


@lru_cache(maxsize=None)
def notebook_warm() -> Warm:
    """The zygote of nbgrader's runs: nbgrader's autograde machinery."""
    return Warm("notebook", NOTEBOOK_PRELOAD, tuple(notebook_view([], 0, Path("/")).readable))


@lru_cache(maxsize=None)
def judge_warm() -> Warm:
    """The zygote of judges: torch, the checks and the reference solutions."""
    return Warm("judge", JUDGE_PRELOAD, tuple(judge_view([], 0).readable))


def environment(**extra: str) -> dict[str, str]:
    """A sandbox's whole environment: an allow-list, plus ``extra``; nothing else of the grader's."""
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": "/tmp/home", "USER": "student", "LOGNAME": "student", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "TMPDIR": "/tmp", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
        "MPLCONFIGDIR": "/tmp/matplotlib", "IPYTHONDIR": "/tmp/ipython", "JUPYTER_RUNTIME_DIR": f"{WORK}/runtime",
        "JUPYTER_DATA_DIR": f"{WORK}/data", "JUPYTER_CONFIG_DIR": f"{WORK}/config",
        "FASHION_MNIST_CACHE": str(cache_dir()),
    }
    if os.environ.get("FASHION_MNIST_DIR"):
        env["FASHION_MNIST_DIR"] = os.environ["FASHION_MNIST_DIR"]
    return {**env, **extra}
