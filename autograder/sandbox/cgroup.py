"""Control groups: a memory and process cap on everything a sandbox starts, and a sure way to kill it.

RLIMIT_DATA does not count ``memfd_create`` or ``/dev/shm`` pages; a control group's memory limit
counts every page its processes own (anonymous, shared memory, tmpfs files they wrote). Each
sandbox gets a group of its own, created under the grader's own group:

* **cgroup v2** (one unified hierarchy): ``memory.max``, ``memory.swap.max`` and ``pids.max`` in a
  child of the grader's group, used when the ``memory`` controller can be enabled there;
* **cgroup v1** (a hierarchy per controller, as on this project's CI machines):
  ``memory.limit_in_bytes`` (and ``memory.memsw.limit_in_bytes``) and ``pids.max``;
* neither writable (no root, a read-only cgroupfs): :func:`create` returns None and the sandbox
  relies on rlimits alone (see :mod:`.policy` for what that leaves open).

A process joins a group by writing its pid into ``cgroup.procs`` before it execs the sandbox
(:meth:`ResourceGroup.enter_prefix`); its children inherit the group.
"""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_counter = itertools.count()
_created: set[str] = set()  # folder names of this process's groups not yet removed
_created_lock = threading.Lock()


@dataclass(frozen=True)
class Hierarchy:
    """Where new groups are made: ``memory`` and ``pids`` folders (the same folder on v2)."""

    version: int
    memory: Path
    pids: Path | None


@dataclass
class ResourceGroup:
    """One sandbox's group: its folders (one per hierarchy) and the files that report on it."""

    version: int
    folders: list[Path]

    @property
    def memory_folder(self) -> Path:
        return self.folders[0]

    def procs_files(self) -> list[Path]:
        return [folder / "cgroup.procs" for folder in self.folders]

    def enter_prefix(self) -> list[str]:
        """A command prefix that moves itself into the group, then execs the rest of the command."""
        script = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'
        return ["/bin/sh", "-c", script, "sh", *map(str, self.procs_files()), "--"]

    def pids(self) -> list[int]:
        found: set[int] = set()
        for procs in self.procs_files():
            try:
                found.update(int(line) for line in procs.read_text().split())
            except OSError:
                continue
        return sorted(found)

    def kill(self, wait_s: float = 5.0) -> bool:
        """SIGKILL every process in the group; True once the group is empty."""
        kill_file = self.memory_folder / "cgroup.kill"
        if self.version == 2 and kill_file.exists():
            _write(kill_file, "1")
        deadline = time.monotonic() + wait_s
        while pids := self.pids():
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def peak_memory(self) -> int | None:
        """Most bytes the group held at once (None where the kernel does not say)."""
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return int((self.memory_folder / name).read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def oom_kills(self) -> int:
        """How many processes the memory limit killed."""
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        try:
            fields = dict(line.split() for line in (self.memory_folder / name).read_text().splitlines())
            return int(fields.get("oom_kill", 0))
        except (OSError, ValueError):
            return 0

    def remove(self, patience_s: float = 5.0) -> bool:
        """Kill what is left and delete the group's folders (never raises); False if one stays."""
        self.kill()
        removed = all([_rmdir(folder, patience_s) for folder in self.folders])
        if removed:
            with _created_lock:
                _created.difference_update(folder.name for folder in self.folders)
        return removed


def _rmdir(folder: Path, patience_s: float) -> bool:
    """Delete an empty group folder, waiting for the kernel to let go of exited processes (EBUSY)."""
    deadline, pause = time.monotonic() + patience_s, 0.01
    while True:
        try:
            folder.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError:
            if time.monotonic() > deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.25)


def sweep(patience_s: float = 10.0) -> list[str]:
    """Delete leftover groups of this machine whose creator has exited, and this process's own groups
    that no sandbox holds any more; the names of those that stay (still populated)."""
    found = hierarchy()
    if found is None:
        return []
    with _created_lock:
        in_use = set(_created)
    stayed = []
    for parent in {found.memory, *([found.pids] if found.pids else [])}:
        for folder in parent.glob("autograder-*-*-*-*"):
            creator = _creator(folder.name)
            if creator is None or folder.name in in_use or not _left_by(creator):
                continue
            if not _rmdir(folder, patience_s):
                stayed.append(folder.name)
    return sorted(stayed)


def _pid_namespace() -> str:
    """``ns<inode>``: this process's pid namespace, so that a pid in a group's name is judged only
    where it means the same process (control-group hierarchies can be shared beyond a namespace)."""
    try:
        return f"ns{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        return "ns0"


