"""A started sandbox: its program, its control group, and a sure way to kill all of it.

:func:`~.process.start` returns a :class:`Sandboxed`; :func:`kill_all` kills every sandbox this
process has started and not closed (on an interrupt). The program is a :class:`subprocess.Popen`
of bubblewrap, or for a warm start a :class:`~.forked.ForkedProcess` whose sandbox is held open
by a placeholder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from typing import IO

from . import cgroup
from .forked import ForkedProcess

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

    def __init__(self, process: subprocess.Popen | ForkedProcess, group: cgroup.ResourceGroup | None,
                 info: IO[bytes] | None) -> None:
        self.process, self.group, self._info = process, group, info
        self._placeholder: subprocess.Popen | None = None
        self._child_pid: int | None = None
        self._peak: int | None = None
        self._oom_kills = 0
        self._closed = False
        with _live_lock:
            _live.add(self)

    def adopt(self, program: ForkedProcess) -> None:
        """Hold ``program``, forked into this sandbox, as its program; the placeholder that holds the
        sandbox open (the process so far) is killed and reaped with it."""
        self._placeholder, self.process = self.process, program  # type: ignore[assignment]

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
        for process in (self.process, self._placeholder):
            try:
                if process is not None:
                    process.wait(timeout=10)
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
