"""The bubblewrap sandbox on its own: what student code can see, write, reach and use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.release import REPO_ROOT
from autograder.sandbox import SandboxPolicy, check_available, sandbox_command
from autograder.sandbox.visibility import kernel_mounts

UID = 61999
POLICY = SandboxPolicy(memory_bytes=512 * 1024**2, max_processes=40, max_file_bytes=8 * 1024**2, cpu_seconds=60)


def run_inside(work: Path, code: str, course: Path | None = None,
               policy: SandboxPolicy = POLICY) -> subprocess.CompletedProcess[str]:
    """Run Python ``code`` in the sandbox with ``work`` as its writable working copy."""
    os.chown(work, UID, UID)
    mounts = kernel_mounts([work], course_dir=course or work.parent / "course")
    command = sandbox_command(policy, mounts, [sys.executable, "-c", code], uid=UID)
    return subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=120)


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def test_bubblewrap_is_available_here() -> None:
    check_available()


def test_runs_as_an_unprivileged_user_in_its_own_folder(work: Path) -> None:
    result = run_inside(work, "import os; open('answer.txt', 'w').write('42'); print(os.getuid(), os.getcwd())")
    assert result.stdout.split() == [str(UID), str(work)], result.stderr
    assert (work / "answer.txt").read_text() == "42"


def test_private_files_are_invisible(work: Path, tmp_path: Path) -> None:
    course = tmp_path / "course"
    (course / "submitted" / "bob").mkdir(parents=True)
    (course / "gradebook.db").write_text("secret")
    probes = [course / "gradebook.db", course / "submitted" / "bob", REPO_ROOT / "solutions",
              REPO_ROOT / "autograder" / "reference", REPO_ROOT / "tests", Path.home() / ".bash_history"]
    code = ("import os, sys\nfor p in sys.argv[1:]:\n    print(p, os.path.exists(p))\n"
            "import autograder.probe, studentkit.testing\n"
            "try:\n    import autograder.reference\nexcept ImportError:\n    print('reference: hidden')\n")
    # torch (imported by the probe) maps more than POLICY's 512 MiB: the default policy here.
    result = run_inside(work, code.replace("sys.argv[1:]", repr([str(p) for p in probes])), course=course,
                        policy=SandboxPolicy())
    assert "reference: hidden" in result.stdout, result.stderr
    for probe in probes:
        assert f"{probe} False" in result.stdout


def test_no_writes_outside_and_no_network(work: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    code = (f"import socket\ntry:\n    open({str(outside)!r}, 'w')\nexcept OSError as e:\n    print('write:', type(e).__name__)\n"
            "try:\n    open('/etc/hostname', 'a')\nexcept OSError as e:\n    print('etc:', type(e).__name__)\n"
            "try:\n    socket.create_connection(('127.0.0.1', 22), timeout=2)\nexcept OSError as e:\n"
            "    print('net:', type(e).__name__)\n"
            "open('/tmp/scratch', 'w').write('ok'); print('tmp: ok')\n")
    result = run_inside(work, code)
    assert not outside.exists()
    assert "write:" in result.stdout and "etc:" in result.stdout and "tmp: ok" in result.stdout, result.stderr
    assert "net: ConnectionRefusedError" in result.stdout or "net: OSError" in result.stdout


def test_resource_limits_bind(work: Path) -> None:
    code = ("import os\ntry:\n    x = bytearray(1024**3)\nexcept MemoryError:\n    print('memory: capped')\n"
            "children = 0\ntry:\n    for _ in range(200):\n        if os.fork() == 0:\n            import time; time.sleep(5); os._exit(0)\n"
            "        children += 1\nexcept OSError:\n    print('processes: capped at', children)\n"
            "try:\n    open('big', 'wb').write(b'x' * 16 * 1024**2)\nexcept OSError:\n    print('file size: capped')\n")
    result = run_inside(work, code)
    assert "memory: capped" in result.stdout, result.stderr
    assert "processes: capped at" in result.stdout
    assert int(result.stdout.split("capped at")[1].split()[0]) < POLICY.max_processes
    assert "file size: capped" in result.stdout
