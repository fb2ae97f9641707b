"""The judge: compares what a student's function did with the reference, in a clean process.

Two modes (see :mod:`autograder.judge.__main__`). Under the batch grader it drives one check
process through every property of an assignment and keeps the ledger
(:mod:`autograder.judge.session`). Under plain ``nbgrader autograde`` it serves a kernel over
standard input and output (:func:`serve`; messages: :mod:`autograder.wire`), one conversation
per property:

1. kernel -> judge ``{"property": "softmax/extreme_logits"}``
2. judge -> kernel ``{"cases": [...], "forbidden": [...]}``  (or ``{"error": ...}``)
3. kernel -> judge ``{"results": [...]}``: one observation per case
4. judge -> kernel ``{"passed": bool, "fraction": float, "message": str}``

The student's kernel never sees the reference, and monkeypatching torch or builtins there
cannot change a comparison made here.
"""

from .server import handle_conversation, serve

__all__ = ["handle_conversation", "serve"]
