"""Capacity across single slots and standing offers: the seats a standing offer will give on a
day it has not yet published a slot for (beyond its horizon) still count, so no single slot
offered now can take them; and a new offer is checked on every day of its series, beyond the
horizon too, against the slots and the other offers of its resource."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from protocol.models import Slot

from .offer_schedule import Schedule, parse_date
from .offer_store import OfferRow


def peak_seats(slots: list[Slot], starts_at: datetime, ends_at: datetime) -> int:
    """The most seats the given slots hold at any one moment within [starts_at, ends_at)."""
    changes: list[tuple[datetime, int]] = []
    for slot in slots:  # compared in UTC: aware datetimes sharing a tzinfo compare by wall time
        changes.append((max(slot.starts_at.astimezone(UTC), starts_at.astimezone(UTC)), slot.seats))
        changes.append((min(slot.ends_at.astimezone(UTC), ends_at.astimezone(UTC)), -slot.seats))
    peak = current = 0
    for _, delta in sorted(changes, key=lambda c: (c[0], c[1])):  # ends before starts at the same instant
        current += delta
        peak = max(peak, current)
    return peak


def schedule_of(offer: OfferRow) -> Schedule:
    return Schedule(
        offer.weekdays,
        offer.from_time,
        offer.to_time,
        parse_date(offer.start_date, "start_date"),
        parse_date(offer.end_date, "end_date") if offer.end_date else None,
        {parse_date(d, "exceptions") for d in offer.exceptions},
    )


def unpublished_series_seats(active: list[OfferRow], slot: Slot, skip: str | None = None) -> int:
    """Seats the `active` offers of `slot`'s resource give at its time, on days they have not
    published yet (a published occurrence is a slot, counted as such)."""
    total = 0
    for offer in active:
        if offer.id == skip:
            continue
        total += _seats_at(offer, slot)
    return total


def _seats_at(offer: OfferRow, slot: Slot) -> int:
    return _series_seats(offer, schedule_of(offer), slot.starts_at, slot.ends_at, slot.timezone)


def _series_seats(offer: OfferRow, schedule: Schedule, starts: datetime, ends: datetime, zone: str) -> int:
    """The seats `offer` gives over [starts, ends) on days it has not published (0 if none)."""
    published = date.fromisoformat(offer.published_to) if offer.published_to else date.min
    start, end = starts.astimezone(UTC), ends.astimezone(UTC)
    first = start.date() - timedelta(days=1)  # any zone's date of the span
    for day in schedule.days(max(first, published + timedelta(days=1)), end.date() + timedelta(days=1)):
        occurs_from, occurs_to = schedule.times(day, zone)
        if occurs_from.astimezone(UTC) < end and start < occurs_to.astimezone(UTC):
            return offer.seats  # one occurrence per day, each within one day: one overlap at most counts
    return 0


@dataclass(frozen=True)
class Overbooked:
    day: date
    offered: int  # seats already given at that time by slots and other offers


def first_overbooked_day(
    active: list[OfferRow], open_slots: list[Slot], offer: OfferRow, capacity: int, first: date, last: date, zone: str
) -> Overbooked | None:
    """The first day in [first, last] on which `offer`'s occurrence, with the `open_slots` and the
    other `active` offers of its resource at that time, would exceed `capacity` (the days beyond
    the horizon, which no slot checks yet)."""
    schedules = [(o, schedule_of(o)) for o in active if o.id != offer.id]
    slots = [
        s for s in open_slots if s.resource.id == offer.resource_id and s.ends_at.date() >= first - timedelta(days=1)
    ]
    schedule = schedule_of(offer)
    for day in schedule.days(first, last):
        starts, ends = schedule.times(day, zone)
        overlapping = [s for s in slots if s.starts_at < ends and starts < s.ends_at]
        offered = peak_seats(overlapping, starts, ends) + sum(
            _series_seats(o, sched, starts, ends, zone) for o, sched in schedules
        )
        if offered + offer.seats > capacity:
            return Overbooked(day, offered)
    return None
