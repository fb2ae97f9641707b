"""Warm starts from the grading zygotes: fast, and nothing more than a cold start gives.

``test_sandbox.py`` runs every isolation test both cold and warm (with a zygote that preloads
nothing); these tests are about the zygotes that grading uses: what they preload, what a
program forked from them holds, and how the grader keeps hold of it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from autograder.sandbox import forked
from autograder.sandbox.forked import Warm
from autograder.sandbox.policy import SandboxPolicy
from autograder.sandbox.process import Launch, Sandboxed, start
from autograder.sandbox.views import WORK, environment, judge_warm, notebook_warm, student_view, student_warm

UID = 61998
POLICY = SandboxPolicy(work_bytes=32 * 1024**2, scratch_bytes=64 * 1024**2)


def start_warm(code: str, warm: Warm | None = None) -> Sandboxed:
    launch = Launch("test", [sys.executable, "-I", "-c", code], POLICY,
                    student_view([], POLICY.scratch_bytes, POLICY.work_bytes), environment(), UID, cwd=WORK,
                    warm=warm or student_warm())
    return start(launch, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run_warm(code: str, warm: Warm | None = None) -> tuple[int, str, str]:
    sandboxed = start_warm(code, warm)
    try:
        out, err = sandboxed.process.communicate(timeout=120)
        return sandboxed.wait(10), out.decode(), err.decode()
    finally:
        sandboxed.close()


def namespace_pids(pid: int) -> list[int]:
    """``pid``'s number in each process namespace, outermost first."""
    status = open(f"/proc/{pid}/status").read()
    return [int(n) for n in status.split("NSpid:")[1].splitlines()[0].split()]


def test_warm_starts_are_used_here() -> None:
    """CI runs as root: grading forks its programs from zygotes (otherwise they would start cold)."""
    assert forked.enabled()


def test_cold_starts_can_be_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTOGRADER_COLD_START", "1")
    assert not forked.enabled()


def test_a_zygote_refuses_to_preload_a_module_its_sandbox_cannot_see() -> None:
    leaky = Warm("leaky", ("autograder.reference",), student_warm().allowed)
    with pytest.raises(RuntimeError, match=r"outside the sandbox's view: .*autograder\.reference"):
        forked.zygote(leaky, environment())


