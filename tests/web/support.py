"""Two real twinned nodes for the page tests, and helpers to sign in and post forms over HTTP."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from tests.support.nodes import InProcessNode, eventually, twin

NYC_ZONE, LONDON_ZONE = "America/New_York", "Europe/London"
TERMS = {
    "allowances": [{"kind": "desk", "unit": "day", "amount": 20, "period": "month"}],
    "rules": {"book_ahead_days": 30, "min_notice_hours": 2, "cancel_until_hours": 24, "max_seats_per_reservation": 2},
}


@dataclass
class Pair:
    """NYC offers London's members a desk slot; each side has members."""

    nyc: InProcessNode
    london: InProcessNode
    twinning_id: str
    slot: dict[str, Any]
    day: date  # the slot's day in New York
    members: dict[str, dict[str, Any]] = field(default_factory=dict)

    def member(self, name: str) -> dict[str, Any]:
        return self.members[name]


async def twinned_pair(nodes: Any, *, seats: int = 4, london_members: tuple[str, ...] = ("Ben Carter",)) -> Pair:
    nyc = await nodes("WeCreate NYC", NYC_ZONE)
    london = await nodes("TheCube London", LONDON_ZONE)
    twinning_id = await twin(nyc, london, offer=TERMS, request=TERMS)
    resource = await nyc.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": "Hot desks", "capacity": 10})
    day = datetime.now(ZoneInfo(NYC_ZONE)).date() + timedelta(days=2)
    slot = await nyc.api.ok(
        "POST",
        "/api/v1/slots",
        {
            "resource_id": resource["id"],
            "twin_id": london.url,
            "starts_at": f"{day}T09:00",
            "ends_at": f"{day}T18:00",
            "seats": seats,
        },
    )
    pair = Pair(nyc, london, twinning_id, slot, day)
    for name in london_members:
        pair.members[name] = await add_member(london, name)
    await eventually(lambda: _replicated(pair), True)
    return pair


async def add_member(node: InProcessNode, name: str) -> dict[str, Any]:
    email = name.lower().replace(" ", ".") + "@example.org"
    return dict(await node.api.ok("POST", "/api/v1/members", {"display_name": name, "email": email}))


async def _replicated(pair: Pair) -> bool:
    return await pair.london.node.store.objects.get("Slot", pair.nyc.url, pair.slot["id"]) is not None


def both_zones(pair: Pair) -> tuple[str, str]:
    """The slot's 09:00-18:00 in New York, as London reads it (4 or 5 hours later)."""
    start = datetime(pair.day.year, pair.day.month, pair.day.day, 9, tzinfo=ZoneInfo(NYC_ZONE))
    here = start.astimezone(ZoneInfo(LONDON_ZONE))
    later = here + timedelta(hours=9)
    return "09:00\u201318:00", f"{here:%H:%M}\u2013{later:%H:%M}"


async def reserve_by_api(pair: Pair, member: dict[str, Any], slot_id: str | None = None) -> tuple[int, Any]:
    body = {"slot_id": slot_id or pair.slot["id"], "twin_id": pair.nyc.url, "seats": 1}
    return await pair.london.api.call("PUT", f"/api/v1/reservations/{uuid.uuid4()}", body, token=member["token"])


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browserless:
    """A cookie-keeping HTTP client that reads pages and posts their forms (for CSRF and privacy tests)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def close(self) -> None:
        await self.session.close()

    async def get(self, path: str) -> tuple[int, str]:
        async with self.session.get(self.base + path) as resp:
            return resp.status, await resp.text()

    async def csrf(self, path: str = "/") -> str:
        _, html = await self.get(path)
        found = CSRF.search(html)
        assert found, f"no CSRF field on {path}"
        return found.group(1)

    async def post(self, path: str, data: dict[str, str], *, follow: bool = False) -> aiohttp.ClientResponse:
        resp = await self.session.post(self.base + path, data=data, allow_redirects=follow)
        await resp.read()
        return resp

    async def sign_in(self, token: str, where: str = "/") -> None:
        action = "/admin/signin" if where == "/admin" else "/signin"
        resp = await self.post(action, {"csrf_token": await self.csrf(where), "token": token})
        assert resp.status == 303, f"sign-in answered {resp.status}"

    def cookie(self, name: str) -> str | None:
        for cookie in self.session.cookie_jar:
            if cookie.key == name:
                return cookie.value
        return None
