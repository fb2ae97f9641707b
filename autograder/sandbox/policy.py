"""What a grading sandbox allows: resource limits and which paths student code may see."""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """``"4G"`` -> 4294967296; accepts plain bytes and K/M/G/T suffixes (optionally with ``iB``)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*", text)
    if not match:
        raise ValueError(f"not a size: {text!r} (use e.g. 512M or 4G)")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


@dataclass(frozen=True)
class SandboxPolicy:
    """Limits for one sandbox and everything it starts.

    Attributes:
        memory_bytes: memory of the whole sandbox: its control group's limit (every page it
            owns, shared memory and memory-backed files included) where control groups can be
            used (see :mod:`.cgroup`), and the data-segment limit of each process (RLIMIT_DATA).
            Without control groups only RLIMIT_DATA holds: ``memfd_create`` pages are then bounded
            by ``max_file_bytes`` per file and ``max_open_files`` files, ``/dev/shm`` by ``shm_bytes``.
        max_processes: processes and threads of the sandbox's user (RLIMIT_NPROC).
        max_file_bytes: largest file it may write (RLIMIT_FSIZE).
        cpu_seconds: CPU time per process (RLIMIT_CPU).
        max_open_files: file descriptors per process (RLIMIT_NOFILE).
        scratch_bytes: size of the sandbox's own empty ``/tmp`` (memory-backed).
        work_bytes: size of its working folder (memory-backed).
        shm_bytes: size of its own ``/dev/shm`` (memory-backed).
        use_cgroup: put it in a control group of its own where possible.
        network: allow network access (never for grading; for diagnosis only).
    """

    memory_bytes: int = 4 * 1024**3
    max_processes: int = 256
    max_file_bytes: int = 256 * 1024**2
    cpu_seconds: int = 1800
    max_open_files: int = 1024
    scratch_bytes: int = 512 * 1024**2
    work_bytes: int = 256 * 1024**2
    shm_bytes: int = 64 * 1024**2
    use_cgroup: bool = True
    network: bool = False

    def limits(self) -> dict[str, int]:
        """The rlimits of this policy, by the names :mod:`autograder.sandbox.limits` knows."""
        return {"memory": self.memory_bytes, "processes": self.max_processes, "file_size": self.max_file_bytes,
                "cpu": self.cpu_seconds, "open_files": self.max_open_files, "core": 0}

    def limit_arguments(self) -> list[str]:
        """Arguments of ``python -m autograder.sandbox.limits`` for this policy."""
        return [f"--{name.replace('_', '-')}={value}" for name, value in self.limits().items()]
