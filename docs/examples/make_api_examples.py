"""Write docs/API.md: the API reference, with an example request and answer for every operation,
captured from real nodes running on loopback (so no example can be fictional).

    python docs/examples/make_api_examples.py            # rewrite docs/API.md
    python docs/examples/make_api_examples.py --stdout   # print it instead

Three nodes run in this process: Home (the node every example calls), Twin (an active twin)
and Guest (a node that proposes a twinning). Federation examples are signed exactly as a node
signs them, with a pretty-printed body so that the Content-Digest shown matches the bytes
shown; tests/api/test_api_doc.py verifies that signature and checks every JSON answer against
the OpenAPI document. Tokens and the calendar secret are replaced by <placeholders>.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
for _path in (REPO, Path(__file__).resolve().parent):  # run as a script from anywhere
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import aiohttp  # noqa: E402
from api_doc import render  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402

from node.logs import configure_logging  # noqa: E402
from node.mail.sink import MailSink  # noqa: E402
from node.mail.unsubscribe import signature  # noqa: E402
from protocol.envelope import seal  # noqa: E402
from protocol.httpsig import sign_request  # noqa: E402
from protocol.models import MemberPass, ReservationRequest, Target, Terms, TwinningProposal  # noqa: E402
from tests.activitypub.follower import BovineFollower  # noqa: E402
from tests.support.mail import mail_config, wait_for_mail  # noqa: E402
from tests.support.nodes import InProcessNode, eventually  # noqa: E402
from tests.support.objects import make_event  # noqa: E402

DOC = REPO / "docs" / "API.md"
SHOWN_HEADERS = ("Content-Type", "Allow", "ETag", "Retry-After", "Cache-Control")
TERMS = {
    "allowances": [{"kind": "desk", "unit": "day", "amount": 20, "period": "month"}],
    "rules": {"book_ahead_days": 60, "min_notice_hours": 0, "cancel_until_hours": 1, "max_seats_per_reservation": 2},
}


@dataclass
class Exchange:
    """One request and its answer, as sent and received."""

    operation: str
    host: str
    method: str
    target: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int
    reason: str
    response_headers: dict[str, str]
    response_body: str


class Recorder:
    """Calls Home and keeps each exchange under its operation id."""

    def __init__(self, session: aiohttp.ClientSession, home: InProcessNode) -> None:
        self.session, self.home = session, home
        self.exchanges: dict[str, Exchange] = {}
        self.secrets: dict[str, str] = {home.token: "<operator token>"}

    async def call(
        self,
        operation: str,
        method: str,
        target: str,
        body: Any = None,
        *,
        token: str | None = None,
        signer: InProcessNode | None = None,
        csv: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Any:
        raw = None if body is None else json.dumps(body, indent=2, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"} if raw else {}
        if csv is not None:
            raw, headers = csv.encode(), {"Content-Type": "text/csv"}
        headers |= extra_headers or {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if signer is not None:
            key = signer.node.keys.current
            url = self.home.url + target
            headers |= sign_request(method, url, headers, raw or b"", key, f"{signer.url}#{key.kid}")
        async with self.session.request(method, self.home.local + target, data=raw, headers=headers) as resp:
            text = await resp.text()
            shown = {k: resp.headers[k] for k in SHOWN_HEADERS if k in resp.headers}
            exchange = Exchange(
                operation,
                self.home.url,
                method,
                target,
                headers,
                raw.decode() if raw else None,
                resp.status,
                resp.reason or "",
                shown,
                text,
            )
        assert resp.status < 400, f"{operation}: {method} {target} -> {resp.status} {text}"
        self.exchanges[operation] = exchange
        return json.loads(text) if resp.content_type.endswith("json") else text


async def scenario(root: Path) -> tuple[Recorder, dict[str, Any]]:
    sink = MailSink()  # Home mails sign-in codes and invitations here
    await sink.start()
    home = await InProcessNode.create(root, "Home", "Europe/Rome", config=mail_config(sink.port))
    twin_node = await InProcessNode.create(root, "Twin", "America/New_York")
    guest = await InProcessNode.create(root, "Guest", "Asia/Tokyo")
    session = aiohttp.ClientSession()
    rec = Recorder(session, home)
    call = rec.call
    facts: dict[str, Any] = {"nodes": {"Home": home, "Twin": twin_node, "Guest": guest}}
    day = (datetime.now(UTC) + timedelta(days=7)).date()

    # -- public, and a twinning with Twin proposed from Home and accepted there
    for op, target in (
        ("nodeDocument", "/.well-known/gemellaggio"),
        ("health", "/healthz"),
        ("aboutNode", "/api/v1/node"),
    ):
        await call(op, "GET", target)
    proposed = await call(
        "proposeTwinning",
        "POST",
        "/api/v1/twins",
        {"url": twin_node.url, "offer": TERMS, "request": TERMS},
        token=home.token,
    )
    await twin_node.api.ok("POST", f"/api/v1/twins/{proposed['id']}/accept")
    await eventually(lambda: _status(home, proposed["id"]), "active")
    twinning = proposed["id"]
    await call("listTwinnings", "GET", "/api/v1/twins", token=home.token)

    # -- Guest proposes; Home's operator accepts after checking the fingerprint
    guest_proposal = await guest.api.ok("POST", "/api/v1/twins", {"url": home.url})
    await call("getTwinning", "GET", f"/api/v1/twins/{guest_proposal['id']}", token=home.token)
    await call("acceptTwinning", "POST", f"/api/v1/twins/{guest_proposal['id']}/accept", token=home.token)

    # -- a stranger's proposal, as it arrives (signed by a node of its own), then declined
    visitor = await InProcessNode.create(root, "Visitor", "UTC")
    proposal = TwinningProposal(
        origin=visitor.url,
        id=str(uuid.uuid4()),
        version=1,
        proposer=visitor.url,
        acceptor=home.url,
        offer=Terms.model_validate(TERMS),
        request=Terms.model_validate(TERMS),
        valid_from=datetime.now(UTC).replace(microsecond=0),
    )
    envelope = seal(proposal, visitor.node.keys.current).model_dump(mode="json")
    await call("twinning", "POST", "/federation/v1/twinning", envelope, signer=visitor)
    await call(
        "declineTwinning", "POST", f"/api/v1/twins/{proposal.id}/decline", {"reason": "Not this year"}, token=home.token
    )

    # -- events: Home's own, and Twin's re-hosted at Home (then Twin moves it: a flag)
    start = f"{day}T18:30"
    event = await call(
        "createEvent",
        "POST",
        "/api/v1/events",
        {
            "title": "Founders' breakfast",
            "starts_at": start,
            "ends_at": f"{day}T20:00",
            "room": "Terrace",
            "capacity": 40,
            "tags": ["community"],
        },
        token=home.token,
    )
    await call(
        "updateEvent",
        "PATCH",
        f"/api/v1/events/{event['id']}",
        {"summary": "Coffee and introductions"},
        token=home.token,
    )
    talk = await twin_node.api.ok(
        "POST", "/api/v1/events", {"title": "Demo day", "starts_at": f"{day}T12:00", "ends_at": f"{day}T14:00"}
    )
    await eventually(lambda: _has_event(home, twin_node.url, talk["id"]), True)
    copy = await call(
        "exportEvent", "POST", f"/api/v1/events/{talk['id']}/export", {"room": "Main hall"}, token=home.token
    )
    await twin_node.api.ok(
        "PATCH", f"/api/v1/events/{talk['id']}", {"starts_at": f"{day}T13:00", "ends_at": f"{day}T15:00"}
    )
    await eventually(lambda: _flagged(home), True)
    await call("eventFlags", "GET", "/api/v1/events/flags", token=home.token)
    await call(
        "resolveFlag", "POST", f"/api/v1/events/{copy['id']}/flags/resolve", {"action": "follow"}, token=home.token
    )

    # -- members, resources and slots
    member = await call(
        "addMember",
        "POST",
        "/api/v1/members",
        {"display_name": "Ada Lovelace", "email": "ada@home.example"},
        token=home.token,
    )
    rec.secrets[member["token"]] = "<member token>"
    rec.secrets[member["calendar_url"].split("secret=")[1]] = "<calendar secret>"
    leaving = await home.api.ok("POST", "/api/v1/members", {"display_name": "Bo", "email": "bo@home.example"})
    await call("listMembers", "GET", "/api/v1/members", token=home.token)
    await people_examples(rec, home, sink, member)
    await profile_examples(rec, home, twin_node, member)
    await call("removeMember", "DELETE", f"/api/v1/members/{leaving['id']}", token=home.token)
    await call("listEvents", "GET", f"/api/v1/events?from={day}&to={day + timedelta(days=1)}", token=member["token"])
    await call("getEvent", "GET", f"/api/v1/events/{event['id']}", token=member["token"])
    await call("cancelEvent", "DELETE", f"/api/v1/events/{event['id']}", token=home.token)
    await call("publicCalendar", "GET", "/calendar.ics")
    desk = await call(
        "addResource",
        "POST",
        "/api/v1/resources",
        {
            "id": "hot-desks",
            "kind": "desk",
            "name": "Hot desks",
            "capacity": 12,
            "opening_hours": {d: ["08:00-20:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        },
        token=home.token,
    )
    await call("listResources", "GET", "/api/v1/resources", token=home.token)
    weekday = _weekday_after(day)
    slot = {
        "resource_id": desk["id"],
        "twin_id": twin_node.url,
        "starts_at": f"{weekday}T09:00",
        "ends_at": f"{weekday}T18:00",
        "seats": 4,
    }
    offered = await call("offerSlot", "POST", "/api/v1/slots", slot, token=home.token)
    spare = await home.api.ok(
        "POST", "/api/v1/slots", {**slot, "seats": 1, "starts_at": f"{weekday}T18:00", "ends_at": f"{weekday}T19:00"}
    )
    await call("withdrawSlot", "DELETE", f"/api/v1/slots/{spare['id']}", token=home.token)
    await call("listSlots", "GET", f"/api/v1/slots?from={day}", token=home.token)
    series = {
        "resource_id": desk["id"],
        "twin": twin_node.url,
        "seats": 2,
        "weekdays": ["MO", "WE", "FR"],
        "from_time": "14:00",
        "to_time": "17:00",
        "start_date": str(day + timedelta(days=14)),
        "end_date": str(day + timedelta(days=40)),
        "exceptions": [],
    }
    offer = await call("addOffer", "POST", "/api/v1/offers", series, token=home.token)
    await call("listOffers", "GET", "/api/v1/offers", token=home.token)
    await call(
        "withdrawOffer", "DELETE", f"/api/v1/offers/{offer['id']}?from={day + timedelta(days=30)}", token=home.token
    )

    # -- reserving abroad: Twin offers Home's members a desk; Ada reserves it, then cancels
    twin_desk = await twin_node.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": "Desks", "capacity": 8})
    twin_slot = await twin_node.api.ok(
        "POST",
        "/api/v1/slots",
        {
            "resource_id": twin_desk["id"],
            "twin_id": home.url,
            "starts_at": f"{weekday}T09:00",
            "ends_at": f"{weekday}T17:00",
            "seats": 3,
        },
    )
    await eventually(lambda: _sees_slot(home, twin_node, twin_slot["id"], member["token"]), True)
    await call("twinSlots", "GET", f"/api/v1/twins/{twin_node.url}/slots", token=member["token"])
    rid = str(uuid.uuid4())
    await call(
        "reserve", "PUT", f"/api/v1/reservations/{rid}", {"slot_id": twin_slot["id"], "seats": 1}, token=member["token"]
    )
    await call("getReservation", "GET", f"/api/v1/reservations/{rid}", token=member["token"])
    await call("myReservations", "GET", "/api/v1/reservations", token=member["token"])
    await call("myCalendar", "GET", "/api/v1/reservations.ics", token=member["token"])
    await call("ledger", "GET", "/api/v1/ledger", token=home.token)
    await call("cancelReservation", "DELETE", f"/api/v1/reservations/{rid}", token=member["token"])
    await waitlist_examples(rec, home, twin_node, member, twin_desk["id"], weekday)

    # -- federation calls Twin makes to Home, signed by Twin
    hosted = str(uuid.uuid4())
    await call(
        "hostReserve",
        "PUT",
        f"/federation/v1/reservations/{hosted}",
        _reservation_request(twin_node, home, hosted, offered["id"]),
        signer=twin_node,
    )
    await call("guests", "GET", f"/api/v1/guests?date={weekday}", token=home.token)
    # The front desk works on the day: Home's clock goes there for two calls (the receipts they
    # queue for Twin are signed again once it is back).
    home.node.clock.offset_seconds = (_at(weekday, 11, "Europe/Rome") - datetime.now(UTC)).total_seconds()
    await call("checkIn", "POST", f"/api/v1/guests/{hosted}/check-in", token=home.token)
    await call("noShow", "POST", f"/api/v1/guests/{hosted}/no-show", token=home.token)  # a slip, corrected
    home.node.clock.offset_seconds = 0
    await call("hostCancel", "DELETE", f"/federation/v1/reservations/{hosted}", signer=twin_node)
    await call("feed", "GET", "/federation/v1/feed?after=0&limit=2", signer=twin_node)
    item = make_event(twin_node.url, "ev-live-stream", title="Live stream: Demo day", days=10)
    await call(
        "inbox",
        "POST",
        "/federation/v1/inbox",
        {"items": [seal(item, twin_node.node.keys.current).model_dump(mode="json")]},
        signer=twin_node,
    )

    # -- the fediverse: a follower built with bovine follows Home, the operator sees, removes and blocks
    host = home.url.split("://", 1)[1]
    await call("webfinger", "GET", f"/.well-known/webfinger?resource=acct:space@{host}")
    await call("nodeinfoLinks", "GET", "/.well-known/nodeinfo")
    follower = await BovineFollower().start()
    await follower.follow(f"{home.url}/ap/actor", f"{home.url}/ap/inbox")
    await call("listFollowers", "GET", "/api/v1/activitypub/followers", token=home.token)
    await call("removeFollower", "DELETE", f"/api/v1/activitypub/followers?actor={follower.actor_id}", token=home.token)
    await follower.stop()
    await call("blockInstance", "POST", "/api/v1/activitypub/blocks", {"host": "spam.example"}, token=home.token)
    await call("listBlocks", "GET", "/api/v1/activitypub/blocks", token=home.token)
    await call("unblockInstance", "DELETE", "/api/v1/activitypub/blocks/spam.example", token=home.token)

    # -- operations on the twinning and the node itself, last
    await call("deliveryStatus", "GET", "/api/v1/status", token=home.token)
    await call(
        "suspendTwinning", "POST", f"/api/v1/twins/{twinning}/suspend", {"reason": "Renovation"}, token=home.token
    )
    await call("resumeTwinning", "POST", f"/api/v1/twins/{twinning}/resume", token=home.token)
    await call(
        "endTwinning", "POST", f"/api/v1/twins/{guest_proposal['id']}/end", {"reason": "Pilot over"}, token=home.token
    )
    await call("rotateKey", "POST", "/api/v1/keys/rotate", token=home.token)
    await call("metrics", "GET", "/metrics")
    await call("openapi", "GET", "/api/v1/openapi.json")
    facts["signers"] = {
        name: {"url": node.url, "kid": node.node.keys.current.kid, "key": node.node.keys.current.verify_key.b64url}
        for name, node in (("Twin", twin_node), ("Visitor", visitor))
    }
    await session.close()
    for node in (visitor, guest, twin_node, home):
        await node.stop()
        await node.close_session()
    await sink.stop()
    return rec, facts


async def profile_examples(
    rec: Recorder, home: InProcessNode, twin_node: InProcessNode, member: dict[str, Any]
) -> None:
    """A card shared with the twins, one of Twin's cards found in Home's directory, hiding, withdrawing."""
    call = rec.call
    grace = await twin_node.api.ok("POST", "/api/v1/members", {"display_name": "Grace", "email": "g@twin.example"})
    theirs = {
        "display_name": "Grace H.",
        "headline": "Compilers, and teaching them",
        "skills": ["software-development", "Insegnamento"],
        "languages": ["en"],
        "open_to_visitors": True,
        "shared": ["display_name", "headline", "skills", "languages", "open_to_visitors"],
        "audience": "twins",
    }
    card = await twin_node.api.ok("PUT", "/api/v1/profile", theirs, token=grace["token"])
    await eventually(lambda: _holds_card(home, twin_node.url, card["member"]), True)
    mine = {
        "display_name": "Ada L.",
        "headline": "Engines, notes and programs",
        "bio": "Writing programs for machines not yet built.",
        "skills": ["Progettazione grafica", "software-development", "letterpress"],
        "interests": ["music"],
        "languages": ["en", "it"],
        "city": "Rome",
        "links": ["https://example.org/ada"],
        "looking_for": "Someone to build the engine with",
        "open_to_visitors": False,
        "shared": ["display_name", "headline", "skills", "languages", "city"],
        "audience": "twins",
    }
    await call("putMyCard", "PUT", "/api/v1/profile", mine, token=member["token"])
    await call("getMyCard", "GET", "/api/v1/profile", token=member["token"])
    await call("searchDirectory", "GET", "/api/v1/directory?q=software&limit=10", token=member["token"])
    hide = {"origin": twin_node.url, "member": card["member"], "hidden": True}
    await call("hideCard", "POST", "/api/v1/directory/hidden", hide, token=home.token)
    await call("withdrawMyCard", "DELETE", "/api/v1/profile", token=member["token"])


async def _holds_card(node: InProcessNode, origin: str, handle: str) -> bool:
    return await node.node.profiles.get_remote(origin, handle) is not None


async def people_examples(rec: Recorder, home: InProcessNode, sink: MailSink, member: dict[str, Any]) -> None:
    """Sign-in by e-mail, invitations, CSV import, exports, operator tokens, unsubscribe."""
    call = rec.call
    asked = await call("askSignInCode", "POST", "/api/v1/auth/email", {"email": "ada@home.example"})
    rec.secrets[asked["binding"]] = "<browser binding>"
    mails = await wait_for_mail(sink, "ada@home.example")
    code = re.search(r"is (\d{3}) (\d{3})", mails[-1].text())
    assert code is not None
    rec.secrets["".join(code.groups())] = "<code from the mail>"
    signed = await call(
        "verifySignInCode",
        "POST",
        "/api/v1/auth/email/verify",
        {"email": "ada@home.example", "code": "".join(code.groups())},
        extra_headers={"Gemella-Signin": asked["binding"]},
    )
    rec.secrets[signed["token"]] = "<member token>"
    await call("inviteMember", "POST", f"/api/v1/members/{member['id']}/invite", token=home.token)
    members_csv = "Full Name,Email,Language,Member Since\nGiulia Rossi,giulia@home.example,it,2024-02-15\n"
    await call("importMembers", "POST", "/api/v1/members/import?dry_run=true", csv=members_csv, token=home.token)
    await call("exportMembersCsv", "GET", "/api/v1/members.csv", token=home.token)
    await call("exportMember", "GET", f"/api/v1/members/{member['id']}/export", token=home.token)
    await call("exportMine", "GET", "/api/v1/me/export", token=member["token"])
    made = await call("createOperatorToken", "POST", "/api/v1/tokens", {"name": "nightly backup"}, token=home.token)
    rec.secrets[made["token"]] = "<new operator token>"
    await call("listOperatorTokens", "GET", "/api/v1/tokens", token=home.token)
    await call("revokeOperatorToken", "DELETE", f"/api/v1/tokens/{made['id']}", token=home.token)
    raw = home.node.keys.current.private_key().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    sig = signature(raw, member["id"])
    rec.secrets[sig] = "<signature>"
    await call("unsubscribe", "POST", f"/api/v1/unsubscribe/{member['id']}/{sig}")


async def waitlist_examples(
    rec: Recorder, home: InProcessNode, twin_node: InProcessNode, member: dict[str, Any], desk_id: str, weekday: date
) -> None:
    """A 1-seat slot at Twin is taken; Ada joins its waitlist, the seat comes back, she confirms it.
    Then the same at Home, seen from Twin: Twin's member waits for a 1-seat slot and Twin confirms."""
    solo = {"resource_id": desk_id, "twin_id": home.url, "starts_at": f"{weekday}T12:00", "ends_at": f"{weekday}T13:00"}
    small = await twin_node.api.ok("POST", "/api/v1/slots", {**solo, "seats": 1})
    await eventually(lambda: _sees_slot(home, twin_node, small["id"], member["token"]), True)
    other = await home.api.ok("POST", "/api/v1/members", {"display_name": "Bo", "email": "bo@example.org"})
    first, waiting = str(uuid.uuid4()), str(uuid.uuid4())
    await home.api.ok("PUT", f"/api/v1/reservations/{first}", {"slot_id": small["id"]}, token=other["token"])
    joined = {"slot_id": small["id"], "waitlist": True}
    await home.api.ok("PUT", f"/api/v1/reservations/{waiting}", joined, token=member["token"])
    await home.api.ok("DELETE", f"/api/v1/reservations/{first}", token=other["token"])

    async def offered() -> str:
        found = await home.api.ok("GET", f"/api/v1/reservations/{waiting}", token=member["token"])
        return str(found["status"])

    await eventually(offered, "offered")
    await rec.call("confirmReservation", "POST", f"/api/v1/reservations/{waiting}/confirm", token=member["token"])

    # Home hosts: a 1-seat slot for Twin, taken by one of Twin's members; another joins the line.
    desk = await home.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": "Quiet room", "capacity": 1})
    spot = {"resource_id": desk["id"], "twin_id": twin_node.url, "starts_at": f"{weekday}T15:00"}
    spot_slot = await home.api.ok("POST", "/api/v1/slots", {**spot, "ends_at": f"{weekday}T16:00", "seats": 1})
    taken, line = str(uuid.uuid4()), str(uuid.uuid4())
    setup = "_waitlist_setup"  # calls that set the scene; not shown
    asked = _reservation_request(twin_node, home, taken, spot_slot["id"])
    await rec.call(setup, "PUT", f"/federation/v1/reservations/{taken}", asked, signer=twin_node)
    asked = _reservation_request(twin_node, home, line, spot_slot["id"], waitlist=True)
    await rec.call(setup, "PUT", f"/federation/v1/reservations/{line}", asked, signer=twin_node)
    await rec.call(setup, "DELETE", f"/federation/v1/reservations/{taken}", signer=twin_node)
    rec.exchanges.pop(setup)
    confirming = _reservation_request(twin_node, home, line, spot_slot["id"])
    await rec.call("hostConfirm", "POST", f"/federation/v1/reservations/{line}/confirm", confirming, signer=twin_node)


