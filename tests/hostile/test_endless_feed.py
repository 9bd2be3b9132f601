"""A twin whose feed never ends: every page full of new, validly signed objects, its cursor always
moving on. Each object costs the node a signature check, as a pushed one does: the pull must be
held to the same budget of objects per twin as the inbox, not read the feed for as long as the
twin keeps writing it."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from tests.support.nodes import eventually

from .conftest import ArenaFactory
from .test_answers import last_error, served
from .test_floods import in_our_week
from .twin import json_answer

PAGE = 500
BUDGET = {
    "delivery": {"pull_interval_seconds": 3600.0},  # one pull, at the twinning: no other round in the test
    "limits": {"peer_items_per_second": 1.0, "peer_item_burst": 2 * PAGE, "twin_max_objects": 100},
}


async def test_endless_feed__a_pull_takes_no_more_objects_than_the_twins_budget(arena: ArenaFactory) -> None:
    a = await arena(config=BUDGET, twinned=False)

    async def endless(request: web.Request) -> web.Response:
        after = int(request.query.get("after", 0))
        events = [in_our_week(a.twin.url, f"endless-{after + n}", n) for n in range(PAGE)]
        page = [{"seq": after + n + 1, "envelope": a.twin.seal(e)} for n, e in enumerate(events)]
        return web.json_response({"items": page, "next": f"{a.twin.url}/federation/v1/feed?after={after + PAGE}"})

    a.twin.answer_with("feed", endless)
    async with a.watch() as watch:
        await a.twin.twin_with(a.home)  # the node reads a new twin's feed at once
        await served(a.twin, "feed", 2)
        await asyncio.sleep(5)  # a pull that kept going would read a page every few tenths of a second
    await a.unharmed_after(watch)
    # The budget is two pages; the node may read one more ahead of what it applies.
    assert a.twin.served["feed"] <= 3, f"one pull read {a.twin.served['feed']} pages of an endless feed"


async def test_endless_feed__a_pull_paused_by_the_budget_goes_on_when_it_refills(arena: ArenaFactory) -> None:
    paced = {"delivery": {"pull_interval_seconds": 3600.0}, "limits": {"peer_items_per_second": 500.0}}
    a = await arena(config=paced | {"limits": paced["limits"] | {"peer_item_burst": 2 * PAGE}}, twinned=False)
    a.twin.feed = [a.twin.seal(in_our_week(a.twin.url, f"honest-{n}", n)) for n in range(3 * PAGE)]
    await a.twin.twin_with(a.home)  # the node reads a new twin's feed at once, two pages, then waits a second
    titles = await eventually(lambda: twin_event_ids(a), lambda ids: len(ids) == 3 * PAGE, timeout=30)
    assert titles == {f"honest-{n}" for n in range(3 * PAGE)}


async def test_endless_feed__a_page_longer_than_asked_is_refused_whole(arena: ArenaFactory) -> None:
    a = await arena(config={"delivery": {"pull_interval_seconds": 3600.0}}, twinned=False)
    envelopes = [a.twin.seal(in_our_week(a.twin.url, f"long-{n}", n)) for n in range(PAGE + 1)]
    a.twin.answer_with("feed", json_answer({"items": [{"seq": n + 1, "envelope": e} for n, e in enumerate(envelopes)]}))
    await a.twin.twin_with(a.home)
    await served(a.twin, "feed", 1)
    error = await eventually(lambda: last_error(a), bool)
    assert "501 items, 500 were asked" in error, error
    assert await twin_event_ids(a) == set()


async def twin_event_ids(a: Any) -> set[str]:
    listing = await a.home.api.ok("GET", f"/api/v1/events?origin={a.twin.url}&{a.member.week_query()}")
    return {item["id"] for item in listing["items"]}
