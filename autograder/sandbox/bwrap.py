"""The bubblewrap command line that confines one submission's kernel.

The sandbox sees the system read-only; home folders, temporary folders, the course folder and
the repository are replaced by empty ones, then only what a kernel needs is bound back
read-only (the Python installation, the virtual environment, ``studentkit``, the kernel-side
modules of ``autograder``, the data cache) and the submission's own working copy read-write.
There is no network, a private process tree that dies with its parent, and rlimits from the
policy. Run as root, the sandbox also runs as an unprivileged user of its own, so that the
process limit binds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .policy import SandboxPolicy


# Runs inside the sandbox by path (stdlib only), so the rest of this package can stay hidden there.
LIMITS_SCRIPT = Path(__file__).with_name("limits.py")


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot run here; the message says why and what to do."""


@dataclass
class Mounts:
    """Paths as the sandbox sees them.

    Attributes:
        scratch: replaced by empty folders anyone in the sandbox may write to, of limited size
            (``/tmp``: libraries expect to write there).
        hidden: replaced by empty read-only folders (files: by an empty file).
        readable: bound back read-only on top of hidden ones.
        writable: bound read-write (the submission's working copy, the kernel's runtime folder).
    """

    scratch: list[Path] = field(default_factory=list)
    hidden: list[Path] = field(default_factory=list)
    readable: list[Path] = field(default_factory=list)
    writable: list[Path] = field(default_factory=list)


def check_available() -> None:
    """Raise :class:`SandboxUnavailable` unless ``bwrap`` can start a confined process here."""
    if sys.platform != "linux":
        raise SandboxUnavailable(f"bubblewrap needs Linux (this is {sys.platform})")
    if shutil.which("bwrap") is None:
        raise SandboxUnavailable("bwrap is not installed (Debian: apt-get install bubblewrap)")
    probe = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all",
             "--die-with-parent", "true"]
    result = subprocess.run(probe, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise SandboxUnavailable(f"bwrap cannot create namespaces here ({detail}); "
                                 "user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone)")


def _existing(paths: list[Path]) -> list[Path]:
    seen, result = set(), []
    for path in paths:
        resolved = Path(os.path.abspath(path))
        if resolved.exists() and resolved not in seen:
            seen.add(resolved)
            result.append(resolved)
    return result


def _folders_to_create(hidden: list[Path], bound: list[Path]) -> list[Path]:
    """Folders between a hidden (emptied) folder and a path bound back inside it, top down.

    bwrap would create them itself, but only for root (mode 0700); the sandbox's user must be
    able to walk through them.
    """
    folders: set[Path] = set()
    for path in bound:
        for parent in path.parents:
            if any(parent != root and parent.is_relative_to(root) for root in hidden):
                folders.add(parent)
    return sorted(folders, key=lambda folder: len(folder.parts))


def _mount_arguments(mounts: Mounts, scratch_bytes: int) -> list[str]:
    args: list[str] = []
    scratch = [p for p in _existing(mounts.scratch) if p.is_dir()]
    for path in scratch:
        args += ["--perms", "1777", "--size", str(scratch_bytes), "--tmpfs", str(path)]
    hidden = _existing(mounts.hidden)
    for path in hidden:
        args += ["--tmpfs", str(path)] if path.is_dir() else ["--ro-bind", "/dev/null", str(path)]
    bound = _existing(mounts.readable) + _existing(mounts.writable)
    for folder in _folders_to_create(scratch + [p for p in hidden if p.is_dir()], bound):
        args += ["--perms", "0755", "--dir", str(folder)]
    for path in _existing(mounts.readable):
        args += ["--ro-bind", str(path), str(path)]
    for path in _existing(mounts.writable):
        args += ["--bind", str(path), str(path)]
    return args


def sandbox_command(policy: SandboxPolicy, mounts: Mounts, command: list[str], uid: int | None = None) -> list[str]:
    """The full command: bwrap [namespaces, mounts] limits [rlimits, user] ``command``.

    Run as root, bwrap needs no user namespace and the limits step switches to the unprivileged
    ``uid`` after setting the rlimits (so RLIMIT_NPROC binds: it never binds root). Run as
    another user, bwrap maps that user into a user namespace and ``uid`` is ignored.
    """
    as_root = os.geteuid() == 0
    namespaces = ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if not as_root:
        namespaces.append("--unshare-user")
    if not policy.network:
        namespaces.append("--unshare-net")
    # JPY_PARENT_PID names the grader's pid outside; inside the pid namespace the kernel's parent is
    # bwrap's init, so ipykernel would think its parent died. --die-with-parent does that job.
    base = ["bwrap", "--die-with-parent", "--new-session", *namespaces, "--unsetenv", "JPY_PARENT_PID",
            "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    limits = [sys.executable, "-I", str(LIMITS_SCRIPT), *policy.limit_arguments()]
    if as_root and uid is not None:
        limits.append(f"--uid={uid}")
    return [*base, *_mount_arguments(mounts, policy.scratch_bytes), "--", *limits, "--", *command]