def leaf_name(pid: int, number: int, label: str) -> str:
    """A group's name: ``autograder-ns<inode>-<pid>-<n>-<label>`` (creator's pid namespace and pid)."""
    return f"autograder-{_pid_namespace()}-{pid}-{number}-{label}"


def _creator(name: str) -> int | None:
    """The creator's pid in a group's name (see :func:`leaf_name`) when it was made in this pid
    namespace; None for other names and other namespaces (whose pids cannot be judged here)."""
    parts = name.split("-")
    if len(parts) < 5 or parts[1] != _pid_namespace() or not (parts[2].isdigit() and parts[3].isdigit()):
        return None
    return int(parts[2])


def _left_by(pid: int) -> bool:
    """True if a group made by ``pid`` is a leftover: that process has exited, or it is this process."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _write(path: Path, text: str) -> bool:
    try:
        path.write_text(text)
        return True
    except OSError:
        return False


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """(mount point, root inside the hierarchy, filesystem type, super options) of cgroup mounts."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        separator = fields.index("-")
        fstype, options = fields[separator + 1], set(fields[separator + 3].split(","))
        if fstype in ("cgroup", "cgroup2"):
            found.append((fields[4], fields[3], fstype, options))
    return found


def _own_groups() -> dict[str, str]:
    """This process's group path per controller (``""`` is the v2 hierarchy)."""
    groups = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            groups[controller] = path
    return groups


def _folder(mount: str, root: str, path: str) -> Path:
    relative = os.path.relpath(path, root) if root != "/" else path.lstrip("/")
    return Path(mount) / ("" if relative == "." else relative)


def _writable(folder: Path) -> bool:
    probe = folder / f"autograder-probe-{os.getpid()}-{next(_counter)}"
    try:
        probe.mkdir()
    except OSError:
        return False
    probe.rmdir()
    return True


def _v2(mounts: list[tuple[str, str, str, set[str]]], groups: dict[str, str]) -> Hierarchy | None:
    for mount, root, fstype, _ in mounts:
        if fstype != "cgroup2" or "" not in groups:
            continue
        folder = _folder(mount, root, groups[""])
        try:
            enabled = (folder / "cgroup.subtree_control").read_text().split()
        except OSError:
            continue
        if "memory" not in enabled:
            _write(folder / "cgroup.subtree_control", "+memory +pids")
            enabled = (folder / "cgroup.subtree_control").read_text().split()
        if "memory" in enabled and _writable(folder):
            return Hierarchy(2, folder, folder if "pids" in enabled else None)
    return None


def _v1(mounts: list[tuple[str, str, str, set[str]]], groups: dict[str, str]) -> Hierarchy | None:
    folders: dict[str, Path] = {}
    for mount, root, fstype, options in mounts:
        for controller in ("memory", "pids"):
            if fstype == "cgroup" and controller in options and controller in groups:
                folder = _folder(mount, root, groups[controller])
                if _writable(folder):
                    folders[controller] = folder
    if "memory" not in folders:
        return None
    return Hierarchy(1, folders["memory"], folders.get("pids"))


@lru_cache(maxsize=1)
def hierarchy() -> Hierarchy | None:
    """The hierarchy new groups go in: v2 with the memory controller, else v1, else None."""
    if os.environ.get("AUTOGRADER_CGROUPS", "").lower() in ("0", "off", "no"):
        return None
    try:
        mounts, groups = _mounts(), _own_groups()
    except (OSError, ValueError):
        return None
    return _v2(mounts, groups) or _v1(mounts, groups)


def create(name: str, memory_bytes: int, max_processes: int) -> ResourceGroup | None:
    """A new group capped at ``memory_bytes`` (swap included) and ``max_processes``; None where
    control groups cannot be used here."""
    found = hierarchy()
    if found is None:
        return None
    leaf = leaf_name(os.getpid(), next(_counter), name)
    folders = [found.memory / leaf] + ([found.pids / leaf] if found.pids and found.pids != found.memory else [])
    with _created_lock:
        _created.add(leaf)
    for folder in folders:
        folder.mkdir()
    group = ResourceGroup(found.version, folders)
    memory = group.memory_folder
    if found.version == 2:
        ok = _write(memory / "memory.max", str(memory_bytes))
        _write(memory / "memory.swap.max", "0")
        if found.pids:
            _write(memory / "pids.max", str(max_processes))
    else:
        ok = _write(memory / "memory.limit_in_bytes", str(memory_bytes))
        _write(memory / "memory.memsw.limit_in_bytes", str(memory_bytes))
        if found.pids:
            _write(folders[-1] / "pids.max", str(max_processes))
    if not ok:
        group.remove()
        raise OSError(f"cannot set the memory limit of control group {memory}")
    return group
