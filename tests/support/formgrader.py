"""nbgrader's formgrader, served by a real Jupyter server on loopback, for tests that grade by hand.

The server runs in the course folder (formgrader's own requirement: the course is the server's
root), with a token of its own; requests send it in the ``Authorization`` header, as an API
client does, so no browser session is needed for the JSON API.
"""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from autograder.release import nbgrader_env


class Formgrader:
    """A running formgrader: its JSON API and the address of its pages."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.token = token

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """``method`` on ``/formgrader/api/<path>``; the decoded JSON answer."""
        request = urllib.request.Request(f"{self.base_url}/formgrader/api/{path}", method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def page(self, path: str) -> str:
        """The address of a formgrader page, logged in by the token (as Jupyter prints it)."""
        return f"{self.base_url}/formgrader/{path}?token={self.token}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def formgrader(course: Path, timeout: float = 120) -> Iterator[Formgrader]:
    """A Jupyter server with nbgrader's formgrader for ``course``, stopped afterwards."""
    port, token = _free_port(), secrets.token_hex(16)
    log = tempfile.TemporaryFile("w+")  # the server's log, read only if it fails to start
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "server", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={course}", "--ServerApp.allow_root=True"],  # CI runs as root
        cwd=course, env=nbgrader_env(), stdout=log, stderr=subprocess.STDOUT)
    client = Formgrader(f"http://127.0.0.1:{port}", token)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if client.api("GET", "status") == {"status": True}:
                    break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise AssertionError(f"formgrader did not start:\n{log.read()[-3000:]}") from None
                time.sleep(0.5)
        yield client
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
