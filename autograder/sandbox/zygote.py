"""``python -I zygote.py --control-fd N --preload MODULE,... --allow PATHS``: a fork server for sandboxed programs.

The grader starts one zygote per kind of sandbox (see :mod:`.forked`), as root, with a clean
environment and nothing but its control socket (fd 3). It imports the heavy modules of that kind
once (torch, nbgrader, ipykernel) and then waits. For each program the grader wants to run it
receives one request on the control socket: the module (or code) to run as ``python -I -m``
(``-c``) would, its arguments, environment, working folder, user id and rlimits, and as file descriptors the
namespaces and root of a sandbox that bubblewrap has already built, the control-group files to
join, the program's standard streams and a status socket. It then forks twice:

* the **supervisor** (root, outside the sandbox) joins the sandbox's process namespace for its
  children, forks the worker, waits for it and writes its exit status on the status socket;
* the **worker** starts a session, joins the control groups and the sandbox's other namespaces,
  takes the sandbox's root, keeps only its own descriptors, lowers its rlimits, becomes the
  sandbox's user (no capabilities left), forbids new privileges, takes the sandbox's environment
  and runs the module as ``__main__``.

The zygote never reads anything a sandbox wrote: requests come only from the grader, over a
socket pair no sandbox holds. It exits when the grader closes its end. Run by path, stdlib only,
so that the worker holds no module the sandbox could not load itself besides the preloaded ones.
"""

from __future__ import annotations

import argparse
import atexit
import builtins
import ctypes
import fcntl
import gc
import importlib
import importlib.util
import json
import os
import runpy
import signal
import socket
import sys
import threading
import traceback
import types
from pathlib import Path

MAX_REQUEST_BYTES = 256 * 1024
MAX_FDS = 32
HIGH_FD = 256
NAMESPACES = {"cgroup": 0x02000000, "ipc": 0x08000000, "uts": 0x04000000, "net": 0x40000000, "mnt": 0x00020000}
CLONE_NEWPID = 0x20000000
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38
PR_SET_NAME = 15
ENTER_FAILED = 125

_libc = ctypes.CDLL(None, use_errno=True)


def _load_limits():  # noqa: ANN202 - the module beside this file (stdlib only, like this one)
    spec = importlib.util.spec_from_file_location("_sandbox_limits", Path(__file__).with_name("limits.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


limits = _load_limits()


def _call(name: str, *args: int) -> None:
    if getattr(_libc, name)(*args) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{name}: {os.strerror(error)}")


def _by_role(request: dict, fds: list[int]) -> dict[str, list[int]]:
    """The descriptors received, by the role the grader gave each (``ns:mnt``, ``to:1``, ...)."""
    roles = request["fds"]
    if len(roles) != len(fds):
        raise ValueError(f"{len(fds)} descriptors for {len(roles)} roles")
    found: dict[str, list[int]] = {}
    for role, fd in zip(roles, fds):
        found.setdefault(str(role), []).append(fd)
    return found


def _lift(fds: list[int], floor: int) -> list[int]:
    """Move ``fds`` to ``floor`` and above, clear of the numbers the program's own descriptors take."""
    lifted = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, floor) for fd in fds]
    for fd in fds:
        os.close(fd)
    return lifted


def _place(targets: dict[int, int], keep: set[int]) -> None:
    """Put each descriptor at its number (inheritable), close every other one but ``keep``."""
    for number, fd in targets.items():
        os.dup2(fd, number, inheritable=True)
    wanted = set(targets) | keep
    for fd in [int(name) for name in os.listdir("/proc/self/fd")]:
        if fd not in wanted:
            try:
                os.close(fd)
            except OSError:
                pass


def _enter(request: dict, roles: dict[str, list[int]]) -> None:
    """In the worker (root, in the sandbox's process namespace): become the sandboxed program."""
    preloaded = _data_size()
    os.setsid()
    _call("prctl", PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    held = {fd for role, fds in roles.items() if not role.startswith("to:") for fd in fds}
    _place({int(role[3:]): fds[0] for role, fds in roles.items() if role.startswith("to:")}, keep=held)
    for procs in roles.get("cgroup.procs", []):
        os.write(procs, b"0")
    for name, flag in NAMESPACES.items():
        _call("setns", roles[f"ns:{name}"][0], flag)
    os.fchdir(roles["root"][0])
    os.chroot(".")
    os.chdir(request["cwd"])
    for fd in held:
        os.close(fd)
    _rename(request)
    wanted = {str(name): int(value) for name, value in request["limits"].items()}
    if "memory" in wanted:  # the budget is for what the program allocates, as its control group's is
        wanted["memory"] += preloaded
    limits.apply(wanted)
    if request.get("uid") is not None:
        limits.become(int(request["uid"]))
    _call("prctl", PR_SET_DUMPABLE, 1, 0, 0, 0)  # as after an exec: its own /proc files are its own
    _call("prctl", PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in request["env"].items()})
    _reseed()


