"""The judge's request loop (see :mod:`autograder.judge` for the conversation)."""

from __future__ import annotations

from typing import Any, BinaryIO

from autograder import wire
from autograder.checks import Observation, get_property


def handle_conversation(request: dict[str, Any], reader: BinaryIO, writer: BinaryIO) -> dict[str, Any] | None:
    """Serve one property: send its cases, judge the observations, send the verdict.

    Returns the verdict sent (a dict), or None when the request was refused or the kernel hung up.
    """
    name = request.get("property")
    try:
        prop = get_property(str(name))
    except KeyError as error:
        wire.send(writer, {"error": str(error.args[0])})
        return None
    cases = prop.make_cases()
    wire.send(writer, {"cases": [case.to_wire() for case in cases], "forbidden": list(prop.forbidden_calls)})
    reply = wire.receive(reader)
    if reply is None:
        return None
    results = reply.get("results")
    observations = [Observation.from_wire(item) for item in results if isinstance(item, dict)] if isinstance(results, list) else []
    verdict = prop.judge(cases, observations).to_wire()
    verdict["property"] = prop.name
    wire.send(writer, verdict)
    return verdict


def serve(reader: BinaryIO, writer: BinaryIO) -> None:
    """Answer conversations until the kernel closes the stream."""
    while True:
        request = wire.receive(reader)
        if request is None:
            return
        handle_conversation(request, reader, writer)
