"""What a command and everything it starts use: peak memory and CPU time, by sampling its tree.

A :class:`TreeSampler` thread walks the process tree every ``interval`` seconds and records

* the peak of the tree's summed resident set size (RSS: pages shared between processes, such as
  a forked worker's copy-on-write view of its parent, count once per process),
* the peak of the tree's summed proportional set size (PSS, ``/proc/PID/smaps_rollup``: shared
  pages divided among the processes sharing them, so the sum is the memory the tree really uses),
* each process's high-water mark (``VmHWM`` of ``/proc/PID/status``, monotone, so the last
  sample before a process exits is close to its true peak),
* each process's own CPU time (user + system), summed over every process seen.

Why sample rather than ask the kernel: ``ru_maxrss`` of ``wait4`` still counts the parent's
resident memory at the fork, so a large benchmark process inflates every child's figure; and
``RUSAGE_CHILDREN`` misses processes that are never waited for by their parent, such as a
graded notebook's kernel, killed with its bubblewrap sandbox. The kernel runs in the sandbox as
another user but stays a descendant, visible from here (as root, or as the same user without
the sandbox). A process that lives less than one interval may be missed.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import psutil


@dataclass
class TreeUsage:
    """What :func:`measure_command` saw.

    Attributes:
        seconds: wall-clock time of the command.
        returncode: its exit status.
        tree_rss, tree_pss: peaks of the summed RSS and PSS of the whole tree (bytes).
        cpu_s: CPU seconds (user + system) of every process of the tree.
        hwm_by_name: the largest high-water mark (bytes) of the processes of each name.
        processes: how many distinct processes were seen.
        output: the command's standard output and error.
    """

    seconds: float
    returncode: int
    tree_rss: int
    tree_pss: int
    cpu_s: float
    hwm_by_name: dict[str, int] = field(default_factory=dict)
    processes: int = 0
    output: str = ""

    @property
    def largest_hwm(self) -> tuple[int, str]:
        """The largest per-process high-water mark (bytes) and that process's name."""
        return max(((size, name) for name, size in self.hwm_by_name.items()), default=(0, "?"))


def _proc_field(pid: int, file: str, field_name: str) -> int:
    """A ``kB`` field of ``/proc/PID/<file>`` in bytes (0 if the process is gone or it is unreadable)."""
    try:
        with open(f"/proc/{pid}/{file}") as lines:
            for line in lines:
                if line.startswith(field_name):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


# A program forked warm from a zygote keeps the zygote's command line; its name (``comm``) says
# which program it became (see autograder.sandbox.zygote): labelled as the same program started cold.
WARM_PROGRAMS = {"check_run": "autograder.inside.check_run", "ipykernel_launc": "ipykernel_launcher",
                 "judge": "autograder.judge", "notebook_run": "autograder.inside.notebook_run"}


def process_label(argv: list[str], name: str = "") -> str:
    """A short name for a command line: the module it runs (``ipykernel_launcher``, ``nbgrader
    autograde``), else its script (``limits.py``), else its program (``bwrap``). A warm program
    (the zygote's command line, its own ``name``) is labelled as the module it runs."""
    if name in WARM_PROGRAMS and any(arg.endswith("zygote.py") for arg in argv[:3]):
        return WARM_PROGRAMS[name]
    if "-m" in argv[:-1]:
        module = argv[argv.index("-m") + 1:argv.index("-m") + 3]
        return " ".join(module) if module[0] in ("nbgrader", "autograder") else module[0]
    scripts = [arg for arg in argv[1:] if arg.endswith(".py")]
    if scripts:
        return os.path.basename(scripts[0])
    return os.path.basename(argv[0]) if argv else "?"


class TreeSampler(threading.Thread):
    """Samples the tree under ``root`` (a pid) until :meth:`stop`; then read the attributes.

    ``memory=False`` samples CPU only: reading each process's PSS (``smaps_rollup``) and
    high-water mark every tenth of a second costs a good part of a core in a busy tree, CPU
    taken from what is measured.
    """

    def __init__(self, root: int, interval: float = 0.1, memory: bool = True) -> None:
        super().__init__(daemon=True)
        self.root, self.interval, self.memory = psutil.Process(root), interval, memory
        self._stop_event = threading.Event()
        self.tree_rss, self.tree_pss = 0, 0
        self.hwm: dict[tuple[int, float], int] = {}
        self.cpu: dict[tuple[int, float], float] = {}
        self.labels: dict[tuple[int, float], str] = {}

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        """Stop sampling and wait for the thread."""
        self._stop_event.set()
        self.join()

    def sample(self) -> None:
        """One walk over the tree."""
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        rss, pss = 0, 0
        for process in processes:
            try:
                key = (process.pid, process.create_time())
                rss += process.memory_info().rss
                times = process.cpu_times()
                argv, name = process.cmdline(), process.name()  # argv is empty once the process is a zombie
            except psutil.Error:
                continue
            if argv:
                self.labels[key] = process_label(argv, name)  # the latest: after any exec or rename
            self.cpu[key] = max(self.cpu.get(key, 0.0), times.user + times.system)
            if self.memory:
                pss += _proc_field(process.pid, "smaps_rollup", "Pss:")
                self.hwm[key] = max(self.hwm.get(key, 0), _proc_field(process.pid, "status", "VmHWM:"))
        self.tree_rss, self.tree_pss = max(self.tree_rss, rss), max(self.tree_pss, pss)

    @property
    def cpu_s(self) -> float:
        """CPU seconds of every process seen (each process's own, not its children's)."""
        return sum(self.cpu.values())

    def hwm_by_name(self) -> dict[str, int]:
        """The largest high-water mark of the processes of each name."""
        by_name: dict[str, int] = {}
        for key, size in self.hwm.items():
            label = self.labels.get(key, "?")
            by_name[label] = max(by_name.get(label, 0), size)
        return by_name

    def cpu_by_name(self) -> dict[str, float]:
        """CPU seconds of the processes of each name, summed (as sampled: a process's last
        tenth of a second may be missed)."""
        by_name: dict[str, float] = {}
        for key, cpu in self.cpu.items():
            label = self.labels.get(key, "?")
            by_name[label] = by_name.get(label, 0.0) + cpu
        return by_name


def measure_command(command: Sequence[str], *, cwd: str | None = None, env: dict[str, str] | None = None,
                    interval: float = 0.1, memory: bool = True) -> TreeUsage:
    """Run ``command`` to completion while sampling its process tree; see :class:`TreeUsage`."""
    start = time.perf_counter()
    process = subprocess.Popen(list(command), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sampler = TreeSampler(process.pid, interval, memory)
    sampler.start()
    output = process.stdout.read().decode(errors="replace") if process.stdout else ""
    process.wait()
    seconds = time.perf_counter() - start
    sampler.stop()
    return TreeUsage(seconds, process.returncode, sampler.tree_rss, sampler.tree_pss, sampler.cpu_s,
                     sampler.hwm_by_name(), len(sampler.cpu), output)
