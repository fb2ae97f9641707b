"""The judge: compares what a student's function did with the reference, in a clean process.

Run as ``python -I -m autograder.judge``: it reads requests from standard input and writes
replies to standard output (see :mod:`autograder.wire`). A conversation for one property:

1. kernel -> judge ``{"property": "softmax/extreme_logits"}``
2. judge -> kernel ``{"cases": [...], "forbidden": [...]}``  (or ``{"error": ...}``)
3. kernel -> judge ``{"results": [...]}``: one observation per case
4. judge -> kernel ``{"passed": bool, "fraction": float, "message": str}``

The student's kernel never sees the reference, and monkeypatching torch or builtins there
cannot change a comparison made here.
"""

from .server import handle_conversation, serve

__all__ = ["handle_conversation", "serve"]
