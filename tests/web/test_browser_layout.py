"""Every page on a narrow screen, with labels for every control and a visible keyboard focus."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.support import reserve_by_api, twinned_pair

pytestmark = pytest.mark.browser

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id)"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


async def check(page: Any, url: str) -> None:
    await page.goto(url)
    assert await page.get_attribute("html", "lang") == "en", url
    assert await page.evaluate(UNLABELLED) == [], url
    assert await page.evaluate(OVERFLOW) <= 0, f"{url} scrolls sideways on a narrow screen"
    assert await page.locator("h1").count() == 1, url


async def test_browser__pages_fit_a_phone_and_label_every_control(nodes: Any, person: Any) -> None:
    pair = await twinned_pair(nodes)
    await reserve_by_api(pair, pair.member("Ben Carter"))
    member = await person(width=360, height=740)
    await check(member, pair.london.local + "/")
    await member.fill("#token", pair.member("Ben Carter")["token"])
    await member.click("button[type=submit]")
    for path in ("/", "/reservations"):
        await check(member, pair.london.local + path)

    operator = await person(width=360, height=740)
    await check(operator, pair.nyc.local + "/admin")
    await operator.fill("#token", pair.nyc.token)
    await operator.click("button[type=submit]")
    for path in ("/admin", "/admin/events", "/admin/space", "/admin/members", "/admin/delivery", "/admin/ledger"):
        await check(operator, pair.nyc.local + path)


async def test_browser__keyboard_reaches_the_skip_link_with_a_visible_focus(nodes: Any, person: Any) -> None:
    pair = await twinned_pair(nodes)
    page = await person()
    await page.goto(pair.london.local + "/")
    await page.keyboard.press("Tab")
    focused = await page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    style = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert style not in ("none", "")
    await page.keyboard.press("Enter")
    await page.keyboard.press("Tab")  # into the main content: the token field
    assert await page.evaluate("document.activeElement.id") == "token"
