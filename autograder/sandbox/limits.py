"""``python -m autograder.sandbox.limits [LIMITS] [--uid=N] -- COMMAND ...``: set rlimits, then exec COMMAND.

Runs inside the sandbox, so the limits bind every process the student's code starts (a fork
bomb hits RLIMIT_NPROC, a memory bomb RLIMIT_DATA). With ``--uid`` (when the sandbox was started
by root) it then becomes that unprivileged user, for whom RLIMIT_NPROC is enforced.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys

LIMITS = {
    "memory": resource.RLIMIT_DATA,
    "processes": resource.RLIMIT_NPROC,
    "file_size": resource.RLIMIT_FSIZE,
    "cpu": resource.RLIMIT_CPU,
    "open_files": resource.RLIMIT_NOFILE,
    "core": resource.RLIMIT_CORE,
}


def parse(argv: list[str]) -> tuple[dict[str, int], list[str]]:
    """The limits given and the command after ``--``."""
    if "--" not in argv:
        raise SystemExit("usage: python -m autograder.sandbox.limits [--memory=BYTES ...] -- COMMAND ...")
    split = argv.index("--")
    parser = argparse.ArgumentParser(prog="autograder.sandbox.limits")
    for name in [*LIMITS, "uid"]:
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, dest=name)
    options = parser.parse_args(argv[:split])
    limits = {name: value for name, value in vars(options).items() if value is not None}
    return limits, argv[split + 1:]


def become(uid: int) -> None:
    """Drop every privilege: no supplementary groups, group and user ``uid`` (capabilities go too)."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def apply(limits: dict[str, int]) -> None:
    """Lower each soft and hard limit (never raises one above its current hard limit)."""
    for name, value in limits.items():
        kind = LIMITS[name]
        _, hard = resource.getrlimit(kind)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(kind, (value, value))


def main(argv: list[str] | None = None) -> None:
    limits, command = parse(sys.argv[1:] if argv is None else argv)
    if not command:
        raise SystemExit("autograder.sandbox.limits: no command given after --")
    uid = limits.pop("uid", None)
    apply(limits)
    if uid is not None:
        become(uid)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
