"""Hosting for months in a real browser, the issue's journey: NYC's operator offers "2 desks,
weekdays 9-18 New York, for London, December to February, not on 24-26 December"; a London
member sees and books one occurrence; when it is full a second member joins its waitlist, a
seat is cancelled, the second member is offered it and confirms; on the day NYC's front desk
shows both guests by name and checks one in; the ledger shows 1 attended.

The nodes' clocks stand in late November before the winter the offer is for, so the journey
reads the same whatever day the test runs."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from node.clock import Clock
from tests.support.nodes import eventually, twin
from tests.web.support import LONDON_ZONE, NYC_ZONE, TERMS, add_member
from tests.web.test_browser_admin import operator_page
from tests.web.test_browser_member import sign_in

pytestmark = pytest.mark.browser


def season() -> tuple[datetime, date]:
    """A moment in late November (New York) that is still to come, and the first weekday of December after it."""
    now = datetime.now(ZoneInfo(NYC_ZONE))
    year = now.year if (now.month, now.day) < (11, 20) else now.year + 1
    first = date(year, 12, 1)
    while first.weekday() > 4:
        first += timedelta(days=1)
    return datetime(year, 11, 25, 10, 0, tzinfo=ZoneInfo(NYC_ZONE)), first


def clock_at(moment: datetime) -> Clock:
    return Clock((moment - datetime.now(moment.tzinfo)).total_seconds())


async def test_browser__a_standing_offer_its_waitlist_and_the_front_desk(nodes: Any, person: Any) -> None:
    start, day = season()
    year = day.year
    nyc = await nodes("WeCreate NYC", NYC_ZONE, clock=clock_at(start))
    london = await nodes("TheCube London", LONDON_ZONE, clock=clock_at(start))
    await twin(nyc, london, offer=TERMS, request=TERMS)
    await nyc.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": "Hot desks", "capacity": 4})

    # NYC's operator makes the standing offer on its page.
    operator = await operator_page(person, nyc)
    await operator.goto(nyc.local + "/admin/offers")
    await operator.fill("#o-seats", "2")
    await operator.fill("#o-from", "09:00")
    await operator.fill("#o-to", "18:00")
    await operator.fill("#o-start", f"{year}-12-01")
    await operator.fill("#o-end", f"{year + 1}-02-28")
    await operator.fill("#o-except", f"{year}-12-24, {year}-12-25, {year}-12-26")
    await operator.get_by_role("button", name="Make the offer").click()
    assert "Standing offer made" in await operator.locator("#flash").inner_text()

    ben, chiara, dana = [await add_member(london, n) for n in ("Ben Carter", "Chiara Rossi", "Dana Park")]

    async def occurrences() -> dict[str, str]:
        data = await london.api.ok("GET", f"/api/v1/twins/{nyc.url}/slots", token=ben["token"])
        return {s["host_time"]["starts_at"][:10]: s["id"] for s in data["items"] if s["status"] == "open"}

    published = await eventually(occurrences, lambda found: str(day) in found)
    assert not {f"{year}-12-24", f"{year}-12-25", f"{year}-12-26"} & set(published)  # the holidays
    slot_id = published[str(day)]

    # Ben books one occurrence on his week page; Dana takes the other seat: it is full.
    member = await person()
    await sign_in(member, london.local + "/signin", ben["token"])
    await member.goto(london.local + f"/?from={day}")
    entry = member.locator(f"#slot-{slot_id}")
    await entry.wait_for()
    assert "09:00\u201318:00" in await entry.inner_text()
    await entry.get_by_role("button", name="Reserve").click()
    assert "Reserved 1 seat at WeCreate NYC" in await member.locator("#flash").inner_text()
    dana_id = "6d1c2b9e-0c1a-4a57-9d2e-4b7f3a9e0a11"
    status, _ = await london.api.call(
        "PUT", f"/api/v1/reservations/{dana_id}", {"slot_id": slot_id, "seats": 1}, token=dana["token"]
    )
    assert status == 201

    # Chiara finds it full and joins its waitlist.
    second = await person()
    second.on("dialog", lambda dialog: dialog.accept())
    await sign_in(second, london.local + "/signin", chiara["token"])

    async def full_entry() -> str:
        await second.goto(london.local + f"/?from={day}")
        return await second.locator(f"#slot-{slot_id}").inner_text()

    await eventually(full_entry, lambda text: "Join the waitlist" in text)
    await second.locator(f"#slot-{slot_id}").get_by_role("button", name="Join the waitlist").click()
    assert "number 1 in line" in await second.locator("#flash").inner_text()

    # Dana cancels: the seat is offered to Chiara, who confirms it on her reservations page.
    await london.api.ok("DELETE", f"/api/v1/reservations/{dana_id}", token=dana["token"])

    async def offered() -> int:
        await second.goto(london.local + "/reservations")
        return await second.get_by_role("button", name="Confirm the seat").count()

    await eventually(offered, 1)
    assert "held for you until" in await second.locator(".reservation").first.inner_text()
    await second.goto(london.local + f"/?from={day}")  # the week says it too, with the same button
    held = await second.locator(f"#slot-{slot_id}").inner_text()
    assert "A seat is held for you until" in held and "Confirm the seat" in held
    await second.goto(london.local + "/reservations")
    await second.get_by_role("button", name="Confirm the seat").click()
    assert "Reserved 1 seat at WeCreate NYC" in await second.locator("#flash").inner_text()

    # On the day, at 09:15 in New York, the front desk shows both guests and checks Ben in.
    morning = datetime(day.year, day.month, day.day, 9, 15, tzinfo=ZoneInfo(NYC_ZONE))
    for node in (nyc.node, london.node):
        node.clock.offset_seconds = clock_at(morning).offset_seconds
    desk_page = await operator_page(person, nyc)
    await desk_page.goto(nyc.local + "/admin/guests")
    text = await desk_page.locator("section.desk-day").first.inner_text()
    assert "Ben Carter" in text and "Chiara Rossi" in text and "TheCube London" in text
    assert "Dana Park" not in text
    await desk_page.get_by_role("button", name="Check Ben Carter in").click()
    assert "Ben Carter is checked in." in await desk_page.locator("#flash").inner_text()

    await desk_page.goto(nyc.local + f"/admin/ledger?period={day:%Y-%m}")
    ledger = await desk_page.locator("#attendance-1").inner_text()
    assert "2 reserved, 1 attended, 0 no-shows" in ledger
