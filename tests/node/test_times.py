"""Wall times, DST gaps and folds, offsets and bounds (node/times.py), for events and booking alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from node.times import (
    Offsets,
    fixed_offset,
    in_zone,
    invalid,
    nearest_wall_time,
    not_past,
    parse_bound,
    parse_local,
    parse_moment,
    wall_time,
    zone_named,
)
from protocol.problems import Problem, ProblemType

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def refusal(call: Callable[..., object], *args: object) -> Problem:
    with pytest.raises(Problem) as caught:
        call(*args)
    assert caught.value.kind is ProblemType.VALIDATION_ERROR
    return caught.value


def test_invalid__names_the_field_in_detail_and_errors() -> None:
    problem = invalid("starts_at", "too early")
    assert problem.detail == "starts_at: too early"
    assert problem.extensions["errors"] == [{"field": "starts_at", "message": "too early"}]


def test_zone_named__an_unknown_zone_is_a_validation_error_naming_the_field() -> None:
    assert zone_named("Europe/Rome").key == "Europe/Rome"
    problem = refusal(zone_named, "Mars/Olympus", "zone")
    assert problem.extensions["errors"][0]["field"] == "zone" and "Mars/Olympus" in str(problem.detail)


def test_parse_local__wall_time_is_read_in_the_zone() -> None:
    moment = parse_local("2027-07-01T09:00", LONDON, "starts_at")
    assert moment.isoformat() == "2027-07-01T09:00:00+01:00"


@pytest.mark.parametrize(
    ("value", "zone", "words"),
    [
        ("2027-03-14T02:30", NEW_YORK, "2027-03-14 02:30 does not exist in America/New_York"),
        ("2027-03-28T01:30", LONDON, "does not exist in Europe/London (the clocks skip it)"),
    ],
)
def test_wall_time__a_time_the_clocks_skip_is_refused(value: str, zone: ZoneInfo, words: str) -> None:
    problem = refusal(parse_local, value, zone, "starts_at")
    assert words in str(problem.detail) and problem.extensions["errors"][0]["field"] == "starts_at"


def test_wall_time__a_time_that_happens_twice_is_refused_showing_both_offsets() -> None:
    problem = refusal(parse_local, "2027-11-07T01:30", NEW_YORK, "ends_at")
    assert "happens twice in America/New_York" in str(problem.detail)
    assert "2027-11-07T01:30:00-04:00 or 2027-11-07T01:30:00-05:00" in str(problem.detail)


def test_parse_local__the_zones_offset_picks_one_of_a_repeated_hour() -> None:
    first = parse_local("2027-11-07T01:30-04:00", NEW_YORK, "starts_at")
    second = parse_local("2027-11-07T01:30-05:00", NEW_YORK, "starts_at")
    assert second - first == timedelta(0)  # wall-time subtraction in one zone...
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)  # ...but an hour apart


def test_parse_local__an_offset_that_is_not_the_zones_is_refused_for_events() -> None:
    problem = refusal(parse_local, "2027-03-16T18:00-05:00", NEW_YORK, "starts_at")
    assert "America/New_York is at -0400 then" in str(problem.detail)


def test_parse_local__any_offset_is_an_instant_for_booking() -> None:
    moment = parse_local("2027-07-01T08:00:00Z", LONDON, "starts_at", Offsets.ANY)
    assert moment.isoformat() == "2027-07-01T09:00:00+01:00"


@pytest.mark.parametrize(
    "value",
    ["tomorrow", "2027-07-01", "2027-07-01T09:00:00.5", "2027-02-30T09:00", "0001-01-01T00:00", "9999-12-31T23:59"],
)
def test_parse_moment__garbage_dates_fractions_and_far_years_are_refused(value: str) -> None:
    refusal(parse_moment, value, "starts_at")


def test_nearest_wall_time__a_skipped_time_is_taken_after_the_gap_and_a_repeated_one_first() -> None:
    gap = nearest_wall_time(datetime(2027, 3, 14, 2, 30), NEW_YORK)
    fold = nearest_wall_time(datetime(2027, 11, 7, 1, 30), NEW_YORK)
    assert gap.isoformat() == "2027-03-14T03:30:00-04:00"
    assert fold.isoformat() == "2027-11-07T01:30:00-04:00"


def test_wall_time__an_ordinary_time_is_unchanged() -> None:
    assert wall_time(datetime(2027, 6, 1, 12, 0), NEW_YORK, "x").isoformat() == "2027-06-01T12:00:00-04:00"


def test_fixed_offset__subtraction_is_of_instants_across_a_change() -> None:
    start = parse_local("2027-10-31T00:00", LONDON, "s")
    end = parse_local("2027-10-31T06:00", LONDON, "e")
    assert end - start == timedelta(hours=6)  # same ZoneInfo: wall-time arithmetic
    assert fixed_offset(end) - fixed_offset(start) == timedelta(hours=7)  # the real night


def test_in_zone__an_instant_with_the_zones_offset_then() -> None:
    moment = datetime(2027, 3, 16, 22, 0, tzinfo=UTC)
    assert in_zone(moment, "America/New_York") == "2027-03-16T18:00:00-04:00"
    assert in_zone(moment, "Europe/London") == "2027-03-16T22:00:00+00:00"


def test_parse_bound__a_date_is_local_midnight_and_a_gap_time_is_taken_as_is() -> None:
    assert parse_bound("2027-03-14", NEW_YORK, "from").isoformat() == "2027-03-14T00:00:00-05:00"
    assert parse_bound("2027-03-14T02:30", NEW_YORK, "from").hour == 2
    refusal(parse_bound, "2027-13-01", NEW_YORK, "from")


def test_not_past__a_start_that_passed_is_refused_saying_the_time_there() -> None:
    now = datetime(2027, 3, 16, 22, 0, tzinfo=UTC)
    start = parse_local("2027-03-16T17:00", NEW_YORK, "starts_at")
    problem = refusal(not_past, start, now, "starts_at")
    assert "2027-03-16 17:00 has already passed (it is 2027-03-16 18:00 there now)" in str(problem.detail)
    not_past(start, now - timedelta(hours=2), "starts_at")
