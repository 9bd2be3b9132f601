"""The demo's sample data, made through the two nodes' local APIs as an operator would.

NYC proposes, London accepts; each space adds resources, offers the other slots for the
coming days and publishes events; London re-hosts NYC's demo night; each has a member; and
London's member reserves a desk in New York, so both ledgers have something to show.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import aiohttp


@dataclass(frozen=True)
class Space:
    key: str
    name: str
    timezone: str
    location: str
    host: str
    member_name: str
    member_email: str
    resources: tuple[dict[str, Any], ...]
    events: tuple[dict[str, Any], ...]


SPACES = (
    Space(
        key="nyc",
        name="WeCreate NYC",
        timezone="America/New_York",
        location="New York, NY",
        host="127.0.0.1",
        member_name="Ada Lopez",
        member_email="ada@wecreate.example",
        resources=(
            {"id": "hot-desks", "kind": "desk", "name": "Hot desks", "capacity": 12},
            {"id": "hudson-room", "kind": "meeting_room", "name": "Hudson room", "capacity": 6},
        ),
        events=(
            {
                "title": "Founders' breakfast",
                "day": 2,
                "start": "08:30",
                "end": "10:00",
                "room": "Loft",
                "capacity": 25,
                "summary": "Bagels, coffee and ten-minute updates.",
            },
            {
                "title": "Demo night: tools we built",
                "day": 3,
                "start": "18:00",
                "end": "20:30",
                "room": "Main floor",
                "capacity": 60,
                "online_url": "https://meet.example/wecreate-demo-night",
                "summary": "Five members show what they shipped this month.",
            },
        ),
    ),
    Space(
        key="london",
        name="TheCube London",
        timezone="Europe/London",
        location="London, UK",
        host="localhost",
        member_name="Ben Carter",
        member_email="ben@thecube.example",
        resources=(
            {"id": "flex-desks", "kind": "desk", "name": "Flex desks", "capacity": 10},
            {"id": "thames-room", "kind": "meeting_room", "name": "Thames room", "capacity": 8},
        ),
        events=(
            {
                "title": "Design critique",
                "day": 2,
                "start": "12:30",
                "end": "13:30",
                "room": "Studio",
                "capacity": 15,
                "summary": "Bring a screen, get three honest opinions.",
            },
            {
                "title": "Walk and talk by the Thames",
                "day": 4,
                "start": "17:30",
                "end": "19:00",
                "capacity": 20,
                "summary": "An hour's walk; meet at the front desk.",
            },
        ),
    ),
)


CONVERGE_SECONDS = 20.0
# What each space gives the other's members: the same both ways.
TERMS = {
    "allowances": [
        {"kind": "desk", "unit": "day", "amount": 20, "period": "month"},
        {"kind": "meeting_room", "unit": "hour", "amount": 6, "period": "month"},
    ],
    "rules": {"book_ahead_days": 30, "min_notice_hours": 2, "cancel_until_hours": 24, "max_seats_per_reservation": 2},
}


class Target(Protocol):
    space: Space
    url: str
    operator_token: str
    member_token: str


async def seed(nyc: Target, london: Target) -> str:
    """Twin the two spaces and add sample data; returns the month (YYYY-MM) of the sample reservation."""
    async with aiohttp.ClientSession() as session:
        a, b = _Api(session, nyc.url, nyc.operator_token), _Api(session, london.url, london.operator_token)
        body = {"url": london.url, "offer": TERMS, "request": TERMS, "message": "Shall we twin?"}
        proposal = await a.call("POST", "/api/v1/twins", body)
        await b.call("POST", f"/api/v1/twins/{proposal['id']}/accept")
        await _until(lambda: a.call("GET", f"/api/v1/twins/{proposal['id']}"), lambda t: t["status"] == "active")
        for here, there, api in ((nyc, london, a), (london, nyc, b)):
            await _space(api, here.space, there.url)
            here.member_token = await _member(api, here.space)
        await _export_demo_night(a, b, nyc.url)
        return await _reserve_abroad(b, london.member_token, nyc.url, proposal["id"])


async def _space(api: _Api, space: Space, twin_url: str) -> None:
    for resource in space.resources:
        await api.call("POST", "/api/v1/resources", resource)
    for day in _days(space.timezone, 7):
        await _offer(api, space.resources[0]["id"], twin_url, day, "09:00", "18:00", 4)
        if day.toordinal() % 2 == 0:
            await _offer(api, space.resources[1]["id"], twin_url, day, "10:00", "12:00", 1)
        else:
            await _offer(api, space.resources[1]["id"], twin_url, day, "14:00", "16:00", 1)
    first = _days(space.timezone, 7)[0]
    for event in space.events:
        day = first + timedelta(days=event["day"] - 1)
        body = {k: v for k, v in event.items() if k not in ("day", "start", "end")}
        body.update(starts_at=f"{day}T{event['start']}", ends_at=f"{day}T{event['end']}", venue=space.name)
        await api.call("POST", "/api/v1/events", body)


async def _offer(api: _Api, resource: str, twin: str, day: date, start: str, end: str, seats: int) -> None:
    body = {
        "resource_id": resource,
        "twin_id": twin,
        "starts_at": f"{day}T{start}",
        "ends_at": f"{day}T{end}",
        "seats": seats,
    }
    await api.call("POST", "/api/v1/slots", body)


async def _member(api: _Api, space: Space) -> str:
    created = await api.call(
        "POST", "/api/v1/members", {"display_name": space.member_name, "email": space.member_email}
    )
    return str(created["token"])


async def _export_demo_night(nyc: _Api, london: _Api, nyc_url: str) -> None:
    """London re-hosts NYC's demo night as a live watch party."""
    listing = await _until(
        lambda: london.call("GET", f"/api/v1/events?origin={nyc_url}"),
        lambda found: any(e["title"].startswith("Demo night") for e in found["items"]),
    )
    source = next(e for e in listing["items"] if e["title"].startswith("Demo night"))
    await london.call("POST", f"/api/v1/events/{source['id']}/export", {"origin": nyc_url, "room": "Main hall"})


