"""``python -I -m autograder.inside.check_run --channel-fd N``: the check process of one submission.

The batch grader starts it in a sandbox of its own, never the notebook's kernel. It reads the
submission's code cells (every code cell but the test cells, chosen by the grader) as JSON on
standard input and holds one connection to the submission's judge on fd N. Then:

1. it refuses new processes and programs for good (:mod:`.seccomp`), loads what the checks need
   (torch, the scenarios, the data set when a property retrains a model) and forgets every
   ``autograder`` module and those of ``studentkit`` that the checks run (:data:`OURS`: the
   scenarios among them) by name, so that student code that imports and patches them patches
   fresh copies, not the ones used here;
2. it runs the cells in order in a fresh IPython namespace, each under a time limit;
3. the judge sends one property at a time with its cases; each case runs through the property's
   scenario with the student's functions under the guard of its forbidden calls
   (:mod:`autograder.observation`), and the observations go back. The judge keeps the verdicts.

Nothing here is reachable from the student's namespace by name: the channel and the protocol
state live in this function's local variables.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
from typing import Any, Callable

MAX_CELLS_BYTES = 32 * 1024**2
RETRAINING = "retraining.retrain_fashion_mnist"


class TimeLimit(BaseException):
    """Raised in the main thread when a cell or a property runs past its time."""


def _alarm(seconds: float) -> None:
    def expire(signum: int, frame: object) -> None:
        raise TimeLimit(f"stopped after {seconds:g} s")

    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _disarm() -> None:
    signal.setitimer(signal.ITIMER_REAL, 0)


def _read_cells() -> list[str]:
    data = sys.stdin.buffer.read(MAX_CELLS_BYTES + 1)
    cells = json.loads(data[:MAX_CELLS_BYTES])
    if not isinstance(cells, list) or not all(isinstance(cell, str) for cell in cells):
        raise SystemExit("check_run: expected a JSON list of cell sources on standard input")
    return cells


OURS = ("autograder", "studentkit.public", "studentkit.testing", "studentkit.scenarios")
"""The packages whose code the observation and the guard run: the guard names calls with
``studentkit.public.calls``, the observation quiets warnings with ``studentkit.testing`` and turns
results into plain data with ``studentkit.public.outputs``, and the scenarios that exercise the
student's functions are ``studentkit.scenarios`` (``autograder.scenarios`` resolves them there).
``studentkit`` itself and ``studentkit.data`` stay loaded: notebooks import them, and the
retraining's data set is loaded before student code runs."""


def _forget_autograder_modules() -> None:
    """Drop our modules from ``sys.modules`` and from the attributes of the packages that stay
    (``studentkit.scenarios`` is not reachable as an attribute of ``studentkit`` either): an import
    by student code then makes a new copy, and patching that copy, or a module-level helper of it,
    cannot change the guard, the observation or the scenarios, which keep the copies loaded here."""
    ours = [name for name in sys.modules if any(name == p or name.startswith(p + ".") for p in OURS)]
    for name in ours:
        parent, _, attribute = name.rpartition(".")
        if parent in sys.modules and parent not in ours and getattr(sys.modules[parent], attribute, None) \
                is sys.modules[name]:
            delattr(sys.modules[parent], attribute)
        del sys.modules[name]


def _run_cells(cells: list[str], cell_timeout: float) -> tuple[dict[str, Any], list[int]]:
    """Run each cell in a fresh IPython namespace; the namespace and the cells that failed."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    failed = []
    for index, source in enumerate(cells):
        try:
            _alarm(cell_timeout)
            result = shell.run_cell(source, store_history=False, silent=False)
            if not result.success:
                failed.append(index)
        except TimeLimit:
            failed.append(index)
        finally:
            _disarm()
    return shell.user_ns, failed


def _implementation(namespace: dict[str, Any], function: str, uses: list[str]) -> Any:
    """What the hidden cell would pass: the function, or a dict of the names a check uses."""
    if not uses:
        return namespace[function]
    return {name: namespace[name] for name in uses}


def _session(wire: Any, observe: Callable[..., Any], data: dict[str, Any]) -> Callable[[Any, Any, dict], None]:
    """The judge-driven loop, built before student code runs: everything it calls is bound here
    (closures and arguments), so patching this module's globals later changes nothing."""
    alarm, disarm, time_limit, retraining = _alarm, _disarm, TimeLimit, RETRAINING
    implementation_of = _implementation

    def observe_property(task: dict[str, Any], namespace: dict[str, Any]) -> list[dict[str, Any]]:
        cases, forbidden = task.get("cases") or [], tuple(task.get("forbidden") or ())
        try:
            implementation = implementation_of(namespace, str(task.get("function")), list(task.get("uses") or []))
        except KeyError as missing:
            error = f"NameError: name {missing.args[0]!r} is not defined (the notebook does not define it)"
            return [{"output": None, "output_type": "nothing", "error": error, "args_after": [], "grads": [],
                     "torch_calls": []} for _ in cases]
        results = []
        for case in cases:
            extra = {"data": data["fashion_mnist"]} if case.get("scenario") == retraining and data else None
            results.append(observe(implementation, case, forbidden, extra))
        return results

    def serve(reader: Any, writer: Any, namespace: dict[str, Any]) -> None:
        while (task := wire.receive(reader)) is not None and "done" not in task:
            try:
                alarm(float(task.get("deadline_s") or 300))
                reply = {"results": observe_property(task, namespace)}
            except time_limit as stopped:
                reply = {"timeout": str(stopped)}
            finally:
                disarm()
            wire.send(writer, reply)

    return serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="autograder.inside.check_run")
    parser.add_argument("--channel-fd", type=int, required=True)
    parser.add_argument("--cell-timeout", type=float, default=300.0)
    options = parser.parse_args(argv)
    cells = _read_cells()
    from autograder.inside.seccomp import forbid_new_processes

    forbid_new_processes()
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    import torch

    from autograder import scenarios, wire
    from autograder.observation import observe

    scenarios.preload()
    channel = socket.socket(fileno=options.channel_fd)
    reader, writer = channel.makefile("rb"), channel.makefile("wb")
    hello = wire.receive(reader) or {}
    data: dict[str, Any] = {}
    if "fashion_mnist" in (hello.get("data") or []):
        from studentkit.data import load_fashion_mnist

        data["fashion_mnist"] = load_fashion_mnist()
    serve, send = _session(wire, observe, data), wire.send
    _forget_autograder_modules()
    torch.manual_seed(0)
    namespace, failed = _run_cells(cells, options.cell_timeout)
    send(writer, {"ready": True, "failed_cells": failed})
    serve(reader, writer, namespace)


if __name__ == "__main__":
    main()
