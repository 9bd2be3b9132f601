"""A standing offer's schedule, pure (node/booking/offer_schedule.py): which dates, which instants."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from node.booking.offer_schedule import OfferBody, Schedule
from protocol.problems import Problem

TODAY = date(2027, 3, 1)


def body(**changes: Any) -> OfferBody:
    fields: dict[str, Any] = {
        "resource_id": "r1",
        "twin": "https://london.example",
        "seats": 2,
        "weekdays": ["TU", "TH"],
        "from_time": "09:00",
        "to_time": "18:00",
        "start_date": "2027-03-01",
        "end_date": "2027-03-31",
    }
    return OfferBody(**(fields | changes))


def refused_field(**changes: Any) -> str:
    with pytest.raises(Problem) as caught:
        Schedule.checked(body(**changes), TODAY)
    return str(caught.value.extensions["errors"][0]["field"])


def test_schedule__the_listed_weekdays_between_the_dates_without_exceptions() -> None:
    schedule = Schedule.checked(body(exceptions=["2027-03-11"]), TODAY)
    days = list(schedule.days(date(2027, 3, 1), date(2027, 3, 20)))
    assert days == [date(2027, 3, 2), date(2027, 3, 4), date(2027, 3, 9), date(2027, 3, 16), date(2027, 3, 18)]


def test_schedule__days_stay_within_the_offers_own_dates() -> None:
    schedule = Schedule.checked(body(), TODAY)
    assert list(schedule.days(date(2027, 3, 30), date(2027, 4, 30))) == [date(2027, 3, 30)]  # the last Tuesday


def test_schedule__the_same_wall_time_across_the_dst_change_moves_the_instants() -> None:
    schedule = Schedule.checked(body(), TODAY)
    before = schedule.times(date(2027, 3, 9), "America/New_York")
    after = schedule.times(date(2027, 3, 16), "America/New_York")  # US clocks go forward on 14 March
    assert [t.isoformat() for t in before] == ["2027-03-09T09:00:00-05:00", "2027-03-09T18:00:00-05:00"]
    assert [t.isoformat() for t in after] == ["2027-03-16T09:00:00-04:00", "2027-03-16T18:00:00-04:00"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"from_time": "25:00"}, "from_time"),
        ({"to_time": "24:00"}, "to_time"),
        ({"to_time": "08:00"}, "to_time"),
        ({"start_date": "2027-02-28"}, "start_date"),
        ({"end_date": "2027-02-28", "start_date": "2027-03-02"}, "end_date"),
        ({"end_date": "2031-01-01"}, "end_date"),
        ({"exceptions": ["2027-04-01"]}, "exceptions.0"),
        ({"weekdays": ["SU"], "end_date": "2027-03-06"}, "weekdays"),
        ({"start_date": "2027-02-30"}, "start_date"),
    ],
)
def test_schedule__a_schedule_that_cannot_be_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    assert refused_field(**changes) == field


def test_schedule__a_wall_time_the_clocks_skip_or_repeat_is_the_one_a_person_would_set() -> None:
    # A night offer in New York: on 14 March 2027 02:30 does not exist, on 7 November 01:30 happens twice.
    night = Schedule.checked(body(weekdays=["SU"], from_time="01:30", to_time="06:00", end_date="2027-11-30"), TODAY)
    spring = night.times(date(2027, 3, 14), "America/New_York")
    autumn = night.times(date(2027, 11, 7), "America/New_York")
    assert [t.isoformat() for t in spring] == ["2027-03-14T01:30:00-05:00", "2027-03-14T06:00:00-04:00"]
    assert [t.isoformat() for t in autumn] == ["2027-11-07T01:30:00-04:00", "2027-11-07T06:00:00-05:00"]
    late = Schedule.checked(body(weekdays=["SU"], from_time="02:30", to_time="04:00"), TODAY)
    spring = late.times(date(2027, 3, 14), "America/New_York")  # just after the gap
    assert [t.isoformat() for t in spring] == ["2027-03-14T03:30:00-04:00", "2027-03-14T04:00:00-04:00"]


def test_schedule__an_occurrence_the_clocks_skip_entirely_is_refused_naming_the_day() -> None:
    gone = Schedule.checked(body(weekdays=["SU"], from_time="02:30", to_time="03:00"), TODAY)
    with pytest.raises(Problem) as caught:
        gone.times(date(2027, 3, 14), "America/New_York")
    assert caught.value.extensions["errors"][0]["field"] == "exceptions"
    assert "2027-03-14" in caught.value.detail
