"""Time a Jupyter kernel's start and code run in it, plain or in the grader's sandbox.

:func:`time_kernel` starts a kernel with ``jupyter_client`` (until it answers ``kernel_info``),
then runs each snippet and times it from the client's side, as nbgrader sees it.
:func:`sandbox_kernelspec` writes a kernelspec whose kernel starts in the grader's kernel sandbox
(the same view, limits and environment as a graded kernel) so that its start can be timed too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

from autograder.sandbox import sandbox_command
from autograder.sandbox.policy import SandboxPolicy
from autograder.sandbox.views import environment, student_view

from .timing import timed

IMPORT_TORCH = "import torch"

# The end-to-end check's work in a student's kernel: d2l's softmax regression on the course
# loader's batches (256), lr 0.1, {epochs} epochs, with the kernel's own thread settings.
RETRAIN = """
from studentkit.data import load_data_fashion_mnist
train_iter, test_iter = load_data_fashion_mnist(256)
W = torch.normal(0, 0.01, size=(784, 10), requires_grad=True)
b = torch.zeros(10, requires_grad=True)
def net(X):
    O = X.reshape(-1, 784) @ W + b
    E = torch.exp(O - O.max(dim=1, keepdim=True).values)
    return E / E.sum(dim=1, keepdim=True)
for epoch in range({epochs}):
    for X, y in train_iter:
        loss = -torch.log(net(X)[range(len(y)), y]).sum()
        loss.backward()
        with torch.no_grad():
            for p in (W, b):
                p -= 0.1 * p.grad / len(y)
                p.grad.zero_()
    correct = sum(float((net(X).argmax(dim=1) == y).sum()) for X, y in test_iter)
"""


def retrain_code(epochs: int) -> str:
    """The retraining snippet for ``epochs`` epochs."""
    return RETRAIN.replace("{epochs}", str(epochs))


class KernelError(RuntimeError):
    """A snippet failed in the kernel (the message holds the error name and value)."""


def time_kernel(snippets: list[str], *, kernel_name: str = "python3", kernel_dirs: list[Path] | None = None,
                runtime: Path | None = None, timeout: float = 600.0) -> list[float]:
    """Seconds to start the kernel, then seconds of each snippet; the kernel is shut down after.

    Args:
        snippets: code run one after the other (each must succeed).
        kernel_name, kernel_dirs: which kernelspec (``kernel_dirs``: folders holding kernelspecs).
        runtime: if given, the kernel works in this folder (its current directory, where a sandboxed
            kernel may write) and talks over Unix sockets there (a sandbox has no network).
    """
    options: dict[str, object] = {"kernel_name": kernel_name}
    if kernel_dirs:
        options["kernel_spec_manager"] = KernelSpecManager(kernel_dirs=[str(d) for d in kernel_dirs])
    if runtime is not None:
        options.update(transport="ipc", ip=str(runtime / "kernel"), connection_file=str(runtime / "kernel.json"))
    manager = KernelManager(**options)

    def start() -> object:
        where = {"cwd": str(runtime)} if runtime is not None else {}
        manager.start_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **where)
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=timeout)
        return client

    try:
        start_s, client = timed(start)
        times = [start_s]
        for code in snippets:
            seconds, reply = timed(lambda code=code: client.execute_interactive(code, timeout=timeout,
                                                                                 output_hook=lambda msg: None))
            if reply["content"]["status"] != "ok":
                raise KernelError(f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}")
            times.append(seconds)
        client.stop_channels()
        return times
    finally:
        manager.shutdown_kernel(now=True)


SANDBOX_KERNEL = "course-sandbox"


def sandbox_kernelspec(folder: Path) -> tuple[list[Path], Path]:
    """Write a sandboxed kernelspec under ``folder``; returns (kernel dirs, runtime folder).

    The kernel sees what a graded kernel sees; it also writes to the runtime folder, where it
    talks to the client over Unix sockets (this benchmark's client runs outside any sandbox).
    """
    runtime = folder / "runtime"
    runtime.mkdir(parents=True)
    policy = SandboxPolicy()
    mounts = student_view([folder], policy.scratch_bytes, policy.work_bytes)
    mounts.writable.append(runtime)
    uid = 61000 if os.geteuid() == 0 else None
    if uid is not None:
        os.chown(runtime, uid, uid)
    kernel = [sys.executable, "-I", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    argv = sandbox_command(policy, mounts, kernel, uid, env=environment(), cwd=str(runtime))
    if uid is not None:  # the sandbox's user must read the connection file the client writes (mode 0600)
        argv = ["/bin/sh", "-c", f'chown {uid} "$0" && exec "$@"', "{connection_file}", *argv]
    spec = {"argv": argv,
            "display_name": "sandboxed", "language": "python", "interrupt_mode": "message"}
    (folder / "jupyter" / "kernels" / SANDBOX_KERNEL).mkdir(parents=True)
    (folder / "jupyter" / "kernels" / SANDBOX_KERNEL / "kernel.json").write_text(json.dumps(spec))
    return [folder / "jupyter" / "kernels"], runtime
