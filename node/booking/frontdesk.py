"""The front desk: which twins' members are expected here on a day, and whether they came.

The host records attendance on its own reservation and tells the home node in a new version
of the reservation's receipt (`attendance`), pushed to that home only, so the home sees its
members' no-shows. A check-in opens on the reservation's day (host's zone); a no-show can be
recorded once it has started. Recording the same thing twice changes nothing; the desk may
correct itself (a no-show who turns up late is checked in).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from node.clock import iso, parse_iso
from node.core import Node
from node.times import in_zone, invalid
from protocol.models import ReservationReceipt
from protocol.problems import Problem, ProblemType

from .guests_store import GuestRepository
from .hosted_store import Hosted, HostedRepository

ATTENDANCE = ("checked_in", "no_show")


class FrontDesk:
    def __init__(self, node: Node, hosted: HostedRepository, guests: GuestRepository) -> None:
        self.node = node
        self.hosted = hosted
        self.guests = guests

    @property
    def zone(self) -> str:
        return self.node.settings.node.timezone

    def today(self) -> date:
        return self.node.clock.now().astimezone(ZoneInfo(self.zone)).date()

    async def list(self, day: str | None, days: int = 1) -> dict[str, Any]:
        """GET /api/v1/guests?date=: the guests of `days` days from `day` (host's zone; default today)."""
        first = parse_day(day) if day else self.today()
        start, end = day_bounds(first, self.zone), day_bounds(first + timedelta(days=days), self.zone)
        rows = await self.guests.list_between(iso(start), iso(end))
        items = [await self._item(h) for h in rows]
        return {"date": first.isoformat(), "days": days, "timezone": self.zone, "items": items}

    async def record(self, reservation_id: str, attendance: str) -> dict[str, Any]:
        """Check a guest in, or record a no-show; the home is told in a new receipt version."""
        assert attendance in ATTENDANCE
        async with self.node.write() as work:
            hosted = await self.hosted.get(work.tx, reservation_id)
            if hosted is None:
                raise Problem(ProblemType.NOT_FOUND, f"no reservation {reservation_id} is hosted here")
            if hosted.status != "confirmed":
                raise Problem(ProblemType.CONFLICT, f"reservation {reservation_id} was cancelled")
            if hosted.attendance != attendance:
                self._check_time(hosted, attendance)
                await self._store(work, hosted, attendance)
        updated = await self.hosted_view(reservation_id)
        return updated

    async def hosted_view(self, reservation_id: str) -> dict[str, Any]:
        hosted = await self.hosted.get_committed(reservation_id)
        assert hosted is not None, "called for a reservation just read or written"
        return await self._item(hosted)

    def _check_time(self, hosted: Hosted, attendance: str) -> None:
        now, starts = self.node.clock.now(), parse_iso(hosted.starts_at)
        day = starts.astimezone(ZoneInfo(self.zone)).date()
        if attendance == "checked_in" and now < day_bounds(day, self.zone):
            raise Problem(
                ProblemType.CONFLICT, f"{hosted.display_name} is expected on {day.isoformat()}: check-in opens that day"
            )
        if attendance == "no_show" and now < starts:
            raise Problem(
                ProblemType.CONFLICT,
                f"{hosted.display_name}'s reservation starts at {in_zone(starts, self.zone)}: "
                "a no-show can be recorded once it has started",
            )

    async def _store(self, work: Any, hosted: Hosted, attendance: str) -> None:
        old = ReservationReceipt.model_validate(hosted.receipt["object"])
        now = iso(self.node.clock.now())
        receipt = ReservationReceipt.model_validate(
            {**old.to_wire(), "version": old.version + 1, "attendance": attendance, "issued_at": now}
        )
        envelope = await self.node.publish(work, receipt, [hosted.home])
        await self.guests.store_attendance(
            work.tx, hosted.id, attendance, receipt.version, self.node.to_json(envelope), now
        )

    async def _item(self, hosted: Hosted) -> dict[str, Any]:
        peer = await self.node.store.peers.get(hosted.home)
        return {
            "reservation": hosted.id,
            "display_name": hosted.display_name,
            "home": hosted.home,
            "home_name": peer.name if peer else hosted.home,
            "target": {"kind": hosted.target_kind, "id": hosted.target_id, "name": await self._target_name(hosted)},
            "kind": hosted.kind,
            "seats": hosted.seats,
            "starts_at": in_zone(parse_iso(hosted.starts_at), self.zone),
            "ends_at": in_zone(parse_iso(hosted.ends_at), self.zone),
            "attendance": hosted.attendance,
        }

    async def _target_name(self, hosted: Hosted) -> str:
        stored = await self.node.store.objects.get(hosted.target_kind.title(), self.node.id, hosted.target_id)
        if stored is None:
            return hosted.target_id
        obj = stored.object
        return str(obj["resource"]["name"] if hosted.target_kind == "slot" else obj.get("title", hosted.target_id))


def parse_day(value: str, field: str = "date") -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise invalid(field, f"a date is written YYYY-MM-DD, not {value!r}") from exc
    if len(value) != 10 or not 2000 <= day.year < 2200:
        raise invalid(field, f"a date is written YYYY-MM-DD, in the years 2000 to 2199, not {value!r}")
    return day


def day_bounds(day: date, zone: str) -> datetime:
    """The instant a local day begins (midnight, or the first moment after a skipped one)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))
