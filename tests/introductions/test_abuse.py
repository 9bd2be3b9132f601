"""Abuse: the daily limit, blocks, reports, bounded plain-text messages, and hostile twins."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from protocol.envelope import seal
from protocol.models import IntroductionAnswer, IntroductionRequest
from tests.support.mail import mail_config, wait_for_mail
from tests.support.nodes import eventually

from .support import add_member, card_at, file_bytes, introduction, people_pair, publish_card
from .test_flow import asked, received


async def test_introduction_limit__fifty_in_a_minute_stop_at_the_limit_with_a_clear_sentence(nodes: Any) -> None:
    pair = await people_pair(nodes, london={}, nyc={"people": {"introductions_per_day": 10}})
    await add_member(pair.london, pair, "Ada Lovelace")
    await add_member(pair.nyc, pair, "Ben Carter")
    await publish_card(pair.london, pair.token("Ada Lovelace"), "twins", display_name="Ada L.")
    card = await card_at(pair.nyc, pair.token("Ben Carter"), pair.london.url, "Ada L.")
    body = {"to": {"origin": pair.london.url, "member": card["member"]}, "message": "Hello again"}

    async def one() -> tuple[int, Any]:
        return await pair.nyc.api.call("POST", "/api/v1/introductions", body, token=pair.token("Ben Carter"))

    answers = await asyncio.gather(*(one() for _ in range(50)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [202] * 10 + [429] * 40
    refusal = next(data for status, data in answers if status == 429)
    assert refusal["type"] == "https://gemellaggio.org/problems/introduction-limit"
    assert "You have asked for 10 introductions in the last 24 hours" in refusal["detail"]
    sent = await pair.nyc.api.ok("GET", "/api/v1/introductions", token=pair.token("Ben Carter"))
    assert len(sent["items"]) == 10


async def test_introduction_block__a_blocked_askers_requests_are_declined_unseen(nodes: Any, sink: Any) -> None:
    pair, first = await asked(nodes, sink)
    await eventually(lambda: received(pair), lambda items: len(items) == 1)
    await pair.london.api.ok("POST", f"/api/v1/introductions/{first}/block", token=pair.token("Ada Lovelace"))
    await wait_mails_settled(sink, pair.email("Ada Lovelace"), 1)

    card = await card_at(pair.nyc, pair.token("Ben Carter"), pair.london.url, "Ada L.")
    body = {"to": {"origin": pair.london.url, "member": card["member"]}, "message": "Please answer!"}
    again = await pair.nyc.api.ok("POST", "/api/v1/introductions", body, token=pair.token("Ben Carter"))
    shown = await eventually(
        lambda: introduction(pair.nyc, pair.token("Ben Carter"), again["id"]), lambda i: i["status"] != "requested"
    )
    assert shown["status"] == "declined" and "email" not in shown  # the same answer as any decline
    assert [i["id"] for i in await received(pair)] == [first]  # Ada never sees the new one
    assert len(sink.to(pair.email("Ada Lovelace"))) == 1  # nor gets a mail about it


async def wait_mails_settled(sink: Any, to: str, count: int) -> None:
    await eventually(lambda: _count(sink, to), count)


async def _count(sink: Any, to: str) -> int:
    return len(sink.to(to))


async def test_introduction_report__reaches_the_recipients_operator(nodes: Any, sink: Any) -> None:
    pair, id_ = await asked(nodes, sink, london=mail_config(sink.port, operator_address="community@thecube.example"))
    await eventually(lambda: received(pair), lambda items: len(items) == 1)
    status, made = await pair.london.api.call(
        "POST", f"/api/v1/introductions/{id_}/report", {"reason": "Spam"}, token=pair.token("Ada Lovelace")
    )
    assert status == 201 and made["status"] == "open"
    reports = await pair.london.api.ok("GET", "/api/v1/introduction-reports")
    assert [(r["introduction_id"], r["reason"], r["home"]) for r in reports["items"]] == [(id_, "Spam", pair.nyc.url)]
    [told] = await wait_for_mail(sink, "community@thecube.example")
    assert "Ada Lovelace reported the introduction request of Ben Carter of WeCreate NYC" in told.text()
    assert "Spam" in told.text() and f"{pair.london.url}/admin/introductions" in told.text()
    status, _ = await pair.london.api.call("GET", "/api/v1/introduction-reports", token=pair.token("Ada Lovelace"))
    assert status == 403
    await pair.london.api.ok("POST", f"/api/v1/introduction-reports/{made['id']}/close")
    assert (await pair.london.api.ok("GET", "/api/v1/introduction-reports"))["items"][0]["status"] == "closed"


async def test_introduction_message__bounded_and_plain_text(nodes: Any) -> None:
    pair, _ = await asked(nodes)
    card = await card_at(pair.nyc, pair.token("Ben Carter"), pair.london.url, "Ada L.")
    to = {"origin": pair.london.url, "member": card["member"]}
    for message in ("x" * 1001, "bell\x07", "   "):
        status, problem = await pair.nyc.api.call(
            "POST", "/api/v1/introductions", {"to": to, "message": message}, token=pair.token("Ben Carter")
        )
        assert status == 422 and problem["type"].endswith("/validation-error"), message
        assert problem["errors"][0]["field"] == "message"


async def hostile_post(pair: Any, obj: Any) -> dict[str, Any]:
    """NYC's node, turned hostile, signs `obj` with its own key and pushes it to London's inbox."""
    envelope = seal(obj, pair.nyc.node.keys.current).model_dump(mode="json")
    resp = await pair.nyc.node.client.send("POST", pair.london.url + "/federation/v1/inbox", {"items": [envelope]})
    assert resp.status == 202, resp.status
    return dict(resp.json()["results"][0])


def request_for(pair: Any, to_member: str, **fields: Any) -> IntroductionRequest:
    values: dict[str, Any] = {
        "origin": pair.nyc.url,
        "id": str(uuid.uuid4()),
        "version": 1,
        "host": pair.london.url,
        "to_member": to_member,
        "from_member": "h-hostile",
        "from_name": "Mallory",
        "message": "Buy now",
        "sent_at": datetime.now(UTC).replace(microsecond=0),
    }
    return IntroductionRequest(**{**values, **fields})


async def test_hostile_twin__requests_for_unknown_members_or_other_origins_are_refused(nodes: Any) -> None:
    pair, id_ = await asked(nodes)
    [item] = await eventually(lambda: received(pair), lambda items: len(items) == 1)
    handle = item["other"]["member"]
    ada_card = await card_at(pair.nyc, pair.token("Ben Carter"), pair.london.url, "Ada L.")

    unknown = await hostile_post(pair, request_for(pair, "f" * 32))
    assert unknown["status"] == "rejected" and unknown["problem"]["type"].endswith("/not-found")
    forged = await hostile_post(pair, request_for(pair, ada_card["member"], origin="https://elsewhere.example"))
    assert forged["status"] == "rejected" and forged["problem"]["type"].endswith("/forbidden")
    other_host = await hostile_post(pair, request_for(pair, ada_card["member"], host="https://elsewhere.example"))
    assert other_host["status"] == "rejected"
    early = await hostile_post(pair, request_for(pair, ada_card["member"], id=id_, version=2, email="m@evil.example"))
    assert early["status"] == "rejected"  # an address before the recipient accepted
    answer = IntroductionAnswer(
        origin=pair.nyc.url,
        id=str(uuid.uuid4()),
        version=1,
        home=pair.london.url,
        status="declined",
        answered_at=datetime.now(UTC).replace(microsecond=0),
    )
    assert (await hostile_post(pair, answer))["status"] == "rejected"  # London asked NYC nothing
    assert [i["other"]["member"] for i in await received(pair)] == [handle]
    assert b"m@evil.example" not in file_bytes(pair.london) and b"Buy now" not in file_bytes(pair.london)


async def test_hostile_twin__a_flood_of_made_up_askers_reaches_the_member_at_most_the_daily_limit(nodes: Any) -> None:
    pair, _ = await asked(nodes, london={"people": {"introductions_per_day": 5}})
    ada_card = await card_at(pair.nyc, pair.token("Ben Carter"), pair.london.url, "Ada L.")
    for n in range(12):
        result = await hostile_post(pair, request_for(pair, ada_card["member"], from_member=f"h-made-up-{n}"))
        assert result["status"] == "applied"
    assert len(await received(pair)) == 5  # the honest first request and four of the flood
    declined = await pair.london.node.store.db.fetch_all(
        "SELECT COUNT(*) FROM introductions WHERE side = 'received' AND blocked = 1 AND status = 'declined'"
    )
    assert declined[0][0] == 8
