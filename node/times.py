"""Local wall times in a space's IANA zone, instants, zone conversion, and the validation
errors they give: written once for events, slots, offers and re-hosted copies.

Operators write times as they read them on the wall: "2026-03-10T18:00" in the space's zone.
A wall time that does not exist (the hour skipped when clocks go forward) or that happens
twice (the hour repeated when they go back) is refused naming the field, unless an offset says
which instant is meant. What an offset may be is the caller's explicit choice
(`Offsets`): events take only the zone's real offset at that instant (a mistyped offset is
an error, not another time); booking takes any offset, as an instant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timezone
from enum import Enum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from protocol.models.common import EARLIEST_YEAR, LATEST_YEAR
from protocol.problems import Problem, ProblemType


class Offsets(Enum):
    """Which explicit offsets a local time may carry."""

    ZONES = "the zone's real offset at that instant"
    ANY = "any offset: the time is then an instant"


def invalid(field: str, message: str) -> Problem:
    """The validation-error problem naming one field (same shape as the body parser's): raise it."""
    return Problem(ProblemType.VALIDATION_ERROR, f"{field}: {message}", errors=[{"field": field, "message": message}])


def zone_named(name: str, field: str = "timezone") -> ZoneInfo:
    """The zone of an IANA name, or a validation error naming `field`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise invalid(field, f"unknown IANA time zone {name!r} (e.g. 'Europe/London', 'America/New_York')") from None


def parse_local(
    value: str, zone: ZoneInfo, field: str, offsets: Offsets = Offsets.ZONES, *, date_alone: bool = False
) -> datetime:
    """The instant meant by `value` in `zone`: a wall time, or a time with an explicit offset
    (with `date_alone`, a date alone too: its midnight).

    Returns an aware datetime in `zone`, whole seconds.
    """
    moment = parse_date_as_midnight(value, field) if date_alone and len(value) == 10 else parse_moment(value, field)
    if moment.tzinfo is None:
        return wall_time(moment, zone, field)
    if offsets is Offsets.ZONES and moment.astimezone(zone).utcoffset() != moment.utcoffset():
        real = moment.astimezone(zone).strftime("%z")
        raise invalid(field, f"{value} has offset {moment.strftime('%z')}, but {zone.key} is at {real} then")
    return moment.astimezone(zone)


def parse_moment(value: str, field: str) -> datetime:
    """A date and time (ISO 8601, `Z` or an offset allowed), whole seconds, in the years we keep."""
    if len(value) < 16 or value[10] not in "Tt ":
        raise invalid(field, f"{value!r} is not a date and time like 2026-03-10T18:00 (optionally with an offset)")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise invalid(
            field, f"{value!r} is not a date and time like 2026-03-10T18:00 (optionally with an offset)"
        ) from None
    if moment.microsecond:
        raise invalid(field, "times are whole seconds")
    check_year(moment.year, field)
    return moment


def parse_date_as_midnight(value: str, field: str) -> datetime:
    """A date alone (2026-03-10) as the naive wall time of its midnight."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise invalid(field, f"{value!r} is not a date like 2026-03-10") from None
    check_year(day.year, field)
    return datetime.combine(day, time())


def check_year(year: int, field: str) -> None:
    # Far from datetime's limits, so that no offset or window added to it can overflow.
    if not EARLIEST_YEAR <= year < LATEST_YEAR:
        raise invalid(field, f"times lie in the years {EARLIEST_YEAR} to {LATEST_YEAR - 1}")


def wall_time(wall: datetime, zone: ZoneInfo, field: str) -> datetime:
    """The one instant a naive wall time names in `zone`; a skipped or repeated one is refused."""
    earlier, later = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier
    shown = wall.strftime("%Y-%m-%d %H:%M")
    if earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise invalid(field, f"{shown} does not exist in {zone.key} (the clocks skip it); choose another time")
    a, b = earlier.strftime("%z"), later.strftime("%z")
    raise invalid(
        field,
        f"{shown} happens twice in {zone.key} (the clocks go back); add the offset: "
        f"{wall.isoformat()}{a[:3]}:{a[3:]} or {wall.isoformat()}{b[:3]}:{b[3:]}",
    )


def nearest_wall_time(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant a person would set for a naive wall time in `zone`, never refused: a time the
    clocks skip is taken just after the gap (02:30 -> 03:30), one that happens twice the first
    time. (fold=0 reads a skipped time with the offset before the change, which lands after it.)"""
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)


def fixed_offset(moment: datetime) -> datetime:
    """The same instant with a fixed offset: comparisons and subtraction are of instants then,
    never of wall times (two datetimes in one ZoneInfo subtract as wall times)."""
    offset = moment.utcoffset()
    assert offset is not None
    return moment.replace(tzinfo=timezone(offset))


def in_zone(instant: datetime, zone: str) -> str:
    """An instant as local time with the offset of `zone` at that moment (RFC 3339)."""
    return instant.astimezone(ZoneInfo(zone)).isoformat()


def parse_bound(value: str, zone: ZoneInfo, field: str) -> datetime:
    """A range bound of a query: a date (midnight local), a local time, or an instant with offset.

    Lenient where event times are strict: a bound that falls in a DST gap is taken as is.
    """
    if len(value) == 10:
        return parse_date_as_midnight(value, field).replace(tzinfo=zone)
    moment = parse_moment(value, field)
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def not_past(start: datetime, now: datetime, field: str) -> None:
    """Refuse a start that has already passed, saying when it was and what time it is now."""
    if start < now:
        there = now.astimezone(start.tzinfo)
        raise invalid(field, f"{start:%Y-%m-%d %H:%M} has already passed (it is {there:%Y-%m-%d %H:%M} there now)")
