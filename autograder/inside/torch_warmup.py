"""torch's one-time lazy imports, paid once where a zygote preloads this module.

The first ``torch.optim`` optimizer a process makes imports ``torch._dynamo`` and what that needs
(sympy and mpmath among them: about 900 modules and 1.3 CPU seconds here). Every kernel, check
process and judge of the training assignment makes one, so the student and judge zygotes
(:mod:`autograder.sandbox.views`) import this module, and the programs forked from them start
with those imports done. Importing it starts no thread.
"""

from __future__ import annotations

import torch


def warm_up() -> None:
    """Make and drop one optimizer of one float32 parameter ``(1,)``: the lazy imports happen now."""
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.0)


warm_up()
