"""The bubblewrap command line that confines one process tree (a kernel, a check, nbgrader, a judge).

The sandbox sees the system read-only; private folders (homes, the course, the repository, the
grader's scratch space) are replaced by empty ones, then only what the program needs is bound
back read-only. It writes only to memory-backed folders of limited size (``/tmp``, ``/dev/shm``,
its working folder), which vanish with it, and to folders the caller binds writable on purpose.
Its environment is built from an allow-list (``--clearenv``): nothing of the grader's shell
reaches it. There is no network (or only the loopback of another sandbox it is told to share),
a private process tree that dies with its parent, and rlimits from the policy. Run as root, the
sandbox's processes run as an unprivileged user id of their own.
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
    """The file system as a sandbox sees it.

    Attributes:
        hidden: replaced by empty read-only folders (files: by an empty file).
        readable: bound back read-only, at the same path, on top of hidden ones.
        writable: bound read-write at the same path (only what the caller never reads back).
        tmpfs: empty memory-backed folders anyone inside may write to, ``{path: size in bytes}``.
        placed: read-only binds of a host path at another path inside, ``{inside: host path}``.
    """

    hidden: list[Path] = field(default_factory=list)
    readable: list[Path] = field(default_factory=list)
    writable: list[Path] = field(default_factory=list)
    tmpfs: dict[str, int] = field(default_factory=dict)
    placed: dict[str, Path] = field(default_factory=dict)


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


def _folders_to_create(covered: list[Path], bound: list[Path]) -> list[Path]:
    """Folders between a covered (emptied) folder and a path bound inside it, top down.

    bwrap would create them itself, but only for root (mode 0700); the sandbox's user must be
    able to walk through them.
    """
    folders: set[Path] = set()
    for path in bound:
        for parent in path.parents:
            if any(parent != root and parent.is_relative_to(root) for root in covered):
                folders.add(parent)
    return sorted(folders, key=lambda folder: len(folder.parts))


def mount_arguments(mounts: Mounts) -> list[str]:
    """bwrap's mount options for ``mounts``, in an order where later mounts land on earlier ones."""
    args: list[str] = []
    tmpfs = {Path(path): size for path, size in mounts.tmpfs.items()}
    for path in sorted(tmpfs, key=lambda p: len(p.parts)):
        args += ["--perms", "1777", "--size", str(tmpfs[path]), "--tmpfs", str(path)]
    hidden = _existing(mounts.hidden)
    for path in hidden:
        args += ["--tmpfs", str(path)] if path.is_dir() else ["--ro-bind", "/dev/null", str(path)]
    readable, writable = _existing(mounts.readable), _existing(mounts.writable)
    placed = {Path(inside): Path(source) for inside, source in mounts.placed.items()}
    covered = list(tmpfs) + [p for p in hidden if p.is_dir()]
    for folder in _folders_to_create(covered, readable + writable + list(placed)):
        args += ["--perms", "0755", "--dir", str(folder)]
    for path in readable:
        args += ["--ro-bind", str(path), str(path)]
    for path in writable:
        args += ["--bind", str(path), str(path)]
    for inside, source in placed.items():
        args += ["--ro-bind", str(source), str(inside)]
    return args


def environment_arguments(env: dict[str, str]) -> list[str]:
    """``--clearenv`` and one ``--setenv`` per allowed variable: nothing else is inherited."""
    args = ["--clearenv"]
    for name, value in sorted(env.items()):
        args += ["--setenv", name, value]
    return args


def sandbox_command(policy: SandboxPolicy, mounts: Mounts, command: list[str], uid: int | None = None, *,
                    env: dict[str, str] | None = None, cwd: str | None = None,
                    data_files: dict[str, int] | None = None, share_network: bool = False,
                    info_fd: int | None = None) -> list[str]:
    """The full command: bwrap [namespaces, mounts, environment] limits [rlimits, user] ``command``.

    Args:
        policy: rlimits and the size of ``/dev/shm``.
        mounts: what the sandbox sees.
        command: the program to run inside.
        uid: run as root, the unprivileged user id to become (RLIMIT_NPROC then binds; it never
            binds root). Run as another user, bwrap maps that user and ``uid`` is ignored.
        env: the whole environment inside (``None``: inherit, for diagnosis only).
        cwd: the working folder inside.
        data_files: read-only files made from pipes, ``{path inside: readable fd}``.
        share_network: keep the network namespace bwrap starts in (the caller has put it into
            another sandbox's namespace); otherwise a new, empty one.
        info_fd: an fd bwrap writes ``{"child-pid": N}`` to once the sandbox runs.
    """
    as_root = os.geteuid() == 0
    namespaces = ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if not as_root:
        namespaces.append("--unshare-user")
    if not policy.network and not share_network:
        namespaces.append("--unshare-net")
    base = ["bwrap", "--die-with-parent", "--new-session", *namespaces,
            "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--perms", "1777", "--size", str(policy.shm_bytes), "--tmpfs", "/dev/shm"]
    if info_fd is not None:
        base += ["--info-fd", str(info_fd)]
    base += mount_arguments(mounts)
    for inside, fd in (data_files or {}).items():
        base += ["--perms", "0444", "--ro-bind-data", str(fd), inside]
    if env is not None:
        base += environment_arguments(env)
    if cwd is not None:
        base += ["--chdir", cwd]
    limits = [sys.executable, "-I", str(LIMITS_SCRIPT), *policy.limit_arguments()]
    if as_root and uid is not None:
        limits.append(f"--uid={uid}")
    return [*base, "--", *limits, "--", *command]
