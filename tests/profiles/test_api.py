"""The member API of cards and the directory: strict validation, every refusal a problem."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.nodes import InProcessNode

from .support import member

CARD = {
    "display_name": "Ada L.",
    "headline": "Engines and notes",
    "bio": "Writes programs for machines not yet built",
    "skills": ["software-development", "Traduzione"],
    "interests": ["Musica", "knitting"],
    "languages": ["en", "it"],
    "city": "London",
    "links": ["https://example.org/ada"],
    "looking_for": "A co-founder",
    "open_to_visitors": True,
    "shared": ["display_name", "skills", "interests", "languages", "city", "open_to_visitors"],
    "audience": "space",
}


async def test_profile__put_get_withdraw(nodes):
    london = await nodes("TheCube London")
    ada = await member(london, "Ada Lovelace")
    status, _ = await london.api.call("GET", "/api/v1/profile", token=ada["token"])
    assert status == 404
    mine = await london.api.ok("PUT", "/api/v1/profile", CARD, token=ada["token"])
    assert mine["skills"] == ["software-development", "translation"] and mine["interests"] == ["music", "knitting"]
    assert mine["version"] == 1 and mine["hidden"] is False and len(mine["member"]) == 32
    assert ada["id"] not in mine["member"] and "email" not in mine
    again = await london.api.ok("GET", "/api/v1/profile", token=ada["token"])
    assert again == mine
    second = await london.api.ok("PUT", "/api/v1/profile", CARD | {"city": "Bath"}, token=ada["token"])
    assert second["member"] == mine["member"] and second["version"] == 2
    assert await london.api.ok("DELETE", "/api/v1/profile", token=ada["token"]) == {"withdrawn": True}
    status, problem = await london.api.call("DELETE", "/api/v1/profile", token=ada["token"])
    assert status == 404 and problem["type"].endswith("/not-found")
    third = await london.api.ok("PUT", "/api/v1/profile", CARD, token=ada["token"])
    assert third["member"] == mine["member"], "a member keeps one handle"
    exported = (await london.api.ok("GET", "/api/v1/me/export", token=ada["token"]))["profile"]
    assert exported["handle"] == mine["member"] and exported["fields"]["bio"] == CARD["bio"]  # not shared, still theirs


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"shared": ["email"]}, "shared.0"),
        ({"shared": ["bio", "bio"]}, "shared"),
        ({"email": "ada@example.org"}, "email"),
        ({"links": ["javascript:alert(1)"]}, "links.0"),
        ({"languages": ["not a language"]}, "languages.0"),
        ({"skills": ["x" * 61]}, "skills.0"),
        ({"skills": ["a"] * 31}, "skills"),
        ({"bio": "b" * 2001}, "bio"),
        ({"open_to_visitors": "yes"}, "open_to_visitors"),
        ({"audience": "everyone"}, "audience"),
        ({"audience": []}, "audience"),
        ({"audience": ["https://not-a-twin.example"]}, "audience.0"),
        ({"headline": None, "shared": ["headline"]}, "shared"),
    ],
)
async def test_profile__bad_cards_are_refused_with_the_field_named(nodes, change: dict[str, Any], field: str):
    london: InProcessNode = await nodes("TheCube London")
    ada = await member(london, "Ada Lovelace")
    status, problem = await london.api.call("PUT", "/api/v1/profile", CARD | change, token=ada["token"])
    assert status == 422 and problem["type"].endswith("/validation-error"), problem
    assert any(error["field"].startswith(field) for error in problem["errors"]), problem
    status, _ = await london.api.call("GET", "/api/v1/profile", token=ada["token"])
    assert status == 404, "nothing was stored"


async def test_profile__only_members_have_cards(nodes):
    london = await nodes("TheCube London")
    status, problem = await london.api.call("PUT", "/api/v1/profile", CARD)  # the operator's token
    assert status == 403 and problem["type"].endswith("/forbidden")
    status, problem = await london.api.call("GET", "/api/v1/directory", token="")
    assert status == 401


async def test_directory__filters_rank_and_pages(nodes):
    london = await nodes("TheCube London")
    people = {
        "Ada": CARD,
        "Bea": CARD | {"display_name": "Bea", "skills": ["law"], "languages": ["es-419"], "city": "Leeds"},
        "Cy": CARD | {"display_name": "Cy", "headline": "Ada fan", "shared": ["display_name", "headline"]},
    }
    # Others, so that "ada" is a rare word (bm25 gives words in most cards no weight).
    people |= {name: CARD | {"display_name": name, "skills": ["law"], "city": "York"} for name in ("Dee", "Eve", "Fay")}
    handles = {}
    for name, card in people.items():
        person = await member(london, name)
        handles[name] = (await london.api.ok("PUT", "/api/v1/profile", card, token=person["token"]))["member"]
    token = (await member(london, "Reader"))["token"]

    async def names(query: str) -> list[str]:
        found = await london.api.ok("GET", f"/api/v1/directory?{query}", token=token)
        return [next(n for n, h in handles.items() if h == item["member"]) for item in found["items"]]

    assert await names("q=ada") == ["Ada", "Cy"]  # the name weighs more than a headline
    assert sorted(await names("skill=Diritto")) == ["Bea", "Dee", "Eve", "Fay"]
    assert await names("skill=law&q=ada") == []
    assert await names("language=es") == ["Bea"]
    assert "Bea" not in await names("language=it")
    assert await names("city=leeds") == ["Bea"]
    assert sorted(await names("origin=local")) == ["Ada", "Bea", "Cy", "Dee", "Eve", "Fay"]
    assert await names("origin=https://elsewhere.example") == []
    assert await names('q="OR* NEAR(') == []  # the member's words are never read as FTS5 syntax
    page = await london.api.ok("GET", "/api/v1/directory?limit=4", token=token)
    assert len(page["items"]) == 4 and "offset=4" in page["next"]
    rest = await london.api.ok("GET", page["next"].removeprefix(london.url), token=token)
    assert len(rest["items"]) == 2 and rest["next"] is None
    assert {i["member"] for i in page["items"] + rest["items"]} == set(handles.values())
    found = await london.api.ok("GET", "/api/v1/directory?skill=translation", token=token)
    assert found["items"][0]["labels"]["skills"] == ["Software development", "Translation"]
    for bad in ("limit=0", "limit=51", "offset=-1", "language=%20", "bogus=1", "q=" + "x" * 201):
        status, problem = await london.api.call("GET", f"/api/v1/directory?{bad}", token=token)
        assert status == 422 and problem["type"].endswith("/validation-error"), (bad, problem)


async def test_directory__labels_in_the_reader_s_language(nodes):
    london = await nodes("TheCube London")
    ada = await member(london, "Ada")
    await london.api.ok("PUT", "/api/v1/profile", CARD, token=ada["token"])
    async with london.api.session.get(
        london.local + "/api/v1/directory",
        headers={"Authorization": f"Bearer {ada['token']}", "Accept-Language": "it-IT,it;q=0.9"},
    ) as resp:
        found = await resp.json()
    labels = {"skills": ["Sviluppo software", "Traduzione"], "interests": ["Musica", "knitting"]}
    assert found["items"][0]["labels"] == labels


async def test_directory__the_operator_hides_a_card(nodes):
    london = await nodes("TheCube London")
    ada = await member(london, "Ada")
    handle = (await london.api.ok("PUT", "/api/v1/profile", CARD, token=ada["token"]))["member"]
    body = {"origin": "local", "member": handle}
    assert (await london.api.ok("POST", "/api/v1/directory/hidden", body))["hidden"] is True
    assert (await london.api.ok("GET", "/api/v1/directory", token=ada["token"]))["items"] == []
    assert (await london.api.ok("GET", "/api/v1/profile", token=ada["token"]))["hidden"] is True
    await london.api.ok("PUT", "/api/v1/profile", CARD | {"city": "Bath"}, token=ada["token"])
    assert (await london.api.ok("GET", "/api/v1/directory", token=ada["token"]))["items"] == [], "stays hidden"
    status, _ = await london.api.call("POST", "/api/v1/directory/hidden", body, token=ada["token"])
    assert status == 403
    await london.api.ok("POST", "/api/v1/directory/hidden", body | {"hidden": False})
    assert len((await london.api.ok("GET", "/api/v1/directory", token=ada["token"]))["items"]) == 1
    status, problem = await london.api.call("POST", "/api/v1/directory/hidden", {"origin": "local", "member": "0" * 32})
    assert status == 404 and problem["type"].endswith("/not-found")
