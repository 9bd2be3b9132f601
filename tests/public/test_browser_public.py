"""The public pages in a real browser, on a desktop (1280 px) and a phone (390 px): nothing
scrolls sideways, every page has one heading, sign-in is one click away; and the operator
fills the profile the pages show. Screenshots are kept in test-output/ to be looked at."""

from __future__ import annotations

from typing import Any

import pytest

from tests.public.support import PUBLIC_TITLE, city
from tests.web.conftest import OUTPUT

pytestmark = pytest.mark.browser

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


async def test_browser__public_pages_fit_a_desktop_and_a_phone(nodes: Any, person: Any) -> None:
    town = await city(nodes, madrid_guests=0, lisbon_guests=0, milan_guests=0)
    milan = town.milan
    await milan.api.ok("POST", "/api/v1/resources", {"kind": "meeting_room", "name": "Sala Tram", "capacity": 8})
    OUTPUT.mkdir(exist_ok=True)
    pages = {
        "space": "/space",
        "event": f"/events/{town.public_event['id']}",
        "network": "/network",
        "open-data": "/open-data/",
    }
    for width, height in ((1280, 900), (390, 844)):
        page = await person(width=width, height=height)
        for name, path in pages.items():
            await page.goto(milan.local + path)
            assert await page.locator("h1").count() == 1, path
            assert await page.evaluate(OVERFLOW) <= 0, f"{path} scrolls sideways at {width} px"
            await page.screenshot(path=str(OUTPUT / f"public-{name}-{width}.png"), full_page=True)
        await page.goto(milan.local + "/space")
        assert "Via Messina 38" in await page.locator("main").inner_text()
        assert "Sala Tram: meeting room for 8 people" in await page.locator("main").inner_text()
        await page.get_by_role("link", name=PUBLIC_TITLE).click()
        assert await page.locator("h1").inner_text() == PUBLIC_TITLE
        await page.get_by_role("link", name="Twin spaces").click()
        await page.get_by_role("link", name="Espacio Madrid").click()  # the twin's own public page
        assert await page.locator("h1").inner_text() == "Espacio Madrid"
        await page.get_by_role("link", name="Sign in").first.click()
        assert await page.locator("#token").count() == 1


async def test_browser__the_operator_fills_the_public_profile(nodes: Any, person: Any) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    page = await person(width=390, height=844)
    await page.goto(milan.local + "/admin/profile")
    await page.fill("#token", milan.token)
    await page.click("button[type=submit]")
    await page.goto(milan.local + "/admin/profile")
    await page.fill("#f-street_address", "Via Messina 38")
    await page.fill("#f-locality", "Milano")
    await page.fill("#f-country", "it")
    await page.fill("#f-hours_mon", "09:00-13:00, 14:00-19:00")
    await page.get_by_role("button", name="Save the profile").click()
    assert "The public profile is saved" in await page.locator("#flash").inner_text()
    await page.screenshot(path=str(OUTPUT / "public-admin-profile-390.png"), full_page=True)
    await page.fill("#f-hours_tue", "19:00-09:00")
    await page.get_by_role("button", name="Save the profile").click()
    assert "Opening hours are written as" in await page.locator("#flash").inner_text()
    await page.goto(milan.local + "/space")
    text = await page.locator("main").inner_text()
    assert "Via Messina 38, Milano, IT" in text and "09:00-13:00, 14:00-19:00" in text
