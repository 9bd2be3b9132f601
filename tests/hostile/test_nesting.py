"""Nesting as a weapon: a twin's object whose free-form field nests lists hundreds deep (still
JSON the node can read) cannot be checked, so it is refused as an item with a problem; the
batch is answered, never a 500, and the twin's next push goes through."""

from __future__ import annotations

import uuid
from typing import Any

from protocol.problems import ProblemType

from .conftest import ArenaFactory
from .test_floods import in_our_week


def nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


async def test_deep_nesting__an_object_too_deep_to_check_is_refused_never_a_500(arena: ArenaFactory) -> None:
    a = await arena()
    request = {
        "type": "ReservationRequest",
        "origin": a.twin.url,
        "id": str(uuid.uuid4()),
        "version": 1,
        "host": a.home.url,
        "target": {"kind": "slot", "id": "s-1"},
        "seats": 1,
        "member_pass": {"pass": 1},
        "requested_at": "2026-01-01T00:00:00Z",
    }
    envelope = a.twin.seal(request)
    envelope["object"]["member_pass"] = {"pass": nested(600)}  # past the walk's depth, within the parser's
    [(status, answer)] = await a.twin.push(a.home, [envelope])
    assert status == 202, answer
    [result] = answer["results"]
    assert (result["status"], result["problem"]["type"]) == ("rejected", ProblemType.SIGNATURE_INVALID.uri)
    assert "nested too deeply" in result["problem"]["detail"]
    [(status, answer)] = await a.twin.push(a.home, [a.twin.seal(in_our_week(a.twin.url, "after", 1))])
    assert (status, answer["results"][0]["status"]) == (202, "applied"), answer
