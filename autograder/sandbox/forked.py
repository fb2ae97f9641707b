"""Warm starts: a sandboxed program forked from a zygote that has its heavy imports done.

Starting ``python -I -m ...`` in a fresh sandbox costs its imports each time (torch alone is
about 1.7 s). With a :class:`Warm` on its :class:`~.process.Launch`, the program is instead
forked from a long-lived zygote of that kind (:mod:`.zygote`), which has imported the modules
once. Isolation is the same as a cold start: bubblewrap still builds the sandbox (its mounts,
namespaces and control group, around a placeholder that only holds them open), and the forked
worker joins that sandbox, takes its root, rlimits, user id and environment before it runs the
module. Each program gets its own sandbox and user id; nothing passes from one to the next but
the zygote's memory as it was after the imports, which holds nothing the sandbox could not load.

Warm starts need root (joining namespaces does); elsewhere, and with ``AUTOGRADER_COLD_START=1``,
programs start cold.
"""

from __future__ import annotations

import collections
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ZYGOTE_SCRIPT = Path(__file__).with_name("zygote.py")
NAMESPACES = ("pid", "cgroup", "ipc", "uts", "net", "mnt")
READY_TIMEOUT = 30.0
ZYGOTE_READY_TIMEOUT = 120.0
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1"}
"""NumPy's OpenBLAS starts a thread pool when it loads; a fork keeps only the forking thread."""


@dataclass(frozen=True)
class Warm:
    """A kind of zygote: what it imports once, and the only places those modules may come from
    (the sandbox's readable paths: a worker must hold nothing its sandbox could not load)."""

    kind: str
    preload: tuple[str, ...]
    allowed: tuple[Path, ...]


def enabled() -> bool:
    """Whether programs with a :class:`Warm` start warm here."""
    return sys.platform == "linux" and os.geteuid() == 0 and os.environ.get("AUTOGRADER_COLD_START") != "1"


class ZygoteUnavailable(RuntimeError):
    """A zygote could not start (the message says why); programs of its kind start cold."""


class Zygote:
    """One running zygote and the grader's end of its control socket."""

    def __init__(self, warm: Warm, env: dict[str, str]) -> None:
        self.warm = warm
        self.control, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        allowed = os.pathsep.join(str(path) for path in warm.allowed)
        command = [sys.executable, "-I", str(ZYGOTE_SCRIPT), "--control-fd", str(child.fileno()),
                   "--preload", ",".join(warm.preload), "--allow", allowed]
        try:
            self.process = subprocess.Popen(command, env={**env, **SINGLE_THREADED}, cwd="/", stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                            pass_fds=(child.fileno(),), start_new_session=True)
        finally:
            child.close()
        self.log: collections.deque[str] = collections.deque(maxlen=20)
        self._reader = threading.Thread(target=self._read_log, name=f"zygote {warm.kind}", daemon=True)
        self._reader.start()
        ready = select.select([self.process.stdout], [], [], ZYGOTE_READY_TIMEOUT)[0]
        if not ready or self.process.stdout.readline().strip() != b"ready":  # type: ignore[union-attr]
            self.stop()
            self._reader.join(5)  # its last words
            why = self.log[-1] if self.log else f"not ready after {ZYGOTE_READY_TIMEOUT:g} s"
            raise ZygoteUnavailable(f"the {warm.kind} zygote did not start: {why}")

    def _read_log(self) -> None:
        for line in self.process.stderr:  # type: ignore[union-attr]
            self.log.append(line.decode(errors="replace").rstrip()[:300])

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, request: dict[str, Any], fds: list[int]) -> None:
        """Hand one program to the zygote (``fds`` as ``request["fds"]`` names them)."""
        try:
            socket.send_fds(self.control, [json.dumps(request).encode()], fds)
        except OSError as error:
            why = self.log[-1] if self.log else "no message"
            raise ZygoteUnavailable(f"the {self.warm.kind} zygote is gone ({error}; it said: {why})") from None

    def stop(self) -> None:
        self.control.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_zygotes: dict[str, Zygote] = {}
_kind_locks: collections.defaultdict[str, threading.Lock] = collections.defaultdict(threading.Lock)
_locks_lock = threading.Lock()


def _lock_of(kind: str) -> threading.Lock:
    with _locks_lock:
        return _kind_locks[kind]


_failed: dict[str, str] = {}


def zygote(warm: Warm, env: dict[str, str]) -> Zygote:
    """The running zygote of ``warm``'s kind, started (or restarted) on first use; zygotes of
    different kinds start side by side. A kind whose zygote could not start is not tried again
    in this process: :class:`ZygoteUnavailable` (after one warning on stderr) each time."""
    with _lock_of(warm.kind):
        if warm.kind in _failed:
            raise ZygoteUnavailable(_failed[warm.kind])
        running = _zygotes.get(warm.kind)
        if running is None or not running.alive() or running.warm != warm:
            if running is not None:
                running.stop()
            try:
                running = _zygotes[warm.kind] = Zygote(warm, env)
            except ZygoteUnavailable as error:
                _failed[warm.kind] = str(error)
                print(f"warning: {error}; its programs start cold", file=sys.stderr)
                raise
        return running


def prestart(warms: list[Warm], env: dict[str, str]) -> None:
    """Start the zygotes of ``warms`` in the background (a failure shows when one is used)."""
    def start_one(warm: Warm) -> None:
        try:
            zygote(warm, env)
        except ZygoteUnavailable:
            pass  # warned; its programs start cold

    for warm in warms:
        threading.Thread(target=start_one, args=(warm,), name=f"start {warm.kind} zygote", daemon=True).start()


def stop_zygotes() -> None:
    """Stop every zygote of this process (they also stop when this process ends)."""
    for kind in list(_zygotes):
        with _lock_of(kind):
            running = _zygotes.pop(kind, None)
            if running is not None:
                running.stop()


