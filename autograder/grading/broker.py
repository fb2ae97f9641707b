"""The kernel broker: starts the kernels that nbgrader, in its own sandbox, asks for.

nbgrader runs in the notebook sandbox as one unprivileged user; the kernel must run in another
sandbox as another user, which only the grader (root) can start. The broker listens on a Unix
socket that only the notebook sandbox can see. Its kernel command (:mod:`autograder.inside.
kernel_client`) sends the connection file; the broker checks it field by field (ports, key,
loopback address: nothing else is taken from it), starts the kernel in a sandbox that shares
the notebook sandbox's loopback and nothing else, and ties the two lives together: when the
kernel exits the client is told its status, when the client goes the kernel is killed.
"""

from __future__ import annotations

import json
import os
import re
import select
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from autograder.sandbox.process import Launch, Sandboxed, start

PORTS = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
KEY = re.compile(r"[A-Za-z0-9-]{0,128}")
MAX_REQUEST_BYTES = 4096


def connection_file(request: bytes) -> bytes:
    """A clean connection file from the client's request; ValueError if any field is off."""
    info = json.loads(request)
    if not isinstance(info, dict):
        raise ValueError("not a connection description")
    ports = {name: info.get(name) for name in PORTS}
    if not all(type(port) is int and 1024 <= port <= 65535 for port in ports.values()):
        raise ValueError("ports must be numbers from 1024 to 65535")
    key = info.get("key")
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise ValueError("the key must be a short hexadecimal string")
    if info.get("transport", "tcp") != "tcp" or info.get("ip", "127.0.0.1") != "127.0.0.1":
        raise ValueError("kernels talk over tcp on 127.0.0.1 only")
    if info.get("signature_scheme", "hmac-sha256") != "hmac-sha256":
        raise ValueError("the signature scheme must be hmac-sha256")
    clean = {**ports, "key": key, "transport": "tcp", "ip": "127.0.0.1", "signature_scheme": "hmac-sha256",
             "kernel_name": ""}
    return json.dumps(clean).encode()


class KernelBroker:
    """Serves one submission's notebook sandbox; at most ``max_kernels`` kernels in all."""

    def __init__(self, folder: Path, make_launch: Callable[[bytes], Launch], host_root: Callable[[], Path | None],
                 max_kernels: int = 3) -> None:
        self.socket_path = folder / "broker.sock"
        self.kernels: list[Sandboxed] = []
        self.problems: list[str] = []
        self._make_launch, self._host_root, self._max = make_launch, host_root, max_kernels
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(self.socket_path))
        os.chmod(self.socket_path, 0o666)  # the notebook sandbox runs as another user
        self._listener.listen(2)
        self._listener.settimeout(0.5)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name="kernel broker", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _read_request(self, connection: socket.socket) -> bytes:
        connection.settimeout(10)
        data = b""
        while not data.endswith(b"\n") and len(data) <= MAX_REQUEST_BYTES:
            chunk = connection.recv(MAX_REQUEST_BYTES)
            if not chunk:
                break
            data += chunk
        if len(data) > MAX_REQUEST_BYTES:
            raise ValueError("request too long")
        return data

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            try:
                request = connection_file(self._read_request(connection))
            except (ValueError, OSError) as error:
                self.problems.append(f"kernel request refused: {error}")
                connection.sendall(f"refused {error}\n".encode()[:200])
                return
            with self._lock:
                if self._stop.is_set() or len(self.kernels) >= self._max:
                    connection.sendall(b"refused too many kernels\n")
                    return
                try:
                    kernel = start(self._make_launch(request), host_root=self._host_root())
                except (OSError, RuntimeError, ValueError) as error:
                    self.problems.append(f"the kernel could not be started: {error}")
                    connection.sendall(b"refused the kernel could not be started\n")
                    return
                self.kernels.append(kernel)
            connection.sendall(b"started\n")
            self._tie(connection, kernel)

    def _tie(self, connection: socket.socket, kernel: Sandboxed) -> None:
        """Until one of them ends: the kernel's exit is reported, the client's departure kills it."""
        connection.setblocking(False)
        while not self._stop.is_set():
            status = kernel.wait(timeout=0.2)
            if status is not None:
                try:
                    connection.sendall(f"exit {status}\n".encode())
                except OSError:
                    pass
                return
            readable, _, _ = select.select([connection], [], [], 0)
            if readable:
                try:
                    gone = connection.recv(64) == b""
                except OSError:
                    gone = True
                if gone:
                    kernel.kill()
                    return

    def oom_kills(self) -> int:
        return sum(kernel.oom_kills() for kernel in self.kernels)

    def peak_memory(self) -> int | None:
        peaks = [peak for kernel in self.kernels if (peak := kernel.peak_memory()) is not None]
        return max(peaks) if peaks else None

    def close(self) -> None:
        """Stop serving and kill every kernel started."""
        self._stop.set()
        self._listener.close()
        self._thread.join(timeout=2)
        with self._lock:
            for kernel in self.kernels:
                kernel.close()
        self.socket_path.unlink(missing_ok=True)
