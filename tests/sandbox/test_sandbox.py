"""The bubblewrap sandbox on its own: what student code can see, write, reach, use and leave behind.

Every test runs twice: with the program started cold (``python -I -c`` in the sandbox) and forked
warm from a zygote into the same sandbox (:mod:`autograder.sandbox.forked`). What a program can
see, write, reach, use and leave behind must not depend on how it was started. The zygote here
preloads nothing, so that the memory limits bind as tightly as for a cold ``python -c``: a
zygote that preloads torch hands every program the ~800 MB data segment a cold program gets only
by importing torch (see ``test_warm.py`` for the grading zygotes)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.release import REPO_ROOT
from autograder.sandbox import SandboxPolicy, cgroup, check_available
from autograder.sandbox.process import Launch, start
from autograder.sandbox.forked import Warm
from autograder.sandbox.views import WORK, environment, student_view

UID = 61999
MiB = 1024**2
POLICY = SandboxPolicy(memory_bytes=512 * MiB, max_processes=40, max_file_bytes=8 * MiB, cpu_seconds=60,
                       work_bytes=32 * MiB, shm_bytes=16 * MiB, scratch_bytes=64 * MiB)


@pytest.fixture(params=["cold", "warm"], autouse=True)
def start_mode(request: pytest.FixtureRequest) -> str:
    """How this test's sandboxes start their program (see the module docstring)."""
    global WARM
    WARM = request.param == "warm"
    return request.param


WARM = False
BARE = Warm("bare", (), tuple(student_view([], 0, 0).readable))


def python_launch(code: str, policy: SandboxPolicy = POLICY, hidden: list[Path] | None = None) -> Launch:
    """``python -I -c code`` in a student sandbox, cold or warm as this test runs."""
    mounts = student_view(hidden or [], policy.scratch_bytes, policy.work_bytes)
    return Launch("test", [sys.executable, "-I", "-c", code], policy, mounts, environment(), UID, cwd=WORK,
                  warm=BARE if WARM else None)


