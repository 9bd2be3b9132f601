"""Booking time arithmetic: wall times, DST, units and periods in the host's zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from node.booking.periods import days_touched, local_instant, month_of, period_start, real_hours, units_for
from protocol.problems import Problem, ProblemType

LONDON = "Europe/London"


def test_local_instant__wall_time_is_read_in_the_space_zone():
    moment = local_instant("2027-07-01T09:00", LONDON, "starts_at")
    assert moment.isoformat() == "2027-07-01T09:00:00+01:00"
    assert local_instant("2027-07-01T08:00:00Z", LONDON, "starts_at").isoformat() == "2027-07-01T09:00:00+01:00"


def test_local_instant__skipped_wall_time_is_refused_naming_the_field():
    with pytest.raises(Problem) as caught:
        local_instant("2027-03-28T01:30", LONDON, "starts_at")
    assert caught.value.kind is ProblemType.VALIDATION_ERROR
    assert caught.value.extensions["errors"][0]["field"] == "starts_at"
    assert "does not exist" in str(caught.value.detail)


def test_local_instant__repeated_wall_time_is_refused_unless_an_offset_is_given():
    with pytest.raises(Problem) as caught:
        local_instant("2027-10-31T01:30", LONDON, "ends_at")
    assert caught.value.extensions["errors"][0]["field"] == "ends_at"
    assert "happens twice" in str(caught.value.detail)
    second = local_instant("2027-10-31T01:30:00+00:00", LONDON, "ends_at")
    assert second.astimezone(UTC) == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)


def test_local_instant__garbage_and_fractions_are_validation_errors():
    for text in ("tomorrow", "2027-07-01T09:00:00.5"):
        with pytest.raises(Problem) as caught:
            local_instant(text, LONDON, "starts_at")
        assert caught.value.kind is ProblemType.VALIDATION_ERROR


def test_units__a_night_across_the_october_change_lasts_7_real_hours_and_the_march_one_5():
    october = local_instant("2027-10-31T00:00", LONDON, "s"), local_instant("2027-10-31T06:00", LONDON, "e")
    march = local_instant("2027-03-28T00:00", LONDON, "s"), local_instant("2027-03-28T06:00", LONDON, "e")
    assert real_hours(*october) == 7
    assert real_hours(*march) == 5
    assert units_for("hour", 2, *october, LONDON) == 14
    assert units_for("day", 2, *october, LONDON) == 2
    assert units_for("day", 1, *march, LONDON) == 1


def test_units__days_are_dates_touched_in_the_host_zone_with_midnight_end_exclusive():
    start = local_instant("2027-07-01T18:00", LONDON, "s")
    assert days_touched(start, local_instant("2027-07-02T00:00", LONDON, "e"), LONDON) == 1
    assert days_touched(start, local_instant("2027-07-02T00:01", LONDON, "e"), LONDON) == 2
    assert days_touched(start, local_instant("2027-07-03T12:00", LONDON, "e"), LONDON) == 3
    assert units_for("seat", 3, start, start, LONDON) == 3


def test_periods__month_and_iso_week_are_taken_in_the_host_zone():
    # 23:30 on 31 January in New York is already February in UTC and in London.
    late = local_instant("2027-01-31T23:30", "America/New_York", "s")
    assert period_start(late, "America/New_York", "month").isoformat() == "2027-01-01"
    assert period_start(late, LONDON, "month").isoformat() == "2027-02-01"
    assert month_of(late, "America/New_York") == "2027-01"
    assert period_start(late, "America/New_York", "week").isoformat() == "2027-01-25"  # a Monday
