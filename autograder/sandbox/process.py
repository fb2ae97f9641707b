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
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from . import cgroup
from .bwrap import Mounts, sandbox_command
from .policy import SandboxPolicy

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


_live: set["Sandboxed"] = set()
_live_lock = threading.Lock()


def kill_all() -> None:
    """Kill every sandbox this process started and has not closed (on an interrupt)."""
    with _live_lock:
        running = list(_live)
    for sandboxed in running:
        sandboxed.kill()


class Sandboxed:
    """A started program: its bwrap process and its control group."""

    def __init__(self, process: subprocess.Popen, group: cgroup.ResourceGroup | None,
                 info: IO[bytes] | None) -> None:
        self.process, self.group, self._info = process, group, info
        self._child_pid: int | None = None
        self._peak: int | None = None
        self._oom_kills = 0
        self._closed = False
        with _live_lock:
            _live.add(self)

    @property
    def pid(self) -> int:
        return self.process.pid

    def child_pid(self, timeout: float = 30.0) -> int:
        """The host pid of the program inside (bwrap's ``--info-fd``); the process itself without sandbox."""
        if self._info is None:
            return self.process.pid
        if self._child_pid is None:
            text = _read_with_timeout(self._info, timeout)
            self._child_pid = int(json.loads(text)["child-pid"])
        return self._child_pid

    def wait(self, timeout: float | None = None) -> int | None:
        """The exit status, or None if it is still running after ``timeout`` seconds."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """Kill every process it started (never raises)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.group is not None:
            self.group.kill()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def peak_memory(self) -> int | None:
        """The most bytes its control group held (kept after :meth:`close`); None without a group."""
        if self.group is not None and self._peak is None:
            return self.group.peak_memory()
        return self._peak

    def oom_kills(self) -> int:
        """How many of its processes the memory limit killed (kept after :meth:`close`)."""
        if self.group is not None and not self._closed:
            return self.group.oom_kills()
        return self._oom_kills

    def close(self) -> None:
        """Kill what is left and remove the control group (its peak memory is kept)."""
        if self._closed:
            return
        self._closed = True
        self.kill()
        with _live_lock:
            _live.discard(self)
        if self.group is not None:
            self._peak, self._oom_kills = self.group.peak_memory(), self.group.oom_kills()
            self.group.remove()
        if self._info is not None:
            self._info.close()


def _read_with_timeout(stream: IO[bytes], timeout: float) -> str:
    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.append(stream.read(4096)), daemon=True)
    reader.start()
    reader.join(timeout)
    if reader.is_alive() or not chunks or not chunks[0]:
        raise RuntimeError("the sandbox did not report its process id")
    return chunks[0].decode(errors="replace")


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
    keep_fds = list(launch.pass_fds)
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
    return Sandboxed(process, group, info)
