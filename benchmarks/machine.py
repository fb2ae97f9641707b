"""The machine the numbers came from: CPU model, cores, memory, torch version, date, load."""

from __future__ import annotations

import os
import platform
from datetime import datetime
from pathlib import Path

import torch

from .report import Table

DEFAULT_TORCH_THREADS = torch.get_num_threads()
"""torch's own thread count in a fresh process (read before the runner changes it)."""


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The ``model name`` of the first CPU in ``/proc/cpuinfo`` (or :func:`platform.processor`)."""
    try:
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_bytes(meminfo: Path = Path("/proc/meminfo")) -> int:
    """Total RAM in bytes from ``/proc/meminfo`` (0 if unknown)."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def accelerator() -> str:
    """The CUDA device's name, or ``"none"`` (this build of torch may have CUDA without a GPU)."""
    if torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} (CUDA {torch.version.cuda})"
    return "none"


def one_line(threads: int) -> str:
    """The machine in one line, for each section of ``BENCHMARKS.md``."""
    torch_threads = threads if threads > 0 else DEFAULT_TORCH_THREADS
    return (f"{cpu_model()}, {os.cpu_count()} cores, {memory_bytes() / 2**30:.0f} GiB RAM, GPU: {accelerator()}, "
            f"torch {torch.__version__} ({torch_threads} thread(s) in benchmark processes)")


def describe(threads: int) -> Table:
    """A two-column table describing this machine now."""
    table = Table("Machine", ["what", "value"])
    table.add("CPU", cpu_model())
    table.add("cores (os.cpu_count)", os.cpu_count())
    table.add("RAM", f"{memory_bytes() / 2**30:.1f} GiB")
    table.add("GPU", accelerator())
    table.add("OS", f"{platform.system()} {platform.release()}")
    table.add("Python", platform.python_version())
    table.add("torch", torch.__version__)
    default = f"torch's default ({DEFAULT_TORCH_THREADS})"
    table.add("torch threads in benchmark processes", threads if threads > 0 else default)
    table.add("load average (1, 5, 15 min)", ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    table.add("date", datetime.now().astimezone().isoformat(timespec="seconds"))
    return table
