"""Bugs the adversarial tests found, pinned down so they stay fixed."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import hypothesis
import pytest
from aiohttp import web
from hypothesis import strategies as st
from pydantic import ValidationError

from node.events.recurrence import parse_rule, read_rule
from node.events.rule_bounds import unbounded
from protocol.envelope import open_envelope, read_envelope, seal
from protocol.keys import VerifyKey
from protocol.models import NodeDocument, TwinningChange, parse_object
from protocol.problems import Problem
from tests.booking.proxy import FaultProxy
from tests.protocol.strategies import wire_objects
from tests.support.nodes import eventually, twin
from tests.support.objects import make_event


async def _send_change(proposer: Any, acceptor: Any, agreement_id: str, action: str) -> Any:
    change = TwinningChange(
        origin=proposer.url,
        id=str(uuid.uuid4()),
        version=1,
        agreement_id=agreement_id,
        action=action,  # type: ignore[arg-type]
        at=proposer.node.clock.now(),
    )
    envelope = seal(change, proposer.node.keys.current).model_dump(mode="json")
    return await proposer.node.client.send("POST", acceptor.url + "/federation/v1/twinning", envelope)


async def test_twinning__a_proposer_cannot_activate_its_own_proposal(nodes: Any) -> None:
    """Found by the security matrix: a signed `resume` turned a pending proposal active, skipping
    the acceptor operator's explicit acceptance (and the fingerprint check that goes with it)."""
    proposer, acceptor = await nodes("Proposer"), await nodes("Acceptor")
    proposed = await proposer.api.ok("POST", "/api/v1/twins", {"url": acceptor.url})
    for action in ("resume", "suspend", "decline"):
        resp = await _send_change(proposer, acceptor, proposed["id"], action)
        assert resp.status == 409 and resp.json()["type"].endswith("/conflict"), (action, resp.body)
        assert (await acceptor.api.ok("GET", f"/api/v1/twins/{proposed['id']}"))["status"] == "pending"
    # Still refused as a twin: the feed and the inbox stay closed to it.
    resp = await proposer.node.client.get(acceptor.url + "/federation/v1/feed")
    assert resp.status == 403 and resp.json()["type"].endswith("/not-twinned")
    # Withdrawing the proposal is still the proposer's to do.
    resp = await _send_change(proposer, acceptor, proposed["id"], "end")
    assert resp.status == 202
    assert (await acceptor.api.ok("GET", f"/api/v1/twins/{proposed['id']}"))["status"] == "ended"


async def test_twinning__a_repeated_change_is_answered_and_changes_nothing(nodes: Any) -> None:
    a, b = await nodes("A"), await nodes("B")
    proposed = await a.api.ok("POST", "/api/v1/twins", {"url": b.url})
    await b.api.ok("POST", f"/api/v1/twins/{proposed['id']}/accept")
    for _ in range(2):  # an outbox may deliver the same change twice
        resp = await _send_change(a, b, proposed["id"], "suspend")
        assert resp.status == 202 and resp.json()["status"] == "suspended"


async def test_errors__405_says_which_methods_the_resource_takes(nodes: Any) -> None:
    """Found by the fuzzing: 405 problems came without the Allow header RFC 9110 requires."""
    home = await nodes("Home")
    async with home.api.session.put(home.local + "/api/v1/node") as resp:
        assert resp.status == 405 and resp.content_type == "application/problem+json"
        assert set(resp.headers["Allow"].split(",")) == {"GET", "HEAD"}
        assert (await resp.json())["type"].endswith("/method-not-allowed")


async def test_node_document__stays_valid_after_more_rotations_than_it_can_list(nodes: Any) -> None:
    """Found by the fuzzing: after 65 key rotations the document broke the protocol's limit of 64
    old keys and /.well-known/gemellaggio answered 422 to everyone, cutting the node off."""
    home = await nodes("Home")
    kids = []
    for _ in range(66):
        kids.append((await home.api.ok("POST", "/api/v1/keys/rotate"))["old_kid"])
    status, envelope = await home.api.call("GET", "/.well-known/gemellaggio")
    assert status == 200
    parsed = read_envelope(envelope)
    current = parsed.object["verify_keys"][parsed.signature.kid]["key"]
    doc = open_envelope(parsed, VerifyKey.from_b64url(current), signer=home.url)
    assert isinstance(doc, NodeDocument)
    assert list(doc.old_verify_keys) == kids[-64:]  # the most recent 64, oldest first
    assert doc.version == 67


