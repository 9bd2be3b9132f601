"""A twin that sends too much: series from 1970, thousands of events in our week, objects until
its quota is spent. Our member's week must stay what it was: answered, with our own events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from protocol.models import Event, ObjectRef, Resource, Slot
from tests.support.nodes import InProcessNode, twin

from .conftest import ArenaFactory, sizes
from .twin import problem_slugs


def daily_since_1970(origin: str, id_: str) -> Event:
    start = datetime(1970, 1, 1, 18, tzinfo=UTC)
    return Event(
        origin=origin,
        id=id_,
        version=1,
        title="Every day since 1970",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        timezone="UTC",
        rrule="FREQ=DAILY",
    )


def in_our_week(origin: str, id_: str, n: int, description: str = "") -> Event:
    """An event this week, earlier in the day than ours, so that a listing by start time meets it first."""
    start = datetime.now(UTC).replace(hour=6, minute=n % 60, second=0, microsecond=0) + timedelta(days=1 + n % 3)
    return Event(
        origin=origin,
        id=id_,
        version=1,
        title=f"Flood {n}",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        timezone="UTC",
        description=description,
    )


async def week(arena: Any) -> list[dict[str, Any]]:
    """The week as the member lists it."""
    status, body = await arena.home.api.call("GET", f"/api/v1/events?{arena.member.week_query()}")
    assert status == 200, body
    return list(body["items"])


# 20,000 series (a twin's whole default quota): the listing builds its 2,000 items (1.2 MB); the
# node grows by about 30 MB (45 to 56 while a listing kept every series' walk open at once).
@sizes(2000, 20_000)
async def test_recurrence_flood__series_from_1970_leave_the_week_answered(arena: ArenaFactory, size: int) -> None:
    a = await arena()
    series = [a.twin.seal(daily_since_1970(a.twin.url, f"daily-{n}")) for n in range(size)]
    async with a.watch() as watch:
        answers = await a.twin.push(a.home, series)
    assert {status for status, _ in answers} == {202}
    await a.unharmed_after(watch)
    assert any(item["origin"] == a.twin.url for item in await week(a)), "the twin's series are listed beside ours"


@sizes(2500, 10000)
async def test_event_flood__one_twin_cannot_crowd_out_our_events_or_other_twins(
    arena: ArenaFactory, nodes: Any, size: int
) -> None:
    a = await arena()
    neighbour: InProcessNode = await nodes("Neighbour")
    await twin(neighbour, a.home)
    await neighbour.api.ok("POST", "/api/v1/events", neighbour_event())
    flood = [a.twin.seal(in_our_week(a.twin.url, f"flood-{n}", n)) for n in range(size)]
    async with a.watch() as watch:
        answers = await a.twin.push(a.home, flood)
    assert {status for status, _ in answers} <= {202}
    await a.unharmed_after(watch)
    origins = {item["origin"] for item in await week(a)}
    assert {a.home.url, neighbour.url, a.twin.url} <= origins, "each origin keeps its share of the week"


@sizes(1500, 3000)
async def test_fat_event_flood__long_descriptions_do_not_swell_our_week(arena: ArenaFactory, size: int) -> None:
    a = await arena()
    fat = [a.twin.seal(in_our_week(a.twin.url, f"fat-{n}", n, "x" * 19_000)) for n in range(size)]
    async with a.watch() as watch:
        answers = await a.twin.push(a.home, fat)
    assert {status for status, _ in answers} == {202}, answers[:1]
    await a.unharmed_after(watch)
    listed = [item for item in await week(a) if item["origin"] == a.twin.url]
    assert listed and all(len(item["description"]) < 1000 and item["description_cut"] for item in listed)


def slot_in_our_week(origin: str, for_twin: str, n: int) -> Slot:
    start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1 + n % 5, minutes=n)
    desk = Resource(id=f"desk-{n}", kind="desk", name=f"Desk {n}", capacity=1)
    return Slot(
        origin=origin,
        id=f"slot-{n}",
        version=1,
        resource=desk,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        timezone="UTC",
        twin=for_twin,
        seats=1,
        remaining=1,
    )


@sizes(5000, 10000)
async def test_slot_flood__thousands_of_slots_in_our_week_leave_the_week_page_answered(
    arena: ArenaFactory, size: int
) -> None:
    a = await arena()
    flood = [a.twin.seal(slot_in_our_week(a.twin.url, a.home.url, n)) for n in range(size)]
    async with a.watch() as watch:
        answers = await a.twin.push(a.home, flood)
    assert {status for status, _ in answers} == {202}, answers[:1]
    await a.unharmed_after(watch)


def copy_of(origin: str, source: ObjectRef, n: int) -> Event:
    """A twin's "re-hosting" of one of our events, a year ahead (out of the week being read)."""
    event = in_our_week(origin, f"copy-{n}", n)
    start = event.starts_at + timedelta(days=365)
    return event.model_copy(update={"exported_from": source, "starts_at": start, "ends_at": start + timedelta(hours=1)})


@sizes(3000, 15_000)
async def test_copy_flood__a_twins_copies_of_our_events_cost_our_week_nothing(arena: ArenaFactory, size: int) -> None:
    a = await arena()
    own = sorted(a.member.own_events)
    copies = [a.twin.seal(copy_of(a.twin.url, ObjectRef(origin=a.home.url, id=own[n % 3]), n)) for n in range(size)]
    async with a.watch() as watch:
        answers = await a.twin.push(a.home, copies)
    assert {status for status, _ in answers} == {202}, answers[:1]
    await a.unharmed_after(watch)
    for item in await week(a):
        origins = [other["origin"] for other in item["also_at"]]
        assert len(origins) == len(set(origins)), f"{item['id']} is 'also at' {len(origins)} places"


def neighbour_event() -> dict[str, str]:
    day = datetime.now(UTC).date() + timedelta(days=2)
    return {"title": "Next door", "starts_at": f"{day}T19:00", "ends_at": f"{day}T21:00"}


QUOTA = {"limits": {"twin_max_objects": 300, "twin_max_bytes": 2 * 1024 * 1024}}
FILLER = 1000  # objects of ~19 kB: past both quotas


async def test_quota_filler__a_twin_is_stopped_at_its_quota_and_told_why(arena: ArenaFactory) -> None:
    a = await arena(config=QUOTA)
    filler = [a.twin.seal(in_our_week(a.twin.url, f"fill-{n}", n, "x" * 19_000)) for n in range(FILLER)]
    async with a.watch() as watch:
        answers = await a.twin.push(a.home, filler)
    await a.unharmed_after(watch)
    assert "quota-exceeded" in {slug for _, body in answers for slug in problem_slugs(body)}, answers
    stored = await a.home.api.ok("GET", f"/api/v1/events?origin={a.twin.url}&{a.member.week_query()}")
    assert len(stored["items"]) <= QUOTA["limits"]["twin_max_objects"]
    status = await a.home.api.ok("GET", "/api/v1/status")
    storage = next(p for p in status["peers"] if p["peer"] == a.twin.url)["storage"]
    assert storage["refused"] > 0 and storage["objects"] <= storage["max_objects"], storage
