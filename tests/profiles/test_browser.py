"""In a real browser: a London member shows two fields of their card to NYC only; an NYC member
reading Italian finds them by a skill's Italian label."""

from __future__ import annotations

import pytest

from tests.support.nodes import eventually, twin

from .support import held_cards

pytestmark = pytest.mark.browser


async def test_browser__two_fields_for_nyc_only_found_in_italian(nodes, person):
    london = await nodes("TheCube London")
    nyc = await nodes("WeCreate NYC")
    rome = await nodes("Talent Garden Roma")
    await twin(london, nyc)
    await twin(london, rome)
    ada = await london.api.ok("POST", "/api/v1/members", {"display_name": "Ada Lovelace", "email": "ada@l.example"})
    page = await person()
    await page.goto(london.local + "/signin")
    await page.fill("#token", ada["token"])
    await page.click("button[type=submit]")
    await page.get_by_role("link", name="People").click()
    await page.get_by_role("link", name="My card").click()
    await page.get_by_label("Name", exact=True).fill("Ada L.")
    await page.get_by_label("Skills (separated by commas)").fill("Graphic design")
    await page.get_by_label("City").fill("Marylebone")
    await page.locator("input[name=shared][value=display_name]").check()
    await page.locator("input[name=shared][value=skills]").check()
    await page.locator("input[name=audience][value=chosen]").check()
    await page.locator(f"input[name=twin][value='{nyc.url}']").check()
    await page.get_by_role("button", name="Save my card").click()
    await page.get_by_text("Your card is saved").wait_for()
    handle = (await london.api.ok("GET", "/api/v1/profile", token=ada["token"]))["member"]
    await eventually(lambda: held_cards(nyc, london.url), {handle: 1})
    assert await held_cards(rome, london.url) == {}

    body = {"display_name": "Giulia Rossi", "email": "giulia@nyc.example", "language": "it"}
    giulia = await nyc.api.ok("POST", "/api/v1/members", body)
    reader = await person()
    await reader.goto(nyc.local + "/signin")
    await reader.fill("#token", giulia["token"])
    await reader.click("button[type=submit]")
    await reader.goto(nyc.local + "/people")
    await reader.get_by_label("Parole").fill("progettazione grafica")
    await reader.get_by_role("button", name="Cerca").click()
    card = reader.locator(".card", has_text="Ada L.")
    await card.wait_for()
    text = await card.inner_text()
    assert "Progettazione grafica" in text and "TheCube London" in text
    assert "Marylebone" not in await reader.content()
