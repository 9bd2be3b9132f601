"""A small federation of real nodes, running in a background thread, for the API tests.

The schema fuzzing and the security matrix call the node from ordinary (synchronous) code
with `requests`, the way an outside client would, so the nodes run in their own event loop on
another thread. `Home` is the node under test; around it:

- `Twin` and `Other`: active twins (each with its own slots and reservations at Home);
- `Paused`: a twin whose twinning Home's operator suspended;
- `Stranger`: a running node with a real key that never twinned with Home.

Every call a node makes to another is real HTTP on loopback with real signatures.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import requests

from protocol.envelope import seal
from protocol.httpsig import sign_request
from protocol.models import MemberPass, ReservationRequest, Target
from tests.support.nodes import InProcessNode, eventually, twin

T = TypeVar("T")
RULES = {"book_ahead_days": 60, "min_notice_hours": 0, "cancel_until_hours": 1, "max_seats_per_reservation": 4}
TERMS = {"allowances": [{"kind": "desk", "unit": "day", "amount": 500, "period": "month"}], "rules": RULES}
HOME_ZONE = "Europe/Rome"


class LoopThread:
    """An event loop on a daemon thread; `run(coro)` waits for its result from this thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="api-test-nodes", daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 120.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@dataclass
class Signer:
    """Signs requests as a node would (RFC 9421, its current key, a fresh nonce each time)."""

    node: InProcessNode

    @property
    def keyid(self) -> str:
        return f"{self.node.url}#{self.node.node.keys.current.kid}"

    def headers(self, method: str, url: str, body: bytes, content_type: str | None = None) -> dict[str, str]:
        base = {"Content-Type": content_type} if content_type and body else {}
        return {**base, **sign_request(method, url, base, body, self.node.node.keys.current, self.keyid)}

    def seal(self, obj: Any) -> dict[str, Any]:
        return seal(obj, self.node.node.keys.current).model_dump(mode="json")


class SignAuth(requests.auth.AuthBase):
    """A requests hook: sign each prepared request exactly as it will be sent."""

    def __init__(self, signer: Signer) -> None:
        self.signer = signer

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
            request.body = body
        # Signatures cover the content type only when there is a body; an empty body sends none.
        content_type = request.headers.get("Content-Type") if body else None
        if not body:
            request.headers.pop("Content-Type", None)
        elif content_type is None:
            content_type = "application/octet-stream"
            request.headers["Content-Type"] = content_type
        assert request.method is not None and request.url is not None
        request.headers.update(self.signer.headers(request.method, request.url, body, content_type))
        return request


@dataclass
class World:
    loop: LoopThread
    home: InProcessNode
    twin: InProcessNode
    other: InProcessNode
    paused: InProcessNode
    stranger: InProcessNode
    twinning: dict[str, str]  # node name -> twinning id at Home
    member: dict[str, Any]
    member2: dict[str, Any]
    event: dict[str, Any]
    slot: dict[str, Any]  # Home's slot for Twin
    twin_slot: dict[str, Any]  # Twin's slot for Home
    hosted_id: str  # a reservation Twin's member made at Home
    abroad_id: str  # a reservation Home's `member` made at Twin
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return self.home.url

    def signer(self, name: str) -> Signer:
        return Signer({"twin": self.twin, "other": self.other, "paused": self.paused, "stranger": self.stranger}[name])

    def reservation_request(self, signer: Signer, reservation_id: str, slot_id: str, member_id: str) -> bytes:
        """A ReservationRequest envelope to Home, signed by `signer`'s node with a fresh member pass."""
        now = datetime.now(ZoneInfo("UTC")).replace(microsecond=0)
        origin = signer.node.url
        member_pass = MemberPass(
            origin=origin,
            id=str(uuid.uuid4()),
            version=1,
            member_id=member_id,
            display_name="Visitor",
            home=origin,
            issued_at=now,
            expires_at=now + timedelta(minutes=10),
        )
        request = ReservationRequest(
            origin=origin,
            id=reservation_id,
            version=1,
            host=self.home.url,
            target=Target(kind="slot", id=slot_id),
            seats=1,
            member_pass=signer.seal(member_pass),
            requested_at=now,
        )
        return json.dumps(signer.seal(request)).encode()


