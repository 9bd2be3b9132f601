"""Members in a real browser, against two real nodes: reserve in New York from London, and back."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.nodes import eventually
from tests.web.support import NYC_ZONE, both_zones, reserve_by_api, twinned_pair

pytestmark = pytest.mark.browser


async def sign_in(page: Any, base: str, token: str) -> None:
    await page.goto(base)
    await page.fill("#token", token)
    await page.click("button[type=submit]")


async def test_browser__london_member_reserves_nyc_slot_and_nyc_operator_sees_it(nodes: Any, person: Any) -> None:
    pair = await twinned_pair(nodes)
    slot_id = pair.slot["id"]
    member = await person()
    member.on("dialog", lambda dialog: dialog.accept())
    await sign_in(member, pair.london.local + "/", pair.member("Ben Carter")["token"])
    entry = member.locator(f"#slot-{slot_id}")
    there, here = both_zones(pair)
    await entry.wait_for()
    text = await entry.inner_text()
    assert "Hot desks" in text and "WeCreate NYC" in text and "4 of 4 seats left" in text
    assert f"New York:\n{there}" in text.replace(": ", ":\n") or there in text
    assert "Your time" in text and here in text  # the same slot in London's time

    await entry.get_by_role("button", name="Reserve").click()
    flash = member.locator("#flash")
    assert "Reserved 1 seat at WeCreate NYC" in await flash.inner_text()
    await member.wait_for_function("document.activeElement.id === 'flash'")  # the outcome is read first
    assert "You have 1 seat" in await member.locator(f"#slot-{slot_id}").inner_text()

    await member.get_by_role("link", name="My reservations").first.click()
    card = member.locator(".reservation").first
    card_text = await card.inner_text()
    assert "Hot desks" in card_text and "WeCreate NYC" in card_text and "confirmed" in card_text.lower()
    assert there in card_text and here in card_text
    reservation_id = (await card.get_attribute("id") or "").removeprefix("reservation-")

    operator = await person()
    await sign_in(operator, pair.nyc.local + "/admin", pair.nyc.token)
    period = datetime(pair.day.year, pair.day.month, pair.day.day, tzinfo=ZoneInfo(NYC_ZONE)).strftime("%Y-%m")
    await operator.goto(f"{pair.nyc.local}/admin/ledger?period={period}")
    receipt = operator.locator(f"#receipt-{reservation_id}")
    assert "confirmed" in (await receipt.inner_text()).lower()
    assert "1 in 1 reservation" in await operator.locator("table").first.inner_text()
    assert await operator.locator("svg.chart").count() == 1

    await member.get_by_role("button", name="Cancel").click()
    assert "Cancelled your reservation at WeCreate NYC" in await member.locator("#flash").inner_text()
    assert "cancelled" in (await member.locator(f"#reservation-{reservation_id}").inner_text()).lower()
    assert await member.get_by_role("button", name="Cancel").count() == 0

    await operator.reload()
    assert "cancelled" in (await operator.locator(f"#receipt-{reservation_id}").inner_text()).lower()


async def test_browser__full_slot_gives_a_clear_message_not_an_error_page(nodes: Any, person: Any) -> None:
    pair = await twinned_pair(nodes, seats=1, london_members=("Ben Carter", "Cleo Park"))
    page = await person()
    await sign_in(page, pair.london.local + "/", pair.member("Ben Carter")["token"])
    entry = page.locator(f"#slot-{pair.slot['id']}")
    assert "1 of 1 seat left" in await entry.inner_text()
    # Meanwhile, Cleo takes the last seat.
    status, _ = await reserve_by_api(pair, pair.member("Cleo Park"))
    assert status == 201

    response = None

    async def remember(resp: Any) -> None:
        nonlocal response
        response = resp

    page.on("response", remember)
    await entry.get_by_role("button", name="Reserve").click()
    flash = page.locator("#flash.flash-error")
    assert "this slot is full" in await flash.inner_text()
    assert await flash.get_attribute("role") == "alert"
    assert response is not None and response.status == 200
    assert await page.locator("h1").inner_text() != ""
    await eventually(lambda: _mine(pair), [])


async def _mine(pair: Any) -> list[Any]:
    data = await pair.london.api.ok("GET", "/api/v1/reservations", token=pair.member("Ben Carter")["token"])
    return [r for r in data["items"] if r["status"] == "confirmed"]


async def test_browser__expired_session_goes_back_to_sign_in(nodes: Any, person: Any) -> None:
    pair = await twinned_pair(nodes)
    page = await person()
    await sign_in(page, pair.london.local + "/", pair.member("Ben Carter")["token"])
    assert await page.locator(f"#slot-{pair.slot['id']}").count() == 1
    async with pair.london.node.store.db.transaction() as tx:
        await tx.execute("UPDATE tokens SET expires_at = '2000-01-01T00:00:00Z' WHERE role = 'session'")
    await page.get_by_role("link", name="My reservations").first.click()
    assert "Your session has ended" in await page.locator("#flash").inner_text()
    assert await page.locator("#token").is_visible()
    await page.fill("#token", pair.member("Ben Carter")["token"])
    await page.click("button[type=submit]")
    assert await page.locator(f"#slot-{pair.slot['id']}").count() == 1
