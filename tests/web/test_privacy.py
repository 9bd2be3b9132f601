"""No page ever shows another member's data."""

from __future__ import annotations

from typing import Any

from tests.web.support import Browserless, reserve_by_api, twinned_pair


async def test_pages__member_never_sees_another_members_reservations(nodes: Any) -> None:
    pair = await twinned_pair(nodes, london_members=("Ben Carter", "Cleo Park"))
    ben, cleo = pair.member("Ben Carter"), pair.member("Cleo Park")
    status, held = await reserve_by_api(pair, ben)
    assert status == 201
    client = Browserless(pair.london.local)
    try:
        await client.sign_in(cleo["token"])
        _, mine = await client.get("/reservations")
        assert "No reservations coming up" in mine
        assert held["id"] not in mine and held["id"][:8] not in mine and "Ben Carter" not in mine
        _, week = await client.get("/")
        assert "You have 1 seat" not in week and "Ben Carter" not in week and "Cleo Park" in week
        assert "3 of 4 seats left" in week or "4 of 4 seats left" in week  # counts are not personal
        # Cleo cannot cancel Ben's reservation by its id either: it is "not among yours".
        resp = await client.post(
            f"/reservations/{held['id']}/cancel", {"csrf_token": await client.csrf("/")}, follow=True
        )
        assert "There is no such reservation among yours" in await resp.text()
        again = await pair.london.api.ok("GET", f"/api/v1/reservations/{held['id']}", token=ben["token"])
        assert again["status"] == "confirmed"
        async with client.session.get(pair.london.local + "/api/v1/reservations.ics") as ics:
            assert held["id"] not in await ics.text()
    finally:
        await client.close()
