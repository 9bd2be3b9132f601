"""The public calendar (GET /calendar.ics) and the generic builder the booking feed reuses."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import icalendar
import vobject

from node.calendar import CalendarEntry, build_calendar
from tests.support.nodes import eventually

from .support import nyc_london, publish, versions_at

NY = ZoneInfo("America/New_York")


async def fetch(node) -> tuple[bytes, str]:
    """The calendar's bytes and ETag (no token: it is public)."""
    async with node.api.session.get(node.local + "/calendar.ics") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/calendar"
        return await resp.read(), resp.headers["ETag"]


def vevents(raw: bytes) -> dict[str, icalendar.Event]:
    """Parsed with icalendar; also parsed with vobject, which must agree on every UID."""
    cal = icalendar.Calendar.from_ical(raw)
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    parsed = vobject.readOne(raw.decode())
    assert {e.uid.value for e in parsed.vevent_list} == set(events)
    return events


async def test_calendar__parses_with_icalendar_and_vobject_uid_stable_sequence_up(nodes):
    nyc, london = await nyc_london(nodes)
    meetup = await publish(nyc, online_url="https://meet.example/founders", room="Loft", venue="WeCreate")
    hidden = await publish(nyc, title="For London only", audience=[london.url])
    first = vevents((await fetch(nyc))[0])
    uid = f"{meetup['id']}@{nyc.url.removeprefix('http://')}"
    assert set(first) == {uid}, "an event for some twins only is not public"
    assert hidden["id"] not in str(first)
    event = first[uid]
    assert (event["sequence"], event["status"], str(event["summary"])) == (0, "CONFIRMED", "Founders' meetup")
    assert event["dtstart"].params["TZID"] == "America/New_York"
    assert event.decoded("dtstart") == datetime(2027, 3, 16, 18, tzinfo=NY)
    assert str(event["conference"]) == "https://meet.example/founders"
    assert event["conference"].params["VALUE"] == "URI"
    assert str(event["url"]) == f"{nyc.url}/events/{meetup['id']}"  # its public page
    assert str(event["location"]) == "Loft, WeCreate"

    await nyc.api.ok("PATCH", f"/api/v1/events/{meetup['id']}", {"starts_at": "2027-03-16T19:00"})
    assert vevents((await fetch(nyc))[0])[uid]["sequence"] == 1
    await nyc.api.ok("DELETE", f"/api/v1/events/{meetup['id']}")
    raw, _ = await fetch(nyc)
    cancelled = vevents(raw)[uid]
    assert (cancelled["sequence"], cancelled["status"]) == (2, "CANCELLED"), "cancelled, not removed"
    assert cancelled.decoded("dtstart") == datetime(2027, 3, 16, 19, tzinfo=NY)
    assert b"BEGIN:VTIMEZONE" in raw and b"TZID:America/New_York" in raw


async def test_calendar__weekly_meetup_with_exception_and_exported_copy(nodes):
    nyc, london = await nyc_london(nodes)
    series = await publish(
        nyc,
        title="Weekly",
        starts_at="2027-03-02T18:00",
        ends_at="2027-03-02T20:00",
        rrule="FREQ=WEEKLY;COUNT=4",
        exdates=["2027-03-16T18:00"],
    )
    talk = await publish(
        london, title="Finals", audience=[nyc.url], starts_at="2027-03-23T18:00", ends_at="2027-03-23T19:00"
    )
    await eventually(lambda: versions_at(nyc, london), {talk["id"]: 1})
    copy = await nyc.api.ok("POST", f"/api/v1/events/{talk['id']}/export", {"room": "Main hall"})

    raw, etag = await fetch(nyc)
    events = vevents(raw)
    host = nyc.url.removeprefix("http://")
    assert set(events) == {f"{series['id']}@{host}", f"{copy['id']}@{host}"}, "copies hosted here are public"
    weekly = events[f"{series['id']}@{host}"]
    assert weekly["rrule"].to_ical() == b"FREQ=WEEKLY;COUNT=4"
    assert weekly["exdate"].params["TZID"] == "America/New_York"
    parsed = vobject.readOne(raw.decode())
    [vweekly] = [e for e in parsed.vevent_list if e.uid.value == f"{series['id']}@{host}"]
    occurrences = list(vweekly.getrruleset())
    assert [(o.day, o.hour, o.utcoffset().total_seconds() / 3600) for o in occurrences] == [
        (2, 18, -5),
        (9, 18, -5),
        (23, 18, -4),  # 16 March left out; 18:00 local on both sides of 14 March
    ]
    assert "Also at London" in str(events[f"{copy['id']}@{host}"]["description"])

    async with nyc.api.session.get(nyc.local + "/calendar.ics", headers={"If-None-Match": etag}) as resp:
        assert resp.status == 304, "unchanged calendar: apps polling it get 304"


