"""A judge that serves a sandboxed kernel over a Unix socket and keeps a ledger of verdicts.

The grader starts one per submission, outside the sandbox. Hidden test cells in the kernel
reach it through the socket named by ``AUTOGRADER_JUDGE_SOCKET``. Every verdict it sends is
also written into :attr:`JudgeServer.ledger`, which the kernel cannot touch: a cell's points
count only if the ledger holds a passing verdict for its property.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from typing import Any

from autograder import wire

from .server import handle_conversation


class JudgeServer:
    """Listens on ``socket_path`` in a background thread until :meth:`close`."""

    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path
        self.ledger: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(socket_path))
        os.chmod(socket_path, 0o666)  # the sandbox runs as another user
        self._listener.listen(4)
        self._listener.settimeout(0.5)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"judge {socket_path.name}", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            threading.Thread(target=self._serve_connection, args=(connection,), daemon=True).start()

    def _serve_connection(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as reader, connection.makefile("wb") as writer:
            try:
                while (request := wire.receive(reader)) is not None:
                    verdict = handle_conversation(request, reader, writer)
                    if verdict is not None:
                        self.ledger.append(verdict)
            except (wire.WireError, OSError) as error:
                self.problems.append(f"judge connection ended: {error}")

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(timeout=2)
        self.socket_path.unlink(missing_ok=True)

    def __enter__(self) -> "JudgeServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