async def _reserve_abroad(london: _Api, member_token: str, nyc_url: str, twinning_id: str) -> str:
    """London's member takes a desk in New York the day after tomorrow."""
    offered = await _until(
        lambda: london.call("GET", f"/api/v1/twins/{twinning_id}/slots"),
        lambda found: len(found["items"]) >= 4,
    )
    desks = [s for s in offered["items"] if s["resource"]["kind"] == "desk"]
    slot = desks[min(1, len(desks) - 1)]
    body = {"slot_id": slot["id"], "twin_id": nyc_url, "seats": 1}
    await london.call("PUT", f"/api/v1/reservations/{uuid.uuid4()}", body, token=member_token)
    return str(slot["starts_at"])[:7]  # written in the host's zone: the host's month, as the ledger counts


def _days(zone: str, count: int) -> list[date]:
    """The next `count` days in `zone`, from tomorrow (slots need some notice)."""
    today = datetime.now(ZoneInfo(zone)).date()
    return [today + timedelta(days=i) for i in range(1, count + 1)]


class _Api:
    def __init__(self, session: aiohttp.ClientSession, base: str, token: str) -> None:
        self.session, self.base, self.token = session, base, token

    async def call(self, method: str, path: str, body: Any = None, *, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        async with self.session.request(method, self.base + path, json=body, headers=headers) as resp:
            data = await resp.json(content_type=None)
            if resp.status >= 300:
                raise RuntimeError(f"demo setup: {method} {self.base}{path} answered {resp.status}: {data}")
            return data


async def _until(probe: Any, done: Any) -> Any:
    deadline = time.monotonic() + CONVERGE_SECONDS
    while True:
        value = await probe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise RuntimeError("demo setup: the two nodes did not converge in time")
        await asyncio.sleep(0.1)
