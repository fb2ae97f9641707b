"""``python -I -m autograder.judge``: serve one kernel over standard input and output."""

import os
import sys

from autograder.judge import serve


def main() -> None:
    """Keep stdout for messages only: anything printed by imported code goes to stderr."""
    channel_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, channel_out)


if __name__ == "__main__":
    main()
