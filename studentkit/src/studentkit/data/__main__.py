"""``python -m studentkit.data``: locate, verify and cache Fashion-MNIST.

Prints one line on success; on a data problem prints the one-line reason to
stderr and exits with status 1 (no traceback).
"""

from __future__ import annotations

import sys

from .errors import DataError, one_line
from .fashion_mnist import load_with_cache_path


def main() -> int:
    """Run the command; return the exit status."""
    try:
        data, cache_path = load_with_cache_path()
    except DataError as exc:
        print(one_line(exc), file=sys.stderr)
        return 1
    cached = f"cached at {cache_path}" if cache_path else "not cached (cache folder not writable)"
    print(
        f"Fashion-MNIST: {len(data.train_labels)} train + {len(data.test_labels)} test images, "
        f"verified (source: {data.source}), {cached}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
