"""Cards across twins: published to the audience, found in the directory, withdrawn from every file."""

from __future__ import annotations

from typing import Any

from tests.support.nodes import InProcessNode, eventually, twin

from .support import files_hold, held_cards, member

BIO = "Letterpress zanzibarite posters"


async def three(nodes: Any) -> tuple[Any, Any, Any]:
    london = await nodes("TheCube London")
    nyc = await nodes("WeCreate NYC")
    rome = await nodes("Talent Garden Roma")
    await twin(london, nyc)
    await twin(london, rome)
    return london, nyc, rome


async def test_card__reaches_only_the_chosen_twin_and_is_found_by_an_italian_skill_label(nodes):
    london, nyc, rome = await three(nodes)
    ada = await member(london, "Ada Lovelace")
    card = {
        "display_name": "Ada L.",
        "bio": BIO,
        "skills": ["Graphic design", "letterpress"],
        "city": "Shoreditchville",
        "shared": ["display_name", "skills"],
        "audience": [nyc.url],
    }
    mine = await london.api.ok("PUT", "/api/v1/profile", card, token=ada["token"])
    assert mine["skills"] == ["graphic-design", "letterpress"] and mine["shared"] == ["display_name", "skills"]
    await eventually(lambda: held_cards(nyc, london.url), {mine["member"]: 1})
    reader = await member(nyc, "Grace Hopper")
    found = await nyc.api.ok("GET", "/api/v1/directory?q=progettazione%20grafica", token=reader["token"])
    assert found["items"] == [
        {
            "origin": london.url,
            "member": mine["member"],
            "updated_at": found["items"][0]["updated_at"],
            "display_name": "Ada L.",
            "skills": ["graphic-design", "letterpress"],
            "labels": {"skills": ["Graphic design", "letterpress"]},
        }
    ]
    by_skill = await nyc.api.ok("GET", "/api/v1/directory?skill=Dise%C3%B1o%20gr%C3%A1fico", token=reader["token"])
    assert [i["member"] for i in by_skill["items"]] == [mine["member"]]
    assert await files_hold(nyc, BIO, "Shoreditchville", "zanzibarite") == []  # not shared: never sent
    assert await held_cards(rome, london.url) == {}
    assert await files_hold(rome, "Ada L.") == []


async def test_card__withdrawn_leaves_no_byte_at_the_twin(nodes):
    london, nyc, _rome = await three(nodes)
    ada = await member(london, "Ada Lovelace")
    card = {"display_name": "Quirinal Vexbrook", "bio": BIO, "shared": ["display_name", "bio"], "audience": "twins"}
    mine = await london.api.ok("PUT", "/api/v1/profile", card, token=ada["token"])
    await eventually(lambda: held_cards(nyc, london.url), {mine["member"]: 1})
    assert await files_hold(nyc, "Quirinal Vexbrook")
    await london.api.ok("DELETE", "/api/v1/profile", token=ada["token"])
    await eventually(lambda: held_cards(nyc, london.url), {})
    await eventually(lambda: _files(nyc), [])
    assert await files_hold(london, "Quirinal Vexbrook", "zanzibarite") == []


async def _files(node: InProcessNode) -> list[str]:
    return await files_hold(node, "Quirinal Vexbrook", "zanzibarite")


async def test_directory__a_suspended_twin_s_cards_are_not_shown(nodes):
    london, nyc, _rome = await three(nodes)
    ada = await member(london, "Ada Lovelace")
    body = {"display_name": "Ada L.", "shared": ["display_name"], "audience": "twins"}
    handle = (await london.api.ok("PUT", "/api/v1/profile", body, token=ada["token"]))["member"]
    await eventually(lambda: held_cards(nyc, london.url), {handle: 1})
    reader = await member(nyc, "Grace Hopper")

    async def shown() -> list[str]:
        found = await nyc.api.ok("GET", "/api/v1/directory", token=reader["token"])
        return [item["member"] for item in found["items"]]

    assert await shown() == [handle]
    twinning = next(t for t in (await nyc.api.ok("GET", "/api/v1/twins"))["items"] if t["peer"] == london.url)
    await nyc.api.ok("POST", f"/api/v1/twins/{twinning['id']}/suspend", {"reason": "a pause"})
    assert await shown() == []
