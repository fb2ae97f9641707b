"""Start one program in a sandbox of its own and keep hold of everything it could leave behind.

A :class:`Launch` says what to run and what the program may see; :func:`start` runs it under
bubblewrap, in a control group of its own (memory and processes capped, see :mod:`.cgroup`),
as a user id of its own. :class:`Sandboxed` kills the whole tree (the group, or the process
group where no control group could be made) and reports its peak memory.

Paths a program sees only inside its sandbox live under :data:`INSIDE` (``/run/sandbox``). With
``sandbox=False`` (``--no-sandbox``, where bubblewrap cannot run) the same launch runs as a
plain process, and :data:`INSIDE` becomes a private host folder: memory-backed folders are made
there, data files written there and placed files linked there, and every argument and
environment value that names a path under :data:`INSIDE` is rewritten to match.

A launch with a :class:`~.forked.Warm` (run as root) is started warm: bubblewrap builds the same
sandbox around a placeholder, and the program is forked into it from a zygote (:mod:`.forked`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from . import cgroup, forked
from .bwrap import Mounts, sandbox_command
from .forked import Warm
from .policy import SandboxPolicy
from .sandboxed import Sandboxed, kill_all

INSIDE = "/run/sandbox"


@dataclass
class Launch:
    """One sandboxed program.

    Attributes:
        name: what it is (``kernel``, ``check``, ``notebook``, ``judge``), for groups and messages.
        command: the program and its arguments, as seen inside.
        policy: its limits.
        mounts: what it sees (``tmpfs`` and ``placed`` paths under :data:`INSIDE` are its own).
        env: its whole environment.
        uid: the unprivileged user id it runs as (when the grader is root).
        cwd: its working folder inside.
        data_files: read-only files it finds inside, ``{path under INSIDE: content}``.
        pass_fds: file descriptors it inherits (a channel to a judge, say).
        network_fd: an open ``/proc/<pid>/ns/net`` of a sandbox whose loopback it shares; None
            for a network namespace of its own with nothing in it.
        sandbox: False runs it as a plain process (see the module docstring).
        warm: for a ``python -I -m MODULE ...`` or ``-c CODE`` command, the zygote that can fork it warm
            (see :mod:`.forked`); None always starts it cold.
    """

    name: str
    command: list[str]
    policy: SandboxPolicy
    mounts: Mounts
    env: dict[str, str]
    uid: int | None
    cwd: str = "/"
    data_files: dict[str, bytes] = field(default_factory=dict)
    pass_fds: tuple[int, ...] = ()
    network_fd: int | None = None
    sandbox: bool = True
    warm: Warm | None = None


def _feed(fd: int, content: bytes) -> None:
    """Write ``content`` into a pipe in the background (bwrap reads it while it sets up)."""
    def write() -> None:
        try:
            with os.fdopen(fd, "wb") as pipe:
                pipe.write(content)
        except OSError:
            pass

    threading.Thread(target=write, daemon=True).start()


def _bwrap_command(launch: Launch, group_prefix: list[str], keep_fds: list[int]) -> tuple[list[str], IO[bytes]]:
    """The command line that starts ``launch`` in bubblewrap; the pipe its child pid arrives on."""
    data_fds = {}
    for inside, content in launch.data_files.items():
        read_end, write_end = os.pipe()
        data_fds[inside] = read_end
        keep_fds.append(read_end)
        _feed(write_end, content)
    info_read, info_write = os.pipe()
    keep_fds.append(info_write)
    command = sandbox_command(launch.policy, launch.mounts, launch.command, launch.uid, env=launch.env,
                              cwd=launch.cwd, data_files=data_fds, share_network=launch.network_fd is not None,
                              info_fd=info_write)
    if launch.network_fd is not None:
        keep_fds.append(launch.network_fd)
        command = ["nsenter", f"--net=/proc/self/fd/{launch.network_fd}", "--", *command]
    return [*group_prefix, *command], os.fdopen(info_read, "rb")


def _plain_command(launch: Launch, host_root: Path) -> tuple[list[str], dict[str, str], str]:
    """``launch`` as a plain process: its INSIDE paths made under ``host_root``."""
    def host(path: str) -> Path:
        return host_root / os.path.relpath(path, INSIDE)

    for inside in launch.mounts.tmpfs:
        if inside.startswith(INSIDE):
            host(inside).mkdir(parents=True, exist_ok=True)
    for inside, source in launch.mounts.placed.items():
        host(inside).parent.mkdir(parents=True, exist_ok=True)
        host(inside).symlink_to(source)
    for inside, content in launch.data_files.items():
        host(inside).parent.mkdir(parents=True, exist_ok=True)
        host(inside).write_bytes(content)

    def translate(text: str) -> str:
        return text.replace(INSIDE, str(host_root))

    env = {**launch.env, "PATH": launch.env.get("PATH", os.environ.get("PATH", ""))}
    return [translate(a) for a in launch.command], {k: translate(v) for k, v in env.items()}, translate(launch.cwd)


HOLD = ["/bin/sh", "-c", "echo ready && exec sleep infinity"]
"""The placeholder of a warm start: it holds the sandbox open and says when it is built."""


def _request(launch: Launch) -> dict[str, Any]:
    """What the zygote needs to become ``launch``'s program (``python -I -m MODULE ...`` or
    ``python -I -c CODE ...``)."""
    command = launch.command
    if command[:2] != [sys.executable, "-I"] or len(command) < 4 or command[2] not in ("-m", "-c"):
        raise ValueError(f"a warm start runs python -I -m MODULE or -c CODE, not {command[:3]}")
    program = {"module": command[3]} if command[2] == "-m" else {"code": command[3]}
    return {**program, "args": command[4:], "env": launch.env, "cwd": launch.cwd,
            "uid": launch.uid, "limits": launch.policy.limits()}


def _zygote_of(launch: Launch) -> forked.Zygote | None:
    """The zygote that forks ``launch``'s program; None to start it cold (no :class:`Warm`, not
    root, cold starts asked for, or its zygote could not start)."""
    if launch.warm is None or not forked.enabled():
        return None
    try:
        return forked.zygote(launch.warm, launch.env)
    except forked.ZygoteUnavailable:
        return None


def _start_warm(launch: Launch, forker: forked.Zygote, group: cgroup.ResourceGroup | None,
                streams: tuple[Any, Any, Any]) -> Sandboxed:
    """Build ``launch``'s sandbox around a placeholder, then have ``forker`` fork the program into it."""
    request = _request(launch)
    hold = Launch(launch.name, HOLD, launch.policy, launch.mounts, launch.env, launch.uid, launch.cwd,
                  launch.data_files, network_fd=launch.network_fd)
    placeholder, info = _spawn(hold, group, (subprocess.DEVNULL, subprocess.PIPE, subprocess.DEVNULL))
    sandboxed = Sandboxed(placeholder, group, info)
    try:
        forked.wait_ready(placeholder)
        procs = group.procs_files() if group is not None else []
        sandboxed.adopt(forked.fork_into(sandboxed.child_pid(), placeholder, request, forker, procs,
                                         launch.pass_fds, streams))
    except BaseException:
        sandboxed.close()
        raise
    return sandboxed


