"""Local time across DST changes: shown right in both zones, impossible wall times refused."""

from __future__ import annotations

import pytest

from tests.support.nodes import eventually

from .support import listing, nyc_london, publish, versions_at


def here(item):
    return item["here"]["starts_at"]


async def test_event__shown_at_the_right_london_time_when_the_gap_is_four_hours(nodes):
    nyc, london = await nyc_london(nodes)
    ordinary = await publish(nyc, title="ordinary", starts_at="2027-03-09T18:00", ends_at="2027-03-09T20:00")
    spring = await publish(nyc, title="spring gap")  # US on DST since 14 March, the UK not until 28 March
    autumn = await publish(nyc, title="autumn gap", starts_at="2027-11-02T18:00", ends_at="2027-11-02T20:00")
    summer = await publish(nyc, title="summer", starts_at="2027-06-15T18:00", ends_at="2027-06-15T20:00")
    ids = {e["id"]: 1 for e in (ordinary, spring, autumn, summer)}
    await eventually(lambda: versions_at(london, nyc), ids)

    shown = {i["title"]: i for i in await listing(london, **{"from": "2027-03-01", "to": "2027-12-01"})}
    assert {t: (i["starts_at"], here(i)) for t, i in shown.items()} == {
        "ordinary": ("2027-03-09T18:00:00-05:00", "2027-03-09T23:00:00+00:00"),
        "spring gap": ("2027-03-16T18:00:00-04:00", "2027-03-16T22:00:00+00:00"),
        "summer": ("2027-06-15T18:00:00-04:00", "2027-06-15T23:00:00+01:00"),
        "autumn gap": ("2027-11-02T18:00:00-04:00", "2027-11-02T22:00:00+00:00"),  # UK back on 31 Oct, US 7 Nov
    }
    assert shown["spring gap"]["here"]["timezone"] == "Europe/London"
    assert shown["spring gap"]["here"]["ends_at"] == "2027-03-17T00:00:00+00:00"


async def test_event__london_event_is_shown_in_new_york_time(nodes):
    nyc, london = await nyc_london(nodes)
    created = await publish(london, starts_at="2027-03-23T18:00", ends_at="2027-03-23T19:30")
    assert created["starts_at"] == "2027-03-23T18:00:00+00:00"
    await eventually(lambda: versions_at(nyc, london), {created["id"]: 1})
    [item] = await listing(nyc)
    assert here(item) == "2027-03-23T14:00:00-04:00"


@pytest.mark.parametrize(
    ("starts_at", "detail"),
    [
        ("2027-03-14T02:30", "does not exist in America/New_York"),  # spring forward: 02:00 -> 03:00
        ("2027-11-07T01:30", "happens twice in America/New_York"),  # fall back: 01:00-02:00 twice
        ("2027-03-16T18:00-05:00", "America/New_York is at -0400 then"),  # an offset that is not the zone's
    ],
)
async def test_event__impossible_or_ambiguous_wall_time_refused_naming_the_field(nodes, starts_at, detail):
    nyc = await nodes("NYC", "America/New_York")
    end = starts_at[:11] + "04:00"
    status, problem = await nyc.api.call(
        "POST", "/api/v1/events", {"title": "x", "starts_at": starts_at, "ends_at": end}
    )
    assert status == 422, problem
    assert problem["type"].endswith("/validation-error")
    assert problem["errors"][0]["field"] == "starts_at"
    assert detail in problem["detail"]
    assert await versions_at(nyc, nyc) == {}


async def test_event__ambiguous_wall_time_accepted_with_the_zones_offset(nodes):
    nyc = await nodes("NYC", "America/New_York")
    first = await publish(nyc, starts_at="2027-11-07T01:30-04:00", ends_at="2027-11-07T03:00")
    second = await publish(nyc, starts_at="2027-11-07T01:30-05:00", ends_at="2027-11-07T03:00")
    assert first["starts_at"] == "2027-11-07T01:30:00-04:00"
    assert second["starts_at"] == "2027-11-07T01:30:00-05:00"
    assert [i["here"]["starts_at"] for i in await listing(nyc, **{"from": "2027-11-07", "to": "2027-11-08"})] == [
        "2027-11-07T01:30:00-04:00",
        "2027-11-07T01:30:00-05:00",
    ]


async def test_event__timezone_other_than_the_spaces(nodes):
    nyc = await nodes("NYC", "America/New_York")
    created = await publish(nyc, timezone="Europe/Rome", starts_at="2027-03-16T18:00", ends_at="2027-03-16T19:00")
    assert (created["timezone"], created["starts_at"]) == ("Europe/Rome", "2027-03-16T18:00:00+01:00")
    assert here(created) == "2027-03-16T13:00:00-04:00"
