"""Strange addresses get a plain 404, a twin that is down leaves the network page and the
statistics standing, and a twin's profile cannot put markup or a script on our pages."""

from __future__ import annotations

import json
from typing import Any

from node.public.profile import SpaceProfile, save_profile
from tests.public.support import city


async def test_public__odd_addresses_are_not_found_never_an_error(nodes: Any) -> None:
    milan = await nodes("Spazio Milano", "Europe/Rome")
    for path in (
        "/events/" + "x" * 5000,
        "/events/%00",
        "/open-data/receipts-2026-13.json",
        "/open-data/receipts-../../etc.json",
        "/open-data/receipts-2026-01.json",  # a month with no receipt
        "/open-data/exchanges.xml",
    ):
        async with milan.api.session.get(milan.local + path, headers={"Accept": "text/html"}) as resp:
            assert resp.status == 404, path
    async with milan.api.session.get(milan.local + "/open-data/exchanges.json") as resp:
        assert json.loads(await resp.text())["months"] == []  # no receipts yet: nothing, not an error


async def test_public__a_twin_that_is_down_leaves_the_pages_standing(nodes: Any) -> None:
    town = await city(nodes, madrid_guests=5, lisbon_guests=0, milan_guests=0)
    await town.madrid.stop()
    async with town.milan.api.session.get(town.milan.local + "/network") as resp:
        assert resp.status == 200
        assert "could not be read just now" in await resp.text()
    async with town.milan.api.session.get(town.milan.local + "/open-data/exchanges.json") as resp:
        [row] = [t for t in json.loads(await resp.text())["months"][0]["twins"] if t["twin"] == town.madrid.url]
    assert row["country"] == "ZZ" and row["reservations_given"] == 5  # the figures stand; the country is unknown


async def test_public__a_twins_profile_is_shown_as_text(nodes: Any) -> None:
    town = await city(nodes, madrid_guests=0, lisbon_guests=0, milan_guests=0)
    save_profile(town.madrid.directory, SpaceProfile(description='<script>alert("x")</script></script>', country="ES"))
    async with town.milan.api.session.get(town.milan.local + "/network") as resp:
        page = await resp.text()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    save_profile(town.milan.directory, SpaceProfile(description="</script><script>alert(1)</script>"))
    async with town.milan.api.session.get(town.milan.local + "/space") as resp:
        page = await resp.text()
    assert page.count("<script") == 2  # the page's own script and its JSON-LD, nothing more
