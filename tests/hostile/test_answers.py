"""A twin whose answers are the attack: documents, feed pages, inbox answers and receipts that are
huge or never end, a feed whose cursor never moves, problem documents written to break their
reader. The node reads them when it calls the twin; its member must not notice."""

from __future__ import annotations

import json
import uuid
from typing import Any

from protocol.keys import SigningKey
from tests.support.nodes import eventually

from .conftest import ArenaFactory
from .test_floods import in_our_week
from .twin import answer, huge, json_answer, never_ending, problem_answer

HUNDRED_MB = 100 * 1024 * 1024
KNOWN_SLUGS = {
    "validation-error",
    "conflict",
    "slot-full",
    "allowance-exhausted",
    "peer-unreachable",
    "not-found",
    "forbidden",
    "rate-limited",
    "outside-booking-window",
    "cancellation-window-closed",
    "not-twinned",
}


async def served(twin: Any, route: str, at_least: int) -> None:
    await eventually(lambda: _count(twin, route), lambda n: n >= at_least, timeout=20)


async def _count(twin: Any, route: str) -> int:
    return int(twin.served[route])


async def last_error(arena: Any) -> str:
    """What the operator's delivery status says went wrong with the twin last."""
    status = await arena.home.api.ok("GET", "/api/v1/status")
    return str(next(p for p in status["peers"] if p["peer"] == arena.twin.url)["last_error"] or "")


async def reserve(arena: Any) -> tuple[int, Any]:
    """Our member asks the hostile twin for a desk: the node PUTs a reservation request there."""
    body = {"slot_id": "desk-1", "twin_id": arena.twin.url}
    headers = {"Authorization": f"Bearer {arena.member.token}"}
    url = f"{arena.home.local}/api/v1/reservations/{uuid.uuid4()}"
    async with arena.home.api.session.put(url, json=body, headers=headers) as resp:
        return resp.status, await answer(resp)


async def test_oversize_answers__a_node_document_that_never_ends(arena: ArenaFactory) -> None:
    a = await arena(twinned=False)
    a.twin.answer_with("document", never_ending(b'{"object":{"name":"'))
    async with a.watch() as watch:
        status, problem = await a.home.api.call("POST", "/api/v1/twins", {"url": a.twin.url})
    await a.unharmed_after(watch)
    assert 400 <= status < 600 and status != 500, (status, problem)
    assert problem["type"].endswith("/peer-unreachable"), problem


async def test_oversize_answers__a_twins_document_refetched_for_a_new_key_never_ends(arena: ArenaFactory) -> None:
    a = await arena()
    a.twin.answer_with("document", never_ending(b'{"object":{"name":"'))
    before = a.twin.served["document"]
    other = SigningKey.generate()  # a key id the node does not know makes it refetch our document
    envelope = a.twin.seal(in_our_week(a.twin.url, "new-key", 1))
    async with a.watch() as watch:
        a.twin.key, old = other, a.twin.key
        status, _ = await a.twin.send("POST", a.home.url + "/federation/v1/inbox", {"items": [envelope]})
        a.twin.key = old
    await a.unharmed_after(watch)
    assert a.twin.served["document"] > before, "the node should have tried to read the document"
    assert status in (401, 502), status


async def test_oversize_answers__a_feed_page_that_never_ends(arena: ArenaFactory) -> None:
    a = await arena()
    a.twin.answer_with("feed", never_ending(b'{"items":[{"seq":1,"envelope":{"object":{"title":"'))
    pulls = a.twin.served["feed"]
    async with a.watch() as watch:
        await served(a.twin, "feed", pulls + 2)  # the node pulls every second in the tests
    await a.unharmed_after(watch)
    assert await eventually(lambda: last_error(a), bool), "the operator should see why the pull failed"


async def test_oversize_answers__an_inbox_answer_of_a_hundred_megabytes(arena: ArenaFactory) -> None:
    a = await arena()
    a.twin.answer_with("inbox", huge(b'{"results":[],"padding":"', b'"}', HUNDRED_MB, status=202))
    day = in_our_week(a.home.url, "x", 1).starts_at.date()
    event = {"title": "Pushed to the twin", "starts_at": f"{day}T21:00", "ends_at": f"{day}T22:00"}
    # Published before the watch: a listing read while an event is being written can leave out
    # one of our events (the count per origin and the read are two queries), a race of its own.
    a.member.own_events.add((await a.home.api.ok("POST", "/api/v1/events", event))["id"])
    async with a.watch() as watch:
        await served(a.twin, "inbox", a.twin.served["inbox"] + 2)  # the delivery, retried, within the watch
    await a.unharmed_after(watch)
    assert await eventually(lambda: last_error(a), bool), "the operator should see why the delivery failed"


