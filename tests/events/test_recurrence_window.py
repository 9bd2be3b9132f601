"""A series is expanded from the window asked for, not from its first occurrence.

A daily series a twin started in 1970 costs a listing of this week what one started yesterday
costs: counted as the occurrences the rule walks through before it reaches the window.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from node.events import recurrence

NY = ZoneInfo("America/New_York")
RULES = [
    "FREQ=DAILY",
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=DAILY;BYDAY=MO,FR;BYMONTH=3,11",
    "FREQ=WEEKLY",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=SU",
    "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,WE",
    "FREQ=MONTHLY",
    "FREQ=MONTHLY;INTERVAL=5",
    "FREQ=MONTHLY;BYDAY=-1FR",
    "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=31",
    "FREQ=YEARLY",
    "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=1",
    "FREQ=YEARLY;BYMONTH=7",
    "FREQ=YEARLY;BYDAY=1MO;BYMONTH=9",
    "RRULE:FREQ=DAILY;UNTIL=20401231T000000Z",
]
STARTS = [datetime(1970, 1, 31, 18, 30, tzinfo=NY), datetime(1999, 3, 14, 1, 30, tzinfo=NY)]


def walked_before(rule, window_from: datetime) -> int:
    """How many occurrences the expansion steps over before it reaches the window."""
    return sum(1 for _ in itertools.takewhile(lambda moment: moment <= window_from, rule))


@pytest.mark.parametrize("text", RULES)
def test_recurrence__window_expansion_gives_the_same_occurrences_as_from_the_start(text):
    for start, window_from in itertools.product(STARTS, [datetime(2027, 3, 1, tzinfo=NY), datetime(2031, 10, 29)]):
        window_from = window_from.replace(tzinfo=NY)
        rule = recurrence.read_rule(text, start)
        assert rule is not None, text
        full = list(itertools.islice(rule.xafter(window_from), 60))
        restarted = recurrence.window_rule(text, start, window_from)
        assert restarted is not None
        assert list(itertools.islice(restarted.xafter(window_from), 60)) == full, (text, start)


def test_recurrence__series_from_1970_walks_no_more_than_one_from_yesterday():
    window_from = datetime(2027, 6, 7, tzinfo=NY)
    old = recurrence.window_rule("FREQ=DAILY", datetime(1970, 1, 1, 9, tzinfo=NY), window_from)
    new = recurrence.window_rule("FREQ=DAILY", window_from - timedelta(days=1), window_from)
    assert old is not None and new is not None
    assert walked_before(old, window_from) <= 2 and walked_before(new, window_from) <= 2
    week = recurrence.occurrences(
        datetime(1970, 1, 1, 9, tzinfo=NY),
        datetime(1970, 1, 1, 10, tzinfo=NY),
        "America/New_York",
        "FREQ=DAILY",
        [],
        window_from,
        window_from + timedelta(days=7),
    )
    assert [begins.isoformat() for begins, _ in week][:2] == ["2027-06-07T09:00:00-04:00", "2027-06-08T09:00:00-04:00"]
    assert len(week) == 7


def test_recurrence__twins_count_longer_than_ours_is_shown_once():
    assert recurrence.read_rule("FREQ=DAILY;COUNT=1000000", datetime(1970, 1, 1, tzinfo=NY)) is None


def test_recurrence__a_rarely_matching_count_series_is_followed_a_bounded_way():
    """29 February alone, a thousand times: dateutil walked four thousand years, day by day
    (seconds of CPU inside the inbox transaction). The series is followed MAX_WALK days."""
    start = datetime(2028, 2, 29, 18, tzinfo=NY)
    text = "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;COUNT=1000"
    last = recurrence.last_occurrence(text, start)
    assert last is not None and last.year <= start.year + recurrence.MAX_WALK // 365 + 4
    end = recurrence.series_end(text, start, timedelta(hours=1))
    assert end == last + timedelta(hours=1)
    # Listing a window past the cut walks nothing; one before it starts from the window.
    window_from = datetime(2033, 1, 1, tzinfo=NY)
    rule = recurrence.window_rule(text, start, window_from, last)
    assert rule is not None and walked_before(rule, window_from) <= 2
    assert [m.date().isoformat() for m in itertools.islice(rule.xafter(window_from), 2)] == ["2036-02-29", "2040-02-29"]


def test_recurrence__count_and_until_together_is_not_expanded():
    assert recurrence.read_rule("FREQ=DAILY;COUNT=5;UNTIL=20200101T000000Z", datetime(2027, 1, 1, tzinfo=NY)) is None


@pytest.mark.parametrize(
    "text", ["FREQ=DAILY;COUNT=1000", "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=300", "FREQ=MONTHLY;BYDAY=-1FR;COUNT=40"]
)
def test_recurrence__count_series_restarted_from_its_last_occurrence_gives_the_same_occurrences(text):
    start = datetime(2026, 1, 6, 18, tzinfo=NY)
    rule = recurrence.read_rule(text, start)
    assert rule is not None
    for window_from in (
        datetime(2026, 6, 1, tzinfo=NY),
        datetime(2027, 3, 1, tzinfo=NY),
        datetime(2029, 3, 1, tzinfo=NY),
    ):
        expected = list(itertools.islice(rule.xafter(window_from), 30))
        restarted = recurrence.window_rule(text, start, window_from, recurrence.last_occurrence(text, start))
        assert restarted is not None
        assert list(itertools.islice(restarted.xafter(window_from), 30)) == expected, (text, window_from)
