"""/calendar.ics and the public event pages read one list: every calendar entry links to its
page, every page is in the calendar, and a change shows in both at once."""

from __future__ import annotations

import json
from typing import Any

import icalendar

from tests.public.support import city


async def calendar_urls(node: Any) -> dict[str, str]:
    async with node.api.session.get(node.local + "/calendar.ics") as resp:
        cal = icalendar.Calendar.from_ical(await resp.read())
    return {str(e["url"]): str(e["summary"]) for e in cal.walk("VEVENT")}


async def page_urls(node: Any) -> set[str]:
    async with node.api.session.get(node.local + "/open-data/events.json") as resp:
        return {e["url"] for e in json.loads(await resp.text())["events"]}


async def test_one_source__calendar_entries_and_event_pages_are_the_same_events(nodes: Any) -> None:
    town = await city(nodes, madrid_guests=0, lisbon_guests=0, milan_guests=0)
    milan = town.milan
    weekly = await milan.api.ok(
        "POST",
        "/api/v1/events",
        {
            "title": "Weekly breakfast",
            "starts_at": "2027-03-16T08:00",
            "ends_at": "2027-03-16T09:00",
            "rrule": "FREQ=WEEKLY",
        },
    )
    dropped = await milan.api.ok(
        "POST",
        "/api/v1/events",
        {"title": "Dropped talk", "starts_at": "2027-03-17T18:00", "ends_at": "2027-03-17T19:00"},
    )
    await milan.api.ok("DELETE", f"/api/v1/events/{dropped['id']}")  # cancelled: still listed, as cancelled

    entries = await calendar_urls(milan)
    assert set(entries) == await page_urls(milan)
    ids = {town.public_event["id"], weekly["id"], dropped["id"]}
    assert set(entries) == {f"{milan.url}/events/{i}" for i in ids}
    for url in entries:
        async with milan.api.session.get(milan.local + url[len(milan.url) :]) as resp:
            page = await resp.text()
        assert resp.status == 200
        assert entries[url].split(": ")[-1] in page  # the entry's title ("Cancelled: ..." in the calendar)

    await milan.api.ok("PATCH", f"/api/v1/events/{weekly['id']}", {"title": "Weekly coffee"})
    assert "Weekly coffee" in (await calendar_urls(milan)).values()
    async with milan.api.session.get(f"{milan.local}/events/{weekly['id']}") as resp:
        assert "<h1>Weekly coffee</h1>" in await resp.text()
