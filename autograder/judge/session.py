"""One judge for one submission, driving its check process over the one channel made for it.

``python -I -m autograder.judge --assignment A --channel-fd N`` (started by the batch grader, in
a sandbox of its own) owns the conversation: the check process can only answer. The judge

1. sends the property list of the assignment (and whether the data set must be preloaded),
2. waits for the check process to have run the submission's cells,
3. sends each property's cases in turn and judges the observations that come back,
4. writes each verdict as one JSON line on standard output (the ledger the grader reads), and
   tells the check process it is done.

Every message is size-capped and validated by :mod:`autograder.wire` before any computation; a
late, malformed or missing answer fails that property and ends the session (the properties not
reached get no verdict, which scores zero).
"""

from __future__ import annotations

import json
import socket
import time
from typing import Any, TextIO

from autograder import wire
from autograder.checks import Case, Observation, Property, Verdict, properties_of

RETRAINING = "retraining.retrain_fashion_mnist"
MAX_OBSERVATIONS = 10_000
BUDGET_SHARE = 0.75
"""A retraining's time budget is at most this share of the per-property deadline (the rest is margin)."""


def fit_budgets(cases: list[Case], deadline_s: float) -> None:
    """Shrink each case's ``budget_s`` to fit the per-property deadline, so that a slow loop is stopped
    by its budget (and told it is too slow) before the deadline stops the check."""
    for case in cases:
        budget = case.kwargs.get("budget_s")
        if isinstance(budget, (int, float)) and budget > BUDGET_SHARE * deadline_s:
            case.kwargs["budget_s"] = round(BUDGET_SHARE * deadline_s, 1)


def _record(ledger: TextIO, prop: Property, verdict: Verdict, seconds: float) -> None:
    line = {**verdict.to_wire(), "property": prop.name, "seconds": round(seconds, 2)}
    ledger.write(json.dumps(line) + "\n")
    ledger.flush()


def _observations(reply: dict[str, Any], cases: int) -> list[Observation] | str:
    """The reply's observations, or why there are none (a timeout, a malformed reply)."""
    if "timeout" in reply:
        return f"the check did not finish in time ({str(reply['timeout'])[:100]})"
    results = reply.get("results")
    if not isinstance(results, list) or len(results) > MAX_OBSERVATIONS:
        return "the check process sent no results"
    if len(results) != cases or not all(isinstance(item, dict) for item in results):
        return "the check did not receive one result per case"
    return [Observation.from_wire(item) for item in results]


def run_session(assignment: str, channel: socket.socket, ledger: TextIO, deadline_s: float,
                ready_timeout_s: float) -> None:
    """Drive the check process at the other end of ``channel`` through every property of ``assignment``."""
    properties = properties_of(assignment)
    cases = {prop.name: prop.make_cases() for prop in properties}
    for each in cases.values():
        fit_budgets(each, deadline_s)
    needs_data = any(case.scenario == RETRAINING for each in cases.values() for case in each)
    reader, writer = channel.makefile("rb"), channel.makefile("wb")
    listing = [{"name": p.name, "function": p.function, "uses": list(p.uses)} for p in properties]
    wire.send(writer, {"properties": listing, "data": ["fashion_mnist"] if needs_data else []})
    channel.settimeout(ready_timeout_s)
    try:
        ready = wire.receive(reader)
    except (wire.WireError, OSError):
        return
    if not ready or ready.get("ready") is not True:
        return
    for prop in properties:
        started = time.monotonic()
        wire.send(writer, {"property": prop.name, "function": prop.function, "uses": list(prop.uses),
                           "cases": [case.to_wire() for case in cases[prop.name]],
                           "forbidden": list(prop.forbidden_calls), "deadline_s": deadline_s})
        channel.settimeout(deadline_s + 30)
        try:
            reply = wire.receive(reader)
        except (wire.WireError, OSError) as error:
            _record(ledger, prop, Verdict(False, 0.0, f"{prop.function}: no valid answer from the check "
                                          f"({type(error).__name__}: {str(error)[:200]})"), time.monotonic() - started)
            return
        observations = _observations(reply or {}, len(cases[prop.name]))
        if isinstance(observations, str):
            _record(ledger, prop, Verdict(False, 0.0, f"{prop.function}: {observations}"), time.monotonic() - started)
            if "timeout" not in (reply or {}):
                return
            continue
        _record(ledger, prop, _judge(prop, cases[prop.name], observations), time.monotonic() - started)
    wire.send(writer, {"done": True})


def _judge(prop: Property, cases: list[Any], observations: list[Observation]) -> Verdict:
    """The property's verdict; a failing one when the observations break the comparison itself."""
    try:
        return prop.judge(cases, observations)
    except Exception as error:  # noqa: BLE001 - hostile observations must not end the session
        return Verdict(False, 0.0, f"{prop.function}: the results could not be compared "
                                   f"({type(error).__name__}: {str(error)[:200]})")
