"""Local wall times in a space's IANA zone, and the validation errors they give.

Operators write times as they read them on the wall: "2026-03-10T18:00" in the space's zone.
A wall time that does not exist (the hour skipped when clocks go forward) or that happens
twice (the hour repeated when they go back) is refused unless an offset says which instant
is meant; an offset must be the zone's real one at that instant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from protocol.models.common import EARLIEST_YEAR, LATEST_YEAR
from protocol.problems import Problem, ProblemType


def invalid(field: str, message: str) -> NoReturn:
    """Raise the validation-error problem for one field (same shape as the body parser's)."""
    raise Problem(ProblemType.VALIDATION_ERROR, f"{field}: {message}", errors=[{"field": field, "message": message}])


def zone_named(name: str, field: str = "timezone") -> ZoneInfo:
    """The zone of an IANA name, or a validation error naming `field`."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        invalid(field, f"unknown IANA time zone {name!r} (e.g. 'Europe/London', 'America/New_York')")


def parse_local(value: str, zone: ZoneInfo, field: str) -> datetime:
    """The instant meant by `value` in `zone`: a wall time, or a time with an explicit offset.

    Returns an aware datetime in `zone`, whole seconds.
    """
    moment = _parse(value, field)
    if moment.tzinfo is None:
        return _localize(moment, zone, field)
    if moment.astimezone(zone).utcoffset() != moment.utcoffset():
        real = moment.astimezone(zone).strftime("%z")
        invalid(field, f"{value} has offset {moment.strftime('%z')}, but {zone.key} is at {real} then")
    return moment.astimezone(zone)


def _parse(value: str, field: str) -> datetime:
    if len(value) < 16 or value[10] not in "Tt ":
        invalid(field, f"{value!r} is not a date and time like 2026-03-10T18:00 (optionally with an offset)")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        invalid(field, f"{value!r} is not a date and time like 2026-03-10T18:00 (optionally with an offset)")
    if moment.microsecond:
        invalid(field, "times are whole seconds")
    _check_year(moment.year, field)
    return moment


def _check_year(year: int, field: str) -> None:
    # Far from datetime's limits, so that no offset or window added to it can overflow.
    if not EARLIEST_YEAR <= year < LATEST_YEAR:
        invalid(field, f"times lie in the years {EARLIEST_YEAR} to {LATEST_YEAR - 1}")


def _localize(wall: datetime, zone: ZoneInfo, field: str) -> datetime:
    earlier, later = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier
    shown = wall.strftime("%Y-%m-%d %H:%M")
    if earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        invalid(field, f"{shown} does not exist in {zone.key} (the clocks skip it); choose another time")
    a, b = earlier.strftime("%z"), later.strftime("%z")
    invalid(
        field,
        f"{shown} happens twice in {zone.key} (the clocks go back); add the offset: "
        f"{wall.isoformat()}{a[:3]}:{a[3:]} or {wall.isoformat()}{b[:3]}:{b[3:]}",
    )


def in_zone(moment: datetime, zone: str) -> str:
    """An instant as local time with offset in `zone` (RFC 3339)."""
    return moment.astimezone(ZoneInfo(zone)).isoformat()


def parse_instant(text: str) -> datetime:
    """An RFC 3339 instant as stored or signed (always with an offset or Z)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def parse_bound(value: str, zone: ZoneInfo, field: str) -> datetime:
    """A range bound of a query: a date (midnight local), a local time, or an instant with offset.

    Lenient where event times are strict: a bound that falls in a DST gap is taken as is.
    """
    if len(value) == 10:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            invalid(field, f"{value!r} is not a date like 2026-03-10")
        _check_year(day.year, field)
        return datetime.combine(day, time(), tzinfo=zone)
    moment = _parse(value, field)
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def not_past(start: datetime, now: datetime, field: str) -> None:
    """Refuse a start that has already passed, saying when it was and what time it is now."""
    if start < now:
        zone = start.tzinfo
        invalid(
            field,
            f"{start:%Y-%m-%d %H:%M} has already passed (it is {now.astimezone(zone):%Y-%m-%d %H:%M} there now)",
        )
