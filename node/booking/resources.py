"""This space's resources: desks, meeting rooms, phone booths and event spaces, with opening hours."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from node.clock import iso
from node.core import Node
from node.times import invalid
from protocol.models.common import Ident, ResourceKind
from protocol.problems import Problem, ProblemType

from .store import ResourceRepository, ResourceRow

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class ResourceBody(BaseModel):
    """POST /api/v1/resources. Opening hours are wall times in the space's zone, per weekday;
    a day left out is closed; no opening hours at all means always open."""

    model_config = ConfigDict(extra="forbid")
    id: Ident | None = None
    kind: ResourceKind
    name: Annotated[str, Field(min_length=1, max_length=200)]
    capacity: Annotated[int, Field(ge=1, le=10_000)]
    opening_hours: dict[str, Annotated[list[str], Field(max_length=6)]] | None = None

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        if value is None:
            return None
        for day, ranges in value.items():
            if day not in DAYS:
                raise ValueError(f"days are {', '.join(DAYS)}, not {day!r}")
            for text in ranges:
                start, end = _minutes(text)
                if end <= start:
                    raise ValueError(f"{day}: {text!r} must end after it starts (write ranges as HH:MM-HH:MM)")
        return value


def _minutes(text: str) -> tuple[int, int]:
    match = _RANGE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h2 == 24 and m2:
        raise ValueError(f"{text!r}: the day ends at 24:00")
    return h1 * 60 + m1, h2 * 60 + m2


class ResourceService:
    def __init__(self, node: Node, repo: ResourceRepository) -> None:
        self.node = node
        self.repo = repo

    async def add(self, body: ResourceBody) -> ResourceRow:
        resource = ResourceRow(
            id=body.id or uuid.uuid4().hex[:12],
            kind=body.kind,
            name=body.name,
            capacity=body.capacity,
            opening_hours=body.opening_hours,
            created_at=iso(self.node.clock.now()),
        )
        async with self.node.write() as work:
            if not await self.repo.store(work.tx, resource):
                raise Problem(ProblemType.CONFLICT, f"there is already a resource {resource.id}")
        return resource

    async def get(self, resource_id: str, field: str = "resource_id") -> ResourceRow:
        resource = await self.repo.get(resource_id)
        if resource is None:
            raise Problem(
                ProblemType.NOT_FOUND,
                f"{field}: no resource {resource_id}",
                errors=[{"field": field, "message": "no such resource"}],
            )
        return resource

    async def list(self) -> list[dict[str, Any]]:
        return [r.view() for r in await self.repo.list()]


def check_open(resource: ResourceRow, starts_at: datetime, ends_at: datetime, tz: str) -> None:
    """Refuse a slot outside the resource's opening hours (wall time in the space's zone).

    With opening hours, a slot lies within one opening range of one day.
    """
    if resource.opening_hours is None:
        return
    zone = ZoneInfo(tz)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    end_minute = end.hour * 60 + end.minute
    if end.date() == start.date() + timedelta(days=1) and end_minute == 0:
        end_minute = 24 * 60
    elif end.date() != start.date():
        raise invalid("ends_at", f"{resource.name} has opening hours: a slot there lies within one day")
    day = DAYS[start.weekday()]
    start_minute = start.hour * 60 + start.minute
    for text in resource.opening_hours.get(day, []):
        low, high = _minutes(text)
        if low <= start_minute and end_minute <= high:
            return
    weekday = start.strftime("%A")
    hours = ", ".join(resource.opening_hours.get(day, []))
    if not hours:
        raise invalid("starts_at", f"{resource.name} is closed on {weekday}s ({tz}); the slot falls on one")
    raise invalid("starts_at", f"{resource.name} is open {hours} on {weekday}s ({tz}); the slot lies outside")
