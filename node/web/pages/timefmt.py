"""Times as people read them on the pages: "Tue 10 Mar, 09:00-18:00" (with an en dash).

Inputs are RFC 3339 strings already written in the zone to show (the services give every
time in the host's zone and in ours), so the wall time is read straight from them.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

DASH = "\u2013"  # an en dash between the ends of a range


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def zone_label(zone: str) -> str:
    """The city of an IANA zone name: America/New_York -> New York."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


# English names, looked up rather than formatted: strftime is slow and follows the process locale.
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def day_label(moment: datetime | date) -> str:
    return f"{_DAYS[moment.weekday()][:3]} {moment.day} {_MONTHS[moment.month - 1][:3]}"


def long_day(moment: datetime | date) -> str:
    return f"{_DAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]}"


def month_label(moment: datetime | date) -> str:
    return f"{_MONTHS[moment.month - 1]} {moment.year}"


def clock(moment: datetime) -> str:
    return f"{moment.hour:02}:{moment.minute:02}"


def span(start: str, end: str) -> str:
    """Times of a range in their own zone: 09:00-18:00, or with the end's day when it differs."""
    a, b = parse(start), parse(end)
    if a.date() == b.date() or (b.hour == 0 and b.minute == 0 and (b.date() - a.date()).days == 1):
        return f"{clock(a)}{DASH}{'24:00' if b.date() != a.date() else clock(b)}"
    return f"{clock(a)} {DASH} {day_label(b)} {clock(b)}"


def when(start: str, end: str, on: date | None = None) -> str:
    """Day and times of a range: Tue 10 Mar, 09:00-18:00; only the times when it starts `on` that day."""
    first = parse(start)
    if on is not None and first.date() == on:
        return span(start, end)
    return f"{day_label(first)}, {span(start, end)}"


def moment(text: str | None, zone: str | None = None) -> str:
    """One instant as a day and time (in `zone` if given): Tue 10 Mar 2026, 14:05."""
    if not text:
        return "never"
    value = parse(text)
    if zone:
        value = value.astimezone(ZoneInfo(zone))
    return f"{day_label(value)} {value.year}, {clock(value)}"


def duration(seconds: int | float | None) -> str:
    """A short human duration: 0 s, 45 s, 3 min, 2 h 5 min, 3 d 4 h."""
    total = int(seconds or 0)
    if total < 60:
        return f"{total} s"
    minutes, hours, days = total // 60, total // 3600, total // 86400
    if hours == 0:
        return f"{minutes} min"
    if days == 0:
        rest = minutes % 60
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    rest_h = hours % 24
    return f"{days} d {rest_h} h" if rest_h else f"{days} d"


def wall_input(text: str, zone: str) -> str:
    """An instant as the value of an <input type=datetime-local> in `zone`: 2026-03-10T18:00."""
    value = parse(text).astimezone(ZoneInfo(zone))
    return f"{value:%Y-%m-%dT%H:%M}"


FILTERS = {
    "zone_label": zone_label,
    "span": span,
    "when": when,
    "moment": moment,
    "duration": duration,
    "day_label": day_label,
}
