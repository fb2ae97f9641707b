"""Unprivileged user ids for sandboxes: one of its own for every sandbox the grader starts.

No account is needed: as root, the sandbox's last step switches to the id. Ids are handed out in
turn from a range (from an offset drawn per process), so the sandboxes of one grading run never
share one: process limits do not add up across sandboxes, and no sandbox can signal another.
"""

from __future__ import annotations

import itertools
import os
import threading
import zlib

SANDBOX_UIDS = range(61000, 91000)

_lock = threading.Lock()
_offset = zlib.crc32(f"{os.getpid()}:{os.times().elapsed}".encode()) % len(SANDBOX_UIDS)
_turn = itertools.count()


def new_uid() -> int:
    """The next unused sandbox user id of this process."""
    with _lock:
        return SANDBOX_UIDS[(_offset + next(_turn)) % len(SANDBOX_UIDS)]