class ForkedProcess:
    """A program forked into a sandbox, standing in for :class:`subprocess.Popen` where
    :class:`~.process.Sandboxed` uses one. ``pid`` is the placeholder's, whose process group
    and sandbox hold the program; the exit status comes from the zygote's supervisor."""

    def __init__(self, placeholder: subprocess.Popen, status: socket.socket, streams: list[IO[bytes] | None]) -> None:
        self.pid = placeholder.pid
        self.stdin, self.stdout, self.stderr = streams
        self.returncode: int | None = None
        self._status, self._buffer, self._lock = status, b"", threading.Lock()

    def wait(self, timeout: float | None = None) -> int:
        """The exit status; :class:`subprocess.TimeoutExpired` after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        if not self._lock.acquire(timeout=-1 if timeout is None else max(timeout, 0)):
            raise subprocess.TimeoutExpired("sandboxed program", timeout or 0)
        try:
            while self.returncode is None:
                left = None if deadline is None else max(deadline - time.monotonic(), 0)
                if not select.select([self._status], [], [], left)[0]:
                    raise subprocess.TimeoutExpired("sandboxed program", timeout or 0)
                chunk = self._status.recv(64)
                self._buffer += chunk
                if not chunk or b"\n" in self._buffer:
                    self.returncode = _exit_status(self._buffer)
                    self._status.close()
            return self.returncode
        finally:
            self._lock.release()

    def communicate(self, timeout: float | None = None) -> tuple[bytes | None, bytes | None]:
        """Close stdin, read stdout and stderr to their ends, wait; as :meth:`subprocess.Popen.communicate`."""
        if self.stdin is not None:
            self.stdin.close()
        read: dict[int, bytes] = {}
        readers = [threading.Thread(target=lambda n=n, s=s: read.__setitem__(n, s.read()), daemon=True)
                   for n, s in ((1, self.stdout), (2, self.stderr)) if s is not None]
        for reader in readers:
            reader.start()
        self.wait(timeout)
        for reader in readers:
            reader.join(timeout)
        return read.get(1), read.get(2)

    def poll(self) -> int | None:
        try:
            return self.wait(0)
        except subprocess.TimeoutExpired:
            return None


def _exit_status(report: bytes) -> int:
    """The supervisor's ``exit N``; a supervisor that died without one counts as killed."""
    words = report.decode(errors="replace").split()
    if len(words) == 2 and words[0] == "exit" and words[1].lstrip("-").isdigit():
        return int(words[1])
    return -9


def _streams(stdin: Any, stdout: Any, stderr: Any) -> tuple[dict[int, int], list[IO[bytes] | None], list[int]]:
    """Each standard stream as Popen would make it: the program's descriptors by number, the
    grader's ends, and the descriptors to close once sent."""
    theirs: dict[int, int] = {}
    ours: list[IO[bytes] | None] = [None, None, None]
    to_close: list[int] = []
    for number, choice in enumerate((stdin, stdout, stderr)):
        if choice == subprocess.STDOUT and number == 2:
            theirs[2] = theirs[1]
        elif choice == subprocess.PIPE:
            read_end, write_end = os.pipe()
            theirs[number], mine = (read_end, write_end) if number == 0 else (write_end, read_end)
            ours[number] = os.fdopen(mine, "wb" if number == 0 else "rb")
            to_close.append(theirs[number])
        elif choice is None:
            theirs[number] = number
        else:
            theirs[number] = os.open(os.devnull, os.O_RDWR)
            to_close.append(theirs[number])
    return theirs, ours, to_close


def wait_ready(placeholder: subprocess.Popen) -> None:
    """Wait until the placeholder runs inside its finished sandbox (it says ``ready``)."""
    if not select.select([placeholder.stdout], [], [], READY_TIMEOUT)[0]:
        raise RuntimeError(f"the sandbox was not ready after {READY_TIMEOUT:g} s")
    if placeholder.stdout.readline().strip() != b"ready":  # type: ignore[union-attr]
        raise RuntimeError("the sandbox could not be built (bubblewrap failed)")


def fork_into(sandbox_pid: int, placeholder: subprocess.Popen, request: dict[str, Any], forker: Zygote,
              procs_files: list[Path], pass_fds: tuple[int, ...], streams: tuple[Any, Any, Any]) -> ForkedProcess:
    """Have ``forker`` fork the program of ``request`` (module, args, env, cwd, uid, limits) into
    the sandbox whose process ``sandbox_pid`` runs, joining ``procs_files``."""
    opened: list[int] = []
    sent: list[tuple[str, int]] = []

    def open_for(role: str, path: str | Path, flags: int) -> None:
        opened.append(os.open(path, flags | os.O_CLOEXEC))
        sent.append((role, opened[-1]))

    try:
        for name in NAMESPACES:
            open_for(f"ns:{name}", f"/proc/{sandbox_pid}/ns/{name}", os.O_RDONLY)
        open_for("root", f"/proc/{sandbox_pid}/root", os.O_RDONLY | os.O_DIRECTORY)
        for procs in procs_files:
            open_for("cgroup.procs", procs, os.O_WRONLY)
        theirs, ours, to_close = _streams(*streams)
        opened += to_close
        sent += [(f"to:{number}", fd) for number, fd in theirs.items()]
        sent += [(f"to:{fd}", fd) for fd in pass_fds]
        status, their_status = socket.socketpair()
        opened.append(their_status.detach())
        sent.append(("status", opened[-1]))
        forker.send({**request, "fds": [role for role, _ in sent]}, [fd for _, fd in sent])
    finally:
        for fd in opened:
            os.close(fd)
    return ForkedProcess(placeholder, status, ours)
