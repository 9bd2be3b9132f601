"""Time arithmetic for booking: local wall times, units (seats x days or real hours), periods.

Everything here is pure. Instants are aware datetimes; zones are IANA names. A desk-day is a
calendar date in the host's zone that the slot touches; an hour is a real hour (a night
across a DST change lasts 7 or 5 of them), rounded up to whole hours. A period (month or
ISO week) is taken in the host's zone from the slot's start.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from node.times import Offsets, fixed_offset, invalid, parse_local
from protocol.models.common import EARLIEST_YEAR, LATEST_YEAR

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def local_instant(value: str, tz: str, field: str) -> datetime:
    """A slot's time or a range bound: wall time in `tz` (a skipped or repeated one refused
    naming `field`), a date alone (its midnight), or a time with any offset; as an instant with
    a fixed offset, so comparisons and subtraction are those of instants, not of wall times."""
    return fixed_offset(parse_local(value, ZoneInfo(tz), field, Offsets.ANY, date_alone=True))


def real_hours(starts_at: datetime, ends_at: datetime) -> int:
    """Elapsed hours between two instants, rounded up (in UTC: same-zone subtraction is wall time)."""
    return math.ceil((ends_at.astimezone(UTC) - starts_at.astimezone(UTC)).total_seconds() / 3600)


def days_touched(starts_at: datetime, ends_at: datetime, tz: str) -> int:
    """Calendar dates in `tz` that [starts_at, ends_at) touches (an end at midnight is exclusive)."""
    zone = ZoneInfo(tz)
    first = starts_at.astimezone(zone).date()
    last = (ends_at.astimezone(UTC) - timedelta(seconds=1)).astimezone(zone).date()
    return (last - first).days + 1


def units_for(unit: str, seats: int, starts_at: datetime, ends_at: datetime, tz: str) -> int:
    """What a reservation consumes: seats x days, seats x real hours, or seats."""
    if unit == "day":
        return seats * days_touched(starts_at, ends_at, tz)
    if unit == "hour":
        return seats * real_hours(starts_at, ends_at)
    return seats


def default_unit(kind: str) -> str:
    """The unit a resource kind is counted in when the agreement names no allowance for it."""
    return "day" if kind == "desk" else "hour"


def period_start(instant: datetime, tz: str, period: str) -> date:
    """The first day of the month or ISO week holding `instant`, in `tz`."""
    day = instant.astimezone(ZoneInfo(tz)).date()
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def month_of(instant: datetime, tz: str) -> str:
    """YYYY-MM of `instant` in `tz`: the ledger's period."""
    return instant.astimezone(ZoneInfo(tz)).strftime("%Y-%m")


def parse_month(value: str, field: str = "period") -> str:
    if not _MONTH.match(value) or not EARLIEST_YEAR <= int(value[:4]) < LATEST_YEAR - 1:
        raise invalid(field, f"a month is written YYYY-MM, in the years {EARLIEST_YEAR} to {LATEST_YEAR - 2}")
    return value
