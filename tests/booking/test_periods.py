"""Booking time arithmetic: wall times, DST, units and periods in the host's zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from node.booking.periods import (
    days_touched,
    default_unit,
    local_instant,
    month_of,
    parse_month,
    period_start,
    real_hours,
    units_for,
)
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


def test_period_start__a_month_or_an_iso_week_in_the_host_zone():
    late_sunday_utc = datetime(2027, 8, 1, 3, 30, tzinfo=UTC)  # still Saturday 31 July in New York
    assert period_start(late_sunday_utc, "America/New_York", "month").isoformat() == "2027-07-01"
    assert period_start(late_sunday_utc, "Europe/London", "month").isoformat() == "2027-08-01"
    assert period_start(late_sunday_utc, "America/New_York", "week").isoformat() == "2027-07-26"  # a Monday


def test_month_of__the_ledger_month_is_the_host_zones():
    assert month_of(datetime(2027, 8, 1, 3, 30, tzinfo=UTC), "America/New_York") == "2027-07"


def test_parse_month__only_yyyy_mm_in_range():
    assert parse_month("2027-03") == "2027-03"
    for text in ("2027-3", "2027-13", "27-03", "0001-01", "9999-12"):
        with pytest.raises(Problem) as caught:
            parse_month(text)
        assert caught.value.extensions["errors"][0]["field"] == "period"


def test_units_for__seats_times_days_hours_or_seats():
    start = local_instant("2027-07-01T09:00", LONDON, "s")
    end = local_instant("2027-07-01T11:30", LONDON, "e")
    assert units_for("day", 3, start, end, LONDON) == 3
    assert units_for("hour", 3, start, end, LONDON) == 9  # 2.5 hours rounded up
    assert units_for("seat", 3, start, end, LONDON) == 3
    assert default_unit("desk") == "day" and default_unit("meeting_room") == "hour"


def test_local_instant__a_date_alone_is_its_midnight_in_the_space_zone():
    assert local_instant("2027-07-01", LONDON, "from").isoformat() == "2027-07-01T00:00:00+01:00"
    with pytest.raises(Problem) as caught:
        local_instant("0001-01-01", LONDON, "to")
    assert "1970" in str(caught.value.detail)
