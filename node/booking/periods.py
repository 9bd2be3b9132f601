"""Time arithmetic for booking: local wall times, units (seats x days or real hours), periods.

Everything here is pure. Instants are aware datetimes; zones are IANA names. A desk-day is a
calendar date in the host's zone that the slot touches; an hour is a real hour (a night
across a DST change lasts 7 or 5 of them), rounded up to whole hours. A period (month or
ISO week) is taken in the host's zone from the slot's start.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from protocol.models.common import EARLIEST_YEAR, LATEST_YEAR
from protocol.problems import Problem, ProblemType

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def invalid(field: str, message: str) -> Problem:
    """A validation-error problem naming one field."""
    return Problem(ProblemType.VALIDATION_ERROR, f"{field}: {message}", errors=[{"field": field, "message": message}])


def local_instant(value: str, tz: str, field: str) -> datetime:
    """Parse an instant given with an offset, or as wall time in `tz`; returned in `tz`.

    A wall time that does not exist (skipped by a DST change) or happens twice is refused
    naming `field`, unless the caller wrote the offset. The result carries a fixed offset, so
    comparisons and subtraction are those of instants, not of wall times.
    """
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise invalid(field, f"not an ISO 8601 date-time: {value!r}") from exc
    if parsed.microsecond:
        raise invalid(field, "instants are whole seconds")
    if not EARLIEST_YEAR <= parsed.year < LATEST_YEAR:  # far from datetime's limits: nothing overflows
        raise invalid(field, f"times lie in the years {EARLIEST_YEAR} to {LATEST_YEAR - 1}")
    zone = ZoneInfo(tz)
    if parsed.tzinfo is not None:
        return _fixed(parsed.astimezone(zone))
    early, late = parsed.replace(tzinfo=zone, fold=0), parsed.replace(tzinfo=zone, fold=1)
    if early.utcoffset() != late.utcoffset():
        if early.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != parsed:
            raise invalid(field, f"{value} does not exist in {tz} (the clocks skip it); give an offset")
        raise invalid(field, f"{value} happens twice in {tz} (the clocks go back); give an offset")
    return _fixed(early)


def _fixed(moment: datetime) -> datetime:
    offset = moment.utcoffset()
    assert offset is not None
    return moment.replace(tzinfo=timezone(offset))


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


def to_zone(instant: datetime, tz: str) -> str:
    """An instant as RFC 3339 with the offset of `tz` at that moment."""
    return instant.astimezone(ZoneInfo(tz)).isoformat()
