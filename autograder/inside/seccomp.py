"""One process, no programs: a seccomp filter that forbids new processes and ``exec`` for good.

The check process installs it before any student code runs. Threads stay allowed (``clone``
with ``CLONE_THREAD``); ``fork``, ``vfork``, process-creating ``clone``, ``clone3`` (answered
with ENOSYS, so the C library falls back to ``clone`` for threads), ``execve`` and
``execveat`` fail. Student code therefore cannot start a helper that computes outside the
guards of :mod:`.guard`, and nothing it does survives the process. System calls made through
a foreign ABI (32-bit calls on x86-64) fail too. A filter cannot be removed once installed.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
RET_ALLOW, RET_ERRNO = 0x7FFF0000, 0x00050000
LOAD_WORD, JUMP_EQUAL, JUMP_GREATER_EQUAL, JUMP_SET, RETURN = 0x20, 0x15, 0x35, 0x45, 0x06
CLONE_THREAD = 0x00010000
# seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6] (little-endian: low word first).
NR_OFFSET, ARCH_OFFSET, ARG0_OFFSET = 0, 4, 16

# arch id, process-creating calls, exec calls, clone, clone3, lowest number of a foreign ABI
SYSCALLS = {
    "x86_64": (0xC000003E, (57, 58), (59, 322), 56, 435, 0x40000000),
    "aarch64": (0xC00000B7, (), (221, 281), 220, 435, None),
}


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Filter))]


def _program(machine: str) -> list[tuple[int, int, int, int]]:
    """The BPF instructions (code, jump if true, jump if false, constant) for ``machine``."""
    arch, forks, execs, clone, clone3, foreign = SYSCALLS[machine]
    deny, no_such_call = RET_ERRNO | errno.EPERM, RET_ERRNO | errno.ENOSYS
    body: list[tuple[int, int, int, int]] = [(LOAD_WORD, 0, 0, NR_OFFSET)]
    if foreign is not None:
        body.append((JUMP_GREATER_EQUAL, 0, 1, foreign))
        body.append((RETURN, 0, 0, deny))
    for number in (*forks, *execs):
        body += [(JUMP_EQUAL, 0, 1, number), (RETURN, 0, 0, deny)]
    body += [(JUMP_EQUAL, 0, 1, clone3), (RETURN, 0, 0, no_such_call)]
    body += [(JUMP_EQUAL, 0, 4, clone), (LOAD_WORD, 0, 0, ARG0_OFFSET), (JUMP_SET, 0, 1, CLONE_THREAD),
             (RETURN, 0, 0, RET_ALLOW), (RETURN, 0, 0, deny)]
    body.append((RETURN, 0, 0, RET_ALLOW))
    return [(LOAD_WORD, 0, 0, ARCH_OFFSET), (JUMP_EQUAL, 1, 0, arch), (RETURN, 0, 0, deny), *body]


def forbid_new_processes() -> None:
    """Install the filter in this process (all its threads inherit it); raise OSError if it cannot be."""
    machine = platform.machine()
    if machine not in SYSCALLS:
        raise OSError(f"no seccomp filter for {machine}")
    instructions = _program(machine)
    filters = (_Filter * len(instructions))(*[_Filter(*instruction) for instruction in instructions])
    program = _Program(len(instructions), filters)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    # SECCOMP_FILTER_FLAG_TSYNC would need the seccomp() call; prctl filters only this thread, so
    # the check process installs it before it starts any thread of its own (torch's pools included).
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


__all__ = ["forbid_new_processes"]
