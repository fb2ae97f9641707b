"""Which paths a submission's kernel may see: hide everything private, bind back what it needs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import studentkit
from studentkit.data.cache import cache_dir

from .bwrap import LIMITS_SCRIPT, Mounts

REPO_ROOT = Path(__file__).resolve().parents[2]

# The modules of ``autograder`` that hidden test cells import inside the kernel. Nothing else of
# the package (reference solutions, checks, judge, grading) is visible there.
KERNEL_SIDE = ("autograder/__init__.py", "autograder/probe.py", "autograder/wire.py", "autograder/scenarios")

# Folders that may hold private things: other students' work, gradebooks, solutions, keys.
# The temporary ones are replaced by empty writable folders, the others by empty read-only ones.
TEMPORARY_ROOTS = ("/tmp", "/var/tmp")
PRIVATE_ROOTS = ("/root", "/home", "/srv", "/mnt", "/media", "/opt", "/work")


def kernel_mounts(writable: list[Path], course_dir: Path) -> Mounts:
    """Mounts for a kernel that may write only to ``writable``.

    Emptied: the temporary folders (writable), the private roots, this repository and the course
    folder (read-only). Bound back read-only: the
    Python installation and virtual environment, ``studentkit``, the kernel-side modules of
    ``autograder`` and the Fashion-MNIST cache.
    """
    hidden = [Path(p) for p in PRIVATE_ROOTS] + [Path.home(), REPO_ROOT, course_dir]
    readable = [Path(sys.base_prefix), Path(sys.prefix), Path(studentkit.__file__).parent]
    readable += [REPO_ROOT / part for part in KERNEL_SIDE] + [LIMITS_SCRIPT]
    readable.append(cache_dir())
    if os.environ.get("FASHION_MNIST_DIR"):
        readable.append(Path(os.environ["FASHION_MNIST_DIR"]))
    return Mounts(scratch=[Path(p) for p in TEMPORARY_ROOTS], hidden=hidden, readable=readable,
                  writable=list(writable))