def test_calendar__builder_writes_a_vtimezone_per_zone_and_rfc7986_fields():
    stamp = datetime(2027, 1, 1, tzinfo=UTC)
    entries = [
        CalendarEntry(
            uid="r-1@nyc.example",
            sequence=3,
            summary="Desk at TheCube",
            starts_at=datetime(2027, 3, 16, 9, tzinfo=ZoneInfo("Europe/London")),
            ends_at=datetime(2027, 3, 16, 18, tzinfo=ZoneInfo("Europe/London")),
            timezone="Europe/London",
            status="TENTATIVE",
            location="TheCube, London",
            stamp=stamp,
        ),
        CalendarEntry(
            uid="e-1@nyc.example",
            sequence=0,
            summary="Watch party",
            starts_at=datetime(2027, 3, 16, 22, tzinfo=UTC),
            ends_at=datetime(2027, 3, 17, tzinfo=UTC),
            timezone="America/New_York",
            conference_url="https://meet.example/x",
            stamp=stamp,
        ),
    ]
    raw = build_calendar("Ada's reservations", entries)
    assert raw == build_calendar("Ada's reservations", entries), "same entries, same bytes"
    cal = icalendar.Calendar.from_ical(raw)
    assert sorted(str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")) == ["America/New_York", "Europe/London"]
    party = next(e for e in cal.walk("VEVENT") if str(e["uid"]) == "e-1@nyc.example")
    assert party.decoded("dtstart") == datetime(2027, 3, 16, 18, tzinfo=NY)
    assert b"CONFERENCE;FEATURE=AUDIO,VIDEO;LABEL=Join online;VALUE=URI:https://meet.example/x" in raw.replace(
        b"\r\n ", b""
    )
    assert b"NAME:Ada's reservations" in raw and b"X-WR-CALNAME:Ada's reservations" in raw
    assert vobject.readOne(raw.decode()).vevent.dtstart.value == datetime(
        2027, 3, 16, 9, tzinfo=ZoneInfo("Europe/London")
    )
    assert build_calendar("Empty", []).startswith(b"BEGIN:VCALENDAR")


async def test_calendar__an_event_in_the_repeated_hour_keeps_its_instant(nodes):
    nyc, _ = await nyc_london(nodes)
    # 01:30 happens twice in New York on 7 November 2027; this event is the second one (EST).
    second = await publish(nyc, title="Night shift", starts_at="2027-11-07T01:30-05:00", ends_at="2027-11-07T03:00")
    first = await publish(nyc, title="Early", starts_at="2027-11-07T01:10-04:00", ends_at="2027-11-07T01:20-04:00")
    events = vevents((await fetch(nyc))[0])
    host = nyc.url.removeprefix("http://")
    shift, early = events[f"{second['id']}@{host}"], events[f"{first['id']}@{host}"]
    assert shift.decoded("dtstart").astimezone(UTC) == datetime(2027, 11, 7, 6, 30, tzinfo=UTC)
    assert shift.decoded("dtend").astimezone(UTC) == datetime(2027, 11, 7, 8, 0, tzinfo=UTC)
    assert early.decoded("dtstart").astimezone(UTC) == datetime(2027, 11, 7, 5, 10, tzinfo=UTC)
    assert early["dtstart"].params["TZID"] == "America/New_York", "an unambiguous time keeps its zone"