def run_inside(code: str, hidden: list[Path] | None = None, policy: SandboxPolicy = POLICY,
               timeout: float = 120) -> tuple[subprocess.CompletedProcess[str], int | None]:
    """Run Python ``code`` in a student sandbox; its output and the peak memory of its control group."""
    sandboxed = start(python_launch(code, policy, hidden), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = sandboxed.process.communicate(timeout=timeout)
        peak = sandboxed.peak_memory()
    finally:
        sandboxed.close()
    return subprocess.CompletedProcess([], sandboxed.process.returncode, out.decode(), err.decode()), peak


def test_bubblewrap_is_available_here() -> None:
    check_available()


def test_this_machine_caps_memory_with_a_control_group() -> None:
    """CI runs as root with a writable cgroup hierarchy (v1 here): every sandbox gets its own group."""
    assert cgroup.hierarchy() is not None


def test_runs_as_an_unprivileged_user_in_a_private_working_folder() -> None:
    result, _ = run_inside("import os; open('answer.txt', 'w').write('42'); print(os.getuid(), os.getcwd(),"
                           " open('answer.txt').read())")
    assert result.stdout.split() == [str(UID), WORK, "42"], result.stderr


def test_private_files_are_invisible(tmp_path: Path) -> None:
    course = tmp_path / "course"
    (course / "submitted" / "bob").mkdir(parents=True)
    (course / "gradebook.db").write_text("secret")
    probes = [course / "gradebook.db", course / "submitted" / "bob", REPO_ROOT / "solutions",
              REPO_ROOT / "autograder" / "reference", REPO_ROOT / "autograder" / "checks", REPO_ROOT / "tests",
              Path.home() / ".bash_history", Path("/run/systemd")]
    code = ("import os, sys\nfor p in sys.argv[1:]:\n    print(p, os.path.exists(p))\n"
            "import autograder.probe, studentkit.testing\n"
            "try:\n    import autograder.reference\nexcept ImportError:\n    print('reference: hidden')\n")
    result, _ = run_inside(code.replace("sys.argv[1:]", repr([str(p) for p in probes])), hidden=[course],
                           policy=dataclasses.replace(POLICY, memory_bytes=4 * 1024**3))
    assert "reference: hidden" in result.stdout, result.stderr
    for probe in probes:
        assert f"{probe} False" in result.stdout


def test_the_graders_environment_does_not_reach_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSTRUCTOR_API_TOKEN", "tok-do-not-leak")
    code = ("import os\nprint(sorted(os.environ))\nfor pid in os.listdir('/proc'):\n    if pid.isdigit():\n"
            "        try:\n            print(open(f'/proc/{pid}/environ').read())\n        except OSError:\n            pass\n")
    result, _ = run_inside(code)
    assert "tok-do-not-leak" not in result.stdout + result.stderr
    assert "INSTRUCTOR_API_TOKEN" not in result.stdout
    assert "'HOME'" in result.stdout and "'PATH'" in result.stdout


def test_no_writes_outside_and_no_network(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    code = (f"import socket\ntry:\n    open({str(outside)!r}, 'w')\nexcept OSError as e:\n    print('write:', type(e).__name__)\n"
            "try:\n    open('/etc/hostname', 'a')\nexcept OSError as e:\n    print('etc:', type(e).__name__)\n"
            "try:\n    socket.create_connection(('127.0.0.1', 22), timeout=2)\nexcept OSError as e:\n"
            "    print('net:', type(e).__name__)\n"
            "open('/tmp/scratch', 'w').write('ok'); print('tmp: ok')\n")
    result, _ = run_inside(code)
    assert not outside.exists()
    assert "write:" in result.stdout and "etc:" in result.stdout and "tmp: ok" in result.stdout, result.stderr
    assert "net: ConnectionRefusedError" in result.stdout or "net: OSError" in result.stdout


def test_resource_limits_bind() -> None:
    code = ("import os\ntry:\n    x = bytearray(1024**3)\nexcept MemoryError:\n    print('memory: capped')\n"
            "children = 0\ntry:\n    for _ in range(200):\n        if os.fork() == 0:\n            import time; time.sleep(5); os._exit(0)\n"
            "        children += 1\nexcept OSError:\n    print('processes: capped at', children)\n"
            "try:\n    open('/tmp/big', 'wb').write(b'x' * 16 * 1024**2)\nexcept OSError:\n    print('file size: capped')\n")
    result, _ = run_inside(code)
    assert "memory: capped" in result.stdout, result.stderr
    assert "processes: capped at" in result.stdout
    assert int(result.stdout.split("capped at")[1].split()[0]) < POLICY.max_processes
    assert "file size: capped" in result.stdout


FILL = ("import os, sys\nwritten = 0\ntry:\n    with open(sys.argv[1], 'wb') as f:\n        for _ in range(4096):\n"
        "            f.write(b'x' * 2**20); f.flush(); written += 1\nexcept OSError as error:\n"
        "    print('stopped:', error.errno)\nprint('written MiB', written)\n")


@pytest.mark.parametrize("place", [f"{WORK}/fill", "/tmp/fill", "/dev/shm/fill"])
def test_every_writable_place_is_memory_backed_and_small(place: str) -> None:
    """A student cannot fill the host's disk: each writable folder is a tmpfs of bounded size
    (spread over many files, so the per-file limit is not what stops it)."""
    code = FILL.replace("with open(sys.argv[1], 'wb') as f:\n        for _ in range(4096):\n"
                        "            f.write(b'x' * 2**20); f.flush(); written += 1",
                        "for i in range(4096):\n        with open(sys.argv[1] + str(i), 'wb') as f:\n"
                        "            f.write(b'x' * 2**20); written += 1")
    result, _ = run_inside(code.replace("sys.argv[1]", repr(place)))
    written = int(result.stdout.split("written MiB")[1])
    limit = {WORK: POLICY.work_bytes, "/tmp": POLICY.scratch_bytes, "/dev/shm": POLICY.shm_bytes}[str(Path(place).parent)]
    assert "stopped: 28" in result.stdout, result.stdout + result.stderr  # ENOSPC
    assert written * MiB <= limit


MEMFD = ("import mmap, os\nheld = []\ntry:\n    for _ in range(24):\n        fd = os.memfd_create('x')\n"
         "        os.ftruncate(fd, 128 * 2**20)\n        m = mmap.mmap(fd, 128 * 2**20)\n        m.write(b'x' * (128 * 2**20))\n"
         "        held.append(m)\n        print('held MiB', 128 * len(held), flush=True)\nexcept OSError as error:\n"
         "    print('refused', error)\n")


def test_memory_outside_the_data_segment_is_capped_by_the_control_group() -> None:
    """memfd pages do not count against RLIMIT_DATA; the control group stops them at the limit."""
    result, peak = run_inside(MEMFD)
    held = [int(line.split()[-1]) for line in result.stdout.splitlines() if line.startswith("held MiB")]
    assert max(held, default=0) * MiB <= POLICY.memory_bytes
    assert "held MiB 3072" not in result.stdout
    assert peak is not None and peak <= POLICY.memory_bytes


def test_without_control_groups_rlimits_still_bound_shared_memory() -> None:
    """The documented fallback: no control group; a memfd is then capped at the file-size limit."""
    policy = dataclasses.replace(POLICY, use_cgroup=False)
    result, peak = run_inside(MEMFD, policy=policy)
    assert peak is None
    assert "refused" in result.stdout and "held MiB" not in result.stdout, result.stdout + result.stderr


def test_closing_a_sandbox_leaves_no_process_behind() -> None:
    code = "import os, time\nfor _ in range(5):\n    if os.fork() == 0:\n        os.setsid(); time.sleep(600)\ntime.sleep(600)\n"
    sandboxed = start(python_launch(code))
    assert sandboxed.wait(timeout=2) is None
    sandboxed.close()
    owners = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            uid = int(next(line for line in status.read_text().splitlines() if line.startswith("Uid:")).split()[1])
        except (OSError, StopIteration):
            continue
        owners.append(uid)
    assert UID not in owners


def test_the_sweep_removes_leftover_groups_and_spares_those_in_use() -> None:
    """A group whose creator exited is removed; a running sandbox's group, a live process's and one
    made in another pid namespace (whose pid means another process) stay."""
    found = cgroup.hierarchy()
    assert found is not None
    exited = subprocess.Popen(["true"])
    exited.wait()
    leftover, of_a_live_process = (found.memory / cgroup.leaf_name(exited.pid, 0, "left"),
                                   found.memory / cgroup.leaf_name(os.getppid(), 0, "live"))
    elsewhere = found.memory / f"autograder-ns1-{exited.pid}-0-elsewhere"
    leftover.mkdir(), of_a_live_process.mkdir(), elsewhere.mkdir()
    running = start(python_launch("import time; time.sleep(600)"))
    try:
        assert cgroup.sweep(patience_s=0) == []
        assert not leftover.exists() and of_a_live_process.exists() and elsewhere.exists()
        assert running.group is not None and all(folder.exists() for folder in running.group.folders)
        assert running.wait(timeout=0.5) is None
    finally:
        running.close()
        of_a_live_process.rmdir(), elsewhere.rmdir()
    assert not any(folder.exists() for folder in running.group.folders)


def test_the_check_process_may_not_start_processes_or_programs() -> None:
    code = ("from autograder.inside.seccomp import forbid_new_processes\nimport os, subprocess, threading\n"
            "forbid_new_processes()\nthreading.Thread(target=print, args=('thread: ok',)).start()\n"
            "for label, attempt in [('fork', os.fork), ('exec', lambda: os.execv('/bin/true', ['true'])),\n"
            "                       ('subprocess', lambda: subprocess.run(['true']))]:\n"
            "    try:\n        attempt()\n        print(label, 'ran')\n    except OSError as error:\n"
            "        print(label, 'refused', error.errno)\n")
    result, _ = run_inside(code)
    assert "thread: ok" in result.stdout, result.stderr
    for label in ("fork", "exec", "subprocess"):
        assert f"{label} refused 1" in result.stdout, result.stdout + result.stderr