def test_a_program_whose_zygote_cannot_start_starts_cold(capfd: pytest.CaptureFixture[str]) -> None:
    """Nothing is lost: one warning, then the kind's programs start cold (and work)."""
    broken = Warm("broken", ("no_such_module_anywhere",), student_warm().allowed)
    for _ in range(2):
        status, out, err = run_warm("import os; print(os.getppid())", broken)
        assert (status, out) == (0, "1\n"), err  # cold: the sandbox's init is its parent (warm: none, 0)
    warnings = [line for line in capfd.readouterr().err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "the broken zygote did not start" in warnings[0]
    assert "No module named 'no_such_module_anywhere'" in warnings[0]


@pytest.mark.parametrize("warm", [student_warm, notebook_warm, judge_warm], ids=["student", "notebook", "judge"])
def test_each_grading_zygote_starts(warm) -> None:  # noqa: ANN001 - a function giving the Warm
    """Each zygote's preloads come from its own sandbox's view (it refuses to start otherwise)."""
    assert forked.zygote(warm(), environment()).alive()


def test_a_warm_program_is_warm_and_holds_nothing_of_the_judge() -> None:
    started = time.monotonic()
    status, out, err = run_warm("import gc, sys; print(sorted(m for m in ('torch', 'autograder.reference', "
                                "'autograder.checks') if m in sys.modules), gc.get_freeze_count() > 1000)")
    assert status == 0, err
    assert out.split() == ["['torch']", "True"]  # the preloaded objects are frozen: the collector leaves
    # their pages shared with the zygote (a full collection would otherwise copy ~50 MB of them)
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("warm", [student_warm, judge_warm], ids=["student", "judge"])
def test_a_warm_program_makes_its_first_optimizer_without_importing_anything(warm) -> None:  # noqa: ANN001
    """torch imports ~900 modules (1.3 CPU s) at a process's first optimizer; the zygote did that once."""
    status, out, err = run_warm("import sys, time, torch; before = len(sys.modules); start = time.process_time(); "
                                "torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1); "
                                "print(len(sys.modules) - before, time.process_time() - start < 0.2)", warm())
    assert status == 0, err
    assert out.split() == ["0", "True"]


def test_a_warm_program_holds_only_its_own_descriptors_and_sees_only_its_sandbox() -> None:
    """No descriptor of the zygote, its supervisor or the grader (the status socket above all);
    no process outside the sandbox: not the zygote, which it could otherwise signal or trace."""
    zygote_pid = forked.zygote(student_warm(), environment()).process.pid
    code = (f"import os\nprint('fds', sorted(os.listdir('/proc/self/fd'))[:-1])\n"
            f"print('pids', sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))\n"
            f"print('me', os.getpid(), os.getuid(), os.getppid())\n"
            f"try:\n    os.kill({zygote_pid}, 0)\n    print('zygote reachable')\nexcept OSError as e:\n"
            f"    print('zygote', type(e).__name__)\n")
    status, out, err = run_warm(code)
    assert status == 0, err
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert lines["fds"] == "['0', '1', '2']"
    pid = int(lines["me"].split()[0])
    assert eval(lines["pids"]) == list(range(1, pid + 1))  # noqa: S307 - our own printed list
    assert lines["me"].split()[1:] == [str(UID), "0"]
    assert lines["zygote"] in {"ProcessLookupError"}


def test_each_warm_program_draws_its_own_random_numbers() -> None:
    code = "import random, numpy, torch; print(random.random(), numpy.random.rand(), torch.rand(1).item())"
    first, second = run_warm(code)[1].split(), run_warm(code)[1].split()
    assert first[0] != second[0]
    assert first[1] != second[1]
    assert first[2] == second[2]  # torch's generator starts from its fixed seed, as in a fresh process


def test_the_exit_status_is_the_programs_own() -> None:
    assert run_warm("import os; os._exit(3)")[0] == 3
    assert run_warm("raise SystemExit('why')")[0:3:2] == (1, "why\n")
    assert run_warm("import os, signal; os.kill(os.getpid(), signal.SIGKILL)")[0] == -signal.SIGKILL


def test_the_grader_holds_a_warm_program_by_its_control_group_and_kills_it() -> None:
    sandboxed = start_warm("import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(600)")
    try:
        pid_inside = int(sandboxed.process.stdout.readline())
        assert sandboxed.group is not None
        assert [pid_inside] in [namespace_pids(pid)[1:] for pid in sandboxed.group.pids()]
        assert sandboxed.wait(timeout=0.5) is None
    finally:
        sandboxed.close()
    assert sandboxed.process.wait(5) == -signal.SIGKILL
    assert not any(folder.exists() for folder in sandboxed.group.folders)


def test_a_zygote_that_died_is_started_again() -> None:
    zygote = forked.zygote(student_warm(), environment())
    os.kill(zygote.process.pid, signal.SIGKILL)
    zygote.process.wait(10)
    assert run_warm("print('again')")[1] == "again\n"
    assert forked.zygote(student_warm(), environment()) is not zygote


def test_a_warm_programs_memory_budget_is_for_what_it_allocates() -> None:
    """RLIMIT_DATA counts the data segment a warm program inherits (the preloads, ~0.8 GB): its limit
    is --memory on top of that, as its control group counts only the pages it writes."""
    policy = replace(POLICY, memory_bytes=512 * 1024**2)
    code = ("x = bytearray(400 * 1024**2)\nprint('got 400 MiB')\ntry:\n    y = bytearray(200 * 1024**2)\n"
            "except MemoryError:\n    print('capped')\n")
    launch = Launch("test", [sys.executable, "-I", "-c", code], policy,
                    student_view([], policy.scratch_bytes, policy.work_bytes), environment(), UID, cwd=WORK,
                    warm=student_warm())
    sandboxed = start(launch, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = sandboxed.process.communicate(timeout=120)
    finally:
        sandboxed.close()
    assert out.decode().splitlines() == ["got 400 MiB", "capped"], err.decode()[-2000:]
