"""window.earliest: a listing's first occurrences, the same as merging every event's in order."""

from __future__ import annotations

import asyncio
import heapq
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from node.events import recurrence
from node.events.window import Occurrence, earliest
from protocol.models import Event

WINDOW_FROM = datetime(2026, 3, 2, tzinfo=UTC)
WINDOW_TO = WINDOW_FROM + timedelta(days=7)
RULES = [None, "FREQ=DAILY", "FREQ=HOURLY;INTERVAL=5", "FREQ=WEEKLY;COUNT=3", "FREQ=DAILY;UNTIL=20260304T000000Z"]

events = st.lists(
    st.tuples(st.integers(-40 * 24, 9 * 24), st.integers(1, 5), st.sampled_from(RULES), st.sampled_from("ab")),
    max_size=25,
)


def make(n: int, hours: int, length: int, rule: str | None, origin: str) -> Event:
    start = WINDOW_FROM + timedelta(hours=hours)
    return Event(
        origin=f"https://{origin}.example",
        id=f"e{n % 4}",  # equal starts, origins and ids across events: the order of ties is kept too
        version=1,
        title="x",
        starts_at=start,
        ends_at=start + timedelta(hours=length),
        timezone="UTC",
        rrule=rule,
    )


def merged(listed: list[Event], limit: int) -> list[Occurrence]:
    """What a lazy merge of every event's occurrences gives: the reference."""
    streams = [
        [
            Occurrence(begins, e.origin, e.id, ends, e)
            for begins, ends in recurrence.each_occurrence(
                e.starts_at, e.ends_at, e.timezone, e.rrule, e.exdates, WINDOW_FROM, WINDOW_TO
            )
        ]
        for e in listed
    ]
    return list(heapq.merge(*streams))[:limit]


@settings(max_examples=150, deadline=None)
@given(events, st.integers(0, 60))
def test_earliest__the_first_occurrences_of_all_events_merged_in_order(
    specs: list[tuple[int, int, str | None, str]], limit: int
) -> None:
    listed = [make(n, *spec) for n, spec in enumerate(specs)]
    found = asyncio.run(earliest(listed, WINDOW_FROM, WINDOW_TO, limit))
    expected = merged(listed, limit)
    assert [(o.begins, o.origin, o.id, o.ends, o.event) for o in found] == [
        (o.begins, o.origin, o.id, o.ends, o.event) for o in expected
    ]