def _data_size() -> int:
    """This process's data segment (``VmData``, what RLIMIT_DATA counts) in bytes: after a fork,
    the zygote's preloads."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmData:"):
            return int(line.split()[1]) * 1024
    return 0


def _reseed() -> None:
    """Draw fresh seeds where a new process would (Python's ``random`` and NumPy's global generator
    seed themselves from the system when imported; torch's starts from a fixed seed anyway)."""
    if "random" in sys.modules:
        sys.modules["random"].seed()
    if "numpy.random" in sys.modules:
        sys.modules["numpy.random"].seed()


def _rename(request: dict) -> None:
    """Name the process after its module (``check_run``, ``judge``) where ``ps`` and ``top`` show
    its name; its command line stays the zygote's (changing it needs CAP_SYS_RESOURCE)."""
    if "module" in request:
        name = str(request["module"]).rsplit(".", 1)[-1].encode()[:15]
        _libc.prctl(PR_SET_NAME, ctypes.c_char_p(name), 0, 0, 0)


def _supervise(request: dict, fds: list[int]) -> dict | None:
    """In the supervisor: fork the worker into the sandbox, report its exit status. Returns the
    request in the worker (which then runs it); the supervisor itself never returns."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    status = -ENTER_FAILED
    targets = [int(str(role)[3:]) for role in request["fds"] if str(role).startswith("to:")]
    roles = _by_role(request, _lift(fds, max([HIGH_FD - 1, *targets]) + 1))
    report = roles["status"][0]
    try:
        _call("setns", roles["ns:pid"][0], CLONE_NEWPID)
        worker = os.fork()
        if worker == 0:
            try:
                _enter(request, roles)
            except BaseException as error:  # noqa: BLE001 - the sandbox's stderr says why, then exit
                os.write(2, f"the sandbox could not be entered: {type(error).__name__}: {error}\n".encode())
                os._exit(ENTER_FAILED)
            return request
        for fds_of_role in roles.values():
            for fd in fds_of_role:
                if fd != report:
                    os.close(fd)
        status = os.waitstatus_to_exitcode(os.waitpid(worker, 0)[1])
    except BaseException:  # noqa: BLE001 - the grader hears a failed start
        traceback.print_exc()
    try:
        os.write(report, f"exit {status}\n".encode())
    finally:
        os._exit(0)


def serve(control: socket.socket) -> dict | None:
    """Fork a supervisor per request until the grader hangs up; the worker gets its request back."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # supervisors are reaped by the kernel
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, MAX_REQUEST_BYTES, MAX_FDS)
        except InterruptedError:
            continue
        if not data:
            return None
        if os.fork() == 0:
            control.close()
            return _supervise(json.loads(data), fds)
        for fd in fds:
            os.close(fd)


def _outside(allowed: list[str]) -> list[str]:
    """Loaded modules whose file lies outside every ``allowed`` folder or file."""
    roots = [os.path.realpath(path) for path in allowed if path]
    found = []
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and os.path.isabs(path) and path != __file__:
            real = os.path.realpath(path)
            if not any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots):
                found.append(f"{name} ({real})")
    return found


def _preload(modules: list[str], allowed: list[str]) -> None:
    """Import ``modules``; refuse to serve if one came from outside ``allowed`` or left a thread."""
    for name in modules:
        importlib.import_module(name)
    if outside := _outside(allowed):
        raise SystemExit(f"zygote: modules from outside the sandbox's view: {', '.join(outside[:5])}")
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:
        raise SystemExit(f"zygote: {threads} threads after preloading {modules}; forking would lose them")
    gc.freeze()  # the collector of a forked program leaves the preloaded objects (and their pages) alone


def main() -> None:
    parser = argparse.ArgumentParser(prog="autograder.sandbox.zygote")
    parser.add_argument("--control-fd", type=int, required=True, help="the socket requests come on")
    parser.add_argument("--preload", default="", help="comma-separated modules to import once")
    parser.add_argument("--allow", default="", help="os.pathsep-separated places the modules may come from")
    options = parser.parse_args()
    _preload([name for name in options.preload.split(",") if name], options.allow.split(os.pathsep))
    control = socket.socket(fileno=options.control_fd)
    os.write(1, b"ready\n")
    request = serve(control)
    if request is None:
        return
    os._exit(_run(request))


def _run_code(code: str) -> None:
    """What ``python -c CODE`` does: run ``CODE`` as a fresh ``__main__`` module."""
    main_module = types.ModuleType("__main__")
    main_module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = main_module
    exec(compile(code, "<string>", "exec"), main_module.__dict__)  # noqa: S102 - the program asked for


def _run(request: dict) -> int:
    """Run the module (``python -m``) or code (``python -c``) of ``request``, then end as the
    interpreter does (threads joined, ``atexit`` run, streams flushed) without tearing down the
    preloaded modules; the exit status."""
    args = [str(arg) for arg in request["args"]]
    try:
        if "code" in request:
            sys.argv = ["-c", *args]
            _run_code(str(request["code"]))
        else:
            sys.argv = [str(request["module"]), *args]
            runpy.run_module(str(request["module"]), run_name="__main__", alter_sys=True)
        status = 0
    except SystemExit as stop:
        status = _exit_code(stop.code)
    except BaseException:  # noqa: BLE001 - what the interpreter does with an uncaught error
        traceback.print_exc()
        status = 1
    threading._shutdown()  # type: ignore[attr-defined] - the interpreter's own wait for threads
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    return status


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    main()
