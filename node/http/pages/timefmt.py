"""Times as people read them on the pages, in the reader's language and style (through Babel):
"Tue 10 Mar, 09:00-18:00" in English, "mar 10 mar, 09:00-18:00" in Italian.

Inputs are RFC 3339 strings already written in the zone to show (the services give every
time in the host's zone and in ours), so the wall time is read straight from them. The
formats of one locale are cached: a busy week shows hundreds of times, most of them alike.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from node.i18n import _, current, format_moment, format_number, zone_city

if TYPE_CHECKING:
    from babel import Locale

DASH = "\u2013"  # an en dash between the ends of a range


def parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def zone_label(zone: str) -> str:
    """The city of an IANA zone, in the reader's language: America/New_York -> New York, Nueva York."""
    return zone_city(zone)


@lru_cache(maxsize=4096)
def _skeleton(skeleton: str, day: date, locale: Locale) -> str:
    from babel.dates import format_skeleton  # Babel waits for a first page (node/i18n.py)

    return str(format_skeleton(skeleton, day, locale=locale))


def day_label(moment: datetime | date) -> str:
    """Tue 10 Mar; mar 10 mar; mar, 10 mar."""
    return _skeleton("MMMEd", _day(moment), current().locale)


def long_day(moment: datetime | date) -> str:
    """Tuesday 10 March; martedì 10 marzo; martes, 10 de marzo."""
    return _long_day(_day(moment), current().locale)


@lru_cache(maxsize=1024)
def _long_day(day: date, locale: Locale) -> str:
    # CLDR has no skeleton with the weekday written out: take the short one's and widen the weekday.
    from babel.dates import format_date, match_skeleton

    pattern = str(locale.datetime_skeletons[match_skeleton("MMMMEd", locale.datetime_skeletons)])
    return str(format_date(day, re.sub(r"E+", "EEEE", pattern), locale=locale))


def month_label(moment: datetime | date) -> str:
    """March 2026; marzo 2026; marzo de 2026."""
    return _skeleton("yMMMM", _day(moment), current().locale)


def date_range(first: date, last: date) -> str:
    """Two days as one range, the reader's way: Tue, 10 Mar - Mon, 16 Mar 2026; mar 10 - lun 16 mar 2026."""
    return _range(first, last, current().locale)


@lru_cache(maxsize=256)
def _range(first: date, last: date, locale: Locale) -> str:
    from babel.dates import format_interval

    return str(format_interval(first, last, "yMMMEd", locale=locale))


def clock(moment: datetime | time) -> str:
    """The reader's short time: 09:00 (en, it), 9:00 (es); always a 24-hour clock."""
    return _clock(moment.hour, moment.minute, current().locale)


@lru_cache(maxsize=4096)
def _clock(hour: int, minute: int, locale: Locale) -> str:
    from babel.dates import format_time

    return str(format_time(time(hour, minute), "short", locale=locale))


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
    return _date_time(day_label(first), span(start, end))


def moment(text: str | None, zone: str | None = None) -> str:
    """One instant as a day and time (in `zone` if given): Tue, 10 Mar 2026, 14:05."""
    if not text:
        return _("never")
    value = parse(text)
    if zone:
        value = value.astimezone(ZoneInfo(zone))
    return format_moment(value)


def _date_time(day: str, times: str) -> str:
    """A day and a time joined the reader's way ("{1}, {0}" in our three languages)."""
    from babel.dates import get_datetime_format

    return str(get_datetime_format("medium", locale=current().locale)).replace("{1}", day).replace("{0}", times)


def name_list(names: list[str]) -> str:
    """Names listed the reader's way: "NYC, Rome and Madrid", "NYC, Roma e Madrid"."""
    from babel.lists import format_list

    return str(format_list(list(names), locale=current().locale)) if names else ""


def number(value: int | float | None) -> str:
    """A number written the reader's way: 1,234 in English, 1.234 in Italian and Spanish."""
    return format_number(value or 0)


def duration(seconds: int | float | None) -> str:
    """A short human duration in the reader's units: 45 s, 3 min, 2 h 5 min, 3 days 4 h."""
    total = int(seconds or 0)
    minutes, hours, days = total // 60, total // 3600, total // 86400
    if total < 60:
        return _unit(total, "duration-second")
    if hours == 0:
        return _unit(minutes, "duration-minute")
    if days == 0:
        rest = minutes % 60
        return _unit(hours, "duration-hour") + (f" {_unit(rest, 'duration-minute')}" if rest else "")
    rest_h = hours % 24
    return _unit(days, "duration-day") + (f" {_unit(rest_h, 'duration-hour')}" if rest_h else "")


def _unit(value: int, unit: str) -> str:
    return _cached_unit(value, unit, current().locale)


@lru_cache(maxsize=1024)
def _cached_unit(value: int, unit: str, locale: Locale) -> str:
    from babel.units import format_unit

    return str(format_unit(value, unit, length="short", locale=locale))


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def opening_hours(hours: dict[str, list[str]]) -> str:
    """A resource's opening hours by weekday, weekdays in the reader's language: Mon 09:00-18:00; Tue ..."""
    from babel.dates import get_day_names

    names = get_day_names("abbreviated", locale=current().locale)
    return "; ".join(f"{names[index]} {', '.join(hours[day])}" for index, day in enumerate(_WEEKDAYS) if hours.get(day))


def day_names() -> list[str]:
    """Monday to Sunday in the reader's language, as a form lists them."""
    from babel.dates import get_day_names

    names = get_day_names("wide", context="stand-alone", locale=current().locale)
    return [str(names[index]) for index in range(7)]


def wall_input(text: str, zone: str) -> str:
    """An instant as the value of an <input type=datetime-local> in `zone`: 2026-03-10T18:00."""
    value = parse(text).astimezone(ZoneInfo(zone))
    return f"{value:%Y-%m-%dT%H:%M}"


def _day(moment: datetime | date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


FILTERS = {
    "zone_label": zone_label,
    "span": span,
    "when": when,
    "moment": moment,
    "duration": duration,
    "day_label": day_label,
    "month_label": month_label,
    "number": number,
    "opening_hours": opening_hours,
}
