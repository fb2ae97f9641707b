"""``python -I -m autograder.inside.kernel_client --broker SOCKET CONNECTION_FILE``: a kernel, started elsewhere.

nbgrader (in the notebook sandbox) runs this as its kernel's command. It cannot start the kernel
itself: the kernel must run in a sandbox of its own, as another user, and only the grader can
make one. So it sends the connection file (ports and key on the shared loopback) to the
grader's kernel broker and stands in for the kernel: it exits when the kernel exits, with its
status, and when nbgrader kills it the broker kills the kernel.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import sys


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="autograder.inside.kernel_client")
    parser.add_argument("--broker", required=True)
    parser.add_argument("connection_file")
    options = parser.parse_args(argv)
    with open(options.connection_file) as handle:
        connection = json.load(handle)
    broker = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    broker.connect(options.broker)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: sys.exit(1))  # closing the connection stops the kernel
    broker.sendall(json.dumps(connection).encode() + b"\n")
    replies = broker.makefile("r")
    started = replies.readline().strip()
    if started != "started":
        sys.exit(f"the grader did not start the kernel: {started or 'no answer'}")
    ended = replies.readline().split()
    sys.exit(int(ended[1]) if len(ended) == 2 and ended[0] == "exit" and ended[1].lstrip("-").isdigit() else 1)


if __name__ == "__main__":
    main()