# -- dates at the edges of what a datetime holds ----------------------------------------------------

EDGE_INSTANTS = [
    "9999-12-31T20:00:00-05:00",
    "0001-01-01T00:30:00+01:00",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "1969-12-31T23:59:59Z",
    "9000-01-01T00:00:00Z",
]


@hypothesis.settings(max_examples=60, deadline=None)
@hypothesis.given(obj=wire_objects(), edge=st.sampled_from(EDGE_INSTANTS), data=st.data())
def test_wire__instants_at_the_edges_are_invalid_objects_not_crashes(obj: Any, edge: str, data: Any) -> None:
    """Found by boundary probing: an instant whose offset takes it past year 1 or 9999 crashed the
    model with OverflowError (a 500 for the whole inbox batch) instead of failing validation."""
    raw = obj.to_wire()
    fields = [name for name, value in raw.items() if isinstance(value, str) and _INSTANT.fullmatch(value)]
    hypothesis.assume(fields)
    raw[data.draw(st.sampled_from(fields))] = edge
    with pytest.raises(ValidationError):
        parse_object(raw)


_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/events?from=9999-12-31", None),
        ("GET", "/api/v1/events?from=0001-01-01", None),
        ("GET", "/api/v1/slots?to=0001-01-01", None),
        ("GET", "/api/v1/slots?from=0001-01-01T00:00", None),
        ("POST", "/api/v1/events", {"title": "x", "starts_at": "0001-01-01T00:00", "ends_at": "0001-01-01T01:00"}),
        ("POST", "/api/v1/events", {"title": "x", "starts_at": "9999-12-31T22:00", "ends_at": "9999-12-31T23:00"}),
    ],
)
async def test_times__dates_at_the_edges_are_refused_not_500(nodes: Any, method: str, path: str, body: Any) -> None:
    """Found by boundary probing: these answered 500 (OverflowError adding a window or an offset)."""
    home = await nodes("Home", "Europe/Rome")
    status, problem = await home.api.call(method, path, body)
    assert status == 422 and problem["type"].endswith("/validation-error"), problem
    assert "1970" in problem["detail"]


# -- recurrence rules a twin may send --------------------------------------------------------------

UNMATCHABLE = [
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=WEEKLY;BYMONTH=4;BYMONTHDAY=31",
    "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4",
    "FREQ=YEARLY;BYYEARDAY=1;BYMONTH=2",
    "FREQ=DAILY;INTERVAL=7;BYDAY=MO",
    "FREQ=DAILY;INTERVAL=0",
]


@pytest.mark.parametrize("rule", UNMATCHABLE)
def test_recurrence__a_rule_that_may_never_match_is_not_expanded(rule: str) -> None:
    """Found by probing a twin's events: dateutil looks for the next match up to the year 9999, so
    one event with such a rule cost about 3 s of CPU on the event loop in every member's listing."""
    start = datetime(2026, 12, 1, 18, 0, tzinfo=ZoneInfo("UTC"))  # a Tuesday
    assert unbounded(rule, start) is not None
    assert read_rule(rule, start) is None  # a twin's: shown as its first occurrence alone
    with pytest.raises(Problem):
        parse_rule(rule, start)  # ours: refused with the reason


@pytest.mark.parametrize(
    "rule",
    ["FREQ=WEEKLY;BYDAY=TU", "FREQ=MONTHLY;BYDAY=1TU", "FREQ=MONTHLY;BYDAY=1TU,-1TU", "FREQ=DAILY;COUNT=5",
     "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=1", "FREQ=DAILY;INTERVAL=7;BYDAY=TU", "FREQ=MONTHLY;INTERVAL=2"],
)  # fmt: skip
def test_recurrence__ordinary_rules_still_expand(rule: str) -> None:
    start = datetime(2026, 12, 1, 18, 0, tzinfo=ZoneInfo("UTC"))
    assert unbounded(rule, start) is None
    assert parse_rule(rule, start) is not None


