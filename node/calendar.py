"""iCalendar feeds (RFC 5545, with RFC 7986's NAME and CONFERENCE), built with `icalendar`.

Generic on purpose: the public events calendar and a member's reservations feed both turn
their rows into `CalendarEntry` values and call `build_calendar`. Times are written as local
wall time with `DTSTART;TZID=...` and a `VTIMEZONE` for every zone used, so a recurring
event stays at 18:00 local across DST changes in any calendar application.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from icalendar import Calendar, vRecur
from icalendar import Event as VEvent

PRODID = "-//Gemellaggio//Gemellaggio node//EN"
CalendarStatus = Literal["CONFIRMED", "TENTATIVE", "CANCELLED"]
# VTIMEZONE rules are written for the span the calendar needs, plus this margin; a series gets
# rules for this many years after its first occurrence.
_ZONE_MARGIN = timedelta(days=400)
_SERIES_YEARS = 10


@dataclass(frozen=True)
class CalendarEntry:
    """One VEVENT. `uid` must stay the same across updates; `sequence` must go up with each."""

    uid: str
    sequence: int
    summary: str
    starts_at: datetime  # aware; written in `timezone`
    ends_at: datetime
    timezone: str  # IANA name
    description: str = ""
    status: CalendarStatus = "CONFIRMED"
    url: str | None = None
    location: str | None = None
    conference_url: str | None = None  # RFC 7986 CONFERENCE (a video link, a tel: URI...)
    rrule: str | None = None  # RFC 5545 RECUR value, e.g. "FREQ=WEEKLY;BYDAY=TU"
    exdates: tuple[datetime, ...] = ()  # aware; occurrences left out of the series
    categories: tuple[str, ...] = ()
    stamp: datetime | None = None  # when this version was written (DTSTAMP, LAST-MODIFIED)


def build_calendar(name: str, entries: Sequence[CalendarEntry], *, now: datetime | None = None) -> bytes:
    """The iCalendar document (bytes, CRLF line endings) holding `entries`.

    An entry without `stamp` gets `now` (default: the current time) as its DTSTAMP; give
    stamps to get identical bytes for identical content (stable ETags).
    """
    now = now or datetime.now(UTC).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)  # RFC 7986
    cal.add("x-wr-calname", name)  # what most applications read
    for entry in entries:
        cal.add_component(_vevent(entry, now))
    if entries:
        first, last = _zone_span(entries)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return bytes(cal.to_ical())


def _vevent(entry: CalendarEntry, now: datetime) -> VEvent:
    zone = ZoneInfo(entry.timezone)
    stamp = (entry.stamp or now).astimezone(UTC)
    event = VEvent()
    event.add("uid", entry.uid)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", entry.sequence)
    event.add("summary", entry.summary)
    event.add("dtstart", entry.starts_at.astimezone(zone))
    event.add("dtend", entry.ends_at.astimezone(zone))
    event.add("status", entry.status)
    if entry.description:
        event.add("description", entry.description)
    if entry.location:
        event.add("location", entry.location)
    if entry.url:
        event.add("url", entry.url)
    if entry.conference_url:
        # FEATURE is a list: icalendar writes it unquoted (FEATURE=AUDIO,VIDEO) as RFC 7986 shows.
        parameters: dict[str, Any] = {"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO"], "LABEL": "Join online"}
        event.add("conference", entry.conference_url, parameters=parameters)
    if entry.categories:
        event.add("categories", list(entry.categories))
    if entry.rrule:
        event.add("rrule", vRecur.from_ical(entry.rrule))
        if entry.exdates:
            # EXDATE in the same zone as DTSTART, so that it matches the occurrences' local times.
            event.add("exdate", [d.astimezone(zone) for d in entry.exdates])
    return event


def _zone_span(entries: Sequence[CalendarEntry]) -> tuple[date, date]:
    first = min(e.starts_at for e in entries).date() - timedelta(days=1)
    last = max(e.ends_at for e in entries).date() + _ZONE_MARGIN
    for entry in entries:
        if entry.rrule:  # its end is not known without expanding it: cover the next years
            last = max(last, date(entry.starts_at.year + _SERIES_YEARS, 12, 31))
    return first, last


__all__ = ["CalendarEntry", "CalendarStatus", "build_calendar"]
