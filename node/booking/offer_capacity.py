"""Capacity across single slots and standing offers: the seats a standing offer will give on a
day it has not yet published a slot for (beyond its horizon) still count, so no single slot
offered now can take them."""

from __future__ import annotations

from datetime import UTC, date, timedelta

from aiosqlite import Connection

from protocol.models import Slot

from .offer_schedule import Schedule, parse_date
from .offer_store import OfferRow


def schedule_of(offer: OfferRow) -> Schedule:
    return Schedule(
        offer.weekdays,
        offer.from_time,
        offer.to_time,
        parse_date(offer.start_date, "start_date"),
        parse_date(offer.end_date, "end_date") if offer.end_date else None,
        {parse_date(d, "exceptions") for d in offer.exceptions},
    )


async def unpublished_series_seats(tx: Connection, slot: Slot, skip: str | None = None) -> int:
    """Seats the active offers of `slot`'s resource give at its time, on days they have not
    published yet (a published occurrence is a slot, counted as such)."""
    rows = await tx.execute_fetchall(
        "SELECT * FROM offers WHERE status = 'active' AND resource_id = ?", (slot.resource.id,)
    )
    total = 0
    for offer in (OfferRow.from_row(r) for r in rows):
        if offer.id == skip:
            continue
        total += _seats_at(offer, slot)
    return total


def _seats_at(offer: OfferRow, slot: Slot) -> int:
    schedule = schedule_of(offer)
    published = date.fromisoformat(offer.published_to) if offer.published_to else date.min
    start, end = slot.starts_at.astimezone(UTC), slot.ends_at.astimezone(UTC)
    first = slot.starts_at.astimezone(UTC).date() - timedelta(days=1)  # any zone's date of the slot's span
    for day in schedule.days(max(first, published + timedelta(days=1)), end.date() + timedelta(days=1)):
        occurs_from, occurs_to = schedule.times(day, slot.timezone)
        if occurs_from.astimezone(UTC) < end and start < occurs_to.astimezone(UTC):
            return offer.seats  # one occurrence per day, each within one day: one overlap at most counts
    return 0
