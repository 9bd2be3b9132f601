"""Weekly meetups: RRULE and EXDATE expanded on the event's wall clock across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from node.events import recurrence
from protocol.models import Event
from protocol.problems import Problem
from tests.support.nodes import eventually
from tests.support.objects import publish as publish_object

from .support import listing, nyc_london, publish, versions_at

NY = ZoneInfo("America/New_York")
WEEKLY = {
    "title": "Weekly meetup",
    "starts_at": "2027-03-02T18:00",
    "ends_at": "2027-03-02T20:00",
    "rrule": "FREQ=WEEKLY;BYDAY=TU",
    "exdates": ["2027-03-23T18:00"],
}


async def test_recurrence__weekly_meetup_keeps_18_00_in_new_york_across_both_clock_changes(nodes):
    nyc, london = await nyc_london(nodes)
    series = await publish(nyc, **WEEKLY)
    await eventually(lambda: versions_at(london, nyc), {series["id"]: 1})

    items = await listing(london, **{"from": "2027-03-01", "to": "2027-04-10"})
    assert {i["id"] for i in items} == {series["id"]}
    assert [(i["starts_at"], i["here"]["starts_at"]) for i in items] == [
        ("2027-03-02T18:00:00-05:00", "2027-03-02T23:00:00+00:00"),
        ("2027-03-09T18:00:00-05:00", "2027-03-09T23:00:00+00:00"),
        ("2027-03-16T18:00:00-04:00", "2027-03-16T22:00:00+00:00"),  # US on DST, UK not yet
        # 23 March is an exception (EXDATE)
        ("2027-03-30T18:00:00-04:00", "2027-03-30T23:00:00+01:00"),  # both on DST
        ("2027-04-06T18:00:00-04:00", "2027-04-06T23:00:00+01:00"),
    ]
    assert all(i["recurring"] and i["series_starts_at"] == "2027-03-02T18:00:00-05:00" for i in items)


async def test_recurrence__open_ended_series_is_listed_long_after_it_began(nodes):
    nyc = await nodes("NYC", "America/New_York")
    series = await publish(nyc, **WEEKLY)
    items = await listing(nyc, **{"from": "2027-11-01", "to": "2027-11-15"})
    assert [(i["id"], i["starts_at"]) for i in items] == [
        (series["id"], "2027-11-02T18:00:00-04:00"),
        (series["id"], "2027-11-09T18:00:00-05:00"),  # after the US clock change, still 18:00
    ]


async def test_recurrence__bounded_series_ends(nodes):
    nyc = await nodes("NYC", "America/New_York")
    await publish(nyc, **(WEEKLY | {"rrule": "FREQ=WEEKLY;COUNT=3", "exdates": []}))
    assert len(await listing(nyc, **{"from": "2027-03-01", "to": "2027-12-31"})) == 3
    assert await listing(nyc, **{"from": "2027-03-17", "to": "2027-12-31"}) == []


async def test_recurrence__rule_removed_by_patch_leaves_one_event(nodes):
    nyc = await nodes("NYC", "America/New_York")
    series = await publish(nyc, **WEEKLY)
    patched = await nyc.api.ok("PATCH", f"/api/v1/events/{series['id']}", {"rrule": None})
    assert (patched["recurring"], patched["exdates"]) == (False, [])
    assert len(await listing(nyc, **{"from": "2027-03-01", "to": "2027-12-31"})) == 1


@pytest.mark.parametrize(
    ("fields", "field", "detail"),
    [
        ({"rrule": "FREQ=SECONDLY"}, "rrule", "FREQ must be"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=WE"}, "rrule", "first occurrence"),
        ({"rrule": "FREQ=WEEKLY;COUNT=5000"}, "rrule", "COUNT"),
        ({"rrule": "FREQ=WEEKLY;UNTIL=20270401"}, "rrule", "UTC"),
        ({"rrule": "BYDAY=TU"}, "rrule", "FREQ="),
        ({"exdates": ["2027-03-24T18:00"]}, "exdates.0", "not an occurrence"),
        ({"rrule": None, "exdates": ["2027-03-09T18:00"]}, "exdates", "need an rrule"),
    ],
)
async def test_recurrence__bad_rule_or_exception_refused(nodes, fields, field, detail):
    nyc = await nodes("NYC", "America/New_York")
    status, problem = await nyc.api.call("POST", "/api/v1/events", {k: v for k, v in (WEEKLY | fields).items() if v})
    assert status == 422, problem
    assert problem["errors"][0]["field"] == field
    assert detail in problem["detail"]
    assert await versions_at(nyc, nyc) == {}


def test_recurrence__occurrences_in_a_window_include_one_that_began_before_it():
    start = datetime(2027, 3, 2, 18, tzinfo=NY)
    found = recurrence.occurrences(
        start,
        start.replace(hour=20),
        "America/New_York",
        "FREQ=DAILY",
        [],
        datetime(2027, 3, 5, 0, 30, tzinfo=UTC),
        datetime(2027, 3, 5, 23, tzinfo=UTC),
    )
    assert [(s.isoformat(), e.isoformat()) for s, e in found] == [
        ("2027-03-04T18:00:00-05:00", "2027-03-04T20:00:00-05:00"),  # 23:00-01:00 UTC overlaps 00:30
    ]


def test_recurrence__normalize_and_last_end():
    assert recurrence.normalize_rule(" RRULE:FREQ=WEEKLY ") == "FREQ=WEEKLY"
    start = datetime(2027, 3, 2, 18, tzinfo=NY)
    two_hours = start.replace(hour=20) - start
    assert recurrence.series_end("FREQ=WEEKLY;COUNT=3", start, two_hours) == datetime(2027, 3, 16, 20, tzinfo=NY)
    assert recurrence.series_end("FREQ=WEEKLY", start, two_hours) is None
    with pytest.raises(Problem):
        recurrence.parse_rule("FREQ=WEEKLY;FOO=1", start)


async def test_recurrence__twins_rule_we_cannot_expand_shows_the_event_once(nodes):
    nyc, london = await nyc_london(nodes)
    start = datetime(2027, 3, 16, 18, tzinfo=ZoneInfo("Europe/London"))
    hourly = Event(
        origin=london.url,
        id="hourly",
        version=1,
        title="Every hour",
        starts_at=start,
        ends_at=start.replace(hour=19),
        timezone="Europe/London",
        rrule="FREQ=HOURLY",
    )
    await publish_object(london, hourly)  # as another implementation might send it
    await eventually(lambda: versions_at(nyc, london), {"hourly": 1})
    assert [i["starts_at"] for i in await listing(nyc)] == ["2027-03-16T18:00:00+00:00"]
