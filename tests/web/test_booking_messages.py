"""Every refusal a member can meet reads as a sentence on the page, never as an error page."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.booking.support import new_id, reserve
from tests.booking.test_waitlist import mine, setup, status_of
from tests.support.nodes import eventually, twin
from tests.web.support import NYC_ZONE, Browserless, add_member, twinned_pair

FLASH = re.compile(r'<div class="flash flash-(\w+)" id="flash"[^>]*>\s*<p>([^<]*)</p>')


async def reserve_on_page(client: Browserless, slot_id: str, twin_url: str, seats: int = 1) -> tuple[str, str]:
    """Submit the reserve form as the page does; (level, sentence) of the message shown after."""
    form = {"csrf_token": await client.csrf("/"), "slot_id": slot_id, "twin": twin_url, "seats": str(seats)}
    resp = await client.post("/reserve", form, follow=True)
    assert resp.status == 200 and resp.content_type == "text/html"
    found = FLASH.search(await resp.text())
    assert found, "no message on the page"
    return found.group(1), html.unescape(found.group(2))


async def cancel_on_page(client: Browserless, reservation_id: str) -> tuple[str, str]:
    resp = await client.post(
        f"/reservations/{reservation_id}/cancel", {"csrf_token": await client.csrf("/reservations")}, follow=True
    )
    assert resp.status == 200
    found = FLASH.search(await resp.text())
    assert found
    return found.group(1), html.unescape(found.group(2))


async def confirm_on_page(client: Browserless, reservation_id: str) -> tuple[str, str]:
    resp = await client.post(
        f"/reservations/{reservation_id}/confirm", {"csrf_token": await client.csrf("/reservations")}, follow=True
    )
    assert resp.status == 200
    found = FLASH.search(await resp.text())
    assert found
    return found.group(1), html.unescape(found.group(2))


async def only_reservation(client: Browserless) -> str:
    _, page = await client.get("/reservations")
    found = re.search(r'id="reservation-([0-9a-f-]{36})"', page)
    assert found
    return found.group(1)


async def test_messages__allowance_exhausted_and_too_many_seats(nodes: Any) -> None:
    nyc = await nodes("WeCreate NYC", NYC_ZONE)
    london = await nodes("TheCube London", "Europe/London")
    terms = {
        "allowances": [{"kind": "desk", "unit": "day", "amount": 1, "period": "month"}],
        "rules": {
            "book_ahead_days": 60,
            "min_notice_hours": 0,
            "cancel_until_hours": 0,
            "max_seats_per_reservation": 1,
        },
    }
    await twin(nyc, london, offer=terms, request=terms)
    resource = await nyc.api.ok("POST", "/api/v1/resources", {"kind": "desk", "name": "Hot desks", "capacity": 9})
    day = datetime.now(ZoneInfo(NYC_ZONE)).date() + timedelta(days=2)
    if day.month != (day + timedelta(days=1)).month:
        day += timedelta(days=2)  # both slots in one month: one allowance period
    slots = [
        await nyc.api.ok(
            "POST",
            "/api/v1/slots",
            {
                "resource_id": resource["id"],
                "twin_id": london.url,
                "starts_at": f"{d}T09:00",
                "ends_at": f"{d}T17:00",
                "seats": 3,
            },
        )
        for d in (day, day + timedelta(days=1))
    ]
    member = await add_member(london, "Ben Carter")
    await eventually(lambda: _replicas(london, nyc.url), 2)
    client = Browserless(london.local)
    try:
        await client.sign_in(member["token"])
        assert (await reserve_on_page(client, slots[0]["id"], nyc.url, seats=2))[1].startswith(
            "Please check your choice: seats"
        )
        level, text = await reserve_on_page(client, slots[0]["id"], nyc.url)
        assert level == "success" and "Reserved 1 seat at WeCreate NYC" in text
        level, text = await reserve_on_page(client, slots[1]["id"], nyc.url)
        assert level == "error"
        assert "Your space's allowance at WeCreate NYC is used up" in text and "1 of 1 used" in text
    finally:
        await client.close()


async def _replicas(node: Any, origin: str) -> int:
    return len(await node.node.store.objects.list("Slot", origin=origin))


async def test_messages__too_late_to_cancel(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    soon = (datetime.now(ZoneInfo(NYC_ZONE)) + timedelta(hours=6)).replace(minute=0, second=0, microsecond=0)
    slot = await pair.nyc.api.ok(
        "POST",
        "/api/v1/slots",
        {
            "resource_id": pair.slot["resource"]["id"],
            "twin_id": pair.london.url,
            "starts_at": soon.isoformat(),
            "ends_at": (soon + timedelta(hours=2)).isoformat(),
            "seats": 2,
        },
    )
    await eventually(lambda: _replicas(pair.london, pair.nyc.url), 2)
    client = Browserless(pair.london.local)
    try:
        await client.sign_in(pair.member("Ben Carter")["token"])
        assert (await reserve_on_page(client, slot["id"], pair.nyc.url))[0] == "success"
        level, text = await cancel_on_page(client, await only_reservation(client))
        assert level == "error"
        assert "too late to cancel" in text and "Cancellations closed" in text and "stands" in text
    finally:
        await client.close()


async def test_messages__twin_unreachable_pending_then_nothing_changed(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    client = Browserless(pair.london.local)
    try:
        await client.sign_in(pair.member("Ben Carter")["token"])
        level, text = await reserve_on_page(client, pair.slot["id"], pair.nyc.url)
        assert level == "success"
        held = await only_reservation(client)
        await pair.nyc.stop()
        level, text = await cancel_on_page(client, held)
        assert level == "error"
        assert "WeCreate NYC could not be reached just now, so nothing changed" in text
        _, page = await client.get("/reservations")
        assert "Confirmed" in page
        # Asking while the host is down: the reservation waits, and the page says so.
        level, text = await reserve_on_page(client, pair.slot["id"], pair.nyc.url)
        assert level == "info" and "has not answered yet, so your reservation is pending" in text
        _, page = await client.get("/reservations")
        assert "Waiting for the host" in page
    finally:
        await client.close()


async def test_messages__place_at_a_twins_event(nodes: Any) -> None:
    pair = await twinned_pair(nodes)
    event = await pair.nyc.api.ok(
        "POST",
        "/api/v1/events",
        {"title": "Demo night", "starts_at": f"{pair.day}T18:00", "ends_at": f"{pair.day}T20:00", "capacity": 1},
    )
    await eventually(lambda: _event_here(pair, event["id"]), True)
    client = Browserless(pair.london.local)
    try:
        await client.sign_in(pair.member("Ben Carter")["token"])
        _, week = await client.get("/")
        entry = week[week.index(f'id="event-{event["id"]}"') :]
        assert (
            "Reserve a place at Demo night" in entry[: entry.index("</li>")]
            and "1 place" in entry[: entry.index("</li>")]
        )
        form = {"csrf_token": await client.csrf("/"), "event_id": event["id"], "twin": pair.nyc.url, "seats": "1"}
        resp = await client.post("/reserve", form, follow=True)
        found = FLASH.search(await resp.text())
        assert found and found.group(1) == "success"
        _, mine = await client.get("/reservations")
        assert "Demo night" in mine and "WeCreate NYC" in mine
        other = await add_member(pair.london, "Cleo Park")
        status, problem = await pair.london.api.call(
            "PUT",
            "/api/v1/reservations/6f1c2d3e-0000-4000-8000-000000000001",
            {"event_id": event["id"], "seats": 1},
            token=other["token"],
        )
        assert status == 409 and problem["type"].endswith("slot-full")
    finally:
        await client.close()


async def _event_here(pair: Any, event_id: str) -> bool:
    return await pair.london.node.store.objects.get("Event", pair.nyc.url, event_id) is not None


async def test_messages__a_seat_offered_from_the_line_is_taken_on_the_page(nodes: Any) -> None:
    # The page's confirm is the API's (the same home desk call); only the answer differs.
    _nyc, london, slot, (ada, ben, cleo) = await setup(nodes)
    first, ben_id = new_id(), new_id()
    assert (await reserve(london, ada, first, slot_id=slot["id"]))[0] == 201
    assert (await reserve(london, ben, ben_id, slot_id=slot["id"], waitlist=True))[0] == 202
    await london.api.ok("DELETE", f"/api/v1/reservations/{first}", token=ada["token"])
    await status_of(london, ben, ben_id, "offered")
    for member in (cleo, ben):
        client = Browserless(london.local)
        try:
            await client.sign_in(member["token"])
            level, text = await confirm_on_page(client, ben_id)
        finally:
            await client.close()
        if member is cleo:  # another member's reservation is not found, and nothing changes
            assert (level, text) == ("error", "There is no such reservation among yours.")
            assert (await mine(london, ben, ben_id))["status"] == "offered"
    assert level == "success" and text.startswith("Reserved 1 seat at NYC for "), text
    assert (await mine(london, ben, ben_id))["status"] == "confirmed"
