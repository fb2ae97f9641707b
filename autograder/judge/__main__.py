"""``python -I -m autograder.judge``: the judge process.

* With no arguments (plain ``nbgrader autograde``): serve one kernel over standard input and
  output, one property at a time as its hidden cells ask (:func:`autograder.judge.serve`).
* With ``--assignment A --channel-fd N`` (the batch grader): drive the check process at the other
  end of the socket N through every property of ``A`` and write the ledger, one JSON verdict per
  line, on standard output (:mod:`autograder.judge.session`).
"""

import argparse
import os
import socket
import sys


def main() -> None:
    """Keep stdout for messages only: anything printed by imported code goes to stderr."""
    parser = argparse.ArgumentParser(prog="autograder.judge")
    parser.add_argument("--assignment")
    parser.add_argument("--channel-fd", type=int)
    parser.add_argument("--deadline", type=float, default=300.0, help="seconds per property")
    parser.add_argument("--ready-timeout", type=float, default=900.0, help="seconds to wait for the cells")
    options = parser.parse_args()
    channel_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    if options.assignment is None:
        from autograder.judge import serve

        serve(sys.stdin.buffer, channel_out)
        return
    from autograder.judge.session import run_session

    channel = socket.socket(fileno=options.channel_fd)
    with open(channel_out.fileno(), "w", closefd=False) as ledger:
        run_session(options.assignment, channel, ledger, options.deadline, options.ready_timeout)


if __name__ == "__main__":
    main()