async def test_inbox__a_rule_with_no_occurrence_does_not_fail_the_batch(nodes: Any) -> None:
    """Found by probing: COUNT=0 from a twin raised IndexError while indexing the series, and the
    whole batch answered 500: the twin's outbox would have retried it, and all behind it, forever."""
    home, peer = await nodes("Home"), await nodes("Peer")
    await twin(peer, home)
    key = peer.node.keys.current
    items = [
        seal(make_event(peer.url, f"ev-{n}", rrule=rule), key).model_dump(mode="json")
        for n, rule in enumerate(["FREQ=DAILY;COUNT=0", *UNMATCHABLE[:3], "FREQ=WEEKLY"])
    ]
    resp = await peer.node.client.send("POST", home.url + "/federation/v1/inbox", {"items": items})
    assert resp.status == 202, resp.body
    assert [r["status"] for r in resp.json()["results"]] == ["applied"] * len(items)


# -- answers that nest too deeply, or are not what they claim --------------------------------------


async def test_json__a_body_nested_past_the_parser_limit_is_a_validation_error(nodes: Any) -> None:
    """Found by probing: 200 KB of `[[[[...]]]]` raised RecursionError in the JSON parser: a 500."""
    home = await nodes("Home")
    deep = b"[" * 100_000 + b"]" * 100_000
    headers = {"Authorization": f"Bearer {home.token}", "Content-Type": "application/json"}
    async with home.api.session.post(home.local + "/api/v1/events", data=deep, headers=headers) as resp:
        assert resp.status == 422 and (await resp.json())["detail"] == "the body's JSON nests too deeply"


class GarbledCancellations(FaultProxy):
    """In front of a host: answers every cancellation 200 with something that is not a receipt."""

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        if request.method == "DELETE" and request.path.startswith("/federation/v1/reservations/"):
            return web.Response(status=200, body=b"[" * 100_000, content_type="application/json")
        return await super()._forward(request)


async def test_cancel__a_host_answering_garbage_gives_the_member_a_problem_not_a_500(nodes: Any) -> None:
    """Found by reading the cancel path after the probe above: a 200 that is not JSON (or not a
    receipt) from the host answered the member with a 500 (or a misleading validation-error)."""
    proxy = GarbledCancellations()
    await proxy.start()
    try:
        host = await nodes("Host", "UTC", url=proxy.url)
        proxy.target_port = host.port
        home = await nodes("Home", "UTC")
        await twin(host, home, offer=GIVE, request=GIVE)
        desk = await host.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": "Desks", "capacity": 4})
        day = (datetime.now(UTC) + timedelta(days=5)).date()
        slot = await host.api.ok("POST", "/api/v1/slots", {"resource_id": desk["id"], "twin_id": home.url,
                                 "starts_at": f"{day}T09:00", "ends_at": f"{day}T17:00", "seats": 2})  # fmt: skip
        member = await home.api.ok("POST", "/api/v1/members", {"display_name": "Ada", "email": "ada@example.org"})
        await eventually(lambda: _replica(home, slot["id"]), True)
        rid = str(uuid.uuid4())
        await home.api.ok("PUT", f"/api/v1/reservations/{rid}", {"slot_id": slot["id"]}, token=member["token"])
        status, problem = await home.api.call("DELETE", f"/api/v1/reservations/{rid}", token=member["token"])
        assert status == 502 and problem["type"].endswith("/peer-unreachable"), problem
        status, kept = await home.api.call("GET", f"/api/v1/reservations/{rid}", token=member["token"])
        assert kept["status"] == "confirmed"
    finally:
        await proxy.stop()


GIVE = {"allowances": [], "rules": {"book_ahead_days": 60, "min_notice_hours": 0, "cancel_until_hours": 1,
                                    "max_seats_per_reservation": 2}}  # fmt: skip


async def _replica(home: Any, slot_id: str) -> bool:
    return any(s.id == slot_id for s in await home.node.store.objects.list("Slot", exclude_origin=home.url))
