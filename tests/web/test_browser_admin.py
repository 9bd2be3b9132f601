"""The operator pages in a real browser: twin two spaces, publish and export an event, offer a slot."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from protocol.keys import format_fingerprint
from tests.support.nodes import eventually
from tests.web.support import LONDON_ZONE, NYC_ZONE

pytestmark = pytest.mark.browser


async def operator_page(person: Any, node: Any) -> Any:
    page = await person()
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto(node.local + "/admin")
    await page.fill("#token", node.token)
    await page.click("button[type=submit]")
    await page.locator("h1", has_text="Twinnings").wait_for()
    return page


async def test_browser__operators_twin_publish_export_and_offer(nodes: Any, person: Any) -> None:
    nyc = await nodes("WeCreate NYC", NYC_ZONE)
    london = await nodes("TheCube London", LONDON_ZONE)
    a, b = await operator_page(person, nyc), await operator_page(person, london)

    await a.fill("#f-url", london.url)
    await a.get_by_role("button", name="Propose").click()
    london_fp = format_fingerprint(london.node.fingerprint())
    assert london_fp in await a.locator("#flash").inner_text()

    await b.reload()
    row = b.locator("tbody tr").first
    assert format_fingerprint(nyc.node.fingerprint()) in await row.inner_text()
    await row.get_by_role("button", name="Accept").click()
    assert "is accepted" in await b.locator("#flash").inner_text()
    await a.reload()
    assert "active" in (await a.locator("tbody tr").first.inner_text()).lower()

    day = datetime.now(ZoneInfo(NYC_ZONE)).date() + timedelta(days=3)
    await a.goto(nyc.local + "/admin/events")
    await a.fill("#f-title", "Demo night")
    await a.fill("#f-starts", f"{day}T18:00")
    await a.fill("#f-ends", f"{day}T20:00")
    await a.fill("#f-capacity", "40")
    await a.get_by_role("button", name="Publish", exact=True).click()
    assert "Published \u201cDemo night\u201d" in await a.locator("#flash").inner_text()

    await eventually(lambda: _twin_events(london), lambda n: n == 1)
    await b.goto(london.local + "/admin/events")
    await b.get_by_role("button", name="Host Demo night here too").click()
    assert "is now hosted here too" in await b.locator("#flash").inner_text()
    assert await b.get_by_text("Hosted here too", exact=True).count() == 1

    await a.goto(nyc.local + "/admin/space")
    await a.fill("#f-name", "Hot desks")
    await a.fill("#f-capacity", "8")
    await a.get_by_role("button", name="Add resource").click()
    assert "Added Hot desks (8 seats)" in await a.locator("#flash").inner_text()
    await a.fill("#f-starts_at", f"{day}T09:00")
    await a.fill("#f-ends_at", f"{day}T17:00")
    await a.fill("#f-seats", "3")
    await a.get_by_role("button", name="Offer").click()
    assert "Offered 3 seats of Hot desks" in await a.locator("#flash").inner_text()
    offered = await a.locator("section", has_text="Slots we offer").first.inner_text()
    assert "To TheCube London" in offered and "09:00\u201317:00" in offered

    await a.goto(nyc.local + "/admin/delivery")
    assert "TheCube London" in await a.locator("table").inner_text()


async def _twin_events(node: Any) -> int:
    return len(await node.node.store.objects.list("Event", exclude_origin=node.url))
