"""The card and directory pages: a member writes a card by form, finds people in their language;
the operator hides a card. Over real HTTP with a session and CSRF, as a browser would."""

from __future__ import annotations

from tests.support.nodes import eventually, twin
from tests.web.support import Browserless

from .support import held_cards, member


async def test_pages__a_card_written_by_form_is_found_in_italian_at_the_twin(nodes):
    london = await nodes("TheCube London")
    nyc = await nodes("WeCreate NYC")
    await twin(london, nyc)
    ada = await member(london, "Ada Lovelace")
    page = Browserless(london.local)
    try:
        await page.sign_in(ada["token"])
        status, html = await page.get("/people/card")
        assert status == 200 and "My card" in html
        form = [
            ("csrf_token", await page.csrf("/people/card")),
            ("display_name", "Ada L."),
            ("bio", "Never shown: not ticked"),
            ("skills", "Graphic design, letterpress"),
            ("shared", "display_name"),
            ("shared", "skills"),
            ("audience", "chosen"),
            ("twin", nyc.url),
        ]
        resp = await page.session.post(london.local + "/people/card", data=form, allow_redirects=False)
        assert resp.status == 303, await resp.text()
        status, html = await page.get("/people/card")
        assert "Your card is saved" in html and 'value="Graphic design, letterpress"' in html
        bad = [("csrf_token", await page.csrf("/people/card")), ("shared", "bio"), ("audience", "space")]
        resp = await page.session.post(london.local + "/people/card", data=bad)
        text = await resp.text()
        assert "Your card was not saved" in text and "bio is turned on but has no value" in text
    finally:
        await page.close()
    handle = (await london.api.ok("GET", "/api/v1/profile", token=ada["token"]))["member"]
    await eventually(lambda: held_cards(nyc, london.url), {handle: 1})
    grace = await member(nyc, "Grace Hopper")
    reader = Browserless(nyc.local)
    try:
        await reader.sign_in(grace["token"])
        async with reader.session.get(
            nyc.local + "/people?q=progettazione+grafica", headers={"Accept-Language": "it"}
        ) as resp:
            html = await resp.text()
        assert "Ada L." in html and "Progettazione grafica" in html and "TheCube London" in html
        assert "Never shown" not in html
    finally:
        await reader.close()


async def test_pages__the_operator_hides_a_card_from_the_directory(nodes):
    london = await nodes("TheCube London")
    ada = await member(london, "Ada Lovelace")
    body = {"display_name": "Ada L.", "shared": ["display_name"], "audience": "space"}
    handle = (await london.api.ok("PUT", "/api/v1/profile", body, token=ada["token"]))["member"]
    admin = Browserless(london.local)
    try:
        await admin.sign_in(london.token, "/admin")
        status, html = await admin.get("/admin/people")
        assert status == 200 and "Ada L." in html and "Hide from the directory" in html
        data = {"csrf_token": await admin.csrf("/admin/people"), "origin": london.url, "member": handle}
        resp = await admin.post("/admin/people/hidden", data | {"hidden": "yes"})
        assert resp.status == 303
        _, html = await admin.get("/admin/people")
        assert "Show in the directory" in html
    finally:
        await admin.close()
    assert (await london.api.ok("GET", "/api/v1/directory", token=ada["token"]))["items"] == []
