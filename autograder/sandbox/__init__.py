"""Where grading code and student code run: bubblewrap sandboxes with resource limits.

* :mod:`.policy`: what a sandbox allows (memory, processes, file size, CPU time, folder sizes).
* :mod:`.bwrap`: the ``bwrap`` command line (mounts, environment, namespaces), and whether it works here.
* :mod:`.cgroup`: a control group per sandbox (memory and process caps; a sure way to kill it).
* :mod:`.limits`: ``python -I limits.py``: applies rlimits and drops to the sandbox's user, inside.
* :mod:`.process`: starts one sandboxed program and keeps hold of it.
* :mod:`.forked`: warm starts: the program forked into its sandbox from a zygote of its kind.
* :mod:`.zygote`: ``python -I zygote.py``: the fork server itself (imports once, forks per program).
* :mod:`.views`: what the kernel, check, notebook and judge sandboxes see, and their environment.
* :mod:`.users`: a user id of its own for every sandbox.
"""

from .bwrap import SandboxUnavailable, check_available, sandbox_command
from .policy import SandboxPolicy

__all__ = ["SandboxPolicy", "SandboxUnavailable", "check_available", "sandbox_command"]