def build_world(root: Path) -> World:
    loop = LoopThread()
    return loop.run(_build(loop, root))


async def _build(loop: LoopThread, root: Path) -> World:
    home = await InProcessNode.create(root, "Home", HOME_ZONE)
    peers = {
        name: await InProcessNode.create(root, name, zone)
        for name, zone in (
            ("Twin", "America/New_York"),
            ("Other", "Europe/London"),
            ("Paused", "Asia/Tokyo"),
            ("Stranger", "UTC"),
        )
    }
    twinning = {}
    for name in ("Twin", "Other", "Paused"):
        twinning[name] = await twin(peers[name], home, offer=TERMS, request=TERMS)
    await home.api.ok("POST", f"/api/v1/twins/{twinning['Paused']}/suspend", {"reason": "matrix"})
    member = await home.api.ok("POST", "/api/v1/members", {"display_name": "Ada", "email": "ada@home.example"})
    member2 = await home.api.ok("POST", "/api/v1/members", {"display_name": "Bea", "email": "bea@home.example"})
    day = datetime.now(ZoneInfo(HOME_ZONE)).date() + timedelta(days=5)
    desk = await home.api.ok(
        "POST", "/api/v1/resources", {"id": "desks", "kind": "desk", "name": "Desks", "capacity": 40}
    )
    slot = await home.api.ok("POST", "/api/v1/slots", _slot(desk["id"], peers["Twin"].url, day, 10))
    await home.api.ok("POST", "/api/v1/slots", _slot(desk["id"], peers["Other"].url, day, 10))
    event = await home.api.ok(
        "POST",
        "/api/v1/events",
        {"title": "Demo night", "starts_at": f"{day}T18:00", "ends_at": f"{day}T20:00", "capacity": 30},
    )
    twin_node = peers["Twin"]
    twin_desk = await twin_node.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": "Desks", "capacity": 40})
    twin_slot = await twin_node.api.ok("POST", "/api/v1/slots", _slot(twin_desk["id"], home.url, day, 10))
    visitor = await twin_node.api.ok("POST", "/api/v1/members", {"display_name": "Cy", "email": "cy@twin.example"})
    await eventually(lambda: _replicated(home, twin_node, slot["id"], visitor["token"]), True)
    await eventually(lambda: _replicated(twin_node, home, twin_slot["id"], member["token"]), True)
    hosted_id, abroad_id = str(uuid.uuid4()), str(uuid.uuid4())
    await twin_node.api.ok("PUT", f"/api/v1/reservations/{hosted_id}", {"slot_id": slot["id"]}, token=visitor["token"])
    await home.api.ok("PUT", f"/api/v1/reservations/{abroad_id}", {"slot_id": twin_slot["id"]}, token=member["token"])
    return World(
        loop=loop,
        home=home,
        twin=twin_node,
        other=peers["Other"],
        paused=peers["Paused"],
        stranger=peers["Stranger"],
        twinning=twinning,
        member=member,
        member2=member2,
        event=event,
        slot=slot,
        twin_slot=twin_slot,
        hosted_id=hosted_id,
        abroad_id=abroad_id,
        ids={"desk": desk["id"], "visitor": visitor["id"]},
    )


def _slot(resource_id: str, twin_url: str, day: Any, seats: int) -> dict[str, Any]:
    return {
        "resource_id": resource_id,
        "twin_id": twin_url,
        "starts_at": f"{day}T09:00",
        "ends_at": f"{day}T18:00",
        "seats": seats,
    }


async def _replicated(host: InProcessNode, home: InProcessNode, slot_id: str, token: str) -> bool:
    status, data = await home.api.call("GET", f"/api/v1/twins/{host.url}/slots", token=token)
    return status == 200 and any(s["id"] == slot_id for s in data["items"])


def close_world(world: World) -> None:
    async def stop() -> None:
        for node in (world.home, world.twin, world.other, world.paused, world.stranger):
            await node.stop()
            await node.close_session()

    world.loop.run(stop())
    world.loop.close()
