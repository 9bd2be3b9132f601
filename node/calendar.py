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
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from icalendar import Event as VEvent

PRODID = "-//Gemellaggio//Gemellaggio node//EN"
CalendarStatus = Literal["CONFIRMED", "TENTATIVE", "CANCELLED"]
# VTIMEZONE rules are written for the span the calendar needs, plus this margin; a series gets
# rules for this many years after its first occurrence.
_ZONE_MARGIN = timedelta(days=400)
_SERIES_YEARS = 10
# ... and never for more than this span around now, whatever dates a twin sent: the zones'
# rules are the bulk of the document, and a calendar application knows the IANA zones anyway.
_ZONE_PAST, _ZONE_FUTURE = timedelta(days=2 * 366), timedelta(days=12 * 366)
# Control characters (C0 but tab and line feed, DEL, C1, line and paragraph separators) are not
# allowed in iCalendar text; one from a twin could also break the line structure of some readers.
_CONTROL = {c: None for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]}


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
    from icalendar import Calendar  # only calendar requests need it: an idle node need not load it

    now = now or datetime.now(UTC).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", _text(name))  # RFC 7986
    cal.add("x-wr-calname", _text(name))  # what most applications read
    for entry in entries:
        cal.add_component(_vevent(entry, now))
    if entries:
        first, last = _zone_span(entries, now)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return bytes(cal.to_ical())


def _vevent(entry: CalendarEntry, now: datetime) -> VEvent:
    from icalendar import Event as VEvent
    from icalendar import vRecur

    zone = ZoneInfo(entry.timezone)
    stamp = (entry.stamp or now).astimezone(UTC)
    event = VEvent()
    event.add("uid", _text(entry.uid))
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", entry.sequence)
    event.add("summary", _text(entry.summary))
    event.add("dtstart", _moment(entry.starts_at, zone, entry.rrule))
    event.add("dtend", _moment(entry.ends_at, zone, entry.rrule))
    event.add("status", entry.status)
    if entry.description:
        event.add("description", _text(entry.description))
    if entry.location:
        event.add("location", _text(entry.location))
    if entry.url:
        event.add("url", _uri(entry.url))
    if entry.conference_url:
        # FEATURE is a list: icalendar writes it unquoted (FEATURE=AUDIO,VIDEO) as RFC 7986 shows.
        parameters: dict[str, Any] = {"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO"], "LABEL": "Join online"}
        event.add("conference", _uri(entry.conference_url), parameters=parameters)
    if entry.categories:
        event.add("categories", [_text(category) for category in entry.categories])
    if entry.rrule:
        event.add("rrule", vRecur.from_ical(entry.rrule))
        if entry.exdates:
            # EXDATE in the same zone as DTSTART, so that it matches the occurrences' local times.
            event.add("exdate", [d.astimezone(zone) for d in entry.exdates])
    return event


def _moment(value: datetime, zone: ZoneInfo, rrule: str | None) -> datetime:
    """A time in `zone` (TZID and wall time), or in UTC when that wall time happens twice and
    this is its second pass: RFC 5545 reads a repeated wall time as its first pass, an hour
    early. A series keeps its zone: its rule is expanded on that zone's wall clock."""
    local = value.astimezone(zone)
    return local.astimezone(UTC) if local.fold and not rrule else local


def _zone_span(entries: Sequence[CalendarEntry], now: datetime) -> tuple[date, date]:
    first = min(e.starts_at for e in entries).date() - timedelta(days=1)
    last = max(e.ends_at for e in entries).date() + _ZONE_MARGIN
    for entry in entries:
        if entry.rrule:  # its end is not known without expanding it: cover the next years
            last = max(last, date(max(entry.starts_at.year, now.year) + _SERIES_YEARS, 12, 31))
    earliest, latest = (now - _ZONE_PAST).date(), (now + _ZONE_FUTURE).date()
    first, last = min(max(first, earliest), latest), max(min(last, latest), earliest)
    return first, last


def _text(value: str) -> str:
    """Text with line breaks as line feeds (written as \\n) and no other control character."""
    return value.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL)


def _uri(value: str) -> str:
    """A URI with no control character or space (a twin's link could carry them)."""
    return "".join(value.translate(_CONTROL).split())


__all__ = ["CalendarEntry", "CalendarStatus", "build_calendar"]
