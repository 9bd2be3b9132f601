"""Pages that speak plainly, in a real browser at a desktop (1280 px) and a phone (390 px) width.

Each test keeps a screenshot of what it checked in test-output/ (kept by CI as an artifact).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.nodes import eventually
from tests.web.conftest import OUTPUT
from tests.web.support import NYC_ZONE, reserve_by_api, twinned_pair

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("width", [1280, 390])]

READABLE_FINGERPRINT = re.compile(r"^(?:[0-9A-HJKMNP-TV-Z]{4} ){12}[0-9A-HJKMNP-TV-Z]{4}$")
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


async def shot(page: Any, name: str, width: int) -> None:
    OUTPUT.mkdir(exist_ok=True)
    await page.screenshot(path=str(OUTPUT / f"plain-{name}-{width}.png"), full_page=True)
    assert await page.evaluate(OVERFLOW) <= 0, f"{page.url} scrolls sideways at {width} px"


async def signed_in(person: Any, width: int, base: str, token: str, where: str = "/") -> Any:
    page = await person(width=width, height=900 if width > 600 else 844)
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto(base + where)
    await page.fill("#token", token)
    await page.click("button[type=submit]")
    await page.locator("h1").first.wait_for()
    return page


def next_weekday(weekday: int, after_days: int = 2) -> Any:
    day = datetime.now(ZoneInfo(NYC_ZONE)).date() + timedelta(days=after_days)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


async def test_browser__event_form_offers_places_and_repeats_in_words(nodes: Any, person: Any, width: int) -> None:
    nyc = await nodes("WeCreate NYC", NYC_ZONE)
    page = await signed_in(person, width, nyc.local, nyc.token, "/admin")
    await page.goto(nyc.local + "/admin/events")
    zones = await page.eval_on_selector_all("#zone-list option", "options => options.map(o => o.value)")
    assert "America/New_York" in zones and "Europe/London" in zones and "Asia/Kolkata" in zones
    assert not [z for z in zones if z in ("EST", "EST5EDT", "US/Eastern", "GMT") or z.startswith("Etc/")]
    assert await page.get_attribute("#f-timezone", "list") == "zone-list"

    tuesday = next_weekday(1)
    until = tuesday + timedelta(days=30)
    await page.fill("#f-title", "Founders' breakfast")
    await page.fill("#f-starts", f"{tuesday}T08:30")
    await page.fill("#f-ends", f"{tuesday}T10:00")
    await page.fill("#f-timezone", "EST")
    await page.get_by_role("button", name="Publish", exact=True).click()
    refused = await page.locator("#flash").inner_text()
    assert refused == (
        "Could not publish the event: time zone: choose a city from the list, "
        "such as America/New_York or Europe/London (“EST” is not one)."
    )

    await page.fill("#f-title", "Founders' breakfast")
    await page.fill("#f-starts", f"{tuesday}T08:30")
    await page.fill("#f-ends", f"{tuesday}T10:00")
    await page.fill("#f-timezone", "America/New_York")
    await page.select_option("#f-repeat", "weekly")
    await page.get_by_label("Tuesday").check()
    await page.get_by_label("Thursday").check()
    await page.fill("#f-until", str(until))
    await page.get_by_role("button", name="Publish", exact=True).click()
    assert "Published \u201cFounders' breakfast\u201d" in await page.locator("#flash").inner_text()
    month = until.strftime("%B %Y")
    row = page.locator("tr", has_text="Founders' breakfast").first
    assert f"Every week on Tuesday and Thursday, until {until.day} {month}." in await row.inner_text()
    assert "FREQ=" not in await page.content()
    stored = (await nyc.api.ok("GET", "/api/v1/events?origin=local"))["items"][0]
    assert stored["rrule"].startswith("FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=")
    await shot(page, "event-form", width)

    await row.get_by_role("link", name="Founders' breakfast", exact=True).click()
    assert "Published, not changed since." in await page.locator(".lead").inner_text()
    assert await page.locator("#f-repeat").input_value() == "weekly"
    assert await page.get_by_label("Thursday").is_checked() and await page.input_value("#f-until") == str(until)
    await page.fill("#f-room", "Loft")
    await page.get_by_role("button", name="Save changes").click()
    assert "Published, then updated once." in await page.locator("#flash").inner_text()
    assert "Published, then updated once." in await page.locator(".lead").inner_text()
    await shot(page, "event-edit", width)


async def test_browser__twins_events_fingerprints_and_delivery_in_words(nodes: Any, person: Any, width: int) -> None:
    pair = await twinned_pair(nodes)
    await pair.nyc.api.ok(
        "POST",
        "/api/v1/events",
        {"title": "Demo night", "starts_at": f"{pair.day}T18:00", "ends_at": f"{pair.day}T20:00"},
    )
    await eventually(
        lambda: pair.london.node.store.objects.list("Event", origin=pair.nyc.url), lambda items: bool(items)
    )
    page = await signed_in(person, width, pair.london.local, pair.london.token, "/admin")
    fingerprint = (await pair.nyc.api.ok("GET", "/api/v1/node"))["fingerprint"]
    assert READABLE_FINGERPRINT.match(fingerprint)
    assert fingerprint in await page.locator("main").inner_text()
    await shot(page, "twins", width)

    await page.goto(pair.london.local + "/admin/events")
    host = page.get_by_role("button", name="Host Demo night here too")
    assert await host.inner_text() == "Host here"
    assert await page.get_by_role("button", name=re.compile("Export")).count() == 0
    await shot(page, "host-here", width)

    await eventually(lambda: pair.london.node.store.peer_state.get(pair.nyc.url), lambda s: bool(s.last_pull))
    await page.goto(pair.london.local + "/admin/delivery")
    text = await page.locator("table").inner_text()
    assert "Up to date with WeCreate NYC as of" in text and "#" not in text
    await shot(page, "delivery", width)


async def test_browser__ledger_opens_on_the_latest_month_with_activity(nodes: Any, person: Any, width: int) -> None:
    pair = await twinned_pair(nodes)
    status, _ = await reserve_by_api(pair, pair.member("Ben Carter"))
    assert status == 201
    pair.nyc.clock.offset_seconds = 75 * 86400  # two months on, nothing happens in the month the clock shows
    page = await signed_in(person, width, pair.nyc.local, pair.nyc.token, "/admin")
    await page.goto(pair.nyc.local + "/admin/ledger")
    month = pair.day.strftime("%B %Y")
    assert await page.locator("h1").inner_text() == f"Reciprocity ledger, {month}"
    assert await page.title() == f"Ledger {month} · WeCreate NYC · Gemellaggio"
    chart = await page.locator("svg.chart").bounding_box()
    # Drawn at its own size on a desktop, hardly shrunk on a phone: its 15 px text stays at least 14 px.
    assert chart["width"] <= 330 and chart["width"] * 15 / 330 >= 14
    await shot(page, "ledger", width)


async def test_browser__member_week_seats_cancelled_own_events_and_filters(nodes: Any, person: Any, width: int) -> None:
    pair = await twinned_pair(nodes)
    talk = {"title": "Rooftop talk", "starts_at": f"{pair.day}T17:00", "ends_at": f"{pair.day}T18:00", "capacity": 20}
    cancelled = await pair.nyc.api.ok("POST", "/api/v1/events", talk)
    await pair.nyc.api.ok("PATCH", f"/api/v1/events/{cancelled['id']}", {"status": "cancelled"})
    lunch = {"title": "London lunch", "starts_at": f"{pair.day}T12:00", "ends_at": f"{pair.day}T13:00"}
    ours = await pair.london.api.ok("POST", "/api/v1/events", lunch)
    await eventually(
        lambda: pair.london.node.store.objects.get("Event", pair.nyc.url, cancelled["id"]),
        lambda stored: stored is not None and stored.object["status"] == "cancelled",
    )
    page = await signed_in(person, width, pair.london.local, pair.member("Ben Carter")["token"])
    assert await page.title() == "This week · TheCube London · Gemellaggio"

    slot = page.locator(f"#slot-{pair.slot['id']}")
    await slot.get_by_label("Seats").select_option("2")
    await slot.get_by_role("button", name="Reserve").click()
    assert "Reserved 2 seats at WeCreate NYC" in await page.locator("#flash").inner_text()
    text = await page.locator(f"#slot-{pair.slot['id']}").inner_text()
    assert "2 of 4 seats left" in text and "You have 2 seats" in text and "4 of 4" not in text

    card = page.locator(f"#event-{cancelled['id']}")
    card_text = await card.inner_text()
    assert "Cancelled" in card_text and "Rooftop talk" in card_text
    assert "places" not in card_text and card_text.count("Cancelled") == 1
    assert await card.get_by_role("button").count() == 0
    own = await page.locator(f"#event-{ours['id']}").inner_text()
    assert "This is at your own space: no reservation needed here, just come along." in own
    await shot(page, "week", width)

    await page.get_by_label("Desks").uncheck()
    await page.get_by_role("button", name="Apply").click()
    await page.locator(f"#event-{ours['id']}").wait_for()
    assert await page.locator(f"#slot-{pair.slot['id']}").count() == 0
    assert not await page.get_by_label("Desks").is_checked() and await page.get_by_label("Events").is_checked()
    assert "show=events" in (await page.get_by_role("link", name=re.compile("Next 7 days")).get_attribute("href") or "")
    await shot(page, "week-filtered", width)

    await page.get_by_role("link", name="My reservations").first.click()
    assert await page.title() == "My reservations · TheCube London · Gemellaggio"


async def test_browser__a_second_member_with_the_same_email_is_refused(nodes: Any, person: Any, width: int) -> None:
    nyc = await nodes("WeCreate NYC", NYC_ZONE)
    await nyc.api.ok("POST", "/api/v1/members", {"display_name": "Ada Lopez", "email": "ada@example.org"})
    page = await signed_in(person, width, nyc.local, nyc.token, "/admin")
    await page.goto(nyc.local + "/admin/members")
    assert await page.title() == "Members · WeCreate NYC · Gemellaggio"
    await page.get_by_label("Name").fill("Ada L.")
    await page.get_by_label("Email").fill("Ada@Example.org")
    await page.get_by_role("button", name="Add member").click()
    assert await page.locator("#flash").inner_text() == (
        "Could not add the member: Ada Lopez already has the e-mail address Ada@Example.org here, "
        "and each member has their own address."
    )
    assert len((await nyc.api.ok("GET", "/api/v1/members"))["items"]) == 1
    await shot(page, "members-duplicate", width)


async def test_browser__every_page_has_its_own_title(nodes: Any, person: Any, width: int) -> None:
    pair = await twinned_pair(nodes)
    operator = await signed_in(person, width, pair.nyc.local, pair.nyc.token, "/admin")
    expected = {
        "/admin": "Twinnings",
        "/admin/events": "Events",
        "/admin/space": "Resources & slots",
        "/admin/members": "Members",
        "/admin/delivery": "Delivery",
        "/admin/ledger": "Ledger",
    }
    for path, name in expected.items():
        await operator.goto(pair.nyc.local + path)
        assert (await operator.title()).startswith(f"{name}") and "WeCreate NYC · Gemellaggio" in await operator.title()
    member = await signed_in(person, width, pair.london.local, pair.member("Ben Carter")["token"])
    for path, name in (("/", "This week"), ("/reservations", "My reservations")):
        await member.goto(pair.london.local + path)
        assert await member.title() == f"{name} · TheCube London · Gemellaggio"
    await member.goto(pair.london.local + "/no-such-page")
    assert not (await member.title()).startswith("TheCube London")
    await shot(member, "not-found", width)
