"""A twin's series that its interval never brings to a date its rule names: every second year on
February 29th, from an odd year. dateutil looks for the next occurrence up to the year 9999,
thousands of periods, on every listing: two hundred such series took the member's week from
milliseconds to half a minute. They are shown as their first occurrence alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from protocol.models import Event

from .conftest import ArenaFactory
from .test_floods import week

NEVER = "FREQ=YEARLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29"


def never_again(origin: str, n: int) -> Event:
    start = datetime(2025, 3, 1, 18, tzinfo=UTC) + timedelta(days=n)  # each its own start: nothing shared
    return Event(
        origin=origin,
        id=f"never-{n}",
        version=1,
        title="Every second February 29th",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        timezone="UTC",
        rrule=NEVER,
    )


async def test_sparse_series__a_rule_that_never_comes_again_leaves_the_week_answered(arena: ArenaFactory) -> None:
    a = await arena()
    answers = await a.twin.push(a.home, [a.twin.seal(never_again(a.twin.url, n)) for n in range(200)])
    assert {status for status, _ in answers} == {202}
    async with a.watch() as watch:
        for _ in range(3):
            items = await week(a)
    await a.unharmed_after(watch)
    assert a.member.own_events <= {item["id"] for item in items}
    assert not [item for item in items if item["origin"] == a.twin.url]  # none of them falls in our week


async def test_sparse_series__our_own_rule_must_repeat_within_twelve_years(arena: ArenaFactory) -> None:
    a = await arena(twinned=False)
    body = {"title": "Centenary", "starts_at": "2027-05-01T18:00", "ends_at": "2027-05-01T20:00"}
    status, problem = await a.home.api.call("POST", "/api/v1/events", body | {"rrule": "FREQ=YEARLY;INTERVAL=100"})
    assert status == 422 and problem["type"].endswith("/validation-error"), problem
    assert [e["field"] for e in problem["errors"]] == ["rrule"], problem
    status, _ = await a.home.api.call("POST", "/api/v1/events", body | {"rrule": "FREQ=YEARLY;INTERVAL=4"})
    assert status == 201
