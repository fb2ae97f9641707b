"""Where student code runs during grading: a bubblewrap sandbox with resource limits.

* :mod:`.policy`: what a sandbox allows (memory, processes, file size, CPU time, paths).
* :mod:`.bwrap`: the ``bwrap`` command line for a policy, and whether bubblewrap works here.
* :mod:`.limits`: ``python -m autograder.sandbox.limits``: applies rlimits, then runs the kernel.
* :mod:`.kernelspec`: a Jupyter kernelspec whose kernel starts inside the sandbox.
"""

from .bwrap import SandboxUnavailable, check_available, sandbox_command
from .policy import SandboxPolicy

__all__ = ["SandboxPolicy", "SandboxUnavailable", "check_available", "sandbox_command"]
