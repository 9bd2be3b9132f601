"""A host's problem answer is untrusted data: our member gets our own clear problem, never a 500
and never the host's raw text as if it were ours."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.booking.proxy import FaultProxy

from .support import (
    add_member,
    add_resource,
    days_ahead,
    kind_of,
    new_id,
    offer,
    reserve,
    terms,
    twin_for_booking,
    wait_remaining,
    wall,
)

NY = "America/New_York"


class HostileHost(FaultProxy):
    """In front of a real host: answers reservation requests with whatever the test sets."""

    answer: tuple[int, str, bytes] | None = None  # status, content type, body

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        if self.answer is not None and request.path.startswith("/federation/v1/reservations/"):
            await request.read()
            status, content_type, body = self.answer
            return web.Response(status=status, body=body, headers={"Content-Type": content_type})
        return await super()._forward(request)


@pytest.fixture
async def hostile() -> AsyncIterator[HostileHost]:
    proxy = HostileHost()
    await proxy.start()
    yield proxy
    await proxy.stop()


def problem(status: int, doc: object) -> tuple[int, str, bytes]:
    return status, "application/problem+json", json.dumps(doc).encode()


SLOT_FULL = "https://gemellaggio.org/problems/slot-full"
CASES = [
    # extension members named like our own arguments, and typed wrongly
    (
        problem(409, {"type": SLOT_FULL, "kind": 1, "detail": {"html": "<b>"}, "errors": "x", "title": 5}),
        409,
        "slot-full",
    ),
    # a long detail with terminal escapes and line breaks (a longer answer is not read at all)
    (problem(409, {"type": SLOT_FULL, "detail": "\x1b[31mFULL\r\n" * 300}), 409, "slot-full"),
    # a type that speaks of our node's request, not of the member
    (problem(401, {"type": "https://gemellaggio.org/problems/unauthorized"}), 502, "peer-unreachable"),
    (problem(400, {"type": "https://evil.example/pwned", "detail": "we own you"}), 422, "validation-error"),
    # no problem document at all: no usable answer, asked again later
    (problem(409, ["not", "an", "object"]), 202, "pending"),
    ((418, "text/html", b"<html><script>alert(1)</script></html>"), 202, "pending"),
    (
        problem(
            409,
            {
                "type": SLOT_FULL,
                "errors": [{"field": "\x00" * 50, "message": 7}] * 20 + [{"field": "f", "message": "m" * 2000}],
            },
        ),
        409,
        "slot-full",
    ),
]


async def test_hostile_host__problem_answers_become_our_own_clear_problems(nodes, hostile):
    nyc = await nodes("NYC", NY, url=hostile.url)
    hostile.target_port = nyc.port
    london = await nodes("London", "Europe/London")
    await twin_for_booking(nyc, london, terms(("desk", "day", 20, "month")))
    desk = await add_resource(nyc, "desk", 10)
    day = days_ahead(NY, 10)
    slot = await offer(nyc, desk["id"], london.url, wall(day, 9), wall(day, 17), 4)
    ada = await add_member(london, "Ada")
    await wait_remaining(london, nyc, slot["id"], ada, 4)

    for answer, status, kind in CASES:
        hostile.answer = answer
        code, body = await reserve(london, ada, new_id(), slot_id=slot["id"])
        text = json.dumps(body)
        assert "\\u001b" not in text and "\\r" not in text and "<script>" not in text and "<b>" not in text
        if code == 202:
            assert (status, kind) == (202, body["status"]), answer[2][:80]
            continue
        assert (code, kind_of(body)) == (status, kind), answer[2][:80]
        assert len(text) < 2000, "the host's text is cut"
        assert body["detail"].startswith(nyc.url), "the sentence says the host answered"
        assert set(body) <= {"type", "title", "status", "detail", "instance", "errors"}, "only members we know"
        assert all(set(e) == {"field", "message"} and len(e["field"]) <= 200 for e in body.get("errors", []))
