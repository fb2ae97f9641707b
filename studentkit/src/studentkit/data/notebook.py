"""In a notebook, a data problem reads as one line, the same line ``python -m studentkit.data`` prints.

Importing :mod:`studentkit.data` inside IPython (JupyterLab, nbgrader, nbconvert) registers a handler
for :class:`~studentkit.data.errors.DataError`: instead of a traceback through the loader's
internals, the cell shows ``Fashion-MNIST: error: <what and where>`` and what to run. The cell
still fails (its execution status stays an error), so nbgrader and nbclient see the failure.
"""

from __future__ import annotations

import sys
from typing import Any

from .errors import DataError, one_line

HELP = "run `python -m studentkit.data` in a terminal for the same check, and see the course README's data section"


def _show(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> None:
    """IPython's custom-exception hook: one line and the next step, no traceback."""
    print(f"{one_line(value)}\n({HELP})", file=sys.stderr)


def install() -> bool:
    """Register the handler in the running IPython shell; False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((DataError,), _show)
    return True


__all__ = ["install"]