def start(launch: Launch, *, stdin: Any = subprocess.DEVNULL, stdout: Any = subprocess.DEVNULL,
          stderr: Any = subprocess.DEVNULL, host_root: Path | None = None) -> Sandboxed:
    """Start ``launch``; ``host_root`` (an empty private folder) is required with ``sandbox=False``."""
    if not launch.sandbox:
        if host_root is None:
            raise ValueError("a launch without sandbox needs a host folder for its private paths")
        command, env, cwd = _plain_command(launch, host_root)
        process = subprocess.Popen(command, env=env, cwd=cwd, stdin=stdin, stdout=stdout, stderr=stderr,
                                   pass_fds=launch.pass_fds, start_new_session=True)
        return Sandboxed(process, None, None)
    policy = launch.policy
    group = cgroup.create(launch.name, policy.memory_bytes, policy.max_processes) if policy.use_cgroup else None
    forker = _zygote_of(launch)
    if forker is not None:
        return _start_warm(launch, forker, group, (stdin, stdout, stderr))
    process, info = _spawn(launch, group, (stdin, stdout, stderr))
    return Sandboxed(process, group, info)


def _spawn(launch: Launch, group: cgroup.ResourceGroup | None,
           streams: tuple[Any, Any, Any]) -> tuple[subprocess.Popen, IO[bytes]]:
    """Start bwrap for ``launch`` in ``group`` (removed if bwrap cannot start); the process and its info pipe."""
    keep_fds = list(launch.pass_fds)
    stdin, stdout, stderr = streams
    try:
        command, info = _bwrap_command(launch, group.enter_prefix() if group else [], keep_fds)
        process = subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=stderr, pass_fds=keep_fds,
                                   start_new_session=True, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    except BaseException:
        if group is not None:
            group.remove()
        raise
    finally:
        for fd in keep_fds:
            if fd not in launch.pass_fds and fd != launch.network_fd:
                os.close(fd)
    return process, info