async def test_oversize_answers__a_receipt_that_never_ends(arena: ArenaFactory) -> None:
    a = await arena()
    a.twin.answer_with("reservations", never_ending(b'{"object":{"type":"ReservationReceipt","problem":"', 201))
    async with a.watch() as watch:
        status, body = await reserve(a)
    await a.unharmed_after(watch)
    assert status == 202 and body["status"] == "pending", (status, body)  # asked again later


async def test_stuck_feed__a_cursor_that_never_advances_ends_the_pull(arena: ArenaFactory) -> None:
    a = await arena(config={"delivery": {"pull_interval_seconds": 3600.0}}, twinned=False)
    envelope = a.twin.seal(in_our_week(a.twin.url, "same-again", 1))
    page = {"items": [{"seq": 1, "envelope": envelope}] * 500, "next": a.twin.url + "/federation/v1/feed?after=0"}
    a.twin.answer_with("feed", json_answer(page))
    async with a.watch() as watch:
        await a.twin.twin_with(a.home)  # the node reads a new twin's feed at once, then hourly
        await served(a.twin, "feed", 1)
        for _ in range(10):
            await watch.read_once(a.home.api.session)
    await a.unharmed_after(watch)
    # A pull that loops asks for the same page again and again; one that ends asks once (or a
    # few times, backing off) and waits for the next pull, an hour away here.
    assert a.twin.served["feed"] < 5, f"the node asked {a.twin.served['feed']} times for the same page"


HOSTILE_PROBLEMS: list[Any] = [
    {"type": "https://gemellaggio.org/problems/slot-full", "title": "x", "status": 409, "retry_after": "soon"},
    {"type": "https://gemellaggio.org/problems/slot-full", "detail": {"html": "<script>alert(1)</script>"}},
    {"type": ["not", "a", "string"], "title": None, "status": "409", "errors": "none"},
    {"type": "https://gemellaggio.org/problems/conflict", "errors": [{"field": 5}], "injected": "x" * 10_000},
    {"type": "https://evil.example/problems/own-goal", "detail": "\x1b[31mred\x00"},
    {"type": "https://gemellaggio.org/problems/rate-limited", "retry_after": 1e308},
    {"type": "https://gemellaggio.org/problems/slot-full", "retry_after": -1, "instance": {"a": 1}},
    [1, 2, 3],
    "just a string",
    b"[" * 100_000,
    b"\xff\xfe not json",
]


async def test_hostile_problems__our_member_gets_our_own_clear_problem(arena: ArenaFactory) -> None:
    a = await arena()
    answers = []
    async with a.watch() as watch:
        for document in HOSTILE_PROBLEMS:
            a.twin.answer_with("reservations", problem_answer(document))
            answers.append((document, *await reserve(a)))
    await a.unharmed_after(watch)
    for document, status, body in answers:
        assert isinstance(body, dict), (document, status, body)
        assert status < 500 or body["type"].endswith("/peer-unreachable"), (document, status, body)
        if status >= 300:
            assert body["type"].rsplit("/", 1)[-1] in KNOWN_SLUGS, (document, body)
            assert isinstance(body.get("detail", ""), str), (document, body)
            assert "injected" not in body and "\x1b" not in json.dumps(body), (document, body)


async def test_hostile_problems__the_operator_accepting_a_proposal_gets_our_own_problem(arena: ArenaFactory) -> None:
    a = await arena(twinned=False)
    agreement = await a.twin.propose(a.home)
    answers = []
    async with a.watch() as watch:
        for document in HOSTILE_PROBLEMS:
            a.twin.answer_with("twinning", problem_answer(document, status=422))
            answers.append((document, *await a.home.api.call("POST", f"/api/v1/twins/{agreement}/accept")))
    await a.unharmed_after(watch)
    for document, status, problem in answers:
        assert status != 500 and isinstance(problem, dict), (document, status, problem)
        assert problem["type"].rsplit("/", 1)[-1] in KNOWN_SLUGS, (document, problem)
        assert isinstance(problem.get("detail", ""), str) and "injected" not in problem, (document, problem)
