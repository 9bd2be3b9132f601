"""Helpers for booking tests: terms, members, resources, slots and reservations on real nodes."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.support.nodes import BaseNode, eventually, twin

GENEROUS_RULES = {
    "book_ahead_days": 730,
    "min_notice_hours": 0,
    "cancel_until_hours": 24,
    "max_seats_per_reservation": 5,
}


def terms(*allowances: tuple[str, str, int, str], **rules: int) -> dict[str, Any]:
    """Terms with allowances (kind, unit, amount, period) and rules (defaults: generous)."""
    return {
        "allowances": [{"kind": k, "unit": u, "amount": a, "period": p} for k, u, a, p in allowances],
        "rules": {**GENEROUS_RULES, **rules},
    }


async def twin_for_booking(
    host: BaseNode, home: BaseNode, gives: dict[str, Any], receives: dict[str, Any] | None = None
) -> str:
    """Twin host and home; `gives` is what the host gives the home's members at the host."""
    return await twin(host, home, offer=gives, request=receives or terms())


async def add_member(node: BaseNode, name: str = "Ada") -> dict[str, Any]:
    slug = name.lower().replace(" ", ".")
    return dict(await node.api.ok("POST", "/api/v1/members", {"display_name": name, "email": f"{slug}@example.org"}))


async def add_resource(node: BaseNode, kind: str = "desk", capacity: int = 10, **extra: Any) -> dict[str, Any]:
    body = {"kind": kind, "name": extra.pop("name", f"{kind} area"), "capacity": capacity, **extra}
    return dict(await node.api.ok("POST", "/api/v1/resources", body))


async def offer(node: BaseNode, resource_id: str, twin_url: str, starts: str, ends: str, seats: int) -> dict[str, Any]:
    body = {"resource_id": resource_id, "twin_id": twin_url, "starts_at": starts, "ends_at": ends, "seats": seats}
    return dict(await node.api.ok("POST", "/api/v1/slots", body))


def wall(day: date, hour: int, minute: int = 0) -> str:
    """A local wall time (no offset) on `day`."""
    return datetime(day.year, day.month, day.day, hour, minute).isoformat()


def today_in(tz: str) -> date:
    return datetime.now(ZoneInfo(tz)).date()


def days_ahead(tz: str, days: int) -> date:
    return today_in(tz) + timedelta(days=days)


def first_of_next_month(tz: str, months: int = 1) -> date:
    day = today_in(tz).replace(day=1)
    for _ in range(months):
        day = (day + timedelta(days=32)).replace(day=1)
    return day


def new_id() -> str:
    return str(uuid.uuid4())


async def reserve(home: BaseNode, member: dict[str, Any], rid: str | None = None, **body: Any) -> tuple[int, Any]:
    body.setdefault("seats", 1)
    return await home.api.call("PUT", f"/api/v1/reservations/{rid or new_id()}", body, token=member["token"])


async def replica(home: BaseNode, host: BaseNode, slot_id: str, member: dict[str, Any]) -> dict[str, Any] | None:
    data = await home.api.ok("GET", f"/api/v1/twins/{host.url}/slots", token=member["token"])
    return next((s for s in data["items"] if s["id"] == slot_id), None)


async def wait_remaining(home: BaseNode, host: BaseNode, slot_id: str, member: dict[str, Any], remaining: int) -> None:
    async def probe() -> int | None:
        found = await replica(home, host, slot_id, member)
        return found["remaining"] if found else None

    await eventually(probe, remaining)


def kind_of(problem: dict[str, Any]) -> str:
    return str(problem["type"]).rsplit("/", 1)[-1]