def _reservation_request(
    home_node: InProcessNode, host: InProcessNode, rid: str, slot_id: str, waitlist: bool = False
) -> dict[str, Any]:
    """What a home node sends a host for one of its members (signed request and pass)."""
    now = datetime.now(UTC).replace(microsecond=0)
    key = home_node.node.keys.current
    member_pass = MemberPass(
        origin=home_node.url,
        id=str(uuid.uuid4()),
        version=1,
        member_id="m-7f3a",
        display_name="Cy",
        home=home_node.url,
        issued_at=now,
        expires_at=now + timedelta(minutes=10),
    )
    request = ReservationRequest(
        origin=home_node.url,
        id=rid,
        version=1,
        host=host.url,
        target=Target(kind="slot", id=slot_id),
        seats=1,
        member_pass=seal(member_pass, key).model_dump(mode="json"),
        requested_at=now,
        waitlist=True if waitlist else None,
    )
    return seal(request, key).model_dump(mode="json")


def _at(day: date, hour: int, zone: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(zone))


def _weekday_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def _status(node: InProcessNode, twinning_id: str) -> str:
    return str((await node.api.ok("GET", f"/api/v1/twins/{twinning_id}"))["status"])


async def _has_event(node: InProcessNode, origin: str, event_id: str) -> bool:
    return await node.node.store.objects.get("Event", origin, event_id) is not None


async def _flagged(node: InProcessNode) -> bool:
    return bool((await node.api.ok("GET", "/api/v1/events/flags"))["items"])


async def _sees_slot(home: InProcessNode, host: InProcessNode, slot_id: str, token: str) -> bool:
    status, data = await home.api.call("GET", f"/api/v1/twins/{host.url}/slots", token=token)
    return status == 200 and any(s["id"] == slot_id for s in data["items"])


async def main(args: argparse.Namespace) -> int:
    configure_logging("warning", "console")
    with tempfile.TemporaryDirectory(prefix="gemella-api-doc-") as tmp:
        recorder, facts = await scenario(Path(tmp))
    text = render(recorder.exchanges, recorder.secrets, facts)
    if args.stdout:
        sys.stdout.write(text)
    else:
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC} ({len(recorder.exchanges)} examples)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stdout", action="store_true")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
