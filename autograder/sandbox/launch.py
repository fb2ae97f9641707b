"""``python -m autograder.sandbox.launch SETTINGS CONNECTION_FILE``: start an ipykernel in the sandbox.

Runs outside the sandbox as the grader (the kernelspec's first command). It lets the sandbox's
user read the connection file, then replaces itself with setpriv/bwrap/limits/ipykernel.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from .bwrap import Mounts, sandbox_command
from .policy import SandboxPolicy


def main(argv: list[str] | None = None) -> None:
    settings_path, connection_file = (sys.argv[1:] if argv is None else argv)[:2]
    settings = json.loads(Path(settings_path).read_text())
    policy = SandboxPolicy(**settings["policy"])
    mounts = Mounts(**{key: [Path(p) for p in value] for key, value in settings["mounts"].items()})
    uid = settings["uid"]
    if uid is not None and os.geteuid() == 0:
        # The sandbox's user must read the connection file and write to its working copy.
        for path in [Path(connection_file), *mounts.writable]:
            os.chown(path, uid, uid)
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file]
    command = sandbox_command(policy, mounts, kernel, uid=uid)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
